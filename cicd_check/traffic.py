"""CodeDeploy traffic shifting: the schedules of deployment configurations, and a simulation.

A Lambda (or ECS blue/green) deployment moves traffic from the original to the new version
on the schedule its *deployment configuration* sets: canary (a slice, then the rest one
interval later), linear (equal steps one interval apart) or all at once. The predefined
configurations are read from one table, ``cicd_check/data/codedeploy_configs.json``, which
names AWS's page. ``cicd-check schedule NAME`` prints a configuration's steps.

AWS's tables give each configuration's percentage and interval, not a total duration: the
minute of the last shift printed here is counted from the steps, not quoted from AWS.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cicd_check.contract import OneLineParser, UnusableInput

PREFIX = "CodeDeployDefault."
HOOK_TIMEOUT_MINUTES = 60  # a hook must report back within one hour
MAX_SHIFT_MINUTES = 48 * 60  # CodeDeploy quota: first to last traffic shift of a Lambda deployment
MAX_PIPELINE_WAIT_MINUTES = 2 * 24 * 60  # CodePipeline Lambda deploy action: total wait <= 2 days
KINDS = {"TimeBasedCanary": "Canary", "TimeBasedLinear": "Linear", "AllAtOnce": "AllAtOnce"}
CUSTOM_KINDS = KINDS  # the trafficRoutingConfig types of CreateDeploymentConfig

Schedule = list[tuple[int, int]]


@dataclass(frozen=True)
class ShiftConfig:
    """One traffic-shifting configuration: how much moves, and how often."""

    kind: str  # "Canary", "Linear" or "AllAtOnce"
    percentage: int = 100
    interval: int = 0  # minutes
    name: str = ""  # the CodeDeploy name of a predefined configuration
    platform: str = "Lambda"

    @property
    def sam_name(self) -> str:
        """The short name a SAM DeploymentPreference Type uses (Lambda only)."""
        if self.name.startswith(f"{PREFIX}Lambda"):
            return self.name.removeprefix(f"{PREFIX}Lambda")
        if self.kind == "Canary":
            return f"Canary{self.percentage}Percent{self.interval}Minutes"
        if self.kind == "Linear":
            unit = "Minute" if self.interval == 1 else "Minutes"
            return f"Linear{self.percentage}PercentEvery{self.interval}{unit}"
        return "AllAtOnce"


# ---------------------------------------------------------------- the table


def _load_table() -> tuple[str, tuple[ShiftConfig, ...]]:
    text = resources.files("cicd_check").joinpath("data/codedeploy_configs.json").read_text()
    table = json.loads(text)
    configs = tuple(
        ShiftConfig(KINDS[row["type"]], row.get("percentage", 100), row.get("interval", 0),
                    row["name"], row["platform"])
        for row in table["configs"]
    )
    return table["source"], configs


SOURCE, ALL_PREDEFINED = _load_table()
# The predefined *Lambda* configurations, which SAM's DeploymentPreference Type names.
PREDEFINED: tuple[ShiftConfig, ...] = tuple(c for c in ALL_PREDEFINED if c.platform == "Lambda")
VALID_NAMES: tuple[str, ...] = tuple(config.name for config in PREDEFINED)
SAM_TYPES: tuple[str, ...] = tuple(config.sam_name for config in PREDEFINED)
_BY_NAME: dict[str, ShiftConfig] = {}
for _config in PREDEFINED:
    _BY_NAME[_config.name] = _config
    _BY_NAME[_config.name.removeprefix(PREFIX)] = _config
    _BY_NAME[_config.sam_name] = _config
_ANY_PLATFORM: dict[str, ShiftConfig] = {
    **{c.name: c for c in ALL_PREDEFINED},
    **{c.name.removeprefix(PREFIX): c for c in ALL_PREDEFINED},
    **_BY_NAME,
}


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


def resolve_any(config: object) -> ShiftConfig:
    """A predefined Lambda or ECS configuration (ECS names keep their ``ECS`` prefix)."""
    if isinstance(config, str) and config in _ANY_PLATFORM:
        return _ANY_PLATFORM[config]
    shown = repr(config)[:60] if config != "" else "the empty string"
    raise ValueError(f"config: {shown} is not a predefined Lambda or ECS deployment "
                     "configuration; valid names: " + ", ".join(c.name for c in ALL_PREDEFINED))


# ---------------------------------------------------------------- schedules


def schedule_of(config: ShiftConfig) -> Schedule:
    """(minute, percent on the new version): canary in two steps, linear in equal steps."""
    if config.kind == "AllAtOnce":
        return [(0, 100)]
    if config.kind == "Canary":  # two increments: the canary now, the rest one interval later
        return [(0, config.percentage), (config.interval, 100)]
    steps = math.ceil(100 / config.percentage)  # linear: one increment per interval
    return [(i * config.interval, min(100, (i + 1) * config.percentage)) for i in range(steps)]


def traffic_schedule(config: str) -> Schedule:
    """(minute, percent on the new version) for a predefined Lambda config, from 0 to 100 %."""
    return schedule_of(resolve_config(config))


def time_to_full(schedule: list[tuple[int, int]]) -> int:
    """Minutes from the first shift until the new version takes all traffic (our count)."""
    return schedule[-1][0]


def describe(config: ShiftConfig) -> str:
    """One line in words: linear is N equal steps, so many minutes apart."""
    if config.kind == "Canary":
        rest = 100 - config.percentage
        return f"{config.percentage} % at once, the other {rest} % {config.interval} min later"
    if config.kind == "Linear":
        every = "1 minute" if config.interval == 1 else f"{config.interval} minutes"
        return f"{len(schedule_of(config))} equal steps of {config.percentage} %, {every} apart"
    return "100 % at once"


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
        raise ValueError(f"kind: {str(kind)[:40]!r} is not a traffic routing type; use one of "
                         + ", ".join(CUSTOM_KINDS))
    if kind == "AllAtOnce":
        if percentage is not None or interval is not None:
            raise ValueError("AllAtOnce: takes no percentage or interval")
        return [(0, 100)]
    prefix = "canary" if kind == "TimeBasedCanary" else "linear"
    pct = _whole_number(f"{prefix}Percentage", percentage, 1, 99)
    minutes = _whole_number(f"{prefix}Interval", interval, 1, MAX_SHIFT_MINUTES)
    schedule = schedule_of(ShiftConfig(CUSTOM_KINDS[kind], pct, minutes))
    if time_to_full(schedule) > MAX_SHIFT_MINUTES:
        raise ValueError(
            f"{prefix}Interval: {len(schedule) - 1} intervals of {minutes} min take "
            f"{time_to_full(schedule)} min; CodeDeploy allows at most {MAX_SHIFT_MINUTES} min "
            "(48 hours) between the first and the last traffic shift")
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


PIPELINE_STRATEGY = re.compile(
    r"AllAtOnce|Canary(?P<cp>\d{1,6})Percent(?P<cm>\d{1,6})Minutes?"
    r"|Linear(?P<lp>\d{1,6})PercentEvery(?P<lm>\d{1,6})Minutes?"
)


def pipeline_strategy_schedule(strategy: str) -> Schedule:
    """The schedule of a CodePipeline Lambda deploy action DeployStrategy string."""
    match = PIPELINE_STRATEGY.fullmatch(strategy) if isinstance(strategy, str) else None
    if match is None:
        raise ValueError(
            f"DeployStrategy: {str(strategy)[:40]!r} is not AllAtOnce, "
            "Canary<percent>Percent<minutes>Minutes or Linear<percent>PercentEvery<minutes>Minutes")
    if strategy == "AllAtOnce":
        return [(0, 100)]
    kind = "Canary" if match["cp"] else "Linear"
    percent, minutes = int(match["cp"] or match["lp"]), int(match["cm"] or match["lm"])
    _whole_number("DeployStrategy percentage", percent, 1, 99)
    _whole_number("DeployStrategy minutes", minutes, 1, MAX_PIPELINE_WAIT_MINUTES)
    schedule = schedule_of(ShiftConfig(kind, percent, minutes))
    if time_to_full(schedule) > MAX_PIPELINE_WAIT_MINUTES:
        raise ValueError(f"DeployStrategy: waits {time_to_full(schedule)} min in total; "
                         "the action allows at most 2 days")
    return schedule


# ---------------------------------------------------------------- simulation


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


def _check_simulation_input(before_hook: object, after_hook: object, alarm_at: object,
                            hook_minutes: object) -> None:
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
    _check_simulation_input(before_hook, after_hook, alarm_at, hook_minutes)
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


# ---------------------------------------------------------------- cicd-check schedule


def configure(parser: OneLineParser) -> None:
    """``cicd-check schedule NAME``: the steps of a predefined Lambda or ECS configuration."""
    parser.description = ("Print the traffic schedule of a predefined CodeDeploy deployment "
                          f"configuration (Lambda or ECS), from AWS's table: {SOURCE}")
    parser.add_argument("name", help="e.g. CodeDeployDefault.LambdaLinear10PercentEvery1Minute, "
                        "LambdaCanary10Percent5Minutes, Canary10Percent5Minutes (SAM's name) or "
                        "CodeDeployDefault.ECSCanary10Percent5Minutes")


def render(config: ShiftConfig) -> str:
    """The text ``cicd-check schedule`` prints."""
    steps = schedule_of(config)
    lines = [f"{config.name} ({config.platform}): {describe(config)}"]
    lines += [f"  minute {minute:>4}: {percent:>3} % on the new version"
              for minute, percent in steps]
    lines.append(f"last shift at minute {time_to_full(steps)} (counted from the steps; "
                 "AWS's table gives no total time)")
    return "\n".join(lines)


def command(args: argparse.Namespace) -> int:
    try:
        config = resolve_any(args.name)
    except ValueError as error:
        raise UnusableInput(str(error)) from None
    print(render(config))
    return 0
