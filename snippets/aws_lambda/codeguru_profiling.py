"""What turning on CodeGuru Profiler changes on a Lambda function, as requests you can read.

The Lambda console's "Code profiling" switch does three things: it creates a profiling
group, adds the profiler's layer and environment variables to the function, and attaches
``AmazonCodeGuruProfilerAgentAccess`` to the execution role. ``profiling_changes`` returns
exactly those requests for a function's current configuration; ``enable_profiling`` sends
them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from cicd_check.function_config import check_function_config
from cicd_check.runtimes import deprecated_on

LAMBDA_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-code-profiler.html"
PYTHON_PAGE = "https://docs.aws.amazon.com/codeguru/latest/profiler-ug/python-lambda-layers.html"
JAVA_PAGE = "https://docs.aws.amazon.com/codeguru/latest/profiler-ug/lambda-simple.html"

PROFILER_LAYER_ACCOUNT = "157417159150"  # the account that publishes the agent layers
# Layer names only: AWS's own pages give different versions (the Java page says 11 in one
# copy and 12 in another), so the caller passes the version AWS's page gives today.
LAYERS = {
    "python": "AWSCodeGuruProfilerPythonAgentLambdaLayer",
    "java": "AWSCodeGuruProfilerJavaAgentLayer",
}
LAYER_PAGES = {"python": PYTHON_PAGE, "java": JAVA_PAGE}
AGENT_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"
# The runtimes the Lambda console integration supports, x86_64 only.
CONSOLE_RUNTIMES = ("python3.8", "python3.9", "java8.al2", "java11", "java17")

CHECKED = "2026-12-01"
CODEGURU_STATUS = (
    ("CodeGuru Profiler", "No end of support announced",
     "https://docs.aws.amazon.com/codeguru/latest/profiler-ug/what-is-codeguru-profiler.html"),
    ("CodeGuru Reviewer", "No new repository associations since 7 November 2025",
     "https://docs.aws.amazon.com/codeguru/latest/reviewer-ug/"
     "codeguru-reviewer-availability-change.html"),
    ("CodeGuru Security", "Discontinued on 20 November 2025",
     "https://docs.aws.amazon.com/codeguru/latest/security-ug/end-of-support.html"),
)

FUNCTION_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def profiling_group_name(function_name: str) -> str:
    """The group the console creates: ``aws-lambda-<function name>``."""
    if not isinstance(function_name, str) or not FUNCTION_NAME.fullmatch(function_name):
        raise ValueError("function_name: must be a Lambda function name (1-64 letters, "
                         "digits, '-' or '_')")
    return f"aws-lambda-{function_name}"


def layer_arn(runtime: str, region: str, version: int) -> str:
    """The profiler layer for a runtime family in a Region, at the version AWS's page gives."""
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise ValueError(f"region: {str(region)[:30]!r} is not an AWS Region code")
    family = "python" if str(runtime).startswith("python") else "java"
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"layer_version: a layer version number from {LAYER_PAGES[family]}, "
                         f"got {str(version)[:20]!r}")
    return f"arn:aws:lambda:{region}:{PROFILER_LAYER_ACCOUNT}:layer:{LAYERS[family]}:{version}"


def console_runtime_status(on: dt.date) -> dict[str, str]:
    """For each console-supported runtime: 'deprecated' or 'supported' on the day ``on``."""
    return {
        runtime: "deprecated" if (deprecated_on(runtime) or dt.date.max) <= on else "supported"
        for runtime in CONSOLE_RUNTIMES
    }


