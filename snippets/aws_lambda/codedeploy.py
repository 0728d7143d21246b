"""CodeDeploy for Lambda: traffic schedules, the deployment lifecycle, AppSpec and SAM checks.

A CodeDeploy Lambda deployment moves an alias from one published version to another by
changing the alias's routing weights on a schedule. The schedules, the lifecycle and the
rules for AppSpec files and SAM ``DeploymentPreference`` live here, in one place, so the
page's table and chart, the tests and the command-line tool all read the same data.

Run ``python -m snippets.aws_lambda.codedeploy --help`` for the command-line tool.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable
from cicd_check.safe_yaml import Flavor, YamlError, load_yaml

CONFIGS_PAGE = "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html"
QUOTAS_PAGE = "https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html"
APPSPEC_PAGE = (
    "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
    "reference-appspec-file-structure-resources.html"
)
HOOKS_PAGE = (
    "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
    "reference-appspec-file-structure-hooks.html"
)
SAM_PAGE = (
    "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
    "sam-property-function-deploymentpreference.html"
)
PIPELINE_ACTION_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-LambdaDeploy.html"
)

PREFIX = "CodeDeployDefault."
HOOK_TIMEOUT_MINUTES = 60  # a hook must report back within one hour
MAX_SHIFT_MINUTES = 48 * 60  # CodeDeploy quota: first to last traffic shift of a Lambda deployment
MAX_PIPELINE_WAIT_MINUTES = 2 * 24 * 60  # CodePipeline Lambda deploy action: total wait <= 2 days
MAX_TEXT_BYTES = 1024 * 1024  # the most this module reads from a reader's file

Schedule = list[tuple[int, int]]


# --8<-- [start:configs]
@dataclass(frozen=True)
class ShiftConfig:
    """One Lambda traffic-shifting configuration: how much, and how often."""

    kind: str  # "Canary", "Linear" or "AllAtOnce"
    percentage: int = 100
    interval: int = 0  # minutes

    @property
    def sam_name(self) -> str:
        if self.kind == "Canary":
            return f"Canary{self.percentage}Percent{self.interval}Minutes"
        if self.kind == "Linear":
            unit = "Minute" if self.interval == 1 else "Minutes"
            return f"Linear{self.percentage}PercentEvery{self.interval}{unit}"
        return "AllAtOnce"

    @property
    def name(self) -> str:
        """The CodeDeploy name, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes."""
        return f"{PREFIX}Lambda{self.sam_name}"


PREDEFINED: tuple[ShiftConfig, ...] = (
    ShiftConfig("Canary", 10, 5),
    ShiftConfig("Canary", 10, 10),
    ShiftConfig("Canary", 10, 15),
    ShiftConfig("Canary", 10, 30),
    ShiftConfig("Linear", 10, 1),
    ShiftConfig("Linear", 10, 2),
    ShiftConfig("Linear", 10, 3),
    ShiftConfig("Linear", 10, 10),
    ShiftConfig("AllAtOnce"),
)
# --8<-- [end:configs]

VALID_NAMES: tuple[str, ...] = tuple(config.name for config in PREDEFINED)
_BY_NAME: dict[str, ShiftConfig] = {}
for _config in PREDEFINED:
    _BY_NAME[_config.name] = _config
    _BY_NAME[_config.name.removeprefix(PREFIX)] = _config
    _BY_NAME[_config.sam_name] = _config


def resolve_config(config: object) -> ShiftConfig:
    """The predefined Lambda configuration called ``config``, by any of its three names."""
    if isinstance(config, str) and config in _BY_NAME:
        return _BY_NAME[config]
    shown = repr(config)[:60] if config != "" else "the empty string"
    raise ValueError(
        f"config: {shown} is not a predefined Lambda deployment configuration; valid names: "
        + ", ".join(VALID_NAMES)
        + " (the CodeDeployDefault. prefix, or the Lambda prefix too as in SAM, may be left off)"
    )


# --8<-- [start:schedule]
def _steps(config: ShiftConfig) -> Schedule:
    if config.kind == "AllAtOnce":
        return [(0, 100)]
    if config.kind == "Canary":  # two increments: the canary now, the rest one interval later
        return [(0, config.percentage), (config.interval, 100)]
    steps = math.ceil(100 / config.percentage)  # linear: one increment per interval
    return [(i * config.interval, min(100, (i + 1) * config.percentage)) for i in range(steps)]


def traffic_schedule(config: str) -> Schedule:
    """(minute, percent on the new version) for a predefined config, from 0 to 100 %."""
    return _steps(resolve_config(config))
# --8<-- [end:schedule]


def time_to_full(schedule: Sequence[tuple[int, int]]) -> int:
    """Minutes from the first shift until the new version takes all traffic."""
    return schedule[-1][0]


# --8<-- [start:custom]
CUSTOM_KINDS = {"TimeBasedCanary": "Canary", "TimeBasedLinear": "Linear", "AllAtOnce": "AllAtOnce"}


def _whole_number(field: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected a whole number, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{field}: must be {low}-{high}, got {value}")
    return value


def custom_schedule(kind: str, percentage: int | None = None, interval: int | None = None
                    ) -> Schedule:
    """The schedule of a custom Lambda config (CreateDeploymentConfig trafficRoutingConfig)."""
    if not isinstance(kind, str) or kind not in CUSTOM_KINDS:
        raise ValueError(
            f"kind: {str(kind)[:40]!r} is not a traffic routing type; use one of "
            + ", ".join(CUSTOM_KINDS)
        )
    if kind == "AllAtOnce":
        if percentage is not None or interval is not None:
            raise ValueError("AllAtOnce: takes no percentage or interval")
        return [(0, 100)]
    prefix = "canary" if kind == "TimeBasedCanary" else "linear"
    pct = _whole_number(f"{prefix}Percentage", percentage, 1, 99)
    minutes = _whole_number(f"{prefix}Interval", interval, 1, MAX_SHIFT_MINUTES)
    schedule = _steps(ShiftConfig(CUSTOM_KINDS[kind], pct, minutes))
    if time_to_full(schedule) > MAX_SHIFT_MINUTES:
        raise ValueError(
            f"{prefix}Interval: {len(schedule) - 1} intervals of {minutes} min take "
            f"{time_to_full(schedule)} min; CodeDeploy allows at most {MAX_SHIFT_MINUTES} min "
            "(48 hours) between the first and the last traffic shift"
        )
    return schedule


def deployment_config_request(name: str, kind: str, percentage: int | None = None,
                              interval: int | None = None) -> dict[str, Any]:
    """The CreateDeploymentConfig request for a custom Lambda config (checked first)."""
    custom_schedule(kind, percentage, interval)
    routing: dict[str, Any] = {"type": kind}
    if kind == "TimeBasedCanary":
        routing["timeBasedCanary"] = {"canaryPercentage": percentage, "canaryInterval": interval}
    elif kind == "TimeBasedLinear":
        routing["timeBasedLinear"] = {"linearPercentage": percentage, "linearInterval": interval}
    return {"deploymentConfigName": name, "computePlatform": "Lambda",
            "trafficRoutingConfig": routing}
# --8<-- [end:custom]


def describe(config: ShiftConfig) -> str:
    if config.kind == "Canary":
        rest = 100 - config.percentage
        return f"{config.percentage} % at once, the other {rest} % {config.interval} min later"
    if config.kind == "Linear":
        steps = len(_steps(config))
        every = "minute" if config.interval == 1 else f"{config.interval} minutes"
        return f"{config.percentage} % more every {every} ({steps} increments)"
    return "100 % at once"


def config_table() -> str:
    """The page's table of the nine predefined configurations, generated from the schedules."""
    lines = [
        "| CodeDeploy name | SAM `Type` | What moves | Time to 100 % |",
        "|---|---|---|---:|",
    ]
    for config in PREDEFINED:
        minutes = time_to_full(_steps(config))
        lines.append(
            f"| `{config.name}` | `{config.sam_name}` | {describe(config)} | {minutes} min |"
        )
    return "\n".join(lines)


