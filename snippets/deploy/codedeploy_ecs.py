"""ECS deployments: task definition revisions, rolling updates, ECS's own blue/green, linear
and canary strategies, task sets, and the files CodePipeline's two ECS actions read.

The numbers follow ECS's DeploymentConfiguration reference: during a rolling update at least
``minimumHealthyPercent`` of the desired count (rounded up) stays running and at most
``maximumPercent`` (rounded down) runs in all.
"""

from __future__ import annotations

import json
import math
from typing import Any

import boto3

STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")


# --8<-- [start:register]
def register_revision(family: str, image: str, *, client: Any = None) -> str:
    """Register a Fargate task definition for ``image``; return ``family:revision``."""
    ecs = client or boto3.client("ecs")
    definition = ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",  # Fargate tasks always use awsvpc
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": image, "essential": True,
                               "portMappings": [{"containerPort": 8080}]}],
    )["taskDefinition"]
    return f"{definition['family']}:{definition['revision']}"
# --8<-- [end:register]


def network(subnets: list[str], security_groups: list[str]) -> dict[str, Any]:
    """The network configuration every awsvpc (so every Fargate) service and task set needs."""
    return {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": security_groups}}


def rolling_bounds(desired: int, minimum_healthy: int = 100,
                   maximum: int = 200) -> tuple[int, int]:
    """(fewest tasks kept running, most tasks running) during a rolling update."""
    for name, value in (("desired", desired), ("minimum_healthy", minimum_healthy),
                        ("maximum", maximum)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: expected a whole number from 0, got {value!r}")
    low, high = math.ceil(desired * minimum_healthy / 100), desired * maximum // 100
    if high <= low and desired:
        raise ValueError(f"maximum {maximum} % leaves no room above minimum {minimum_healthy} %:"
                         " the update could never start a new task")
    return low, high


# --8<-- [start:rolling]
def rolling_service(cluster: str, service: str, task_definition: str, *,
                    networking: dict[str, Any], desired: int = 4, client: Any = None
                    ) -> dict[str, Any]:
    """A Fargate service updated by rolling update, rolled back by the circuit breaker."""
    ecs = client or boto3.client("ecs")
    return ecs.create_service(
        cluster=cluster, serviceName=service, taskDefinition=task_definition,
        desiredCount=desired, launchType="FARGATE", networkConfiguration=networking,
        deploymentController={"type": "ECS"},
        deploymentConfiguration={
            "minimumHealthyPercent": 100, "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )["service"]
# --8<-- [end:rolling]


def strategy_configuration(strategy: str, *, percent: float | None = None,
                           bake_minutes: int = 0, final_bake_minutes: int = 15
                           ) -> dict[str, Any]:
    """The ``deploymentConfiguration`` for one of ECS's own deployment strategies."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
    config: dict[str, Any] = {"strategy": strategy}
    if strategy == "ROLLING":
        return config
    config["bakeTimeInMinutes"] = final_bake_minutes  # both revisions run, old one idle
    if isinstance(bake_minutes, bool) or not isinstance(bake_minutes, int) or not (
            0 <= bake_minutes <= 1440):
        raise ValueError(f"bake_minutes: 0 to 1440 minutes, got {bake_minutes!r}")
    if strategy == "LINEAR":
        if percent is None or not 3.0 <= percent <= 100.0:
            raise ValueError(f"percent: a linear step is 3.0 to 100.0 %, got {percent!r}")
        config["linearConfiguration"] = {"stepPercent": float(percent),
                                         "stepBakeTimeInMinutes": bake_minutes}
    elif strategy == "CANARY":
        if percent is None or not 0.1 <= percent <= 100.0:
            raise ValueError(f"percent: a canary is 0.1 to 100.0 %, got {percent!r}")
        config["canaryConfiguration"] = {"canaryPercent": float(percent),
                                         "canaryBakeTimeInMinutes": bake_minutes}
    return config


# --8<-- [start:strategy]
def use_strategy(cluster: str, service: str, task_definition: str, strategy: str, *,
                 client: Any = None, **options: Any) -> dict[str, Any]:
    """Deploy ``task_definition`` to ``service`` with one of ECS's own strategies; the
    options are checked against ECS's ranges first (``strategy_configuration``)."""
    ecs = client or boto3.client("ecs")
    return ecs.update_service(
        cluster=cluster, service=service, taskDefinition=task_definition,
        deploymentConfiguration=strategy_configuration(strategy, **options))["service"]
# --8<-- [end:strategy]


# --8<-- [start:tasksets]
def replace_task_set(cluster: str, service: str, task_definition: str, *,
                     networking: dict[str, Any], client: Any = None) -> list[dict[str, Any]]:
    """What CodeDeploy does in an ECS blue/green deployment: start a replacement (green)
    task set, make it primary, delete the original (blue) one. Returns the task sets left."""
    ecs = client or boto3.client("ecs")
    original = ecs.describe_task_sets(cluster=cluster, service=service)["taskSets"]
    green = ecs.create_task_set(cluster=cluster, service=service, launchType="FARGATE",
                                taskDefinition=task_definition,
                                networkConfiguration=networking)["taskSet"]
    ecs.update_service_primary_task_set(cluster=cluster, service=service,
                                        primaryTaskSet=green["taskSetArn"])
    for blue in original:
        ecs.delete_task_set(cluster=cluster, service=service, taskSet=blue["taskSetArn"])
    return ecs.describe_task_sets(cluster=cluster, service=service)["taskSets"]
# --8<-- [end:tasksets]


# --8<-- [start:files]
def image_definitions(container: str, image_uri: str) -> str:
    """imagedefinitions.json for the ECS (standard) deploy action: a list of name/imageUri."""
    return json.dumps([{"name": container, "imageUri": image_uri}])


def image_detail(image_uri: str) -> str:
    """imageDetail.json for the ECS (blue/green) action, CodeDeployToECS: one ImageURI."""
    return json.dumps({"ImageURI": image_uri})
# --8<-- [end:files]


def fill_task_definition(taskdef_json: str, image_uri: str, placeholder: str = "IMAGE1_NAME"
                         ) -> dict[str, Any]:
    """What CodeDeployToECS does with taskdef.json: put the image where ``<placeholder>`` is."""
    marker = f"<{placeholder}>"
    if marker not in taskdef_json:
        raise ValueError(f"taskdef.json: no {marker} placeholder for the image")
    return json.loads(taskdef_json.replace(marker, image_uri))


def demo_network(*, client: Any = None) -> dict[str, Any]:
    """A VPC with one subnet and its default security group, as a network configuration."""
    ec2 = client or boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    [group] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    return network([subnet], [group["GroupId"]])
