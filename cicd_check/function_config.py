"""Lambda function configuration against what Lambda accepts: quotas, runtimes, names.

botocore's model knows types and the API's widest ranges; Lambda itself refuses more: a
standard function's 900-second timeout (the model allows Managed Instances' 5,400), a
runtime whose creation is blocked, 4 KB of environment variables. These rules catch that
before ``CreateFunction`` or a CloudFormation deployment does. The same rules run on
``AWS::Lambda::Function`` and ``AWS::Serverless::Function`` resources (with SAM's
``Globals.Function`` merged in) through :func:`template_findings`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from cicd_check import runtimes
from cicd_check.documents import Document
from cicd_check.findings import ERROR, WARNING, Finding, errors, rule
from cicd_check.quotas import QUOTAS_PAGE, quota
from cicd_check.runtimes import RUNTIMES, RUNTIMES_PAGE, Status

PAGE = "function-config"
CREATE_API = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
TIMEOUT_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"
ENV_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html"
ARCH_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html"
POLICY_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html"

NAME = rule("LF001", "function-name", ERROR,
            "A function name Lambda refuses: over 64 characters, or characters other than "
            "letters, digits, - and _.",
            fix="use at most 64 letters, digits, hyphens and underscores (an ARN may be 140 "
                "characters)", source=CREATE_API, page=PAGE)
UNKNOWN_RUNTIME = rule("LF002", "unknown-runtime", ERROR,
                       "A runtime identifier Lambda's API does not know.",
                       fix="use an identifier from the Lambda runtimes page, e.g. python3.13",
                       source=RUNTIMES_PAGE, page=PAGE)
BLOCKED_RUNTIME = rule("LF003", "runtime-blocked", ERROR,
                       "A deprecated runtime Lambda no longer lets you create functions with.",
                       fix="move to the runtime's successor (the message names it)",
                       source=POLICY_PAGE, page=PAGE)
DEPRECATED_RUNTIME = rule("LF004", "runtime-deprecated", WARNING,
                          "A deprecated runtime: still accepted, no longer patched, and blocked "
                          "on the dates the message gives.",
                          fix="move to the runtime's successor before the create-block date",
                          source=POLICY_PAGE, page=PAGE)
MEMORY = rule("LF005", "memory-size", ERROR,
              "MemorySize outside 128–10,240 MB (32,768 MB on Lambda Managed Instances).",
              fix="set MemorySize between 128 and 10240 MB", source=QUOTAS_PAGE, page=PAGE)
TIMEOUT = rule("LF006", "timeout", ERROR,
               "Timeout outside 1–900 seconds (5,400 on Lambda Managed Instances).",
               fix="set Timeout between 1 and 900 seconds; split longer work (Step Functions, "
                   "SQS batches)", source=TIMEOUT_PAGE, page=PAGE)
STORAGE = rule("LF007", "ephemeral-storage", ERROR,
               "EphemeralStorage.Size outside 512–10,240 MB.",
               fix="set EphemeralStorage.Size between 512 and 10240 MB", source=QUOTAS_PAGE,
               page=PAGE)
ENV_SIZE = rule("LF008", "environment-size", ERROR,
                "Environment variables over 4 KB in total, measured as Lambda does (one JSON "
                "string of names and values).",
                fix="move large values to Parameter Store or Secrets Manager and read them at "
                    "start-up", source=QUOTAS_PAGE, page=PAGE)
LAYERS = rule("LF009", "layers", ERROR, "More than 5 layers, or a layer that is not an ARN.",
              fix="merge layers (at most 5), or use a container image", source=QUOTAS_PAGE,
              page=PAGE)
ARCHITECTURES = rule("LF010", "architectures", ERROR,
                     "Architectures that is not a list of exactly one of x86_64, arm64.",
                     fix="set Architectures to [x86_64] or [arm64]", source=ARCH_PAGE, page=PAGE)
ENV_NAME = rule("LF011", "environment-variable-name", ERROR,
                "An environment variable name Lambda refuses, or a value that is not text.",
                fix="start names with a letter and use letters, digits and _ (at least 2 "
                    "characters)", source=ENV_PAGE, page=PAGE)

Path = tuple[Any, ...]
Operation = Literal["create", "update"]
ENV_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")  # the API model's pattern for a variable name
NAME_PATTERN = re.compile(  # botocore's FunctionName pattern (CreateFunction)
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?(?P<name>[a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
ARN_MAX = 140
ARCHS = ("x86_64", "arm64")


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation function (``{"Ref": ...}``, ``{"Fn::Sub": ...}``): unknown until deploy."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


class _Checker:
    """Collects findings for one configuration, with lines from its document if any."""

    def __init__(self, *, on: dt.date, template: bool, operation: Operation,
                 prefix: str, where: Any) -> None:
        self.on = on
        self.template = template
        self.operation = operation
        self.prefix = prefix
        self.where = where  # key path -> line, or None
        self.found: list[Finding] = []

    def add(self, rule_: Any, field: str, problem: str, *, severity: Any = None) -> None:
        line = self.where(field) if self.where else None
        name = f"{self.prefix}{field}"
        self.found.append(rule_.at(name, problem, line=line, severity=severity))

    def unknown(self, value: Any) -> bool:
        return self.template and is_intrinsic(value)

    def integer(self, value: Any, field: str, rule_: Any) -> int | None:
        """An integer the way the API (strictly) or CloudFormation (numeric text too) reads it."""
        if self.unknown(value):
            return None
        if isinstance(value, bool):
            self.add(rule_, field, "must be an integer, got a boolean")
            return None
        if isinstance(value, int):
            return value
        if self.template and isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
            return int(value)
        self.add(rule_, field, f"must be an integer, got {type(value).__name__}")
        return None

    def in_range(self, value: Any, field: str, rule_: Any, low: int, high: int, unit: str,
                 why: str = "") -> None:
        number = self.integer(value, field, rule_)
        if number is None:
            return
        if number < low:
            self.add(rule_, field, f"{number:,} is below the minimum {low:,} {unit}{why}")
        elif number > high:
            self.add(rule_, field, f"{number:,} is above the maximum {high:,} {unit}{why}")


def _managed(config: Mapping[str, Any]) -> bool:
    """True when the function runs on Lambda Managed Instances (a capacity provider)."""
    value = config.get("CapacityProviderConfig")
    return is_intrinsic(value) or (isinstance(value, Mapping) and bool(value))


def _name(check: _Checker, value: Any) -> None:
    if check.unknown(value):
        return
    if not isinstance(value, str):
        check.add(NAME, "FunctionName", f"must be a string, got {type(value).__name__}")
        return
    match = NAME_PATTERN.fullmatch(value)
    if match is None:
        check.add(NAME, "FunctionName", f"{value[:70]!r} may use only letters, digits, - and _ "
                                        "(or be a function ARN)")
        return
    bare = match["name"]
    limit = quota("function_name_max")
    if len(bare) > limit:
        check.add(NAME, "FunctionName", f"the name is {len(bare)} characters, more than "
                                        f"the {limit} Lambda allows")
    elif len(value) > ARN_MAX:
        check.add(NAME, "FunctionName", f"{len(value)} characters, more than the {ARN_MAX} "
                                        "a function ARN may have")


def _runtime(check: _Checker, value: Any) -> None:
    if check.unknown(value):
        return
    if not isinstance(value, str):
        check.add(UNKNOWN_RUNTIME, "Runtime",
                  f"must be a runtime identifier string, got {type(value).__name__}")
        return
    state = runtimes.status(value, check.on)
    if state is Status.UNKNOWN:
        check.add(UNKNOWN_RUNTIME, "Runtime", f"{value[:40]!r} is not a Lambda runtime identifier")
        return
    if state is Status.SUPPORTED:
        return
    item = RUNTIMES[value]
    successor = item.successor or "a supported runtime"
    dates = (f"deprecated since {item.deprecated}; Lambda blocks creating functions on it from "
             f"{item.create_blocked or 'a date not announced'} and updating them from "
             f"{item.update_blocked or 'a date not announced'}")
    blocked = state is Status.UPDATE_BLOCKED or (
        state is Status.CREATE_BLOCKED and check.operation == "create")
    if blocked:
        check.add(BLOCKED_RUNTIME, "Runtime",
                  f"The runtime parameter of {value} is no longer supported for creating or "
                  f"updating AWS Lambda functions ({dates}); use {successor}")
    else:
        check.add(DEPRECATED_RUNTIME, "Runtime", f"{value} is {dates}; move to {successor}")


def _environment(check: _Checker, environment: Any) -> None:
    if check.unknown(environment):
        return
    if not isinstance(environment, Mapping):
        check.add(ENV_NAME, "Environment",
                  f"must be a mapping with Variables, got {type(environment).__name__}")
        return
    variables = environment.get("Variables", {})
    if check.unknown(variables) or variables is None:
        return
    if not isinstance(variables, Mapping):
        check.add(ENV_NAME, "Environment.Variables",
                  f"must be a mapping, got {type(variables).__name__}")
        return
    measured: dict[str, str] = {}
    for key, value in variables.items():
        if not isinstance(key, str) or not ENV_KEY.fullmatch(key):
            check.add(ENV_NAME, "Environment.Variables",
                      f"name {str(key)[:40]!r} must start with a letter and use only letters, "
                      "digits and _ (at least 2 characters)")
            continue
        scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
        if isinstance(value, str) or (check.template and (scalar or isinstance(value, bool))):
            measured[key] = str(value).lower() if isinstance(value, bool) else str(value)
        elif check.unknown(value):
            measured[key] = ""  # resolved at deploy time; only its name counts here
        else:
            check.add(ENV_NAME, f"Environment.Variables.{key}",
                      f"must be a string, got {type(value).__name__}")
    # Lambda measures the variables as one JSON string (its error says "String measured").
    text = json.dumps(measured, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8", "surrogatepass"))
    limit = quota("env_vars_total")
    if size > limit:
        check.add(ENV_SIZE, "Environment.Variables",
                  f"{size:,} bytes in total, more than {limit:,}: Lambda was unable to configure "
                  "your environment variables because the environment variables you have "
                  "provided exceeded the 4KB limit")


def _layers(check: _Checker, layers: Any) -> None:
    if check.unknown(layers):
        return
    if not isinstance(layers, list | tuple):
        check.add(LAYERS, "Layers",
                  f"must be a list of layer version ARNs, got {type(layers).__name__}")
        return
    limit = quota("layers_max")
    if len(layers) > limit:
        check.add(LAYERS, "Layers", f"{len(layers)} layers, more than the {limit} a function "
                                    "may use")
    for index, layer in enumerate(layers):
        if not isinstance(layer, str) and not check.unknown(layer):
            check.add(LAYERS, f"Layers[{index}]", "must be a layer version ARN string")


def _architectures(check: _Checker, value: Any) -> None:
    if check.unknown(value):
        return
    if not isinstance(value, list | tuple) or len(value) != 1:
        check.add(ARCHITECTURES, "Architectures",
                  "must be a list with exactly one of x86_64, arm64")
        return
    if not check.unknown(value[0]) and value[0] not in ARCHS:
        check.add(ARCHITECTURES, "Architectures",
                  f"{str(value[0])[:40]!r} is not one of x86_64, arm64")


def config_findings(config: Any, *, on: dt.date | None = None, template: bool = False,
                    operation: Operation = "create", prefix: str = "",
                    where: Any = None) -> list[Finding]:
    """Every finding (errors and warnings) for one CreateFunction-shaped configuration.

    ``operation="update"`` judges an UpdateFunctionConfiguration request: a runtime whose
    creation is blocked may still be updated until its update-block date.
    """
    check = _Checker(on=on or dt.date.today(), template=template, operation=operation,
                     prefix=prefix, where=where)
    if not isinstance(config, Mapping):
        check.add(NAME, "configuration", f"must be a mapping, got {type(config).__name__}")
        return check.found
    managed = _managed(config)
    if "FunctionName" in config:
        _name(check, config["FunctionName"])
    if "Runtime" in config:
        _runtime(check, config["Runtime"])
    if "MemorySize" in config:
        high, why = ((quota("managed_memory_max"), " on Lambda Managed Instances") if managed
                     else (quota("memory_max"), ""))
        check.in_range(config["MemorySize"], "MemorySize", MEMORY, quota("memory_min"), high,
                       "MB", why)
    if "Timeout" in config:
        if managed:
            high, why = quota("managed_timeout_max"), " on Lambda Managed Instances"
        else:
            high, why = quota("timeout_max"), " for a standard function (15 minutes)"
        check.in_range(config["Timeout"], "Timeout", TIMEOUT, 1, high, "seconds", why)
    if "EphemeralStorage" in config:
        storage = config["EphemeralStorage"]
        high = quota("managed_tmp_max") if managed else quota("tmp_max")
        if isinstance(storage, Mapping) and "Size" in storage:
            check.in_range(storage["Size"], "EphemeralStorage.Size", STORAGE, quota("tmp_min"),
                           high, "MB")
        elif not check.unknown(storage):
            check.add(STORAGE, "EphemeralStorage", "must be a mapping with an integer Size (MB)")
    if "Environment" in config:
        _environment(check, config["Environment"])
    if "Layers" in config:
        _layers(check, config["Layers"])
    if "Architectures" in config:
        _architectures(check, config["Architectures"])
    return check.found


def check_function_config(
    config: Mapping[str, Any], *, on: dt.date | None = None, template: bool = False
) -> list[Finding]:
    """Every way ``config`` (CreateFunction-shaped) would be refused; ``[]`` when Lambda accepts it.

    ``on`` is the day runtime deprecation is judged (today by default). With
    ``template=True`` the values may be CloudFormation functions or numeric text, as
    CloudFormation accepts them. Only errors; deprecation warnings come from
    :func:`config_findings`.
    """
    return errors(config_findings(config, on=on, template=template))


FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: the resource wins for scalars, maps merge, lists add up."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping) and not (
                is_intrinsic(current) or is_intrinsic(value)):
            merged[key] = merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = [*current, *value]
        else:
            merged[key] = value
    return merged


def _field_path(field: str) -> Path:
    parts: list[Any] = []
    for part in re.split(r"\.(?![^\[]*\])", field):
        name, *indexes = part.split("[")
        parts.append(name)
        parts += [int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit()]
    return tuple(parts)


def template_findings(document: Document, *, on: dt.date | None = None) -> list[Finding]:
    """The same checks on every Lambda function resource of a CloudFormation or SAM template."""
    template = document.data
    if not isinstance(template, Mapping):
        return []
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    globals_section = template.get("Globals")
    global_function: Any = {}
    if isinstance(globals_section, Mapping):
        global_function = globals_section.get("Function") or {}
    if not isinstance(global_function, Mapping) or is_intrinsic(global_function):
        global_function = {}
    found: list[Finding] = []
    for name, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in FUNCTION_TYPES:
            continue
        props = resource.get("Properties") or {}
        if not isinstance(props, Mapping) or is_intrinsic(props):
            continue
        sam = resource["Type"] == "AWS::Serverless::Function"
        own = props
        if sam:
            props = merge_globals(global_function, props)

        def where(field: str, name: Any = name, own: Mapping[str, Any] = own,
                  sam: bool = sam) -> int | None:
            path = _field_path(field)
            if sam and path[0] not in own and path[0] in global_function:
                return document.line(("Globals", "Function", *path))
            return document.line(("Resources", name, "Properties", *path))

        found += config_findings(props, on=on, template=True,
                                 prefix=f"Resources.{name}.Properties.", where=where)
    return found


def request_problems(operation: str, params: Mapping[str, Any], *,
                     on: dt.date | None = None) -> list[Finding]:
    """Errors Lambda would answer a CreateFunction/UpdateFunctionConfiguration request with."""
    kind: Operation = "update" if operation == "UpdateFunctionConfiguration" else "create"
    return errors(config_findings(params, on=on, operation=kind))


__all__: Sequence[str] = ("check_function_config", "config_findings", "request_problems",
                          "template_findings")