# mermaid's xychart draws on a white card with black axes whatever the colour scheme; this
# styles it with the theme's own colours instead, so the chart reads in light and dark mode.
CHART_CSS = (
    ".background { fill: transparent; } "
    "text { fill: var(--md-default-fg-color); } "
    "path { stroke: var(--md-default-fg-color--light); } "
    ".plot rect { fill: var(--md-accent-fg-color); }"
)


def traffic_chart(config: str) -> str:
    """A mermaid bar chart of the traffic on the new version, minute by minute."""
    schedule = traffic_schedule(config)
    minutes = list(range(time_to_full(schedule) + 1))
    percents = [max(p for m, p in schedule if m <= minute) for minute in minutes]
    name = resolve_config(config).sam_name
    return "\n".join([
        '%%{init: {"themeCSS": "' + CHART_CSS + '"}}%%',
        "xychart-beta",
        f'    title "{name}: traffic on the new version"',
        f'    x-axis "minute" [{", ".join(str(m) for m in minutes)}]',
        '    y-axis "percent" 0 --> 100',
        f"    bar [{', '.join(str(p) for p in percents)}]",
    ])


# --8<-- [start:simulate]
@dataclass(frozen=True)
class Step:
    """One line of a deployment's timeline."""

    minute: float
    event: str
    new_version_percent: int
    note: str = ""


