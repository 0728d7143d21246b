"""Elastic Beanstalk: policy options, an environment in moto, UpdateEnvironment and
SwapEnvironmentCNAMEs through a Stubber (moto lacks both), and the page's capacity tables."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from snippets.deploy import elastic_beanstalk as eb_page

PAGE = Path(__file__).resolve().parents[2] / "docs/deploy/elastic-beanstalk.md"


def _between(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"the page has no {name} block"
    return match.group(1)


def test_the_page_tables_are_generated_from_cicd_check() -> None:
    text = PAGE.read_text()
    assert _between(text, "capacity") == eb_page.capacity_table(4, 2)
    assert _between(text, "steps") == eb_page.steps_table("RollingWithAdditionalBatch", 4, 2)


def test_rolling_options_name_a_fixed_batch_and_splitting_its_percentage() -> None:
    rolling = eb_page.policy_options("Rolling", batch_size=2)
    assert {o["OptionName"]: o["Value"] for o in rolling} == {
        "DeploymentPolicy": "Rolling", "BatchSizeType": "Fixed", "BatchSize": "2"}
    split = eb_page.policy_options("TrafficSplitting", new_version_percent=15)
    assert {(o["Namespace"], o["OptionName"], o["Value"]) for o in split} >= {
        ("aws:elasticbeanstalk:trafficsplitting", "NewVersionPercent", "15"),
        ("aws:elasticbeanstalk:trafficsplitting", "EvaluationTime", "5")}
    assert len(eb_page.policy_options("Immutable")) == 1


@pytest.mark.parametrize("policy", ["BlueGreen", "Canary", "rolling"])
def test_values_deployment_policy_does_not_take_are_refused(policy: str) -> None:
    with pytest.raises(ValueError, match="not a DeploymentPolicy value"):
        eb_page.policy_options(policy)


def test_an_environment_with_a_policy(aws: None) -> None:
    eb = boto3.client("elasticbeanstalk")
    eb.create_application(ApplicationName="shop")
    created = eb_page.create_environment("shop", "shop-blue", "Immutable")
    assert created["EnvironmentName"] == "shop-blue"
    listed = eb.describe_environments(ApplicationName="shop")["Environments"]
    assert [e["EnvironmentName"] for e in listed] == ["shop-blue"]


def test_deploying_and_swapping_send_what_aws_expects(aws: None) -> None:
    eb = boto3.client("elasticbeanstalk")
    with Stubber(eb) as stub:  # moto has neither UpdateEnvironment nor SwapEnvironmentCNAMEs
        stub.add_response("update_environment", {"EnvironmentName": "shop-blue",
                                                 "VersionLabel": "v42"},
                          {"EnvironmentName": "shop-blue", "VersionLabel": "v42"})
        stub.add_response("swap_environment_cnames", {},
                          {"SourceEnvironmentName": "shop-blue",
                           "DestinationEnvironmentName": "shop-green"})
        assert eb_page.deploy_version("shop-blue", "v42", client=eb)["VersionLabel"] == "v42"
        eb_page.swap_urls("shop-blue", "shop-green", client=eb)
        stub.assert_no_pending_responses()


def test_capacity_table_rows() -> None:
    rows = {line.split("|")[1].strip(): line for line in
            eb_page.capacity_table(4, 2).splitlines()[2:]}
    assert rows["All at once"].split("|")[2].strip() == "0", "all at once: downtime"
    assert rows["Rolling with additional batch"].split("|")[3].strip() == "6"
    assert rows["Blue/green (URL swap)"].split("|")[6].strip() == "yes", "the only DNS change"
