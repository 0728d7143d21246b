"""Elastic Beanstalk: choose a deployment policy, deploy a version, swap environment URLs,
and tabulate what each policy costs in capacity (from ``cicd_check.beanstalk``)."""

from __future__ import annotations

from typing import Any

import boto3

from cicd_check import eb_deployment, eb_policy

COMMAND = "aws:elasticbeanstalk:command"
SPLITTING = "aws:elasticbeanstalk:trafficsplitting"
NAMES = {"AllAtOnce": "All at once", "Rolling": "Rolling",
         "RollingWithAdditionalBatch": "Rolling with additional batch", "Immutable": "Immutable",
         "TrafficSplitting": "Traffic splitting", "BlueGreen": "Blue/green (URL swap)"}
OPTION_VALUES = ("AllAtOnce", "Rolling", "RollingWithAdditionalBatch", "Immutable",
                 "TrafficSplitting")


# --8<-- [start:options]
def policy_options(policy: str, *, batch_size: int = 1, new_version_percent: int = 10,
                   evaluation_minutes: int = 5) -> list[dict[str, str]]:
    """The option settings that select ``policy`` (a fixed batch for the rolling ones)."""
    if policy not in OPTION_VALUES:
        raise ValueError(f"policy: {policy!r} is not a DeploymentPolicy value; use one of "
                         f"{', '.join(OPTION_VALUES)} (blue/green is a URL swap, not an option)")
    options = [{"Namespace": COMMAND, "OptionName": "DeploymentPolicy", "Value": policy}]
    if policy.startswith("Rolling"):
        options += [{"Namespace": COMMAND, "OptionName": "BatchSizeType", "Value": "Fixed"},
                    {"Namespace": COMMAND, "OptionName": "BatchSize", "Value": str(batch_size)}]
    if policy == "TrafficSplitting":
        options += [
            {"Namespace": SPLITTING, "OptionName": "NewVersionPercent",
             "Value": str(new_version_percent)},
            {"Namespace": SPLITTING, "OptionName": "EvaluationTime",
             "Value": str(evaluation_minutes)}]
    return options
# --8<-- [end:options]


# --8<-- [start:deploy]
def create_environment(application: str, environment: str, policy: str, *,
                       client: Any = None, **options: Any) -> dict[str, Any]:
    """A web server environment whose deployments follow ``policy``."""
    eb = client or boto3.client("elasticbeanstalk")
    return eb.create_environment(
        ApplicationName=application, EnvironmentName=environment,
        SolutionStackName="64bit Amazon Linux 2023 v4.3.0 running Python 3.12",
        OptionSettings=policy_options(policy, **options))


def deploy_version(environment: str, version_label: str, *, client: Any = None
                   ) -> dict[str, Any]:
    """Deploy an application version: the environment's policy decides how."""
    eb = client or boto3.client("elasticbeanstalk")
    return eb.update_environment(EnvironmentName=environment, VersionLabel=version_label)


def swap_urls(blue: str, green: str, *, client: Any = None) -> None:
    """Blue/green: give green the production URL (CNAME) and blue green's."""
    eb = client or boto3.client("elasticbeanstalk")
    eb.swap_environment_cnames(SourceEnvironmentName=blue, DestinationEnvironmentName=green)
# --8<-- [end:deploy]


def capacity_table(instances: int = 4, batch_size: int = 2) -> str:
    """One row per policy: the fewest instances in service, the most running, the steps."""
    rows = ["| Policy | Fewest in service | Most running | Steps | Zero downtime | DNS change |",
            "|---|---:|---:|---:|---|---|"]
    for name in (*OPTION_VALUES, "BlueGreen"):
        steps = eb_deployment(name, instances=instances, batch_size=batch_size)
        policy = eb_policy(name)
        rows.append(
            f"| {NAMES[name]} | {min(s.in_service for s in steps)} | "
            f"{max(s.total for s in steps)} | {len(steps) - 1} | "
            f"{'yes' if policy['zero_downtime'] else 'no'} | "
            f"{'yes' if policy['dns_change'] else 'no'} |")
    return "\n".join(rows)


def steps_table(policy: str, instances: int = 4, batch_size: int = 2) -> str:
    """A policy's steps: what happens, instances on each version, instances running."""
    rows = ["| Step | What happens | Old version | New version | Running |",
            "|---:|---|---:|---:|---:|"]
    for number, step in enumerate(eb_deployment(policy, instances=instances,
                                                batch_size=batch_size)):
        rows.append(f"| {number} | {step.what} | {step.old} | {step.new} | {step.total} |")
    return "\n".join(rows)