@dataclass(frozen=True)
class DeploymentRun:
    succeeded: bool
    steps: tuple[Step, ...]

    @property
    def final_percent(self) -> int:
        return self.steps[-1].new_version_percent


HOOK_OUTCOMES = ("Succeeded", "Failed", "NoResponse")


def _hook(name: str, outcome: str | None, start: float, minutes: float
          ) -> tuple[float, Step | None, bool]:
    """Run one hook: (when it ends, its step, whether the deployment may go on)."""
    if outcome is None:
        return start, None, True
    if outcome == "NoResponse":
        end = start + HOOK_TIMEOUT_MINUTES
        return end, Step(end, name, 0, "no status reported within 1 hour: Failed"), False
    end = start + minutes
    return end, Step(end, name, 0, f"hook reported {outcome}"), outcome == "Succeeded"


def simulate_deployment(
    config: str,
    *,
    before_hook: str | None = "Succeeded",
    after_hook: str | None = "Succeeded",
    alarm_at: float | None = None,
    hook_minutes: float = 1,
) -> DeploymentRun:
    """Start, BeforeAllowTraffic, the traffic shifts, AfterAllowTraffic, End — or a rollback.

    ``before_hook``/``after_hook``: "Succeeded", "Failed", "NoResponse" (the hook never calls
    PutLifecycleEventHookExecutionStatus) or None (no hook). ``alarm_at``: the minute a
    CloudWatch alarm of the deployment group goes into ALARM. Assumes automatic rollback is
    on, as in the deployment groups SAM creates.
    """
    schedule = traffic_schedule(config)
    for field, outcome in (("before_hook", before_hook), ("after_hook", after_hook)):
        if outcome is not None and outcome not in HOOK_OUTCOMES:
            raise ValueError(f"{field}: {str(outcome)[:40]!r} is not one of {HOOK_OUTCOMES}")
    for field, value, high in (("alarm_at", alarm_at, math.inf),
                               ("hook_minutes", hook_minutes, HOOK_TIMEOUT_MINUTES)):
        if value is None and field == "alarm_at":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and 0 <= value <= high
        ):
            raise ValueError(f"{field}: expected minutes between 0 and {high}, got {value!r:.40}")

    planned: list[Step] = [Step(0, "Start", 0)]
    now, step, ok = _hook("BeforeAllowTraffic", before_hook, 0, hook_minutes)
    planned += [step] if step else []
    if ok:
        for minute, percent in schedule:
            note = (f"alias weights: {100 - percent} % original, {percent} % new" if percent < 100
                    else "the alias now points at the new version")
            planned.append(Step(now + minute, "AllowTraffic", percent, note))
        now += time_to_full(schedule)
        now, step, ok = _hook("AfterAllowTraffic", after_hook, now, hook_minutes)
        if step:
            planned.append(Step(step.minute, step.event, 100, step.note))
    if alarm_at is not None and alarm_at <= now:
        kept = [s for s in planned if s.minute < alarm_at or s.event == "Start"]
        shifted = kept[-1].new_version_percent
        kept.append(Step(alarm_at, "Alarm", shifted, "CloudWatch alarm in ALARM: stop"))
        kept.append(Step(alarm_at, "Rollback", 0, "alias back on the original version"))
        return DeploymentRun(False, (*kept, Step(alarm_at, "End", 0, "stopped by the alarm")))
    if not ok:
        planned.append(Step(now, "Rollback", 0, "alias back on the original version"))
        return DeploymentRun(False, (*planned, Step(now, "End", 0, "deployment failed")))
    return DeploymentRun(True, (*planned, Step(now, "End", 100, "deployment succeeded")))
