"""Lambda quotas: the one table every page and test reads limits from.

It also checks a function's configuration (a CreateFunction request, or the functions in
a CloudFormation or SAM template) against those quotas, so a limit is caught before a
deployment fails on it:

    python -m snippets.aws_lambda.limits check template.yaml
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable
from cicd_check.safe_yaml import YamlError, load_yaml

QUOTAS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
INVOKE_API_PAGE = "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html"
SCALING_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html"
RUNTIMES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
CHECKED = "2026-11-26"

KB = 1024
MB = 1024 * 1024


# --8<-- [start:quota]
@dataclass(frozen=True)
class Quota:
    """One Lambda quota as AWS documents it."""

    key: str
    name: str
    value: int
    unit: str
    adjustable: bool
    source: str = QUOTAS_PAGE
    checked: str = CHECKED
    note: str = ""
# --8<-- [end:quota]


# --8<-- [start:table]
QUOTA_LIST: tuple[Quota, ...] = (
    Quota("memory_min", "Memory, minimum", 128, "MB", False),
    Quota("memory_max", "Memory, maximum (1 MB steps)", 10_240, "MB", False,
          note="New accounts may start with a lower memory quota."),
    Quota("timeout_max", "Timeout", 900, "seconds", False),
    Quota("env_vars_total", "Environment variables, all together", 4 * KB, "bytes", False),
    Quota("tmp_min", "Ephemeral storage (/tmp), minimum", 512, "MB", False),
    Quota("tmp_max", "Ephemeral storage (/tmp), maximum", 10_240, "MB", False),
    Quota("concurrency", "Concurrent executions per Region", 1_000, "executions", True,
          note="New accounts may start lower; AWS raises it automatically with use."),
    Quota("unreserved_min", "Concurrency that must stay unreserved", 100, "executions",
          False),
    Quota("scaling_rate", "Scaling rate per function", 1_000, "environments per 10 s", False,
          source=SCALING_PAGE, note="Replaced the per-Region burst concurrency of 500–3,000."),
    Quota("payload_sync", "Invocation payload, synchronous (request and response)", 6 * MB,
          "bytes", False),
    Quota("payload_async", "Invocation payload, asynchronous", 1 * MB, "bytes", False,
          source=INVOKE_API_PAGE, note="Raised from 256 KB in October 2025."),
    Quota("payload_streamed", "Streamed response", 200 * MB, "bytes", False,
          note="Raised from 20 MB in July 2025; after the first 6 MB, 2 MBps."),
    Quota("zip_direct", ".zip uploaded directly (zipped)", 50 * MB, "bytes", False),
    Quota("unzipped_total", "Unzipped code and layers together", 250 * MB, "bytes", False),
    Quota("image_size", "Container image, uncompressed with all layers", 10 * 1024 * MB,
          "bytes", False),
    Quota("layers_max", "Layers per function", 5, "layers", False),
    Quota("resource_policy", "Resource-based policy size", 20 * KB, "bytes", False),
)
# --8<-- [end:table]

QUOTAS: dict[str, Quota] = {quota.key: quota for quota in QUOTA_LIST}


def quota(key: str) -> int:
    """The value of one quota; a clear ``KeyError`` names the known keys."""
    try:
        return QUOTAS[key].value
    except (KeyError, TypeError):
        known = ", ".join(sorted(QUOTAS))
        raise KeyError(f"unknown quota {key!r}; known quotas: {known}") from None


# --8<-- [start:render]
def human_value(item: Quota) -> str:
    """A quota's value as the docs write it: 50 MB, 4 KB, 10 GB, 900 seconds."""
    if item.unit != "bytes":
        return f"{item.value:,} {item.unit}"
    for size, unit in ((1024 * MB, "GB"), (MB, "MB"), (KB, "KB")):
        if item.value >= size and item.value % size == 0:
            return f"{item.value // size:,} {unit}"
    return f"{item.value:,} bytes"


def quota_table_markdown(quotas: Sequence[Quota] = QUOTA_LIST) -> str:
    """The Markdown table the limits page shows (a test proves the page holds exactly this)."""
    lines = [
        "| Quota | Value | Adjustable | Note | Source | Checked |",
        "|---|---|---|---|---|---|",
    ]
    for item in quotas:
        adjustable = "Yes" if item.adjustable else "No"
        lines.append(
            f"| {item.name} | {human_value(item)} | {adjustable} | {item.note} "
            f"| [AWS]({item.source}) | {item.checked} |"
        )
    return "\n".join(lines)
