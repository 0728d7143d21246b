"""The CD page's examples: delivery versus deployment, answering an approval, a rollback.

The pipelines are checked by cicd-check and created in moto; moto has no GetPipelineState or
PutApprovalResult, so the approval goes through a Stubber (and the strict model check). The
CodeDeploy deployment group is created in moto and read back.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cicd_check import execution_plan, validate_pipeline
from snippets.foundations import continuous_delivery as cd
from snippets.pipeline import codepipeline as page
from tests.support.strict_model import StrictModelError

TOKEN = "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"


def categories(declaration: dict[str, Any]) -> list[str]:
    return [action["actionTypeId"]["category"]
            for stage in declaration["stages"] for action in stage["actions"]]


def test_delivery_waits_for_a_person_and_deployment_does_not() -> None:
    delivery = page.HANDBOOK_PIPELINE
    deployment = cd.continuous_deployment(delivery)
    assert "Approval" in categories(delivery)
    assert "Approval" not in categories(deployment)
    assert validate_pipeline(deployment) == [], "still a pipeline CodePipeline accepts"
    assert [s.actions for s in execution_plan(deployment)][-1] == ("DeploySite",)
    assert "Approval" in categories(page.HANDBOOK_PIPELINE), "the original is untouched"


def test_a_stage_left_empty_is_dropped() -> None:
    gated = {"name": "p", "stages": [
        {"name": "Source", "actions": [{"actionTypeId": {"category": "Source"}}]},
        {"name": "Gate", "actions": [{"actionTypeId": {"category": "Approval"}}]}]}
    assert [s["name"] for s in cd.continuous_deployment(gated)["stages"]] == ["Source"]


def test_both_pipelines_are_created(aws: None) -> None:
    page.create_service_role(page.SERVICE_ROLE_NAME)
    for name, declaration in (("delivery", page.HANDBOOK_PIPELINE),
                              ("deployment", cd.continuous_deployment(page.HANDBOOK_PIPELINE))):
        read = page.create_pipeline({**declaration, "name": name})["pipeline"]
        assert read["name"] == name
        assert categories(read) == categories(declaration)


def pipeline_state(token: str | None) -> dict[str, Any]:
    waiting = {"actionName": "Approve",
               "latestExecution": {"status": "InProgress", **({"token": token} if token else {})}}
    return {"pipelineName": "aws-cicd-handbook", "stageStates": [
        {"stageName": "Source", "actionStates": [
            {"actionName": "Source", "latestExecution": {"status": "Succeeded"}}]},
        {"stageName": "Build"},
        {"stageName": "Release", "actionStates": [waiting, {"actionName": "DeploySite"}]},
    ]}


@pytest.mark.parametrize(("approved", "status"), [(True, "Approved"), (False, "Rejected")])
def test_approve_answers_with_the_token_from_the_state(approved: bool, status: str) -> None:
    client = boto3.client("codepipeline")
    with Stubber(client) as stub:
        stub.add_response("get_pipeline_state", pipeline_state(TOKEN),
                          {"name": "aws-cicd-handbook"})
        stub.add_response("put_approval_result", {"approvedAt": "2026-12-01T10:00:00Z"}, {
            "pipelineName": "aws-cicd-handbook", "stageName": "Release",
            "actionName": "Approve", "token": TOKEN,
            "result": {"status": status, "summary": "Checked on staging"}})
        where = cd.approve("aws-cicd-handbook", "Checked on staging", approved, client=client)
        stub.assert_no_pending_responses()
    assert where == "Release/Approve"


def test_approve_without_a_waiting_approval_is_an_error() -> None:
    client = boto3.client("codepipeline")
    with Stubber(client) as stub:
        stub.add_response("get_pipeline_state", pipeline_state(None),
                          {"name": "aws-cicd-handbook"})
        with pytest.raises(ValueError, match="no approval is waiting"):
            cd.approve("aws-cicd-handbook", "too early", client=client)


def test_the_model_refuses_an_approval_status_aws_does_not_know() -> None:
    client = boto3.client("codepipeline")
    with Stubber(client), pytest.raises(StrictModelError, match="status"):
        client.put_approval_result(pipelineName="p", stageName="s", actionName="a",
                                   token=TOKEN, result={"status": "Maybe", "summary": "x"})


def test_the_release_group_rolls_back_on_failure_and_on_alarm(aws: None) -> None:
    role = boto3.client("iam").create_role(
        RoleName="CodeDeployForLambda", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    group = cd.create_release_group(role)
    assert group["computePlatform"] == "Lambda"
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert set(group["autoRollbackConfiguration"]["events"]) == {
        "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}
    assert group["serviceRoleArn"] == role


def test_the_release_group_request_names_the_alarm() -> None:
    """moto keeps the rollback settings but drops alarmConfiguration: check the request."""
    client = boto3.client("codedeploy")
    role = "arn:aws:iam::123456789012:role/CodeDeployForLambda"
    with Stubber(client) as stub:
        stub.add_response("create_application", {"applicationId": "app-1"},
                          {"applicationName": cd.APPLICATION, "computePlatform": "Lambda"})
        stub.add_response("create_deployment_group", {"deploymentGroupId": "group-1"}, {
            "applicationName": cd.APPLICATION, "deploymentGroupName": cd.DEPLOYMENT_GROUP,
            "serviceRoleArn": role, "deploymentConfigName": cd.CANARY,
            "deploymentStyle": {"deploymentType": "BLUE_GREEN",
                                "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "alarmConfiguration": {"enabled": True, "alarms": [{"name": cd.ALARM}]},
            "autoRollbackConfiguration": {"enabled": True, "events": [
                "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}})
        stub.add_response("get_deployment_group", {"deploymentGroupInfo": {
            "deploymentGroupName": cd.DEPLOYMENT_GROUP,
            "alarmConfiguration": {"enabled": True, "alarms": [{"name": cd.ALARM}]}}},
            {"applicationName": cd.APPLICATION, "deploymentGroupName": cd.DEPLOYMENT_GROUP})
        group = cd.create_release_group(role, client=client)
        stub.assert_no_pending_responses()
    assert group["alarmConfiguration"]["alarms"] == [{"name": cd.ALARM}]