# --8<-- [end:simulate]


def timeline_table(run: DeploymentRun) -> str:
    """A deployment's timeline as a Markdown table (the page shows two, generated here)."""
    lines = ["| Minute | Event | On the new version | What happened |", "|---:|---|---:|---|"]
    for step in run.steps:
        lines.append(f"| {step.minute:g} | {step.event} | {step.new_version_percent} % "
                     f"| {step.note or '–'} |")
    return "\n".join(lines)


TIMELINES = {
    "clean": lambda: simulate_deployment("Canary10Percent5Minutes"),
    "alarm": lambda: simulate_deployment("Linear10PercentEvery1Minute", alarm_at=4.5),
}


# --8<-- [start:hook]
def _client(service: str, client: Any = None) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client(service)


def version_is_ready(function_arn: str, *, client: Any = None) -> list[str]:
    """The target is a published version, Active, and its last update succeeded."""
    if not isinstance(function_arn, str) or not re.fullmatch(r"arn:aws[\w-]*:lambda:.+:\d+",
                                                             function_arn):
        return [f"target: {str(function_arn)[:80]!r} is not a published version ARN (...:<n>)"]
    config = _client("lambda", client).get_function_configuration(FunctionName=function_arn)
    problems = []
    if config.get("State", "Active") != "Active":
        problems.append(f"target: state is {config['State']}, not Active")
    if config.get("LastUpdateStatus", "Successful") != "Successful":
        problems.append(f"target: last update is {config['LastUpdateStatus']}")
    return problems


def report_hook_result(
    event: Mapping[str, Any],
    checks: Iterable[Callable[[], list[str]]],
    *,
    codedeploy: Any = None,
) -> str:
    """Run the checks, then ALWAYS tell CodeDeploy Succeeded or Failed; return the status.

    A check that raises counts as a failure: a hook that crashes before reporting would
    leave the deployment waiting for the one-hour timeout.
    """
    ids = {}
    for key in ("DeploymentId", "LifecycleEventHookExecutionId"):
        value = event.get(key) if isinstance(event, Mapping) else None
        if not isinstance(value, str) or not value:
            raise ValueError(f"event: missing {key}; is this a CodeDeploy lifecycle hook event?")
        ids[key] = value
    problems: list[str] = []
    for check in checks:
        try:
            problems += check()
        except Exception as error:  # report, never leave CodeDeploy waiting
            problems.append(f"{getattr(check, '__name__', 'check')} raised {error!r}")
    status = "Failed" if problems else "Succeeded"
    for problem in problems:
        print(f"pre-traffic check failed: {problem}")  # goes to CloudWatch Logs
    _client("codedeploy", codedeploy).put_lifecycle_event_hook_execution_status(
        deploymentId=ids["DeploymentId"],
        lifecycleEventHookExecutionId=ids["LifecycleEventHookExecutionId"],
        status=status,
    )
    return status


