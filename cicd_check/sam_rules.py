"""SAM rules (SM0xx): what a SAM template gets wrong that only shows at deploy time.

The SAM translator accepts a misspelt ``DeploymentPreference`` ``Type`` (it becomes the
name of a deployment configuration that does not exist) and names nobody's permissions for
the traffic hooks; CloudFormation then fails, or CodeDeploy does, minutes into the deploy.
These checks read the template as written (with its lines); the allowed names come from the
pinned translator itself.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from cicd_check.documents import Document, close_match
from cicd_check.findings import ERROR, WARNING, Finding, dotted, rule
from cicd_check.sam import TRANSFORM, is_sam, sam_resources

SAM_PREFERENCE_PAGE = (
    "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
    "sam-property-function-deploymentpreference.html"
)
TRANSFORM_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "transform-aws-serverless.html"
)
CODEDEPLOY_ROLE_POLICY = (
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"
    "AWSCodeDeployRoleForLambda.html"
)
HOOKS_PAGE = (
    "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
    "reference-appspec-file-structure-hooks.html#appspec-hooks-lambda"
)
FUNCTION = "AWS::Serverless::Function"
HOOK_PREFIX = "CodeDeployHook_"  # AWSCodeDeployRoleForLambda: lambda:InvokeFunction on these
REPORT_ACTION = "codedeploy:PutLifecycleEventHookExecutionStatus"
DENIED = ("does not give you permission to perform operations in the following AWS service: "
          "AWSLambda")

TRANSFORM_FAILED = rule(
    "SM001", "sam-transform-failed", ERROR,
    "The SAM translator refuses the template, so CloudFormation cannot create the change set.",
    fix="fix what the translator's message names (the resource id is in brackets)",
    source=TRANSFORM_PAGE, page="sam",
)
TRANSFORM_MISSING = rule(
    "SM002", "sam-transform-missing", ERROR,
    f"The template has AWS::Serverless::* resources but no 'Transform: {TRANSFORM}'.",
    fix=f"add 'Transform: {TRANSFORM}' at the top level of the template",
    source=TRANSFORM_PAGE, page="sam",
)
DEPLOYMENT_TYPE = rule(
    "SM003", "deployment-preference-type", ERROR,
    "DeploymentPreference Type is neither a predefined Lambda deployment configuration nor one "
    "this template declares.",
    fix="use a predefined name such as Canary10Percent5Minutes or Linear10PercentEvery1Minute, "
    "or the name of your AWS::CodeDeploy::DeploymentConfig",
    source=SAM_PREFERENCE_PAGE, page="sam",
)
PREFERENCE_PROPERTY = rule(
    "SM004", "deployment-preference-property", ERROR,
    "DeploymentPreference (or its Hooks) has a property SAM does not know.",
    fix="use only Type, Alarms, Hooks (PreTraffic, PostTraffic), Role, Enabled, "
    "TriggerConfigurations and PassthroughCondition",
    source=SAM_PREFERENCE_PAGE, page="sam",
)
HOOK_NOT_INVOKABLE = rule(
    "SM005", "hook-not-invokable", ERROR,
    "A traffic hook CodeDeploy cannot invoke: SAM's CodeDeploy role may only invoke functions "
    f"named {HOOK_PREFIX}*.",
    fix=f"set the hook function's FunctionName to start with {HOOK_PREFIX}, or give "
    "DeploymentPreference a Role that may invoke it",
    source=CODEDEPLOY_ROLE_POLICY, page="sam",
)
HOOK_CANNOT_REPORT = rule(
    "SM006", "hook-cannot-report", ERROR,
    f"A traffic hook whose role lacks {REPORT_ACTION}: it cannot report its result, so the "
    "deployment fails when the hook times out.",
    fix=f"add a policy statement allowing {REPORT_ACTION} to the hook function",
    source=HOOKS_PAGE, page="sam",
)


def preference_properties() -> tuple[frozenset[str], frozenset[str]]:
    """DeploymentPreference's and Hooks' property names, from the pinned translator's model."""
    from samtranslator.internal.schema_source import aws_serverless_function as schema

    def fields(model: Any) -> frozenset[str]:  # pydantic v1 models (pydantic.v1)
        return frozenset(getattr(model, "model_fields", None) or model.__fields__)

    return fields(schema.DeploymentPreference), fields(schema.Hooks)


def predefined_types() -> tuple[str, ...]:
    """The short names SAM turns into CodeDeployDefault.Lambda<name>.

    TODO(traffic): read CodeDeploy's Lambda configuration names from cicd_check.traffic once
    it exists; the translator's list is the one SAM itself uses for the prefix.
    """
    from samtranslator.model.preferences import deployment_preference_collection as collection

    return tuple(collection.CODEDEPLOY_PREDEFINED_CONFIGURATIONS_LIST)


