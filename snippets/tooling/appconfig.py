"""AWS AppConfig: a feature-flag profile, its hosted versions, and how a deployment strategy
grows the share of targets that get a new version.

AppConfig deploys configuration, not code: the same gradual, alarm-watched rollout that
CodeDeploy gives a Lambda alias, applied to a JSON document the function reads at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

FEATURE_FLAGS = "AWS.AppConfig.FeatureFlags"
FREEFORM = "AWS.Freeform"


# --8<-- [start:profile]
def create_flag_profile(application: str, profile: str, *, client: Any = None) -> dict[str, str]:
    """An application and a hosted feature-flag profile in it: AppConfig stores the data."""
    appconfig = client or boto3.client("appconfig")
    app_id = appconfig.create_application(Name=application)["Id"]
    profile_id = appconfig.create_configuration_profile(
        ApplicationId=app_id,
        Name=profile,
        LocationUri="hosted",  # or an S3 object, SSM parameter, Secrets Manager secret...
        Type=FEATURE_FLAGS,    # FREEFORM for any JSON, YAML or text document
    )["Id"]
    return {"ApplicationId": app_id, "ConfigurationProfileId": profile_id}


def flags_document(**enabled: bool) -> bytes:
    """The feature-flag format: each flag declared under `flags`, its state under `values`."""
    return json.dumps({
        "version": "1",
        "flags": {name: {"name": name.replace("_", " ")} for name in enabled},
        "values": {name: {"enabled": on} for name, on in enabled.items()},
    }).encode()


def save_version(ids: dict[str, str], content: bytes, *, client: Any = None) -> int:
    """A new, immutable, numbered version of the profile's data (1, 2, 3...)."""
    appconfig = client or boto3.client("appconfig")
    response = appconfig.create_hosted_configuration_version(
        **ids, Content=content, ContentType="application/json")
    return int(response["VersionNumber"])
# --8<-- [end:profile]


# --8<-- [start:deploy]
def deploy(ids: dict[str, str], version: int, *, environment: str, alarm_arn: str,
           alarm_role_arn: str, strategy: str = "AppConfig.Canary10Percent20Minutes",
           client: Any = None) -> dict[str, Any]:
    """Create an environment that rolls back on an alarm, then deploy one version to it."""
    appconfig = client or boto3.client("appconfig")
    environment_id = appconfig.create_environment(
        ApplicationId=ids["ApplicationId"],
        Name=environment,
        Monitors=[{"AlarmArn": alarm_arn, "AlarmRoleArn": alarm_role_arn}],
    )["Id"]
    return appconfig.start_deployment(
        **ids,
        EnvironmentId=environment_id,
        DeploymentStrategyId=strategy,  # a predefined strategy, or the ID of your own
        ConfigurationVersion=str(version),
    )
# --8<-- [end:deploy]


# --8<-- [start:strategy]
def create_strategy(name: str, *, growth_type: str, growth_factor: float, duration_minutes: int,
                    bake_minutes: int, client: Any = None) -> str:
    """A deployment strategy of your own; returns its ID."""
    appconfig = client or boto3.client("appconfig")
    return str(appconfig.create_deployment_strategy(
        Name=name,
        GrowthType=growth_type,  # LINEAR or EXPONENTIAL
        GrowthFactor=growth_factor,
        DeploymentDurationInMinutes=duration_minutes,
        FinalBakeTimeInMinutes=bake_minutes,
    )["Id"])
# --8<-- [end:strategy]


# --8<-- [start:steps]
def rollout_steps(growth_type: str, growth_factor: float) -> list[float]:
    """The percentage of targets that has the new version after each step.

    LINEAR adds the growth factor at each step; EXPONENTIAL follows AWS's formula
    G*(2^N): 2 % grows 2, 4, 8, ... Both stop at 100 %.
    """
    if growth_type not in ("LINEAR", "EXPONENTIAL"):
        raise ValueError(f"GrowthType: {growth_type!r} is not LINEAR or EXPONENTIAL")
    if isinstance(growth_factor, bool) or not isinstance(growth_factor, int | float) \
            or not 1.0 <= growth_factor <= 100.0:
        raise ValueError(f"GrowthFactor: {growth_factor!r} is outside 1.0-100.0")
    steps: list[float] = []
    step = 0
    while not steps or steps[-1] < 100.0:
        share = growth_factor * (step + 1) if growth_type == "LINEAR" \
            else growth_factor * 2 ** step
        steps.append(min(round(share, 6), 100.0))
        step += 1
    return steps
# --8<-- [end:steps]


@dataclass(frozen=True)
class Predefined:
    """A predefined strategy as AWS's page describes it."""

    growth_type: str
    growth_factor: float
    duration_minutes: float
    bake_minutes: float
    step_minutes: float | None  # only where AWS gives the interval


# AWS's page "Using predefined deployment strategies" (checked 2026-12-01).
PREDEFINED = {
    "AppConfig.Linear20PercentEvery6Minutes": Predefined("LINEAR", 20, 30, 30, 6),
    "AppConfig.Canary10Percent20Minutes": Predefined("EXPONENTIAL", 10, 20, 10, None),
    "AppConfig.AllAtOnce": Predefined("LINEAR", 100, 0, 10, None),
    "AppConfig.Linear50PercentEvery30Seconds": Predefined("LINEAR", 50, 1, 1, 0.5),
}