def handler(event: Mapping[str, Any], context: object) -> str:
    """The pre-traffic hook Lambda runs: check the version SAM passes in TARGET_VERSION_ARN."""
    target = os.environ.get("TARGET_VERSION_ARN", "")
    return report_hook_result(event, [lambda: version_is_ready(target)])
# --8<-- [end:hook]


# --8<-- [start:appspec]
LAMBDA_HOOKS = ("BeforeAllowTraffic", "AfterAllowTraffic")
PROPERTIES = ("Name", "Alias", "CurrentVersion", "TargetVersion")
FUNCTION_NAME = re.compile(
    r"(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}"
)
ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")


def _get(mapping: Mapping[Any, Any], key: str) -> Any:
    """AppSpec keys are matched without regard to case (AWS's own examples use both)."""
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.lower() == key.lower():
            return value
    return None


def _load(text: object, what: str, flavor: Flavor = "yaml11") -> tuple[Any, list[str]]:
    """Parse a reader's YAML or JSON with the handbook's bounded safe loader."""
    if not isinstance(text, str):
        return None, [f"{what}: expected text, got {type(text).__name__}"]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        return None, [f"{what}: larger than {MAX_TEXT_BYTES:,} bytes"]
    if text.lstrip().startswith(("{", "[")):
        try:  # JSON first: AWS's JSON examples are indented with tabs, which YAML forbids
            return json.loads(text), []
        except (ValueError, RecursionError):
            pass
    try:
        return load_yaml(text, flavor=flavor, what=what, max_chars=MAX_TEXT_BYTES), []
    except YamlError as error:
        return None, [str(error)]