def sam_findings(document: Document) -> list[Finding]:
    """SM002 to SM006 on the template as written."""
    template = document.data
    if not isinstance(template, Mapping):
        return []
    resources = template.get("Resources")
    resources = resources if isinstance(resources, Mapping) else {}
    sam = sam_resources(template)
    if sam and not is_sam(template):
        return [_at(document, TRANSFORM_MISSING, ("Resources", name, "Type"),
                    f"{kind} needs the SAM transform; CloudFormation says \"Template format "
                    f"error: Unrecognized resource types: [{kind}]\"")
                for name, kind in sam.items()]
    found: list[Finding] = []
    for name, kind in sam.items():
        if kind == FUNCTION:
            found += _function(document, template, resources, name)
    return found


def _at(document: Document, kind: Any, path: tuple[Any, ...], problem: str,
        severity: Any = None) -> Finding:
    line, column = document.where(path)
    return kind.at(dotted(path), problem, line=line, column=column, severity=severity)


def _preference(template: Mapping[str, Any], resources: Mapping[str, Any], name: str
                ) -> tuple[Any, dict[str, tuple[Any, ...]]]:
    """The function's DeploymentPreference with Globals merged, and where each key is."""
    properties = resources[name].get("Properties")
    properties = properties if isinstance(properties, Mapping) else {}
    own = properties.get("DeploymentPreference")
    globals_ = template.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, Mapping) else None
    shared = (function_globals.get("DeploymentPreference")
              if isinstance(function_globals, Mapping) else None)
    own_path = ("Resources", name, "Properties", "DeploymentPreference")
    shared_path = ("Globals", "Function", "DeploymentPreference")
    if not isinstance(own, Mapping) or not isinstance(shared, Mapping):
        if own is not None:
            return own, {"": own_path}
        return shared, {"": shared_path}
    merged = {**shared, **own}
    paths = {key: (own_path if key in own else shared_path) for key in merged}
    paths[""] = own_path
    return merged, paths


def _function(document: Document, template: Mapping[str, Any], resources: Mapping[str, Any],
              name: str) -> list[Finding]:
    preference, paths = _preference(template, resources, name)
    if not isinstance(preference, Mapping) or preference.get("Enabled", True) in (
            False, "false", "False"):
        return []
    base = paths[""]

    def path_of(key: str) -> tuple[Any, ...]:
        return (*paths.get(key, base), key)

    allowed, hook_names = preference_properties()
    found: list[Finding] = []
    for key in preference:
        if key not in allowed:
            hint = close_match(str(key), sorted(allowed))
            found.append(_at(document, PREFERENCE_PROPERTY, path_of(str(key)),
                             f"{str(key)[:60]!r} is not a DeploymentPreference property"
                             + (f"; did you mean {hint!r}?" if hint else "")
                             + " (SAM ignores it silently)"))
    found += _type(document, template, resources, preference.get("Type"), path_of("Type"))
    hooks = preference.get("Hooks")
    if isinstance(hooks, Mapping):
        for hook, target in hooks.items():
            hook_path = (*path_of("Hooks"), hook)
            if hook not in hook_names:
                hint = close_match(str(hook), sorted(hook_names))
                found.append(_at(document, PREFERENCE_PROPERTY, hook_path,
                                 f"{str(hook)[:40]!r} is not a hook; use PreTraffic or "
                                 "PostTraffic" + (f" (did you mean {hint!r}?)" if hint else "")))
                continue
            found += _hook(document, resources, target, hook_path,
                           has_role="Role" in preference)
    return found


def _custom_configs(resources: Mapping[str, Any]) -> dict[str, Any]:
    """Logical ID -> DeploymentConfigName of the Lambda deployment configs the template makes."""
    found = {}
    for logical, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == \
                "AWS::CodeDeploy::DeploymentConfig":
            properties = resource.get("Properties")
            properties = properties if isinstance(properties, Mapping) else {}
            if properties.get("ComputePlatform", "Lambda") == "Lambda":
                found[str(logical)] = properties.get("DeploymentConfigName")
    return found