def _layers_and_variables(config: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The function's current layer ARNs and variables, or ``ValueError`` if malformed."""
    layers = config.get("Layers", [])
    if not isinstance(layers, list):
        raise ValueError("Layers: must be a list of layers")
    arns = [layer.get("Arn") if isinstance(layer, Mapping) else layer for layer in layers]
    if not all(isinstance(arn, str) for arn in arns):
        raise ValueError("Layers: each layer must be an ARN or a mapping with an Arn")
    environment = config.get("Environment", {})
    variables = environment.get("Variables", {}) if isinstance(environment, Mapping) else None
    if not isinstance(variables, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in variables.items()
    ):
        raise ValueError("Environment.Variables: must map names to string values")
    return arns, dict(variables)


@dataclass(frozen=True)
class ProfilingChanges:
    """Everything turning profiling on sends to AWS, ready to pass to boto3."""

    create_profiling_group: dict[str, Any]
    update_function_configuration: dict[str, Any]
    attach_role_policy: dict[str, Any]


def profiling_changes(config: Mapping[str, Any], region: str, *,
                      layer_version: int) -> ProfilingChanges:
    """The requests that turn profiling on for a function, given its current configuration.

    ``config`` is what ``get_function_configuration`` returns. Layers and environment
    variables are *replaced* by ``update_function_configuration``, so the request keeps the
    function's existing ones and adds the profiler's. Raises ``ValueError`` when the console
    integration cannot be used or the result would break a Lambda quota.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"config: must be a function configuration, got {type(config).__name__}")
    name, runtime, role = config.get("FunctionName"), config.get("Runtime"), config.get("Role")
    group = profiling_group_name(name)  # type: ignore[arg-type]
    if runtime not in CONSOLE_RUNTIMES:
        raise ValueError(f"Runtime: {str(runtime)[:30]!r} is not one the console integration "
                         f"supports ({', '.join(CONSOLE_RUNTIMES)}); add the agent yourself")
    if config.get("Architectures", ["x86_64"]) != ["x86_64"]:
        raise ValueError("Architectures: CodeGuru Profiler supports x86_64 functions only")
    if not isinstance(role, str) or not role.startswith("arn:aws:iam::") or ":role/" not in role:
        raise ValueError("Role: must be the execution role's ARN")
    layers, variables = _layers_and_variables(config)
    if runtime.startswith("python"):
        variables.update({
            "AWS_LAMBDA_EXEC_WRAPPER": "/opt/codeguru_profiler_lambda_exec",
            "AWS_CODEGURU_PROFILER_GROUP_NAME": group,
        })
    else:
        variables.update({
            "JAVA_TOOL_OPTIONS": "-javaagent:/opt/codeguru-profiler-java-agent-standalone.jar",
            "AWS_CODEGURU_PROFILER_GROUP_NAME": group,
            "AWS_CODEGURU_PROFILER_TARGET_REGION": region,
        })
    new_layer = layer_arn(runtime, region, layer_version)
    update = {
        "FunctionName": name,
        "Layers": [*[arn for arn in layers if arn != new_layer], new_layer],
        "Environment": {"Variables": variables},
    }
    problems = check_function_config(
        {"Layers": update["Layers"], "Environment": update["Environment"]})
    if problems:
        raise ValueError("; ".join(problems))
    return ProfilingChanges(
        create_profiling_group={
            "profilingGroupName": group,
            "computePlatform": "AWSLambda",
            # The SDK would make up a token; a fixed one makes a retried call harmless.
            "clientToken": hashlib.sha256(group.encode()).hexdigest()[:32],
        },
        update_function_configuration=update,
        attach_role_policy={"RoleName": role.rsplit("/", 1)[-1], "PolicyArn": AGENT_POLICY_ARN},
    )


# --8<-- [start:enable]
def enable_profiling(
    function_name: str, *, layer_version: int, lambda_client: Any = None,
    iam_client: Any = None, profiler_client: Any = None,
) -> ProfilingChanges:
    """Do what the console switch does, with the SDK (``layer_version``: from AWS's page)."""
    profiling_group_name(function_name)  # a clear ValueError for a malformed name
    lambda_client = lambda_client or boto3.client("lambda")
    iam_client = iam_client or boto3.client("iam")
    profiler_client = profiler_client or boto3.client("codeguruprofiler")
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    changes = profiling_changes(config, lambda_client.meta.region_name,
                                layer_version=layer_version)
    profiler_client.create_profiling_group(**changes.create_profiling_group)
    lambda_client.update_function_configuration(**changes.update_function_configuration)
    iam_client.attach_role_policy(**changes.attach_role_policy)
    return changes
# --8<-- [end:enable]


def disable_profiling_request(config: Mapping[str, Any]) -> dict[str, Any]:
    """The update that takes the profiler's layer and variables off again.

    Like the console, it leaves ``AmazonCodeGuruProfilerAgentAccess`` on the role:
    detach it yourself if nothing else on that role profiles.
    """
    if not isinstance(config, Mapping) or not isinstance(config.get("FunctionName"), str):
        raise ValueError("config: must be a function configuration with a FunctionName")
    layers, current = _layers_and_variables(config)
    variables = {
        key: value for key, value in current.items()
        if key not in {"AWS_LAMBDA_EXEC_WRAPPER", "JAVA_TOOL_OPTIONS"}
        and not key.startswith("AWS_CODEGURU_PROFILER_")
    }
    return {
        "FunctionName": config["FunctionName"],
        "Layers": [arn for arn in layers if arn.split(":")[-2:-1] not in
                   ([name] for name in LAYERS.values())],
        "Environment": {"Variables": variables},
    }

