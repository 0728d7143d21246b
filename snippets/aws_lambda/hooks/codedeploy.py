"""The CodeDeploy hook the SAM template deploys (``CodeUri: hooks/``, ``codedeploy.handler``).

It imports only the standard library and boto3, which Lambda's Python runtimes include, so
this one file is the whole of the hook's ``hooks/`` folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import boto3

VERSION_ARN = re.compile(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]{1,64}:\d+")


# --8<-- [start:hook]
def version_is_ready(arn: str, *, client: Any = None) -> list[str]:
    """The target is a published version, Active, and its last update succeeded."""
    if not isinstance(arn, str) or not VERSION_ARN.fullmatch(arn):
        return [f"target: {str(arn)[:80]!r} is not a published version ARN (...:<n>)"]
    config = (client or boto3.client("lambda")).get_function_configuration(FunctionName=arn)
    problems = []
    if config.get("State", "Active") != "Active":
        problems.append(f"target: state is {config['State']}, not Active")
    if config.get("LastUpdateStatus", "Successful") != "Successful":
        problems.append(f"target: last update is {config['LastUpdateStatus']}")
    return problems


def report_hook_result(event: Mapping[str, Any], checks: Iterable[Callable[[], list[str]]],
                       *, codedeploy: Any = None) -> str:
    """Run the checks, then ALWAYS report Succeeded or Failed: silence costs an hour."""
    ids = [event.get(key) if isinstance(event, Mapping) else None
           for key in ("DeploymentId", "LifecycleEventHookExecutionId")]
    if not all(isinstance(value, str) and value for value in ids):
        raise ValueError("event: missing DeploymentId or LifecycleEventHookExecutionId")
    problems: list[str] = []
    for check in checks:
        try:
            problems += check()
        except Exception as error:  # a crash is a failure to report, not a silent hook
            problems.append(f"check raised {error!r}")
    for problem in problems:
        print(f"hook check failed: {problem}")  # goes to CloudWatch Logs
    status = "Failed" if problems else "Succeeded"
    (codedeploy or boto3.client("codedeploy")).put_lifecycle_event_hook_execution_status(
        deploymentId=ids[0], lifecycleEventHookExecutionId=ids[1], status=status)
    return status


def handler(event: Mapping[str, Any], context: object) -> str:
    """The entry point: check the version SAM passes in TARGET_VERSION_ARN."""
    target = os.environ.get("TARGET_VERSION_ARN", "")
    return report_hook_result(event, [lambda: version_is_ready(target)])
# --8<-- [end:hook]
