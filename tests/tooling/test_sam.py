"""What the SAM page says the transform creates, proved from AWS's translator's output; the
samconfig.toml the page shows, read the way the SAM CLI reads it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cicd_check import translate_sam
from cicd_check.cli import check_paths
from snippets.tooling import sam as page

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tooling" / "sam.md"
TEXT = page.TEMPLATE.read_text()


@pytest.fixture(scope="module")
def made() -> dict:
    return translate_sam(TEXT)["Resources"]


def test_the_pages_table_lists_exactly_what_the_transform_adds() -> None:
    rows = re.findall(r"^\| `(\w+)` \| `(AWS::[\w:]+)` \|", PAGE.read_text(), re.M)
    assert dict(rows) == page.generated(TEXT)


def test_auto_publish_alias_makes_a_version_and_an_alias_codedeploy_updates(made: dict) -> None:
    version = next(name for name, r in made.items() if r["Type"] == "AWS::Lambda::Version")
    assert version.startswith("OrdersVersion"), "named after the function and a code hash"
    alias = made["OrdersAliaslive"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["ApplicationName"] == {"Ref": "ServerlessDeploymentApplication"}
    assert update["DeploymentGroupName"] == {"Ref": "OrdersDeploymentGroup"}
    assert update["BeforeAllowTrafficHook"] == {"Ref": "PreTrafficCheck"}


def test_deployment_preference_makes_the_codedeploy_application_and_group(made: dict) -> None:
    assert made["ServerlessDeploymentApplication"]["Properties"] == {"ComputePlatform": "Lambda"}
    group = made["OrdersDeploymentGroup"]["Properties"]
    assert group["DeploymentConfigName"] == {"Fn::Sub": [
        "CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": "Canary10Percent5Minutes"}]}
    assert group["AlarmConfiguration"] == {"Enabled": True,
                                           "Alarms": [{"Name": {"Ref": "OrdersErrors"}}]}
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    assert group["DeploymentStyle"] == {"DeploymentType": "BLUE_GREEN",
                                        "DeploymentOption": "WITH_TRAFFIC_CONTROL"}


def test_the_hooks_permissions(made: dict) -> None:
    # CodeDeploy may invoke the hook: SAM's role carries AWSCodeDeployRoleForLambda, whose
    # lambda:InvokeFunction is limited to functions named CodeDeployHook_*.
    role = made["CodeDeployServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"]
    assert made["PreTrafficCheck"]["Properties"]["FunctionName"].startswith("CodeDeployHook_")
    # The hook may report back only because the template grants it: SAM adds nothing.
    statements = [s for p in made["PreTrafficCheckRole"]["Properties"]["Policies"]
                  for s in p["PolicyDocument"]["Statement"]]
    assert [s["Action"] for s in statements] == [
        "codedeploy:PutLifecycleEventHookExecutionStatus"]
    assert not any(r["Type"] == "AWS::CodeDeploy::DeploymentGroup" and "PreTraffic" in name
                   for name, r in made.items()), "Enabled: false keeps the hook out of CodeDeploy"


def test_a_public_url_gets_the_url_and_both_permissions(made: dict) -> None:
    url = made["OrdersUrl"]
    assert url["Type"] == "AWS::Lambda::Url"
    assert url["Properties"] == {"TargetFunctionArn": {"Ref": "OrdersAliaslive"},
                                 "AuthType": "NONE"}
    permissions = {r["Properties"]["Action"]: r["Properties"] for r in made.values()
                   if r["Type"] == "AWS::Lambda::Permission"}
    assert permissions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True
    assert {p["Principal"] for p in permissions.values()} == {"*"}


def test_an_iam_url_gets_no_resource_policy_from_sam() -> None:
    made = translate_sam(TEXT.replace("AuthType: NONE", "AuthType: AWS_IAM"))["Resources"]
    assert made["OrdersUrl"]["Properties"]["AuthType"] == "AWS_IAM"
    assert not [r for r in made.values() if r["Type"] == "AWS::Lambda::Permission"]


def test_the_template_passes_cicd_check(tmp_path: Path) -> None:
    copy = tmp_path / "template.yaml"
    copy.write_text(TEXT)
    findings, checked, _, unusable = check_paths([str(copy)])
    assert (findings, unusable) == ([], [])
    assert len(checked) == 1


def test_samconfig_parses_and_has_the_keys_sam_documents() -> None:
    config = tomllib.loads(page.SAMCONFIG.read_text())
    assert config["version"] == 0.1
    for env in ("default", "prod"):
        deploy = page.command_parameters(page.SAMCONFIG.read_text(), "deploy", env)
        assert {"stack_name", "region", "capabilities", "resolve_s3"} <= set(deploy), env
    assert set(config["default"]) == {"global", "build", "deploy", "sync"}


def test_an_environment_reads_its_global_then_its_commands_parameters() -> None:
    text = page.SAMCONFIG.read_text()
    prod = page.command_parameters(text, "deploy", "prod")
    assert (prod["stack_name"], prod["confirm_changeset"]) == ("orders-prod", True)
    assert page.command_parameters(text, "sync")["watch"] is True
    assert page.command_parameters(text, "build", "prod") == {
        "stack_name": "orders-prod", "region": "us-east-1"}, "prod does not inherit default"
    with pytest.raises(KeyError, match=r"no environment \[staging\]"):
        page.command_parameters(text, "deploy", "staging")


def test_the_parameter_overrides_name_a_parameter_the_template_declares() -> None:
    from cicd_check.safe_yaml import load_yaml

    declared = set(load_yaml(TEXT, flavor="cloudformation", what="template")["Parameters"])
    for env in ("default", "prod"):
        override = page.command_parameters(page.SAMCONFIG.read_text(), "deploy", env)
        assert override["parameter_overrides"].split("=")[0] in declared
