"""CodeDeploy for Lambda: the page's examples (schedule rule, deployments, pipeline action).

The tools live in ``cicd_check``: schedules and the deployment simulation in
:mod:`cicd_check.traffic`, AppSpec checks in :mod:`cicd_check.appspec`, SAM checks in
:mod:`cicd_check.template` (``cicd-check schedule NAME``, ``cicd-check appspec.yaml``,
``cicd-check sam-canary.yaml``). The hook the SAM template deploys is ``hooks/codedeploy.py``,
on its own so that its folder needs nothing else. This module holds what the page teaches
with them: a compact schedule rule, the generated table, chart sources and timelines, the
deployment call and the CodePipeline Lambda deploy action.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cicd_check.appspec import ALIAS_NAME, FUNCTION_NAME, validate_appspec
from cicd_check.traffic import (
    PREDEFINED,
    DeploymentRun,
    describe,
    pipeline_strategy_schedule,
    resolve_config,
    simulate_deployment,
    time_to_full,
    traffic_schedule,
)

CONFIGS_PAGE = "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html"
SAM_PAGE = (
    "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
    "sam-property-function-deploymentpreference.html"
)
PIPELINE_ACTION_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-LambdaDeploy.html"
)
Schedule = list[tuple[int, int]]


# --8<-- [start:schedule]
def shift_steps(kind: str, percentage: int = 100, interval: int = 0) -> Schedule:
    """(minute, percent on the new version) for a canary, linear or all-at-once config."""
    if kind == "AllAtOnce":
        return [(0, 100)]  # everything at minute 0
    if kind == "Canary":  # two steps: the canary now, the rest one interval later
        return [(0, percentage), (interval, 100)]
    steps = math.ceil(100 / percentage)  # linear: equal steps, one interval apart
    return [(i * interval, min(100, (i + 1) * percentage)) for i in range(steps)]
# --8<-- [end:schedule]


def config_table() -> str:
    """The page's table of the nine predefined configurations, generated from the schedules."""
    lines = ["| CodeDeploy name | SAM `Type` | What moves |", "|---|---|---|"]
    for config in PREDEFINED:
        lines.append(f"| `{config.name}` | `{config.sam_name}` | {describe(config)} |")
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
    """The mermaid source of a chart of the traffic on the new version, minute by minute.

    The page shows it drawn (``docs/diagrams/traffic-<name>.mmd``); a test keeps the two equal.
    """
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


def _client(service: str, client: Any = None) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client(service)


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


# --8<-- [start:pipeline]
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
