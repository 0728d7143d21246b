"""Continuous delivery on AWS: a release gate in CodePipeline, a release that rolls itself back.

Delivery and deployment differ by one action: a manual approval before the production
deploy. The approval is answered with the token CodePipeline hands out; the deploy itself is
a CodeDeploy deployment group that shifts traffic gradually and rolls back on an alarm.
Every function that calls AWS takes its client, so the tests can hand it moto or a Stubber.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

APPLICATION = "handbook-api"
DEPLOYMENT_GROUP = "production"
ALARM = "handbook-api-errors"
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"


# --8<-- [start:deployment]
def continuous_deployment(declaration: Mapping[str, Any]) -> dict[str, Any]:
    """The same pipeline with every manual approval removed: each passing change ships."""
    pipeline = copy.deepcopy(dict(declaration))
    for stage in pipeline["stages"]:
        stage["actions"] = [action for action in stage["actions"]
                            if action["actionTypeId"]["category"] != "Approval"]
    pipeline["stages"] = [stage for stage in pipeline["stages"] if stage["actions"]]
    return pipeline
# --8<-- [end:deployment]


# --8<-- [start:approve]
def approve(pipeline: str, summary: str, approved: bool = True, client=None) -> str:
    """Answer the approval the pipeline is waiting for; return the stage and action."""
    import boto3

    client = client or boto3.client("codepipeline")
    for stage in client.get_pipeline_state(name=pipeline)["stageStates"]:
        for action in stage.get("actionStates", []):
            token = action.get("latestExecution", {}).get("token")
            if token:
                client.put_approval_result(
                    pipelineName=pipeline, stageName=stage["stageName"],
                    actionName=action["actionName"], token=token,
                    result={"status": "Approved" if approved else "Rejected",
                            "summary": summary})
                return f"{stage['stageName']}/{action['actionName']}"
    raise ValueError(f"pipeline {pipeline!r}: no approval is waiting")
# --8<-- [end:approve]


# --8<-- [start:rollback]
def create_release_group(service_role_arn: str, client=None) -> dict[str, Any]:
    """A Lambda deployment group: 10 % first, the rest 5 minutes later, undone on alarm."""
    import boto3

    client = client or boto3.client("codedeploy")
    client.create_application(applicationName=APPLICATION, computePlatform="Lambda")
    client.create_deployment_group(
        applicationName=APPLICATION, deploymentGroupName=DEPLOYMENT_GROUP,
        serviceRoleArn=service_role_arn, deploymentConfigName=CANARY,
        deploymentStyle={"deploymentType": "BLUE_GREEN",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        alarmConfiguration={"enabled": True, "alarms": [{"name": ALARM}]},
        autoRollbackConfiguration={"enabled": True, "events": [
            "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    )
    return client.get_deployment_group(applicationName=APPLICATION,
                                       deploymentGroupName=DEPLOYMENT_GROUP)["deploymentGroupInfo"]
# --8<-- [end:rollback]
