"""AppConfig: the hosted profile in moto; environments, strategies and deployments through a
Stubber (moto lacks them); the rollout steps against AWS's predefined strategies."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from cicd_check import traffic_schedule
from snippets.tooling import appconfig as page
from tests.support.strict_model import StrictModelError

ALARM = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-errors"
ROLE = "arn:aws:iam::123456789012:role/appconfig-rollback"


def test_a_flag_profile_keeps_each_version_it_was_given(aws: None) -> None:
    appconfig = boto3.client("appconfig")
    ids = page.create_flag_profile("orders", "checkout-flags")
    profile = appconfig.get_configuration_profile(**ids)
    assert (profile["LocationUri"], profile["Type"]) == ("hosted", "AWS.AppConfig.FeatureFlags")
    first = page.save_version(ids, page.flags_document(new_checkout=False))
    second = page.save_version(ids, page.flags_document(new_checkout=True))
    assert (first, second) == (1, 2), "hosted versions are numbered from 1"
    stored = appconfig.get_hosted_configuration_version(**ids, VersionNumber=1)
    assert json.loads(stored["Content"].read())["values"] == {"new_checkout": {"enabled": False}}


def test_the_flags_document_has_the_feature_flag_shape() -> None:
    document = json.loads(page.flags_document(new_checkout=True, dark_mode=False))
    assert set(document) == {"version", "flags", "values"}
    assert document["flags"]["dark_mode"] == {"name": "dark mode"}
    assert document["values"]["new_checkout"] == {"enabled": True}


def test_deploy_sends_an_alarm_watched_environment_then_the_deployment() -> None:
    client = boto3.client("appconfig")
    ids = {"ApplicationId": "abc1234", "ConfigurationProfileId": "def5678"}
    with Stubber(client) as stub:
        stub.add_response("create_environment", {"Id": "env0001"}, {
            "ApplicationId": "abc1234", "Name": "prod",
            "Monitors": [{"AlarmArn": ALARM, "AlarmRoleArn": ROLE}]})
        stub.add_response("start_deployment", {"DeploymentNumber": 1, "State": "DEPLOYING"}, {
            **ids, "EnvironmentId": "env0001",
            "DeploymentStrategyId": "AppConfig.Canary10Percent20Minutes",
            "ConfigurationVersion": "2"})
        started = page.deploy(ids, 2, environment="prod", alarm_arn=ALARM, alarm_role_arn=ROLE,
                              client=client)
        stub.assert_no_pending_responses()
    assert started["State"] == "DEPLOYING"


def test_a_strategy_of_your_own_is_sent_as_aws_documents_it() -> None:
    client = boto3.client("appconfig")
    with Stubber(client) as stub:
        stub.add_response("create_deployment_strategy", {"Id": "strat01"}, {
            "Name": "half-hour-linear", "GrowthType": "LINEAR", "GrowthFactor": 25.0,
            "DeploymentDurationInMinutes": 30, "FinalBakeTimeInMinutes": 15})
        assert page.create_strategy("half-hour-linear", growth_type="LINEAR", growth_factor=25.0,
                                    duration_minutes=30, bake_minutes=15,
                                    client=client) == "strat01"


def test_aws_refuses_a_growth_type_it_does_not_have() -> None:
    client = boto3.client("appconfig")
    with Stubber(client), pytest.raises(StrictModelError, match="LINEAR, EXPONENTIAL"):
        page.create_strategy("x", growth_type="CANARY", growth_factor=10.0,
                             duration_minutes=10, bake_minutes=0, client=client)


@pytest.mark.parametrize("name, steps", [
    # AWS: "20% of all targets every six minutes for a 30 minute deployment"
    ("AppConfig.Linear20PercentEvery6Minutes", [20, 40, 60, 80, 100]),
    # AWS: "exponentially using a 10% growth factor over 20 minutes"
    ("AppConfig.Canary10Percent20Minutes", [10, 20, 40, 80, 100]),
    # AWS: "to all targets immediately"
    ("AppConfig.AllAtOnce", [100]),
    # AWS: "to half of all targets every 30 seconds for a one-minute deployment"
    ("AppConfig.Linear50PercentEvery30Seconds", [50, 100]),
])
def test_predefined_strategies_grow_as_aws_describes(name: str, steps: list[float]) -> None:
    strategy = page.PREDEFINED[name]
    assert page.rollout_steps(strategy.growth_type, strategy.growth_factor) == steps
    if strategy.step_minutes is not None:  # AWS gives the interval: steps fill the duration
        assert strategy.step_minutes * len(steps) == strategy.duration_minutes


def test_exponential_growth_follows_awss_own_example() -> None:
    # AWS: a growth factor of 2 rolls out to "2% of the targets, 4% of the targets, 8%..."
    assert page.rollout_steps("EXPONENTIAL", 2)[:3] == [2, 4, 8]
    assert page.rollout_steps("EXPONENTIAL", 2)[-2:] == [64, 100]
    # AWS: a 10-hour linear deployment at 20 % reaches 20, 40, 60, 80, 100 %
    assert page.rollout_steps("LINEAR", 20) == [20, 40, 60, 80, 100]
    assert page.rollout_steps("LINEAR", 30) == [30, 60, 90, 100]


@pytest.mark.parametrize("growth_type, factor, message", [
    ("CANARY", 10, "LINEAR or EXPONENTIAL"), ("LINEAR", 0.5, "1.0-100.0"),
    ("LINEAR", 101, "1.0-100.0"), ("EXPONENTIAL", True, "1.0-100.0"),
    ("LINEAR", "20", "1.0-100.0"),
])
def test_growth_values_aws_refuses_are_refused(growth_type: str, factor: object,
                                               message: str) -> None:
    with pytest.raises(ValueError, match=message):
        page.rollout_steps(growth_type, factor)  # type: ignore[arg-type]


def test_codedeploy_canary_shifts_once_where_appconfig_keeps_doubling() -> None:
    codedeploy = traffic_schedule("CodeDeployDefault.LambdaCanary10Percent5Minutes")
    assert [percent for _, percent in codedeploy] == [10, 100], "CodeDeploy: 10 %, then all"
    appconfig = page.rollout_steps("EXPONENTIAL", 10)
    assert appconfig == [10, 20, 40, 80, 100], "AppConfig: 10 % doubling to all"