def _type(document: Document, template: Mapping[str, Any], resources: Mapping[str, Any],
          value: Any, path: tuple[Any, ...], depth: int = 0) -> list[Finding]:
    if depth > 5 or value is None:  # a missing Type is the translator's error (SM001)
        return []
    predefined = predefined_types()
    custom = _custom_configs(resources)
    if isinstance(value, str):
        full = {f"CodeDeployDefault.Lambda{name}" for name in predefined}
        if value in predefined or value in full or value in custom.values():
            return []
        hint = close_match(value.removeprefix("CodeDeployDefault.Lambda"), predefined)
        if hint or value.startswith("CodeDeployDefault."):
            return [_at(document, DEPLOYMENT_TYPE, path,
                        f"{value[:60]!r} is not a Lambda deployment configuration"
                        + (f"; did you mean {hint!r}?" if hint else "")
                        + " SAM passes it on unchanged and CodeDeploy finds no configuration "
                        "of that name")]
        return [_at(document, DEPLOYMENT_TYPE, path,
                    f"{value[:60]!r} is not predefined nor declared in this template; the "
                    "deployment fails unless a Lambda deployment configuration of that name "
                    "exists in the account", severity=WARNING)]
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        target = value["Ref"]
        if not isinstance(target, str) or target in custom:
            return []
        parameters = template.get("Parameters")
        parameter = parameters.get(target) if isinstance(parameters, Mapping) else None
        if not isinstance(parameter, Mapping):
            return []
        allowed = parameter.get("AllowedValues")
        candidates = allowed if isinstance(allowed, list) else [parameter.get("Default")]
        return [f for c in candidates if isinstance(c, str)
                for f in _type(document, template, resources, c, path, depth + 1)]
    if isinstance(value, Mapping) and set(value) == {"Fn::If"} and \
            isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
        return [f for branch in value["Fn::If"][1:]
                for f in _type(document, template, resources, branch, path, depth + 1)]
    return []  # any other intrinsic function: unknown until deploy time


def _hook(document: Document, resources: Mapping[str, Any], target: Any,
          path: tuple[Any, ...], *, has_role: bool) -> list[Finding]:
    function = None
    if isinstance(target, Mapping) and set(target) == {"Ref"} and \
            isinstance(target["Ref"], str):
        function = target["Ref"]
        resource = resources.get(function)
        if not isinstance(resource, Mapping) or not str(resource.get("Type", "")).startswith(
                ("AWS::Serverless::Function", "AWS::Lambda::Function")):
            return []
        properties = resource.get("Properties")
        properties = properties if isinstance(properties, Mapping) else {}
        name = properties.get("FunctionName")
    elif isinstance(target, str):
        properties = {}
        name = target.split(":function:")[-1].split(":")[0]
    else:
        return []
    found: list[Finding] = []
    if not has_role and _cannot_be_hook_name(name):
        shown = f"named {str(name)[:60]!r}" if name is not None else "with a generated name"
        found.append(_at(document, HOOK_NOT_INVOKABLE, path,
                         f"{(function or str(target))[:60]} is a function {shown}; the "
                         f"CodeDeploy role SAM creates may only invoke {HOOK_PREFIX}*, and "
                         f"CodeDeploy reports \"The IAM role ... {DENIED}\""))
    if function is not None and str(resources[function].get("Type")) == FUNCTION and \
            _lacks_report_permission(properties):
        found.append(_at(document, HOOK_CANNOT_REPORT, path,
                         f"{function[:60]} has no policy allowing {REPORT_ACTION}; its call "
                         f"fails with \"is not authorized to perform: {REPORT_ACTION}\" and the "
                         "deployment fails after the hook's one-hour timeout"))
    return found


def _cannot_be_hook_name(name: Any) -> bool:
    """True when the name surely does not start with CodeDeployHook_ (None: generated)."""
    if name is None:
        return True  # CloudFormation names it <stack>-<logical id>-<random>
    prefix = _literal_prefix(name)
    if prefix is None:
        return False
    if isinstance(name, str):
        return not name.startswith(HOOK_PREFIX)
    return not (prefix.startswith(HOOK_PREFIX) or HOOK_PREFIX.startswith(prefix))


def _literal_prefix(name: Any) -> str | None:
    """The literal start of a function name (plain, or before the first ${} of a Sub)."""
    if isinstance(name, str):
        return name
    if isinstance(name, Mapping) and set(name) == {"Fn::Sub"}:
        body = name["Fn::Sub"]
        body = body[0] if isinstance(body, list) and body else body
        if isinstance(body, str):
            return body.split("${")[0]
    return None


def _lacks_report_permission(properties: Mapping[str, Any]) -> bool:
    """True only when the SAM function's policies are all known and none allows the report."""
    if "Role" in properties:
        return False
    policies = properties.get("Policies")
    if policies is None:
        return True  # SAM's role then has only AWSLambdaBasicExecutionRole
    policies = policies if isinstance(policies, list) else [policies]
    for policy in policies:
        if not isinstance(policy, Mapping) or "Statement" not in policy:
            return False  # a managed policy, a policy template or an intrinsic: unknown
        statements = policy["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        for statement in statements:
            if not isinstance(statement, Mapping):
                return False
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action")
            actions = actions if isinstance(actions, list) else [actions]
            for action in actions:
                if not isinstance(action, str):
                    return False
                if fnmatch.fnmatchcase(REPORT_ACTION.lower(), action.lower()):
                    return False
    return True

