"""ECS deployments: revisions and rolling updates in moto, ECS's own strategies through a
Stubber (moto keeps no deployment strategy), task set replacement in moto, the ECS AppSpec,
and the two CodePipeline ECS actions' files."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from cicd_check import appspec_hooks, validate_appspec
from cicd_check.traffic import resolve_any, schedule_of
from snippets.deploy import codedeploy_ecs as ecs_page

APPSPEC = Path(ecs_page.__file__).with_name("appspec-ecs.yaml")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.0"


def _networking() -> dict:
    networking = ecs_page.demo_network()
    subnets = networking["awsvpcConfiguration"]["subnets"]
    assert boto3.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    return networking


def test_revisions_count_up_and_a_rolling_service_has_a_circuit_breaker(aws: None) -> None:
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="shop")
    first = ecs_page.register_revision("orders-web", IMAGE)
    second = ecs_page.register_revision("orders-web", IMAGE.replace("1.4.0", "1.5.0"))
    assert (first, second) == ("orders-web:1", "orders-web:2")
    sent: list[dict] = []  # moto keeps no deploymentConfiguration: read the request instead
    ecs.meta.events.register("provide-client-params.ecs.CreateService",
                             lambda params, **_: sent.append(params))
    service = ecs_page.rolling_service("shop", "orders", first, client=ecs,
                                       networking=_networking())
    assert service["deploymentController"] == {"type": "ECS"}
    config = sent[0]["deploymentConfiguration"]
    assert config["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (config["minimumHealthyPercent"], config["maximumPercent"]) == (100, 200)
    updated = ecs.update_service(cluster="shop", service="orders", taskDefinition=second)
    assert updated["service"]["taskDefinition"].endswith("orders-web:2"), "a new revision"


@pytest.mark.parametrize("desired, low, high, expected", [
    (4, 100, 200, (4, 8)), (4, 50, 100, (2, 4)), (3, 50, 150, (2, 4)), (0, 100, 200, (0, 0)),
])
def test_rolling_bounds_round_minimum_up_and_maximum_down(
        desired: int, low: int, high: int, expected: tuple[int, int]) -> None:
    assert ecs_page.rolling_bounds(desired, low, high) == expected


@pytest.mark.parametrize("args, message", [
    ((4, 100, 100), "no room"), ((-1, 100, 200), "desired"), ((4, 1.5, 200), "minimum"),
])
def test_rolling_bounds_refuse_what_could_never_deploy(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ecs_page.rolling_bounds(*args)


def test_each_native_strategy_sends_the_request_aws_expects(aws: None) -> None:
    ecs = boto3.client("ecs")
    expected = {
        "BLUE_GREEN": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 15},
        "LINEAR": {"strategy": "LINEAR", "bakeTimeInMinutes": 15,
                   "linearConfiguration": {"stepPercent": 20.0, "stepBakeTimeInMinutes": 5}},
        "CANARY": {"strategy": "CANARY", "bakeTimeInMinutes": 15,
                   "canaryConfiguration": {"canaryPercent": 10.0,
                                           "canaryBakeTimeInMinutes": 5}},
    }
    options = {"BLUE_GREEN": {}, "LINEAR": {"percent": 20, "bake_minutes": 5},
               "CANARY": {"percent": 10, "bake_minutes": 5}}
    with Stubber(ecs) as stub:  # moto accepts the strategy but does not keep it
        for strategy, config in expected.items():
            stub.add_response("update_service", {"service": {"serviceName": "orders"}},
                              {"cluster": "shop", "service": "orders",
                               "taskDefinition": "orders-web:2",
                               "deploymentConfiguration": config})
            ecs_page.use_strategy("shop", "orders", "orders-web:2", strategy, client=ecs,
                                  **options[strategy])
        stub.assert_no_pending_responses()
    assert ecs_page.strategy_configuration("ROLLING") == {"strategy": "ROLLING"}


@pytest.mark.parametrize("strategy, options, message", [
    ("Canary", {}, "not one of"),
    ("LINEAR", {"percent": 2}, "3.0 to 100.0"),
    ("LINEAR", {}, "3.0 to 100.0"),
    ("CANARY", {"percent": 0.05}, "0.1 to 100.0"),
    ("CANARY", {"percent": 10, "bake_minutes": 1441}, "1440"),
])
def test_strategy_values_outside_aws_ranges_are_refused(strategy: str, options: dict,
                                                         message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ecs_page.strategy_configuration(strategy, **options)


def test_blue_green_replaces_the_task_set(aws: None) -> None:
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="shop")
    blue = ecs_page.register_revision("orders-web", IMAGE)
    green = ecs_page.register_revision("orders-web", IMAGE.replace("1.4.0", "1.5.0"))
    networking = _networking()
    ecs.create_service(cluster="shop", serviceName="orders", desiredCount=2,
                       deploymentController={"type": "EXTERNAL"})
    ecs.create_task_set(cluster="shop", service="orders", taskDefinition=blue,
                        launchType="FARGATE", networkConfiguration=networking)
    left = ecs_page.replace_task_set("shop", "orders", green, networking=networking)
    assert [(s["taskDefinition"].rsplit("/", 1)[1], s["status"]) for s in left] == [
        ("orders-web:2", "PRIMARY")]


def test_the_ecs_appspec_is_clean_and_its_hooks_are_ecs_hooks() -> None:
    text = APPSPEC.read_text()
    assert validate_appspec(text) == []
    assert validate_appspec(text.replace("AfterAllowTestTraffic", "ValidateService"))
    assert appspec_hooks("ECS") == ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic",
                                    "BeforeAllowTraffic", "AfterAllowTraffic"]


def test_ecs_configurations_are_named_differently_from_lambdas() -> None:
    ecs = schedule_of(resolve_any("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"))
    assert ecs[:2] == [(0, 10), (1, 20)], "Every1Minutes: plural, unlike Lambda's"
    schedule_of(resolve_any("CodeDeployDefault.LambdaLinear10PercentEvery1Minute"))
    with pytest.raises(ValueError):
        resolve_any("CodeDeployDefault.ECSLinear10PercentEvery1Minute")


def test_the_two_pipeline_files() -> None:
    assert json.loads(ecs_page.image_definitions("web", IMAGE)) == [
        {"name": "web", "imageUri": IMAGE}]
    assert json.loads(ecs_page.image_detail(IMAGE)) == {"ImageURI": IMAGE}
    taskdef = json.dumps({"family": "orders-web", "containerDefinitions": [
        {"name": "web", "image": "<IMAGE1_NAME>"}]})
    filled = ecs_page.fill_task_definition(taskdef, IMAGE)
    assert filled["containerDefinitions"][0]["image"] == IMAGE
    with pytest.raises(ValueError, match="IMAGE1_NAME"):
        ecs_page.fill_task_definition(json.dumps({"family": "x"}), IMAGE)


def test_a_codedeploy_ecs_deployment_group_with_two_target_groups(aws: None) -> None:
    codedeploy = boto3.client("codedeploy")
    codedeploy.create_application(applicationName="orders-ecs", computePlatform="ECS")
    listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/{}"
    codedeploy.create_deployment_group(
        applicationName="orders-ecs", deploymentGroupName="prod",
        serviceRoleArn="arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes",
        ecsServices=[{"serviceName": "orders", "clusterName": "shop"}],
        deploymentStyle={"deploymentType": "BLUE_GREEN",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}},
        loadBalancerInfo={"targetGroupPairInfoList": [{
            "targetGroups": [{"name": "orders-blue"}, {"name": "orders-green"}],
            "prodTrafficRoute": {"listenerArns": [listener.format("prod")]},
            "testTrafficRoute": {"listenerArns": [listener.format("test")]}}]})
    group = codedeploy.get_deployment_group(applicationName="orders-ecs",
                                            deploymentGroupName="prod")["deploymentGroupInfo"]
    pair = group["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    assert [t["name"] for t in pair["targetGroups"]] == ["orders-blue", "orders-green"]
    assert group["computePlatform"] == "ECS"
