"""CodeDeploy on EC2/on-premises: the page's AppSpec, its hook order, the predefined
configurations (against the MinimumHealthyHosts reference) and a deployment group in moto."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from cicd_check import appspec_hooks, validate_appspec
from cicd_check.appspec import check_text
from cicd_check.safe_yaml import load_yaml
from snippets.deploy import codedeploy_ec2 as ec2

APPSPEC = Path(ec2.__file__).with_name("appspec-ec2.yml")
ROLE = "arn:aws:iam::123456789012:role/CodeDeployServiceRole"


def test_the_page_appspec_is_clean_and_names_hooks_in_run_order() -> None:
    text = APPSPEC.read_text()
    assert validate_appspec(text) == [] and check_text(text) == []
    hooks = list(load_yaml(text, what="appspec")["hooks"])
    order = appspec_hooks("Server")
    assert hooks == sorted(hooks, key=order.index), "listed in the order CodeDeploy runs them"


def test_a_misspelt_hook_and_a_long_timeout_are_reported() -> None:
    text = APPSPEC.read_text()
    found = check_text(text.replace("ValidateService", "ValidateServices"))
    assert {f.id for f in found} == {"AS011"}, found
    assert {f.id for f in check_text(text.replace("timeout: 120", "timeout: 3601"))} == {"AS019"}


def test_a_load_balancer_adds_the_traffic_hooks_around_the_in_place_ones() -> None:
    plain, balanced = appspec_hooks("Server"), appspec_hooks("Server", load_balancer=True)
    assert balanced[:2] == ["BeforeBlockTraffic", "AfterBlockTraffic"]
    assert balanced[2:-2] == plain
    assert balanced[-2:] == ["BeforeAllowTraffic", "AfterAllowTraffic"]


@pytest.mark.parametrize("kind, value, fleet, expected", [
    ("HOST_COUNT", 6, 9, 3),        # AWS's example: nine instances, HOST_COUNT six
    ("FLEET_PERCENT", 40, 9, 5),    # AWS's example: nine instances, FLEET_PERCENT 40
    ("MOST_CONCURRENCY", 1, 9, 1),
    ("HOST_COUNT", 12, 9, 0),
])
def test_instances_at_once_follows_the_minimum_healthy_hosts_reference(
        kind: str, value: int, fleet: int, expected: int) -> None:
    assert ec2.instances_at_once(kind, value, fleet) == expected


def test_the_predefined_configurations() -> None:
    assert [ec2.at_once(name, 9) for name in ec2.SERVER_CONFIGS] == [1, 4, 9]
    assert ec2.at_once("CodeDeployDefault.HalfAtATime", 1) == 0


@pytest.mark.parametrize("call, message", [
    (lambda: ec2.at_once("CodeDeployDefault.LambdaAllAtOnce", 3), "is not one of"),
    (lambda: ec2.instances_at_once("HOST_COUNT", 1, 0), "fleet"),
    (lambda: ec2.instances_at_once("HOST_COUNT", 1, True), "fleet"),
    (lambda: ec2.instances_at_once("PERCENT", 1, 3), "kind"),
])
def test_bad_input_is_a_clear_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_a_deployment_group_by_tag_rolls_back_and_blocks_traffic(aws: None) -> None:
    codedeploy = boto3.client("codedeploy")
    codedeploy.create_application(applicationName="orders", computePlatform="Server")
    group = ec2.create_server_deployment_group(
        "orders", "prod", role_arn=ROLE, tag=("env", "prod"), target_group="orders-tg",
        config="CodeDeployDefault.HalfAtATime")
    assert group["ec2TagFilters"] == [{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}]
    assert group["deploymentStyle"] == {"deploymentType": "IN_PLACE",
                                        "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert group["autoRollbackConfiguration"]["events"] == ["DEPLOYMENT_FAILURE"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"


def test_a_deployment_group_by_auto_scaling_group(aws: None) -> None:
    codedeploy = boto3.client("codedeploy")
    codedeploy.create_application(applicationName="orders", computePlatform="Server")
    group = ec2.create_server_deployment_group("orders", "asg", role_arn=ROLE,
                                               auto_scaling_group="orders-asg")
    assert group["deploymentStyle"]["deploymentOption"] == "WITHOUT_TRAFFIC_CONTROL"
    assert group["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"


def test_a_deployment_group_needs_tags_or_an_auto_scaling_group() -> None:
    with pytest.raises(ValueError, match="tags or an Auto Scaling group"):
        ec2.create_server_deployment_group("orders", "prod", role_arn=ROLE, client=object())
