"""CodeDeploy AppSpec files: EC2/on-premises, Amazon ECS and AWS Lambda, told apart by content.

An AppSpec is read by two different programs. For EC2/on-premises the CodeDeploy *agent*
on each instance parses it (lower-case keys only, ``version`` the number 0.0, scripts
under ``hooks``); for ECS and Lambda the CodeDeploy *service* does (``Resources`` with one
target, ``Hooks`` a list of Lambda functions). This module checks each the way its reader
does, with the line of every finding: ``check_text`` returns errors and warnings,
``validate_appspec`` only the errors. ``appspec_hooks`` lists the events a ``hooks``
section may name, in the order CodeDeploy runs them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from cicd_check.documents import Document, close_match, duplicate_findings, load_document
from cicd_check.findings import ERROR, WARNING, Finding, Rule, dotted, errors, rule
from cicd_check.safe_yaml import YamlError

DOCS = "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
STRUCTURE_PAGE = f"{DOCS}reference-appspec-file-structure.html"
RESOURCES_PAGE = f"{DOCS}reference-appspec-file-structure-resources.html"
HOOKS_PAGE = f"{DOCS}reference-appspec-file-structure-hooks.html"
FILES_PAGE = f"{DOCS}reference-appspec-file-structure-files.html"
PERMISSIONS_PAGE = f"{DOCS}reference-appspec-file-structure-permissions.html"
EXAMPLE_PAGE = f"{DOCS}reference-appspec-file-example.html"
TROUBLESHOOTING_PAGE = f"{DOCS}troubleshooting-deployments.html"
PAGE = "appspec"
PLATFORMS = ("Server", "ECS", "Lambda")

# --- lifecycle events (AppSpec 'hooks' section, "Run order of hooks") ---------------------
# EC2/on-premises in-place: the six traffic hooks run only when the deployment group uses
# a Classic, Application or Network Load Balancer. Events CodeDeploy runs itself
# (Start, DownloadBundle, Install, BlockTraffic, AllowTraffic, TestTraffic, End) are left out.
SERVER_HOOKS_WITH_LOAD_BALANCER = (
    "BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall",
    "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
TRAFFIC_HOOKS = ("BeforeBlockTraffic", "AfterBlockTraffic", "BeforeAllowTraffic",
                 "AfterAllowTraffic")
SERVER_HOOKS = tuple(h for h in SERVER_HOOKS_WITH_LOAD_BALANCER if h not in TRAFFIC_HOOKS)
ECS_HOOKS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic",
             "AfterAllowTraffic")
LAMBDA_HOOKS = ("BeforeAllowTraffic", "AfterAllowTraffic")
RESERVED_EVENTS = {
    "Server": ("Start", "DownloadBundle", "Install", "BlockTraffic", "AllowTraffic", "End"),
    "ECS": ("Start", "Install", "TestTraffic", "AllowTraffic", "End"),
    "Lambda": ("Start", "AllowTraffic", "End"),
}


def appspec_hooks(compute_platform: str, *, load_balancer: bool = False) -> list[str]:
    """The events an AppSpec's ``hooks`` may name, in the order CodeDeploy runs them.

    ``"Server"`` (EC2/on-premises, in-place; ``load_balancer``: the deployment group uses
    one), ``"ECS"`` or ``"Lambda"`` (``load_balancer`` has no effect there). The order in
    which a file *lists* its hooks does not matter to CodeDeploy.
    """
    if not isinstance(load_balancer, bool):
        raise ValueError(f"load_balancer: expected True or False, got {load_balancer!r:.40}")
    if compute_platform == "Server":
        return list(SERVER_HOOKS_WITH_LOAD_BALANCER if load_balancer else SERVER_HOOKS)
    if compute_platform == "ECS":
        return list(ECS_HOOKS)
    if compute_platform == "Lambda":
        return list(LAMBDA_HOOKS)
    raise ValueError(f"compute_platform: {compute_platform!r:.60} is not a CodeDeploy compute "
                     f"platform; use one of {', '.join(PLATFORMS)}")


# --- rules -------------------------------------------------------------------------------
SYNTAX = rule("AS001", "invalid-appspec-syntax", ERROR,
              "The AppSpec is not valid YAML or JSON, or not a mapping of sections.",
              fix="Fix the YAML/JSON syntax; an AppSpec is a mapping that starts with "
                  "'version: 0.0'.", source=STRUCTURE_PAGE, page=PAGE)
CLOUDFORMATION = rule("AS002", "cloudformation-syntax-in-appspec", ERROR,
                      "CloudFormation functions (!Ref, !Sub, Fn::GetAtt) in an AppSpec file.",
                      fix="Write the real values (CodePipeline can substitute "
                          "<TASK_DEFINITION>); CodeDeploy does not resolve CloudFormation "
                          "functions in an AppSpec.", source=STRUCTURE_PAGE, page=PAGE)
DUPLICATE = rule("AS003", "duplicate-key", WARNING,
                 "A key appears twice in one mapping; only the last value is used.",
                 fix="Keep one of the two keys.", source=STRUCTURE_PAGE, page=PAGE)
VERSION = rule("AS004", "invalid-version", ERROR,
               "version is missing or is not 0.0 (for EC2/on-premises: the number 0.0).",
               fix="Write 'version: 0.0' (unquoted in an EC2/on-premises AppSpec).",
               source=STRUCTURE_PAGE, page=PAGE)
UNKNOWN_KEY = rule("AS005", "unknown-key", WARNING,
                   "A key CodeDeploy does not read: a misspelt or wrongly cased section "
                   "is silently ignored.",
                   fix="Use the key's exact name (EC2/on-premises keys are lower case).",
                   source=STRUCTURE_PAGE, page=PAGE)
RESOURCES = rule("AS006", "invalid-resources", ERROR,
                 "An ECS or Lambda AppSpec needs Resources: a list of exactly one target "
                 "with Type and Properties.",
                 fix="Name one AWS::Lambda::Function or one AWS::ECS::Service under Resources.",
                 source=RESOURCES_PAGE, page=PAGE)
REQUIRED = rule("AS007", "missing-required-property", ERROR,
                "A required property of the Lambda function or ECS service is missing.",
                fix="Lambda: Name, Alias, CurrentVersion, TargetVersion; ECS: TaskDefinition "
                    "and LoadBalancerInfo with ContainerName and ContainerPort.",
                source=RESOURCES_PAGE, page=PAGE)
BAD_VALUE = rule("AS008", "invalid-property-value", ERROR,
                 "A property has a value CodeDeploy cannot use (a version that is not a "
                 "published number, a port that is not a number, a list for a mapping).",
                 fix="Use the type and values the AppSpec 'resources' reference gives.",
                 source=RESOURCES_PAGE, page=PAGE)
SAME_VERSION = rule("AS009", "target-equals-current-version", WARNING,
                    "TargetVersion equals CurrentVersion: nothing to shift.",
                    fix="Publish a new version and name it as TargetVersion, or skip the "
                        "deployment when the versions match.", source=RESOURCES_PAGE, page=PAGE)
HOOK_EVENT = rule("AS010", "invalid-hook-event", ERROR,
                  "An ECS or Lambda AppSpec names a lifecycle event that cannot run a hook "
                  "on that platform, or names one twice.",
                  fix="Lambda: BeforeAllowTraffic, AfterAllowTraffic; ECS: BeforeInstall, "
                      "AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, "
                      "AfterAllowTraffic.", source=HOOKS_PAGE, page=PAGE)
NEVER_RUNS = rule("AS011", "hook-never-runs", WARNING,
                  "An EC2/on-premises hook under a name the agent never runs (misspelt, "
                  "wrongly cased, or an event reserved for CodeDeploy).",
                  fix="Use one of ApplicationStop, BeforeInstall, AfterInstall, "
                      "ApplicationStart, ValidateService, or a Before/After Block/Allow "
                      "Traffic event.", source=HOOKS_PAGE, page=PAGE)
HOOK_SHAPE = rule("AS012", "invalid-hook", ERROR,
                  "A hook has the wrong shape: ECS/Lambda hooks are '- Event: function', "
                  "EC2/on-premises hooks are scripts with a location and a positive timeout.",
                  fix="Follow the structure of the AppSpec 'hooks' section for the platform.",
                  source=HOOKS_PAGE, page=PAGE)
LOCATION = rule("AS013", "absolute-hook-location", WARNING,
                "A script location starts with '/': the agent reads it inside the revision "
                "bundle, not on the instance's file system.",
                fix="Give the script's path relative to the root of the revision bundle "
                    "(scripts/start.sh).", source=HOOKS_PAGE, page=PAGE)
OS = rule("AS014", "invalid-os", ERROR,
          "An EC2/on-premises AppSpec needs os: linux or os: windows.",
          fix="Add 'os: linux' or 'os: windows'.", source=STRUCTURE_PAGE, page=PAGE)
FILES = rule("AS015", "invalid-files", ERROR,
             "files must be a list of source/destination mappings.",
             fix="Write '- source: <path in the bundle>' and 'destination: <folder on the "
                 "instance>' for each entry.", source=FILES_PAGE, page=PAGE)
PERMISSIONS = rule("AS016", "invalid-permissions", ERROR,
                   "A permissions entry the agent rejects: no object, an unknown type, a "
                   "mode that is not 1-4 octal digits, or permissions on Windows.",
                   fix="Give each entry an object; type: file or directory; mode like 644.",
                   source=PERMISSIONS_PAGE, page=PAGE)
OCTAL_MODE = rule("AS017", "octal-mode-misread", WARNING,
                  "An unquoted mode with a leading zero (0644) is read by YAML as an octal "
                  "number, so the agent applies different permissions.",
                  fix="Write the mode without the leading zero (644) or quote it ('0644').",
                  source=PERMISSIONS_PAGE, page=PAGE)
RUNAS_WINDOWS = rule("AS018", "runas-on-windows", WARNING,
                     "runas in an AppSpec for Windows Server instances, which do not support "
                     "it.", fix="Remove runas from the hooks of an 'os: windows' AppSpec.",
                     source=EXAMPLE_PAGE, page=PAGE)
TIMEOUT = rule("AS019", "hook-timeout-over-an-hour", WARNING,
               "The scripts of one lifecycle event allow more than 3600 seconds in total.",
               fix="Keep the timeouts of each event's scripts within 3600 seconds in total.",
               source=HOOKS_PAGE, page=PAGE)

# --- what CodeDeploy prints (quoted in findings, so a reader can search for them) --------
LAMBDA_INVALID = ("The deployment failed because the AppSpec file that specifies the AWS "
                  "Lambda deployment configuration is missing or has an invalid configuration.")
ECS_NOT_PARSED = ("The AppSpec file must be valid JSON or YAML The input AppSpec file is a not "
                  "well-formed yaml. The template cannot be parsed.")
AGENT_VERSION = ("The deployment failed because an invalid version value ({}) was entered in "
                 "the application specification file.")
AGENT_OS = ("The deployment failed because the application specification file specifies an "
            "unsupported operating system ({}).")
AGENT_NO_LOCATION = ("The deployment failed because the application specification file "
                     "specifies a script with no location value.")
AGENT_TIMEOUT = ("The deployment failed because an invalid timeout value was provided for a "
                 "script in the application specification file.")
AGENT_NO_OBJECT = ("The deployment failed because a permission listed in the application "
                   "specification file has no object value.")
AGENT_WINDOWS_PERMISSIONS = ("The deployment failed because the application specification file "
                             "specifiles file permissions, but the deployment is targeting one "
                             "or more Windows Server instances.")
SCRIPT_MISSING = "Script does not exist at specified location"

FUNCTION_NAME = re.compile(
    r"(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}")
ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")
CFN_TAG = re.compile(r"(?<![\w!])!(Ref|Sub|GetAtt|Join|Select|Split|If|FindInMap|ImportValue|"
                     r"Base64|GetAZs|Cidr|Equals|Not|And|Or|Condition|Transform)\b")
SERVER_KEYS = ("version", "os", "files", "permissions", "hooks", "file_exists_behavior")
SERVICE_KEYS = ("version", "Resources", "Hooks")
LAMBDA_PROPERTIES = ("Name", "Alias", "CurrentVersion", "TargetVersion")
ECS_PROPERTIES = ("TaskDefinition", "LoadBalancerInfo", "PlatformVersion",
                  "NetworkConfiguration", "CapacityProviderStrategy")
SCRIPT_KEYS = ("location", "timeout", "runas", "sudo")
PERMISSION_KEYS = ("object", "pattern", "except", "owner", "group", "mode", "acls", "context",
                   "type")
MAX_HOOK_SECONDS = 3600

Path = tuple[Any, ...]


def _short(value: object) -> str:
    return repr(value)[:60]


def _article(platform: str) -> str:
    return f"an {platform}" if platform == "ECS" else f"a {platform}"


class _Check:
    """One AppSpec being checked: the document, the findings, and a helper to add one."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.found: list[Finding] = []

    def add(self, rule_: Rule, path: Sequence[Any], problem: str, *,
            severity: Any = None) -> None:
        line, column = self.document.where(path)
        self.found.append(rule_.at(dotted(path), problem, line=line, column=column,
                                   severity=severity))