def _version(field: str, value: object) -> tuple[int | None, str | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None, f"{field}: {str(value)[:40]!r} is not a published version number"
    return (number, None) if number >= 1 else (None, f"{field}: versions start at 1")


def validate_appspec(text: object) -> list[str]:
    """Problems in a Lambda AppSpec file (YAML or JSON text); [] when CodeDeploy can use it."""
    document, problems = _load(text, "appspec")
    if problems:
        return problems
    if not isinstance(document, Mapping):
        return ["appspec: expected a mapping with version, Resources and Hooks"]
    known = {"version", "resources", "hooks"}
    for key in document:
        if not isinstance(key, str) or key.lower() not in known:
            problems.append(f"{str(key)[:40]!r}: not an AppSpec key for Lambda "
                            "(version, Resources, Hooks)")
    version = _get(document, "version")
    if not (version == "0.0" or (isinstance(version, float) and version == 0.0)):
        problems.append("version: must be 0.0")
    problems += _resources(_get(document, "Resources"))
    problems += _hooks(_get(document, "Hooks"))
    return problems


def _resources(resources: object) -> list[str]:
    if not isinstance(resources, list) or len(resources) != 1:
        return ["Resources: expected a list with exactly one Lambda function"]
    entry = resources[0]
    if not isinstance(entry, Mapping) or len(entry) != 1:
        return ["Resources[0]: expected one '<logical name>:' mapping"]
    (logical, body), = entry.items()
    where = f"Resources.{str(logical)[:40]}"
    if not isinstance(body, Mapping):
        return [f"{where}: expected Type and Properties"]
    problems = []
    if _get(body, "Type") != "AWS::Lambda::Function":
        problems.append(f"{where}.Type: must be AWS::Lambda::Function")
    properties = _get(body, "Properties")
    if not isinstance(properties, Mapping):
        return [*problems, f"{where}.Properties: missing (Name, Alias, CurrentVersion, "
                           "TargetVersion are required)"]
    for name in PROPERTIES:
        if _get(properties, name) is None:
            problems.append(f"{where}.Properties.{name}: required")
    function, alias = _get(properties, "Name"), _get(properties, "Alias")
    if function is not None and not (isinstance(function, str)
                                     and FUNCTION_NAME.fullmatch(function)):
        problems.append(f"{where}.Properties.Name: {str(function)[:40]!r} is not a function name")
    if alias is not None and not (isinstance(alias, str) and ALIAS_NAME.fullmatch(alias)):
        problems.append(f"{where}.Properties.Alias: {str(alias)[:40]!r} is not an alias name")
    for name in ("CurrentVersion", "TargetVersion"):
        value = _get(properties, name)
        if value is not None:
            _, problem = _version(f"{where}.Properties.{name}", value)
            problems += [problem] if problem else []
    return problems


def _hooks(hooks: object) -> list[str]:
    if hooks is None:
        return []  # hooks are optional
    if not isinstance(hooks, list):
        return ["Hooks: expected a list such as '- BeforeAllowTraffic: <function name>'"]
    problems, seen = [], set()
    for index, hook in enumerate(hooks):
        if not isinstance(hook, Mapping) or len(hook) != 1:
            problems.append(f"Hooks[{index}]: expected one '<event>: <function>' pair")
            continue
        (event, function), = hook.items()
        if event not in LAMBDA_HOOKS:
            problems.append(f"Hooks[{index}]: {str(event)[:40]!r} cannot run a hook in a Lambda "
                            "deployment; only BeforeAllowTraffic and AfterAllowTraffic can")
        elif event in seen:
            problems.append(f"Hooks[{index}]: {event} appears twice; each hook runs once")
        seen.add(event)
        if not isinstance(function, str) or not FUNCTION_NAME.fullmatch(function):
            problems.append(f"Hooks[{index}]: {str(function)[:40]!r} is not a function name")
    return problems
# --8<-- [end:appspec]


def render_appspec(function: str, alias: str, current: str, target: str, *,
                   before: str | None = None, after: str | None = None) -> str:
    """An AppSpec file for one Lambda deployment, checked before it is returned."""
    for field, value in (("function", function), ("alias", alias), ("current", current),
                         ("target", target), ("before", before or ""), ("after", after or "")):
        if not isinstance(value, str):
            raise ValueError(f"{field}: expected a string, got {type(value).__name__}")
    document: dict[str, Any] = {
        "version": 0.0,
        "Resources": [{function: {"Type": "AWS::Lambda::Function", "Properties": {
            "Name": function, "Alias": alias,
            "CurrentVersion": str(current), "TargetVersion": str(target)}}}],
    }
    hooks = [{event: name} for event, name in zip(LAMBDA_HOOKS, (before, after), strict=True)
             if name]
    if hooks:
        document["Hooks"] = hooks
    text = yaml.safe_dump(document, sort_keys=False)
    problems = validate_appspec(text)
    if problems:
        raise ValueError("; ".join(problems))
    return text


# --8<-- [start:deploy]
def start_deployment(application: str, group: str, appspec: str, *, client: Any = None) -> str:
    """Create a Lambda deployment from AppSpec text; return its deployment ID."""
    for field, value in (("application", application), ("group", group)):
        if not isinstance(value, str) or not 1 <= len(value) <= 100:
            raise ValueError(f"{field}: expected a name of 1-100 characters")
    problems = validate_appspec(appspec)
    if problems:
        raise ValueError("; ".join(problems))
    response = _client("codedeploy", client).create_deployment(
        applicationName=application,
        deploymentGroupName=group,
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}},
    )
    return response["deploymentId"]
# --8<-- [end:deploy]


# --8<-- [start:template]
SAM_FUNCTION = "AWS::Serverless::Function"
SAM_HOOKS = ("PreTraffic", "PostTraffic")
# SAM prefixes these with CodeDeployDefault.Lambda; any other Type is used as a config name.
SAM_TYPES = tuple(config.sam_name for config in PREDEFINED)


