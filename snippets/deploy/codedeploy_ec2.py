"""CodeDeploy on EC2 and on-premises servers: the deployment group and how many instances a
predefined configuration takes out of service at once.

The arithmetic follows CodeDeploy's MinimumHealthyHosts reference: with HOST_COUNT n, up to
``fleet - n`` instances are deployed to at once; with FLEET_PERCENT p, the healthy minimum is
``p`` % of the fleet rounded up; OneAtATime deploys to one instance at a time.
"""

from __future__ import annotations

import math
from typing import Any

import boto3

# --8<-- [start:configs]
# The three predefined EC2/on-premises configurations: (type, value) of minimum healthy hosts.
SERVER_CONFIGS = {
    "CodeDeployDefault.OneAtATime": ("MOST_CONCURRENCY", 1),
    "CodeDeployDefault.HalfAtATime": ("FLEET_PERCENT", 50),
    "CodeDeployDefault.AllAtOnce": ("HOST_COUNT", 0),
}


def instances_at_once(kind: str, value: int, fleet: int) -> int:
    """How many of ``fleet`` instances a deployment may take out of service at a time."""
    _check_fleet(fleet)
    if kind == "MOST_CONCURRENCY":
        return 1
    if kind == "HOST_COUNT":
        return max(fleet - value, 0)
    if kind == "FLEET_PERCENT":
        return fleet - math.ceil(fleet * value / 100)
    raise ValueError(f"kind: {kind!r} is not HOST_COUNT or FLEET_PERCENT")
# --8<-- [end:configs]


def _check_fleet(fleet: object) -> None:
    if isinstance(fleet, bool) or not isinstance(fleet, int) or fleet < 1:
        raise ValueError(f"fleet: expected a whole number of instances from 1, got {fleet!r}")


def at_once(config: str, fleet: int) -> int:
    """``instances_at_once`` for a predefined configuration, by name."""
    if config not in SERVER_CONFIGS:
        raise ValueError(f"config: {config!r} is not one of {', '.join(SERVER_CONFIGS)}")
    return instances_at_once(*SERVER_CONFIGS[config], fleet)


# --8<-- [start:group]
def create_server_deployment_group(
    application: str, group: str, *, role_arn: str, tag: tuple[str, str] | None = None,
    auto_scaling_group: str | None = None, config: str = "CodeDeployDefault.OneAtATime",
    target_group: str | None = None, client: Any = None,
) -> dict[str, Any]:
    """An in-place group that finds its instances by tag or Auto Scaling group, rolls back
    failed deployments and, given a target group, takes each instance out of it."""
    if not tag and not auto_scaling_group:
        raise ValueError("a deployment group needs instance tags or an Auto Scaling group")
    codedeploy = client or boto3.client("codedeploy")
    codedeploy.create_deployment_group(
        applicationName=application, deploymentGroupName=group, serviceRoleArn=role_arn,
        deploymentConfigName=config,
        ec2TagFilters=[{"Key": tag[0], "Value": tag[1], "Type": "KEY_AND_VALUE"}] if tag else [],
        autoScalingGroups=[auto_scaling_group] if auto_scaling_group else [],
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        deploymentStyle={"deploymentType": "IN_PLACE", "deploymentOption":
                         "WITH_TRAFFIC_CONTROL" if target_group else "WITHOUT_TRAFFIC_CONTROL"},
        **({"loadBalancerInfo": {"targetGroupInfoList": [{"name": target_group}]}}
           if target_group else {}),
    )
    return codedeploy.get_deployment_group(
        applicationName=application, deploymentGroupName=group)["deploymentGroupInfo"]
# --8<-- [end:group]