def _find(mapping: Mapping[Any, Any], key: str) -> tuple[Any, Any] | None:
    """The (actual key, value) whose name is ``key`` without regard to case, if any."""
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.lower() == key.lower():
            return candidate, value
    return None


# --- loading -----------------------------------------------------------------------------


def _load(text: str, check_file: str) -> tuple[Document | None, list[Finding]]:
    flavor = "json" if text.lstrip().startswith("{") else "yaml11"
    try:
        return load_document(text, flavor=flavor, what="appspec"), []
    except YamlError as error:
        tag = CFN_TAG.search(text)
        if tag and flavor != "json":
            line = text.count("\n", 0, tag.start()) + 1
            return None, [CLOUDFORMATION.at("", f"CloudFormation syntax in an AppSpec: "
                                                f"{tag.group(0)} (line {line}) is a "
                                                "CloudFormation function, which CodeDeploy "
                                                "does not resolve", line=line)]
        line = getattr(error, "line", None)
        return None, [SYNTAX.at("", str(error), line=line)]


def _intrinsics(check: _Check, value: Any, path: Path, depth: int = 0) -> None:
    """JSON AppSpecs: {"Ref": ...} or {"Fn::Sub": ...} values are CloudFormation syntax."""
    if depth > 50:
        return
    if isinstance(value, Mapping):
        if len(value) == 1:
            (key,) = value
            if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
                check.add(CLOUDFORMATION, path, f"CloudFormation syntax in an AppSpec: {key} "
                          "is a CloudFormation function, which CodeDeploy does not resolve")
                return
        for key, item in value.items():
            _intrinsics(check, item, (*path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _intrinsics(check, item, (*path, index), depth + 1)


# --- platform ------------------------------------------------------------------------------


def platform_of(data: Mapping[Any, Any]) -> str:
    """"Lambda", "ECS" or "Server", from the content (what CodeDeploy would read it as)."""
    found = _find(data, "Resources")
    resources = found[1] if found else None
    if isinstance(resources, list):
        text = repr(resources)[:20_000]
        if "AWS::ECS::Service" in text or "TaskDefinition" in text or "LoadBalancerInfo" in text:
            return "ECS"
        return "Lambda"
    hooks = _find(data, "Hooks")
    if found is not None or (hooks and isinstance(hooks[1], list)):
        events = {str(k) for h in (hooks[1] if hooks and isinstance(hooks[1], list) else [])
                  if isinstance(h, Mapping) for k in h}
        return "ECS" if events & {"BeforeInstall", "AfterInstall", "AfterAllowTestTraffic"} \
            else "Lambda"
    return "Server"


def _version(check: _Check, data: Mapping[Any, Any], platform: str) -> None:
    if platform == "Server":
        if "version" not in data:
            wrong = _find(data, "version")
            hint = f" ({wrong[0]!r} is ignored: the agent reads lower-case keys)" if wrong else ""
            check.add(VERSION, (), "version: missing; add 'version: 0.0'" + hint)
            return
        value = data["version"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != 0:
            shown = "" if value is None else value
            check.add(VERSION, ("version",), f"{_short(value)} is not the number 0.0 (the agent "
                      f"compares with the number; quoting it fails): "
                      f"{AGENT_VERSION.format(shown)}")
        return
    found = _find(data, "version")
    if found is None:
        check.add(VERSION, (), "version: missing; add 'version: 0.0'")
        return
    key, value = found
    ok = value == "0.0" or (isinstance(value, float) and value == 0.0)
    if not ok:
        check.add(VERSION, (key,), f"{_short(value)} is not 0.0, the only AppSpec version")


# --- EC2/on-premises ----------------------------------------------------------------------


def _server(check: _Check, data: Mapping[Any, Any]) -> None:
    for key in data:
        if key in SERVER_KEYS:
            continue
        if isinstance(key, str) and key.lower() in SERVER_KEYS:
            if key.lower() != "version":
                check.add(UNKNOWN_KEY, (key,), f"the agent reads only '{key.lower()}' (lower "
                          "case): this section is ignored")
            continue
        hint = close_match(str(key), SERVER_KEYS)
        check.add(UNKNOWN_KEY, (key,), "not an EC2/on-premises AppSpec key; ignored"
                  + (f" (did you mean {hint!r}?)" if hint else ""))
    os_name = data.get("os")
    if os_name not in ("linux", "windows"):
        shown = "" if os_name is None else os_name
        check.add(OS, ("os",) if "os" in data else (),
                  f"os: {_short(os_name) if os_name is not None else 'missing'}; use linux or "
                  f"windows: {AGENT_OS.format(shown)}")
    _files(check, data.get("files"))
    _permissions(check, data.get("permissions"), os_name)
    _server_hooks(check, data.get("hooks"), os_name)


def _files(check: _Check, files: Any) -> None:
    if files is None:
        return
    if not isinstance(files, list):
        check.add(FILES, ("files",), "expected a list of '- source: ... destination: ...'")
        return
    for index, entry in enumerate(files):
        path = ("files", index)
        if not isinstance(entry, Mapping):
            check.add(FILES, path, "expected a mapping with source and destination")
            continue
        for key in ("source", "destination"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                check.add(FILES, (*path, key), "required: a path" if value is None
                          else f"{_short(value)} is not a path")
        for key in entry:
            if key not in ("source", "destination"):
                check.add(UNKNOWN_KEY, (*path, key), "not a files key (source, destination)")


def _permissions(check: _Check, permissions: Any, os_name: Any) -> None:
    if permissions is None:
        return
    if not isinstance(permissions, list):
        check.add(PERMISSIONS, ("permissions",), "expected a list of permission entries")
        return
    if permissions and os_name == "windows":
        check.add(PERMISSIONS, ("permissions",), "permissions apply to Linux instances only: "
                  + AGENT_WINDOWS_PERMISSIONS)
    for index, entry in enumerate(permissions):
        path = ("permissions", index)
        if not isinstance(entry, Mapping):
            check.add(PERMISSIONS, path, "expected a mapping with an object")
            continue
        if entry.get("object") is None:
            check.add(PERMISSIONS, path, f"object: required: {AGENT_NO_OBJECT}")
        types = entry.get("type")
        if types is not None:
            items = types if isinstance(types, list) else [types]
            for item in items:
                if item not in ("file", "directory"):
                    check.add(PERMISSIONS, (*path, "type"), f"{_short(item)} is not file or "
                              "directory")
        if "mode" in entry:
            _mode(check, (*path, "mode"), entry["mode"])
        for key in entry:
            if key not in PERMISSION_KEYS:
                check.add(UNKNOWN_KEY, (*path, key), "not a permissions key ("
                          + ", ".join(PERMISSION_KEYS) + ")")


def _mode(check: _Check, path: Path, value: Any) -> None:
    """The agent turns the mode into text and wants 1-4 octal digits (ModeInfo)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        check.add(PERMISSIONS, path, f"{_short(value)} is not a mode such as 644")
        return
    agent_text = str(value)
    line = check.document.line(path)
    raw_lines = check.document.text.splitlines()
    raw = raw_lines[line - 1] if line and line <= len(raw_lines) else ""
    octal = isinstance(value, int) and re.search(r"\bmode\s*:\s*0[0-7]+\s*(#.*)?$", raw)
    valid = 1 <= len(agent_text) <= 4 and all(c in "01234567" for c in agent_text)
    if octal:
        written = raw.split(":", 1)[1].split("#")[0].strip()
        if valid:
            check.add(OCTAL_MODE, path, f"{written} is read as the octal number {value}, so the "
                      f"agent applies mode {agent_text}, not {written}; write "
                      f"{written.lstrip('0') or '0'} or '{written}'")
        else:
            check.add(PERMISSIONS, path, f"{written} is read as the octal number {value}, and "
                      f"the agent rejects mode {agent_text}; write {written.lstrip('0') or '0'}")
    elif not valid:
        check.add(PERMISSIONS, path, f"{_short(value)} is not a mode of 1-4 octal digits")


def _server_hooks(check: _Check, hooks: Any, os_name: Any) -> None:
    if hooks is None:
        return
    if not isinstance(hooks, Mapping):
        check.add(HOOK_SHAPE, ("hooks",), "expected a mapping of lifecycle event names to "
                  "lists of scripts")
        return
    for event, scripts in hooks.items():
        path = ("hooks", event)
        if event not in SERVER_HOOKS_WITH_LOAD_BALANCER:
            if event in RESERVED_EVENTS["Server"]:
                why = "is run by CodeDeploy itself and cannot run scripts"
            else:
                hint = close_match(str(event), SERVER_HOOKS_WITH_LOAD_BALANCER)
                why = ("is not a lifecycle event" + (f" (did you mean {hint!r}?)" if hint
                                                     else ""))
            check.add(NEVER_RUNS, path, f"{_short(event)} {why}: these scripts never run")
        if not isinstance(scripts, list):
            check.add(HOOK_SHAPE, path, "expected a list of '- location: <script>' entries")
            continue
        total = 0
        for index, script in enumerate(scripts):
            total += _script(check, (*path, index), script, os_name)
        if total > MAX_HOOK_SECONDS:
            check.add(TIMEOUT, path, f"the timeouts add up to {total} s; an event's scripts "
                      f"must finish within {MAX_HOOK_SECONDS} s or the deployment fails")


def _script(check: _Check, path: Path, script: Any, os_name: Any) -> int:
    """Check one script entry; the timeout it states, in seconds (0 when it states none)."""
    if not isinstance(script, Mapping):
        check.add(HOOK_SHAPE, path, "expected a mapping with a location")
        return 0
    location = script.get("location")
    if location is None or not str(location).strip():
        check.add(HOOK_SHAPE, (*path, "location"), f"required: {AGENT_NO_LOCATION}")
    elif isinstance(location, str) and location.startswith("/"):
        check.add(LOCATION, (*path, "location"), f"{location[:80]!r} is read inside the "
                  "revision bundle, not from the instance's disk; if the bundle has no such "
                  f"file the deployment fails with '{SCRIPT_MISSING}'")
    for key in script:
        if key not in SCRIPT_KEYS:
            hint = close_match(str(key), SCRIPT_KEYS)
            check.add(UNKNOWN_KEY, (*path, key), "not a hook script key; ignored"
                      + (f" (did you mean {hint!r}?)" if hint else ""))
    if "runas" in script and os_name == "windows":
        check.add(RUNAS_WINDOWS, (*path, "runas"), "Windows Server instances do not support "
                  "runas; remove it")
    timeout = script.get("timeout")
    if timeout is None:  # the agent's default (3600 s); AWS's own examples leave it out twice
        return 0
    number = timeout if isinstance(timeout, int) and not isinstance(timeout, bool) else None
    if isinstance(timeout, str) and timeout.strip().isdigit() and len(timeout) < 10:
        number = int(timeout)
    if number is None or number <= 0:
        check.add(HOOK_SHAPE, (*path, "timeout"), f"{_short(timeout)} is not a positive number "
                  f"of seconds: {AGENT_TIMEOUT}")
        return 0
    return number


# --- ECS and Lambda -----------------------------------------------------------------------


def _service(check: _Check, data: Mapping[Any, Any], platform: str) -> None:
    lowered = {k.lower(): k for k in SERVICE_KEYS}
    for key in data:
        if isinstance(key, str) and key.lower() in lowered:
            continue
        hint = close_match(str(key), SERVICE_KEYS)
        check.add(UNKNOWN_KEY, (key,), f"not an AppSpec key for {platform} (version, Resources, "
                  "Hooks); ignored" + (f" (did you mean {hint!r}?)" if hint else ""))
    found = _find(data, "Resources")
    if found is None:
        check.add(RESOURCES, (), f"Resources: missing; name the {platform} target to deploy")
    else:
        _resources(check, found, platform)
    hooks = _find(data, "Hooks")
    if hooks is not None:
        _service_hooks(check, hooks, platform)


def _resources(check: _Check, found: tuple[Any, Any], platform: str) -> None:
    key, resources = found
    what = "one Lambda function" if platform == "Lambda" else "one ECS service (TargetService)"
    if not isinstance(resources, list) or len(resources) != 1:
        check.add(RESOURCES, (key,), f"expected a list with exactly {what}")
        return
    entry = resources[0]
    if not isinstance(entry, Mapping) or len(entry) != 1:
        check.add(RESOURCES, (key, 0), "expected one '<logical name>:' mapping")
        return
    ((logical, body),) = entry.items()
    path = (key, 0, logical)
    if not isinstance(body, Mapping):
        check.add(RESOURCES, path, "expected Type and Properties")
        return
    wanted = "AWS::Lambda::Function" if platform == "Lambda" else "AWS::ECS::Service"
    type_ = _find(body, "Type")
    if type_ is None:
        check.add(RESOURCES, path, f"Type: required; must be {wanted}")
    elif type_[1] != wanted:
        check.add(RESOURCES, (*path, type_[0]), f"must be {wanted}, not {_short(type_[1])}")
    properties = _find(body, "Properties")
    if properties is None or not isinstance(properties[1], Mapping):
        names = LAMBDA_PROPERTIES if platform == "Lambda" else ("TaskDefinition",
                                                                "LoadBalancerInfo")
        check.add(REQUIRED, path, f"Properties: missing ({', '.join(names)} are required)")
        return
    ppath = (*path, properties[0])
    if platform == "Lambda":
        _lambda_properties(check, ppath, properties[1])
    else:
        _ecs_properties(check, ppath, properties[1])


def _published_version(check: _Check, path: Path, name: str, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        number = int(value)
    else:
        check.add(BAD_VALUE, path, f"{_short(value)} is not a published version number "
                  f"(no $LATEST, no alias names): {LAMBDA_INVALID}")
        return None
    if number < 1:
        check.add(BAD_VALUE, path, f"versions start at 1: {LAMBDA_INVALID}")
        return None
    return number


def _lambda_properties(check: _Check, path: Path, properties: Mapping[Any, Any]) -> None:
    values: dict[str, Any] = {}
    for name in LAMBDA_PROPERTIES:
        found = _find(properties, name)
        if found is None or found[1] is None:
            check.add(REQUIRED, path, f"{name}: required: {LAMBDA_INVALID}")
        else:
            values[name] = found
    for key in properties:
        if not (isinstance(key, str) and key.lower() in {p.lower() for p in LAMBDA_PROPERTIES}):
            check.add(UNKNOWN_KEY, (*path, key), "not a Lambda AppSpec property ("
                      + ", ".join(LAMBDA_PROPERTIES) + ")")
    if "Name" in values:
        key, value = values["Name"]
        if not (isinstance(value, str) and FUNCTION_NAME.fullmatch(value)):
            check.add(BAD_VALUE, (*path, key), f"{_short(value)} is not a function name")
    if "Alias" in values:
        key, value = values["Alias"]
        if not (isinstance(value, str) and ALIAS_NAME.fullmatch(value)):
            check.add(BAD_VALUE, (*path, key), f"{_short(value)} is not an alias name")
    numbers = {}
    for name in ("CurrentVersion", "TargetVersion"):
        if name in values:
            key, value = values[name]
            numbers[name] = _published_version(check, (*path, key), name, value)
    current, target = numbers.get("CurrentVersion"), numbers.get("TargetVersion")
    if current is not None and current == target:
        key = values["TargetVersion"][0]
        check.add(SAME_VERSION, (*path, key), f"{target} equals CurrentVersion: "
                  "under a canary or linear configuration CodeDeploy refuses the deployment "
                  f"({LAMBDA_INVALID}); under AllAtOnce nothing moves")


def _ecs_properties(check: _Check, path: Path, properties: Mapping[Any, Any]) -> None:
    for key in properties:
        if not (isinstance(key, str) and key.lower() in {p.lower() for p in ECS_PROPERTIES}):
            hint = close_match(str(key), ECS_PROPERTIES)
            check.add(UNKNOWN_KEY, (*path, key), "not an ECS AppSpec property"
                      + (f" (did you mean {hint!r}?)" if hint else ""))
    task = _find(properties, "TaskDefinition")
    if task is None or task[1] is None:
        check.add(REQUIRED, path, "TaskDefinition: required (the task definition's ARN, or "
                  "<TASK_DEFINITION> for CodePipeline to fill in)")
    elif not isinstance(task[1], str) or not task[1].strip():
        check.add(BAD_VALUE, (*path, task[0]), f"{_short(task[1])} is not a task "
                  "definition ARN")
    info = _find(properties, "LoadBalancerInfo")
    if info is None or info[1] is None:
        check.add(REQUIRED, path, "LoadBalancerInfo: required (ContainerName and ContainerPort)")
    elif not isinstance(info[1], Mapping):
        check.add(BAD_VALUE, (*path, info[0]), "expected a mapping with "
                  f"ContainerName and ContainerPort, not a {type(info[1]).__name__}; CodeDeploy: "
                  f"{ECS_NOT_PARSED}")
    else:
        _load_balancer_info(check, (*path, info[0]), info[1])
    network = _find(properties, "NetworkConfiguration")
    if network is not None:
        _network(check, (*path, network[0]), network[1])


def _load_balancer_info(check: _Check, path: Path, info: Mapping[Any, Any]) -> None:
    name = _find(info, "ContainerName")
    if name is None or name[1] is None:
        check.add(REQUIRED, path, "ContainerName: required (a container of the task definition)")
    elif not isinstance(name[1], str) or not name[1].strip():
        check.add(BAD_VALUE, (*path, name[0]), f"{_short(name[1])} is not a "
                  "container name")
    port = _find(info, "ContainerPort")
    if port is None or port[1] is None:
        check.add(REQUIRED, path, "ContainerPort: required (the container's port number)")
        return
    value = port[1]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return
    if isinstance(value, str) and value.strip().isdigit() and 1 <= int(value[:6]) <= 65535:
        check.add(BAD_VALUE, (*path, port[0]), f"{value!r} is a string; AWS's "
                  "reference says ContainerPort is a number: write it without quotes",
                  severity=WARNING)
        return
    check.add(BAD_VALUE, (*path, port[0]), f"{_short(value)} is not a port "
              "number (1-65535)")


def _network(check: _Check, path: Path, network: Any) -> None:
    awsvpc = _find(network, "AwsvpcConfiguration") if isinstance(network, Mapping) else None
    if awsvpc is None or not isinstance(awsvpc[1], Mapping):
        check.add(BAD_VALUE, path, "NetworkConfiguration: expected AwsvpcConfiguration with "
                  "Subnets, SecurityGroups and AssignPublicIp")
        return
    path = (*path, awsvpc[0])
    settings = {name: _find(awsvpc[1], name) for name in ("Subnets", "SecurityGroups",
                                                          "AssignPublicIp")}
    missing = [name for name, found in settings.items() if found is None]
    if missing and len(missing) < 3:
        check.add(BAD_VALUE, path, f"{', '.join(missing)}: missing; all or none of Subnets, "
                  "SecurityGroups and AssignPublicIp must be given")
    for name in ("Subnets", "SecurityGroups"):
        found = settings[name]
        if found is not None and not (isinstance(found[1], list) and found[1]
                                      and all(isinstance(i, str) and i for i in found[1])):
            check.add(BAD_VALUE, (*path, found[0]), "expected a list of IDs")
    public = settings["AssignPublicIp"]
    if public is not None and public[1] not in ("ENABLED", "DISABLED"):
        check.add(BAD_VALUE, (*path, public[0]), f"{_short(public[1])} is not "
                  "ENABLED or DISABLED")


def _service_hooks(check: _Check, found: tuple[Any, Any], platform: str) -> None:
    key, hooks = found
    allowed = LAMBDA_HOOKS if platform == "Lambda" else ECS_HOOKS
    if not isinstance(hooks, list):
        check.add(HOOK_SHAPE, (key,), f"expected a list such as '- {allowed[0]}: <function>'")
        return
    seen: set[str] = set()
    for index, hook in enumerate(hooks):
        path = (key, index)
        if not isinstance(hook, Mapping) or len(hook) != 1:
            check.add(HOOK_SHAPE, path, "expected one '<event>: <function>' pair")
            continue
        ((event, function),) = hook.items()
        if event not in allowed:
            reserved = event in RESERVED_EVENTS[platform]
            hint = None if reserved else close_match(str(event), allowed)
            check.add(HOOK_EVENT, (*path, event), f"{_short(event)} cannot run a hook in "
                      f"{_article(platform)} deployment; only {', '.join(allowed)} can"
                      + (f" (did you mean {hint!r}?)" if hint else ""))
        elif event in seen:
            check.add(HOOK_EVENT, (*path, event), f"{event} appears twice; each hook runs once")
        seen.add(str(event))
        if not isinstance(function, str) or not FUNCTION_NAME.fullmatch(function):
            check.add(HOOK_SHAPE, (*path, event), f"{_short(function)} is not a function name")


# --- entry points -------------------------------------------------------------------------


def check_text(text: str, *, file: str = "<text>", on: datetime.date | None = None
               ) -> list[Finding]:
    """Every finding (errors and warnings) in an AppSpec file's text, with lines."""
    del on  # no AppSpec rule depends on the date
    if not isinstance(text, str):
        return [SYNTAX.at("appspec", f"expected text, got {type(text).__name__}", file=file)]
    document, found = _load(text, file)
    if document is None:
        return [f.located(file=file) for f in found]
    data = document.data
    if not isinstance(data, Mapping):
        shown = "an empty file" if data is None else f"a {type(data).__name__}"
        return [SYNTAX.at("appspec", f"expected a mapping that starts with 'version: 0.0', got "
                                     f"{shown}", line=1, file=file)]
    check = _Check(document)
    check.found += duplicate_findings(document, DUPLICATE)
    _intrinsics(check, data, ())
    platform = platform_of(data)
    _version(check, data, platform)
    if platform == "Server":
        _server(check, data)
    else:
        _service(check, data, platform)
    return [f.located(file=file) for f in check.found]


def validate_appspec(text: object) -> list[Finding]:
    """The errors in an AppSpec (YAML or JSON text); [] when CodeDeploy can use it."""
    return errors(check_text(text))  # type: ignore[arg-type]