def check_template(text: object) -> list[str]:
    """DeploymentPreference problems cfn-lint does not catch, for each SAM function."""
    template, problems = _load(text, "template", "cloudformation")  # !Ref x -> {"Ref": x}
    if problems:
        return problems
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        return ["template: expected a mapping with a Resources section"]
    resources = template["Resources"]
    globals_ = template.get("Globals")
    global_function = globals_.get("Function") if isinstance(globals_, Mapping) else None
    global_function = global_function if isinstance(global_function, Mapping) else {}
    custom = _custom_configs(resources)
    problems = []
    for logical, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != SAM_FUNCTION:
            continue
        properties = resource.get("Properties")
        properties = properties if isinstance(properties, Mapping) else {}
        preference = properties.get("DeploymentPreference",
                                    global_function.get("DeploymentPreference"))
        if preference is None:
            continue
        where = f"{str(logical)[:60]}.DeploymentPreference"
        if not isinstance(preference, Mapping):
            problems.append(f"{where}: expected a mapping")
            continue
        if preference.get("Enabled", True) is False:
            continue
        if not (properties.get("AutoPublishAlias") or global_function.get("AutoPublishAlias")):
            problems.append(f"{str(logical)[:60]}: DeploymentPreference needs AutoPublishAlias")
        problems += [f"{where}.Type: {p}" for p in
                     _check_type(preference.get("Type"), custom, template)]
        hooks = preference.get("Hooks", {})
        if not isinstance(hooks, Mapping):
            problems.append(f"{where}.Hooks: expected PreTraffic and/or PostTraffic")
        else:
            problems += [f"{where}.Hooks: {str(k)[:40]!r} is not a hook; use PreTraffic or "
                         "PostTraffic" for k in hooks if k not in SAM_HOOKS]
    return problems


def _custom_configs(resources: Mapping[Any, Any]) -> dict[str, str]:
    """Logical ID -> DeploymentConfigName of the Lambda deployment configs the template makes."""
    found = {}
    for logical, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == \
                "AWS::CodeDeploy::DeploymentConfig":
            properties = resource.get("Properties")
            properties = properties if isinstance(properties, Mapping) else {}
            if properties.get("ComputePlatform") == "Lambda":
                found[str(logical)] = str(properties.get("DeploymentConfigName", ""))
    return found


def _check_type(value: object, custom: Mapping[str, str], template: Mapping[Any, Any],
                depth: int = 0) -> list[str]:
    if depth > 5:
        return ["too deeply nested to check"]
    if isinstance(value, str):
        if value in SAM_TYPES or value in VALID_NAMES or value in custom.values():
            return []
        return [f"{value[:60]!r} is neither a predefined Lambda configuration "
                f"({', '.join(c.sam_name for c in PREDEFINED)}) nor the DeploymentConfigName "
                "of a Lambda AWS::CodeDeploy::DeploymentConfig in this template"]
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        target = value["Ref"]
        if target in custom:
            return []
        parameters = template.get("Parameters")
        parameter = parameters.get(target) if isinstance(parameters, Mapping) else None
        if isinstance(parameter, Mapping):
            allowed = parameter.get("AllowedValues")
            candidates = allowed if isinstance(allowed, list) else [parameter.get("Default")]
            return [p for c in candidates for p in _check_type(c, custom, template, depth + 1)]
        return [f"!Ref {str(target)[:40]} is not a Lambda DeploymentConfig or a parameter"]
    if isinstance(value, Mapping) and set(value) == {"Fn::If"} and \
            isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
        return [p for branch in value["Fn::If"][1:]
                for p in _check_type(branch, custom, template, depth + 1)]
    if value is None:
        return ["required"]
    return [f"{str(value)[:60]} cannot be checked; use a name, !Ref or !If"]
# --8<-- [end:template]


# --8<-- [start:pipeline]
PIPELINE_STRATEGY = re.compile(
    r"AllAtOnce|Canary(?P<cp>\d+)Percent(?P<cm>\d+)Minutes?"
    r"|Linear(?P<lp>\d+)PercentEvery(?P<lm>\d+)Minutes?"
)


