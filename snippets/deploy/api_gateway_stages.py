"""API Gateway REST API stages: one integration that reaches a Lambda alias through a stage
variable, a permission per alias, and a canary release on a stage and its promotion."""

from __future__ import annotations

from typing import Any

import boto3

LAMBDA_URI = ("arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:{region}:{account}:function:{function}:${{stageVariables.alias}}"
              "/invocations")


# --8<-- [start:api]
def create_api(name: str, function: str, *, account: str, region: str = "us-east-1",
               client: Any = None) -> tuple[str, str]:
    """A REST API whose GET / calls ``function`` at the stage's alias: (id, URI)."""
    apigw = client or boto3.client("apigateway", region_name=region)
    api = apigw.create_rest_api(name=name)["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    uri = LAMBDA_URI.format(region=region, account=account, function=function)
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=uri)
    return api, uri


def deploy_stage(api: str, stage: str, alias: str, *, client: Any = None) -> str:
    """Snapshot the API and point ``stage`` at the snapshot, with ``alias`` set."""
    apigw = client or boto3.client("apigateway")
    return apigw.create_deployment(restApiId=api, stageName=stage,
                                   variables={"alias": alias})["id"]
# --8<-- [end:api]


# --8<-- [start:permission]
def allow_stage(function: str, alias: str, api: str, *, account: str,
                region: str = "us-east-1", client: Any = None) -> dict[str, Any]:
    """Let API Gateway invoke ``function:alias`` from this API's GET /: one call per alias,
    because a stage variable is resolved only when a request arrives."""
    lam = client or boto3.client("lambda", region_name=region)
    return lam.add_permission(
        FunctionName=f"{function}:{alias}", StatementId=f"apigateway-{api}-{alias}",
        Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{region}:{account}:{api}/*/GET/")
# --8<-- [end:permission]


# --8<-- [start:canary]
def start_canary(api: str, stage: str, alias: str, percent: float, *, client: Any = None
                 ) -> dict[str, Any]:
    """Deploy as a canary: ``percent`` of ``stage``'s requests, with its own ``alias``."""
    if not 0.0 <= percent <= 100.0:
        raise ValueError(f"percent: 0.0 to 100.0, got {percent!r}")
    apigw = client or boto3.client("apigateway")
    return apigw.create_deployment(
        restApiId=api, stageName=stage,
        canarySettings={"percentTraffic": percent, "stageVariableOverrides": {"alias": alias}})


PROMOTE = [  # UpdateStage patch operations
    {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
    {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
    {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
]
# --8<-- [end:canary]


def promote_canary(api: str, stage: str, *, client: Any = None) -> dict[str, Any]:
    """Promote, then remove the canary settings (promoting alone leaves the canary on)."""
    apigw = client or boto3.client("apigateway")
    apigw.update_stage(restApiId=api, stageName=stage, patchOperations=PROMOTE)
    return apigw.update_stage(restApiId=api, stageName=stage,
                              patchOperations=[{"op": "remove", "path": "/canarySettings"}])