# --8<-- [end:render]


# What botocore's Lambda model allows is not what a standard function may use: since
# Lambda Managed Instances (announced at re:Invent 2025) the API accepts larger values, which Lambda
# then rejects for a standard function. Kept here so the difference is on record.
# --8<-- [start:model-differences]
MODEL_DIFFERENCES: dict[str, tuple[int, str, str]] = {
    # API member: (botocore model maximum, the quota that applies, why they differ)
    "MemorySize": (32_768, "memory_max", "Lambda Managed Instances run larger functions"),
    "Timeout": (5_400, "timeout_max", "Managed Instances run up to 90 minutes for async "
                                      "and event source mapping invocations"),
    "EphemeralStorage.Size": (32_768, "tmp_max", "the model's limit is shared with "
                                                 "Managed Instances"),
}
# --8<-- [end:model-differences]


# Deprecation dates from the Lambda runtimes page (the "Deprecation date" column: from that
# day Lambda stops patching the runtime; creating and then updating functions is blocked
# in two later steps). Runtimes not listed here are supported on the checked date.
# --8<-- [start:runtimes]
RUNTIME_DEPRECATED_ON: dict[str, dt.date] = {
    "python2.7": dt.date(2021, 7, 15),
    "python3.6": dt.date(2022, 7, 18),
    "python3.7": dt.date(2023, 12, 4),
    "python3.8": dt.date(2024, 10, 14),
    "python3.9": dt.date(2025, 12, 15),
    "python3.10": dt.date(2026, 10, 31),
    "python3.11": dt.date(2027, 6, 30),
    "nodejs": dt.date(2016, 10, 31),
    "nodejs4.3": dt.date(2020, 3, 5),
    "nodejs4.3-edge": dt.date(2019, 4, 30),
    "nodejs6.10": dt.date(2019, 8, 12),
    "nodejs8.10": dt.date(2020, 3, 6),
    "nodejs10.x": dt.date(2021, 7, 30),
    "nodejs12.x": dt.date(2023, 3, 31),
    "nodejs14.x": dt.date(2023, 12, 4),
    "nodejs16.x": dt.date(2024, 6, 12),
    "nodejs18.x": dt.date(2025, 9, 1),
    "nodejs20.x": dt.date(2026, 4, 30),
    "java8": dt.date(2024, 1, 8),
    "java8.al2": dt.date(2026, 6, 30),
    "java11": dt.date(2026, 6, 30),
    "java17": dt.date(2026, 6, 30),
    "dotnetcore1.0": dt.date(2019, 6, 27),
    "dotnetcore2.0": dt.date(2019, 5, 30),
    "dotnetcore2.1": dt.date(2022, 1, 5),
    "dotnetcore3.1": dt.date(2023, 4, 3),
    "dotnet6": dt.date(2024, 12, 20),
    "dotnet8": dt.date(2026, 11, 10),
    "go1.x": dt.date(2024, 1, 8),
    "ruby2.5": dt.date(2021, 7, 30),
    "ruby2.7": dt.date(2023, 12, 7),
    "ruby3.2": dt.date(2026, 3, 31),
    "provided": dt.date(2024, 1, 8),
    "provided.al2": dt.date(2026, 6, 30),
}
# --8<-- [end:runtimes]


def runtime_is_deprecated(runtime: str, on: dt.date) -> bool:
    """True when Lambda has deprecated ``runtime`` by the day ``on``."""
    deprecated_on = RUNTIME_DEPRECATED_ON.get(runtime)
    return deprecated_on is not None and deprecated_on <= on