def pipeline_strategy_schedule(strategy: str) -> Schedule:
    """The schedule of a CodePipeline Lambda deploy action DeployStrategy string."""
    match = PIPELINE_STRATEGY.fullmatch(strategy) if isinstance(strategy, str) else None
    if match is None:
        raise ValueError(
            f"DeployStrategy: {str(strategy)[:40]!r} is not AllAtOnce, "
            "Canary<percent>Percent<minutes>Minutes or Linear<percent>PercentEvery<minutes>Minutes"
        )
    if strategy == "AllAtOnce":
        return [(0, 100)]
    kind = "TimeBasedCanary" if match["cp"] else "TimeBasedLinear"
    percent, minutes = int(match["cp"] or match["lp"]), int(match["cm"] or match["lm"])
    field = "DeployStrategy"
    _whole_number(f"{field} percentage", percent, 1, 99)
    _whole_number(f"{field} minutes", minutes, 1, MAX_PIPELINE_WAIT_MINUTES)
    schedule = _steps(ShiftConfig(CUSTOM_KINDS[kind], percent, minutes))
    if time_to_full(schedule) > MAX_PIPELINE_WAIT_MINUTES:
        raise ValueError(f"{field}: waits {time_to_full(schedule)} min in total; "
                         "the action allows at most 2 days")
    return schedule


def lambda_deploy_action(function: str, alias: str, *, strategy: str = "AllAtOnce",
                         alarm: str | None = None, input_artifact: str = "BuildOutput"
                         ) -> dict[str, Any]:
    """A V2 pipeline's Lambda deploy action that shifts ``alias`` to the new version."""
    if not isinstance(function, str) or not FUNCTION_NAME.fullmatch(function):
        raise ValueError(f"FunctionName: {str(function)[:60]!r} is not a function name or ARN")
    if not isinstance(alias, str) or not ALIAS_NAME.fullmatch(alias):
        raise ValueError(f"FunctionAlias: {str(alias)[:60]!r} is not an alias name")
    if alarm is not None and not (isinstance(alarm, str) and 1 <= len(alarm) <= 255):
        raise ValueError("Alarms: expected an alarm name of 1-255 characters")
    if not isinstance(input_artifact, str) or not re.fullmatch(r"[a-zA-Z0-9_\-]{1,100}",
                                                               input_artifact):
        raise ValueError("input_artifact: expected an artifact name (letters, digits, _ and -)")
    pipeline_strategy_schedule(strategy)
    configuration = {"FunctionName": function, "FunctionAlias": alias, "DeployStrategy": strategy}
    if alarm:
        configuration["Alarms"] = alarm
    return {
        "name": "DeployToAlias",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "Lambda",
                         "version": "1"},
        "configuration": configuration,
        "inputArtifacts": [{"name": input_artifact}],
        "runOrder": 1,
    }
# --8<-- [end:pipeline]


# ---------------------------------------------------------------- command line


def _unusable(problems: list[str]) -> bool:
    """Problems that mean 'this is not an AppSpec/template at all' rather than 'it has faults'."""
    markers = ("not valid YAML", "expected a mapping", "larger than", "expands to more than",
               "nested too deeply", "recursive YAML")
    return len(problems) == 1 and any(marker in problems[0] for marker in markers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.codedeploy",
        description="CodeDeploy for Lambda: traffic schedules and AppSpec/SAM checks. "
                    "Exit 0 clean, 1 problems found, 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    schedule = commands.add_parser("schedule", help="print a configuration's traffic steps")
    schedule.add_argument("name", help="e.g. LambdaLinear10PercentEvery3Minutes")
    appspec = commands.add_parser("appspec", help="check a Lambda AppSpec file")
    appspec.add_argument("file")
    template = commands.add_parser("template", help="check SAM DeploymentPreference Types")
    template.add_argument("file")
    args = parser.parse_args(argv)
    try:
        if args.command == "schedule":
            try:
                config = resolve_config(args.name)
            except ValueError as error:
                raise UnusableInput(str(error)) from None
            steps = _steps(config)
            print(config.name)
            for minute, percent in steps:
                print(f"  minute {minute:>4}: {percent:>3} % on the new version")
            print(f"time to 100 %: {time_to_full(steps)} min")
            return 0
        text = read_text(args.file, what="YAML file", max_bytes=MAX_TEXT_BYTES)
        check = validate_appspec if args.command == "appspec" else check_template
        problems = check(text)
    except UnusableInput as error:
        return unusable(error)
    if _unusable(problems):
        return unusable(f"{args.file}: {problems[0]}")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.file}: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
