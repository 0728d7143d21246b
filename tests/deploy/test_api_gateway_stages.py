"""API Gateway stages: an integration through a stage variable, stages and deployments in
moto, a Lambda permission per alias, and the canary requests through a Stubber."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from snippets.aws_lambda.versions_aliases import create_demo_function, publish_new_version
from snippets.deploy import api_gateway_stages as stages

ACCOUNT = "123456789012"


def test_two_stages_reach_two_aliases_through_one_integration(aws: None) -> None:
    apigw = boto3.client("apigateway")
    api, uri = stages.create_api("orders", "orders", account=ACCOUNT)
    assert uri.endswith(":function:orders:${stageVariables.alias}/invocations")
    prod = stages.deploy_stage(api, "prod", "live")
    beta = stages.deploy_stage(api, "beta", "next")
    assert prod != beta, "each deployment is its own snapshot"
    variables = {s["stageName"]: s["variables"] for s in apigw.get_stages(restApiId=api)["item"]}
    assert variables == {"prod": {"alias": "live"}, "beta": {"alias": "next"}}
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    assert apigw.get_integration(restApiId=api, resourceId=root, httpMethod="GET")["uri"] == uri


def test_each_alias_gets_its_own_permission(aws: None) -> None:
    create_demo_function("orders")
    version = publish_new_version("orders", "v1")["Version"]
    lam = boto3.client("lambda")
    for alias in ("live", "next"):
        lam.create_alias(FunctionName="orders", Name=alias, FunctionVersion=version)
        stages.allow_stage("orders", alias, "a1b2c3d4e5", account=ACCOUNT)
    for alias in ("live", "next"):
        policy = json.loads(lam.get_policy(FunctionName="orders", Qualifier=alias)["Policy"])
        # AWS keeps one policy per alias; moto keeps one per function, so pick by Sid.
        sid = f"apigateway-a1b2c3d4e5-{alias}"
        [statement] = [s for s in policy["Statement"] if s["Sid"] == sid]
        assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
        assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(
            ":a1b2c3d4e5/*/GET/")


def test_a_canary_and_its_promotion_send_what_aws_expects(aws: None) -> None:
    apigw = boto3.client("apigateway")
    with Stubber(apigw) as stub:  # moto ignores canary settings
        stub.add_response("create_deployment", {"id": "dep2"}, {
            "restApiId": "a1b2c3d4e5", "stageName": "prod",
            "canarySettings": {"percentTraffic": 10.0,
                               "stageVariableOverrides": {"alias": "next"}}})
        stub.add_response("update_stage", {"stageName": "prod"}, {
            "restApiId": "a1b2c3d4e5", "stageName": "prod", "patchOperations": stages.PROMOTE})
        stub.add_response("update_stage", {"stageName": "prod", "deploymentId": "dep2"}, {
            "restApiId": "a1b2c3d4e5", "stageName": "prod",
            "patchOperations": [{"op": "remove", "path": "/canarySettings"}]})
        assert stages.start_canary("a1b2c3d4e5", "prod", "next", 10.0, client=apigw)["id"]
        assert stages.promote_canary("a1b2c3d4e5", "prod", client=apigw)["deploymentId"]
        stub.assert_no_pending_responses()
    with pytest.raises(ValueError, match=r"0\.0 to 100\.0"):
        stages.start_canary("a1b2c3d4e5", "prod", "next", 150.0, client=apigw)