@cache
def known_runtimes() -> frozenset[str]:
    """Every runtime identifier in botocore's Lambda model (the API's own enum)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return frozenset(model.shape_for("Runtime").enum)


ENV_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")  # the API model's pattern for a variable name
ARCHITECTURES = ("x86_64", "arm64")


def _is_intrinsic(value: Any) -> bool:
    """A CloudFormation function (``{"Ref": ...}``, ``{"Fn::Sub": ...}``): unknown until deploy."""
    return (
        isinstance(value, Mapping)
        and len(value) == 1
        and isinstance(next(iter(value)), str)
        and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))
    )


def _integer(value: Any, field: str, template: bool) -> tuple[int | None, list[str]]:
    """Read an integer the way the API (strictly) or CloudFormation (numeric text too) does."""
    if isinstance(value, bool):
        return None, [f"{field}: must be an integer, got a boolean"]
    if isinstance(value, int):
        return value, []
    if template and isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value), []
    if template and _is_intrinsic(value):
        return None, []
    return None, [f"{field}: must be an integer, got {type(value).__name__}"]


def _check_range(value: int, field: str, low: int, high: int, unit: str) -> list[str]:
    if value < low:
        return [f"{field}: {value:,} is below the minimum {low:,} {unit}"]
    if value > high:
        return [f"{field}: {value:,} is above the maximum {high:,} {unit}"]
    return []


def _check_environment(environment: Any, template: bool) -> list[str]:
    if template and _is_intrinsic(environment):
        return []
    if not isinstance(environment, Mapping):
        return [f"Environment: must be a mapping with Variables, got {type(environment).__name__}"]
    variables = environment.get("Variables", {})
    if template and _is_intrinsic(variables):
        return []
    if not isinstance(variables, Mapping):
        return [f"Environment.Variables: must be a mapping, got {type(variables).__name__}"]
    problems: list[str] = []
    measured: dict[str, str] = {}
    for key, value in variables.items():
        if not isinstance(key, str) or not ENV_KEY.fullmatch(key):
            problems.append(
                f"Environment.Variables: name {str(key)[:40]!r} must start with a letter and "
                "use only letters, digits and _ (at least 2 characters)"
            )
            continue
        scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
        if isinstance(value, str) or (template and (scalar or isinstance(value, bool))):
            measured[key] = str(value)
        elif template and _is_intrinsic(value):
            measured[key] = ""  # resolved at deploy time; only its name counts here
        else:
            problems.append(
                f"Environment.Variables.{key}: must be a string, got {type(value).__name__}"
            )
    # Lambda measures the variables as one JSON string (its error says "String measured").
    size = len(json.dumps(measured, separators=(",", ":"), ensure_ascii=False).encode())
    limit = quota("env_vars_total")
    if size > limit:
        problems.append(
            f"Environment.Variables: {size:,} bytes in total, more than the {limit:,}-byte "
            "(4 KB) quota; keep large values in Parameter Store or Secrets Manager"
        )
    return problems


def _check_layers(layers: Any, template: bool) -> list[str]:
    if template and _is_intrinsic(layers):
        return []
    if not isinstance(layers, list | tuple):
        return [f"Layers: must be a list of layer version ARNs, got {type(layers).__name__}"]
    problems = []
    limit = quota("layers_max")
    if len(layers) > limit:
        problems.append(f"Layers: {len(layers)} layers, more than the {limit} a function may use")
    for index, layer in enumerate(layers):
        if not isinstance(layer, str) and not (template and _is_intrinsic(layer)):
            problems.append(f"Layers[{index}]: must be a layer version ARN string")
    return problems


def _check_runtime(runtime: Any, on: dt.date, template: bool) -> list[str]:
    if template and _is_intrinsic(runtime):
        return []
    if not isinstance(runtime, str):
        return [f"Runtime: must be a runtime identifier string, got {type(runtime).__name__}"]
    if runtime not in known_runtimes():
        return [f"Runtime: {runtime[:40]!r} is not a Lambda runtime identifier"]
    if runtime_is_deprecated(runtime, on):
        since = RUNTIME_DEPRECATED_ON[runtime].isoformat()
        return [f"Runtime: {runtime} is deprecated since {since}; use a supported runtime"]
    return []


def _check_architectures(architectures: Any, template: bool) -> list[str]:
    if template and _is_intrinsic(architectures):
        return []
    if not isinstance(architectures, list | tuple) or len(architectures) != 1:
        return ["Architectures: must be a list with exactly one of x86_64, arm64"]
    value = architectures[0]
    if template and _is_intrinsic(value):
        return []
    if value not in ARCHITECTURES:
        return [f"Architectures: {str(value)[:40]!r} is not one of x86_64, arm64"]
    return []


# --8<-- [start:check]
def check_function_config(
    config: Mapping[str, Any], *, on: dt.date | None = None, template: bool = False
) -> list[str]:
    """Every way ``config`` (CreateFunction-shaped) breaks a Lambda quota; ``[]`` when clean.

    ``on`` is the day runtime deprecation is judged (today by default). With
    ``template=True`` the values may be CloudFormation functions or numeric text, as
    CloudFormation accepts them.
    """
    if not isinstance(config, Mapping):
        return [f"configuration: must be a mapping, got {type(config).__name__}"]
    problems: list[str] = []
    if "MemorySize" in config:
        memory, found = _integer(config["MemorySize"], "MemorySize", template)
        problems += found
        if memory is not None:
            problems += _check_range(memory, "MemorySize", quota("memory_min"),
                                     quota("memory_max"), "MB")
    if "Timeout" in config:
        timeout, found = _integer(config["Timeout"], "Timeout", template)
        problems += found
        if timeout is not None:
            problems += _check_range(timeout, "Timeout", 1, quota("timeout_max"), "seconds")
    if "EphemeralStorage" in config:
        storage = config["EphemeralStorage"]
        if isinstance(storage, Mapping) and "Size" in storage:
            size, found = _integer(storage["Size"], "EphemeralStorage.Size", template)
            problems += found
            if size is not None:
                problems += _check_range(size, "EphemeralStorage.Size", quota("tmp_min"),
                                         quota("tmp_max"), "MB")
        elif not (template and _is_intrinsic(storage)):
            problems.append("EphemeralStorage: must be a mapping with an integer Size (MB)")
    if "Environment" in config:
        problems += _check_environment(config["Environment"], template)
    if "Layers" in config:
        problems += _check_layers(config["Layers"], template)
    if "Runtime" in config:
        problems += _check_runtime(config["Runtime"], on or dt.date.today(), template)
    if "Architectures" in config:
        problems += _check_architectures(config["Architectures"], template)
    return problems
# --8<-- [end:check]


FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: the resource wins for scalars, maps merge, lists add up."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = [*current, *value]
        else:
            merged[key] = value
    return merged


# --8<-- [start:check-template]
def check_template(template: Any, *, on: dt.date | None = None) -> list[str]:
    """Problems of every Lambda function in a CloudFormation or SAM template, by resource."""
    if not isinstance(template, Mapping):
        return [f"template: must be a mapping, got {type(template).__name__}"]
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return ["template: Resources must be a mapping of logical IDs to resources"]
    globals_section = template.get("Globals")
    global_function: Any = {}
    if isinstance(globals_section, Mapping):
        global_function = globals_section.get("Function", {})
    if not isinstance(global_function, Mapping):
        return ["template: Globals.Function must be a mapping"]
    problems: list[str] = []
    for name, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in FUNCTION_TYPES:
            continue
        props = resource.get("Properties", {})
        if not isinstance(props, Mapping):
            problems.append(f"{name}: Properties must be a mapping")
            continue
        if resource["Type"] == "AWS::Serverless::Function":
            props = _merge_globals(global_function, props)
        problems += [f"{name}: {problem}" for problem in
                     check_function_config(props, on=on, template=True)]
    return problems
# --8<-- [end:check-template]


def count_functions(template: Mapping[str, Any]) -> int:
    resources = template.get("Resources", {})
    if not isinstance(resources, Mapping):
        return 0
    return sum(
        1 for resource in resources.values()
        if isinstance(resource, Mapping) and resource.get("Type") in FUNCTION_TYPES
    )


def load_template(path: Path) -> Mapping[str, Any]:
    """Read a YAML or JSON template, or raise :class:`UnusableInput` saying why."""
    text = read_text(path, what="template")
    try:
        data = load_yaml(text, flavor="cloudformation", what=str(path))
    except YamlError as error:
        raise UnusableInput(str(error)) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("Resources"), Mapping):
        raise UnusableInput(f"{path}: not a template (no Resources mapping at the top level)")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """``check TEMPLATE``: exit 0 clean, 1 problems found, 2 unusable input."""
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.limits",
        description="Check Lambda functions in a CloudFormation or SAM template against "
        "Lambda's quotas.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every function in a template")
    check.add_argument("template", type=Path, help="template file (YAML or JSON)")
    args = parser.parse_args(argv)
    try:
        template = load_template(args.template)
    except UnusableInput as error:
        return unusable(error)
    problems = check_template(template)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"{args.template}: {count_functions(template)} function(s) within Lambda's quotas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
