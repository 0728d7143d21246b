"""translate_sam: what AWS's SAM translator makes of a template, offline (rules: test_sam_rules.py).

The tests prove from the translator's own output what the handbook says SAM creates for
AutoPublishAlias, DeploymentPreference and FunctionUrlConfig.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import translate_sam
from cicd_check.sam import PLACEHOLDER_BUCKET, SamTranslationError, origins, packaged, translate
from cicd_check.template import check
from tests.support.fuzzing import FUZZ, JUNK

FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(event, context): return 'ok'"
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Linear10PercentEvery1Minute
        Hooks:
          PreTraffic: !Ref PreHook
      FunctionUrlConfig:
        AuthType: NONE
  PreHook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(event, context): return 'ok'"
      FunctionName: CodeDeployHook_pre
"""


@pytest.fixture(scope="module")
def resources() -> dict:
    return translate_sam(FUNCTION)["Resources"]


def of_type(resources: dict, kind: str) -> dict:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_a_version_and_an_alias_on_it(resources: dict) -> None:
    (version,) = of_type(resources, "AWS::Lambda::Version")
    assert version.startswith("FnVersion"), version
    alias = resources["FnAliaslive"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}


def test_the_alias_is_updated_by_codedeploy(resources: dict) -> None:
    policy = resources["FnAliaslive"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert policy["ApplicationName"] == {"Ref": "ServerlessDeploymentApplication"}
    assert policy["DeploymentGroupName"] == {"Ref": "FnDeploymentGroup"}
    assert policy["BeforeAllowTrafficHook"] == {"Ref": "PreHook"}, "PreTraffic becomes this"


def test_a_codedeploy_application_and_group_with_the_configuration(resources: dict) -> None:
    assert resources["ServerlessDeploymentApplication"]["Properties"] == {
        "ComputePlatform": "Lambda"}
    group = resources["FnDeploymentGroup"]["Properties"]
    assert group["DeploymentConfigName"] == {
        "Fn::Sub": ["CodeDeployDefault.Lambda${ConfigName}",
                    {"ConfigName": "Linear10PercentEvery1Minute"}]}
    assert group["DeploymentStyle"] == {"DeploymentType": "BLUE_GREEN",
                                        "DeploymentOption": "WITH_TRAFFIC_CONTROL"}


def test_the_hooks_permissions_are_only_the_managed_policy(resources: dict) -> None:
    role = resources["CodeDeployServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"]
    assert "Policies" not in role, "nothing names the hook: only CodeDeployHook_* may be invoked"
    hook_role = resources["PreHookRole"]["Properties"]
    assert hook_role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    assert not of_type(resources, "AWS::Lambda::Permission").keys() & {"PreHookPermission"}


def test_a_function_url_and_both_permissions(resources: dict) -> None:
    url = resources["FnUrl"]["Properties"]
    assert url == {"TargetFunctionArn": {"Ref": "FnAliaslive"}, "AuthType": "NONE"}
    permissions = {p["Properties"]["Action"]: p["Properties"]
                   for p in of_type(resources, "AWS::Lambda::Permission").values()}
    assert permissions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True, (
        "aws-sam-translator 1.115.0 adds the second statement function URLs need")


def test_it_needs_no_aws_account_region_or_home(monkeypatch, tmp_path) -> None:
    from samtranslator.translator.arn_generator import ArnGenerator

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    before = dict(os.environ)
    assert translate_sam(FUNCTION)["Resources"]["FnAliaslive"]
    assert dict(os.environ) == before, "the caller's environment is untouched"
    assert ArnGenerator.BOTO_SESSION_REGION_NAME is None, "the translator's Region is restored"


def test_the_region_decides_the_partition() -> None:
    data = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Runtime": "python3.13", "Handler": "index.h", "InlineCode": "x=1"}}}}
    role = translate(data, region="cn-north-1")["Resources"]["FnRole"]["Properties"]
    assert role["ManagedPolicyArns"][0].startswith("arn:aws-cn:iam::aws:policy/"), role
    with pytest.raises(SamTranslationError, match="not an AWS Region"):
        translate(data, region="moon")


def test_invalid_sam_raises_the_translators_message() -> None:
    with pytest.raises(SamTranslationError) as caught:
        translate_sam(FUNCTION.replace("      AutoPublishAlias: live\n", ""))
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(
        "Invalid Serverless Application Specification document. Number of errors found: 1.")
    assert caught.value.causes == [("Fn", "Resource with id [Fn] is invalid. 'DeploymentPreference'"
                                    " requires AutoPublishAlias property to be specified.")]


@pytest.mark.parametrize(("value", "expected"), [
    (b"Transform: x", "expected text"),
    ("Resources: [\n", "not valid YAML"),
    ("- a\n", "top level must be a mapping"),
])
def test_unusable_input_is_a_value_error(value: object, expected: str) -> None:
    with pytest.raises(SamTranslationError, match=expected):
        translate_sam(value)  # type: ignore[arg-type]
    with pytest.raises(SamTranslationError):
        translate([])  # type: ignore[arg-type]


def test_local_code_and_sar_applications_need_no_network() -> None:
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function",
               "Properties": {"Runtime": "python3.13", "Handler": "app.h", "CodeUri": "src/"}},
        "Img": {"Type": "AWS::Serverless::Function", "Properties": {"PackageType": "Image"}},
        "App": {"Type": "AWS::Serverless::Application", "Properties": {"Location": {
            "ApplicationId": "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x",
            "SemanticVersion": "1.0.0"}}}}}
    assert packaged(template)["Resources"]["Fn"]["Properties"]["CodeUri"] == \
        f"s3://{PLACEHOLDER_BUCKET}/src"
    made = translate(template)["Resources"]
    assert made["Fn"]["Properties"]["Code"] == {"S3Bucket": PLACEHOLDER_BUCKET, "S3Key": "src"}
    assert made["App"]["Type"] == "AWS::CloudFormation::Stack"
    assert PLACEHOLDER_BUCKET in made["App"]["Properties"]["TemplateURL"]
    assert "ImageUri" in made["Img"]["Properties"]["Code"]


def test_generated_resources_know_their_source() -> None:
    data = json.loads(json.dumps({"Resources": {"Fn": {"Type": "AWS::Serverless::Function",
                                                       "Properties": {"DeploymentPreference": {}}},
                                                "PreHook": {"Type": "AWS::Serverless::Function"}}}))
    names = ["Fn", "FnAliaslive", "FnRole", "PreHookRole", "CodeDeployServiceRole",
             "ServerlessDeploymentApplication", "Other"]
    made = {"Resources": {name: {} for name in names}}
    assert origins(data, made) == {
        "FnAliaslive": "Fn", "FnRole": "Fn", "PreHookRole": "PreHook",
        "CodeDeployServiceRole": "Fn", "ServerlessDeploymentApplication": "Fn"}


def test_findings_on_generated_resources_name_their_source() -> None:
    text = FUNCTION.replace("InlineCode: \"def handler",
                            "InlineCode: \"import requests\\ndef handler", 1)
    (found,) = [f for f in check(text, lint=False) if f.id == "CF014"]
    assert found.field == "Resources.Fn.Properties.Code.ZipFile", found
    assert found.line == 5, "on the nearest line the source has: Fn's Properties"
    bad = FUNCTION.replace("Runtime: python3.13\n      Handler: index.handler\n      InlineCode",
                           "Runtime: java21\n      Handler: index.handler\n      InlineCode", 1)
    ids = [f.id for f in check(bad)]
    assert "CF011" in ids, ids  # SAM's InlineCode becomes Code.ZipFile: checked as generated


def test_generated_only_findings_say_generated_from() -> None:
    from cicd_check.findings import RULES
    from cicd_check.template import _renamed

    finding = RULES["CF001"].at("Resources.FnAliaslive.Properties.Name", "[E0001] bad", line=3)
    renamed = _renamed(finding, "FnAliaslive", "Fn")
    assert str(renamed) == ("Resources.FnAliaslive (generated from Fn).Properties.Name: "
                            "[E0001] bad") and renamed.line == 3


SAM_FIELDS = ["AutoPublishAlias", "DeploymentPreference", "FunctionUrlConfig", "Events",
              "Policies", "CodeUri", "InlineCode", "Runtime", "Handler", "FunctionName"]
INTRINSIC = st.one_of(
    st.builds(lambda v: {"Ref": v}, st.text(max_size=6)),
    st.builds(lambda v: {"Fn::If": v}, st.lists(st.text(max_size=4) | st.integers(), max_size=3)),
    st.builds(lambda v: {"Fn::Sub": v}, st.lists(st.text(max_size=4), max_size=2)),
    st.builds(lambda v: {"Fn::GetAtt": v}, st.lists(st.text(max_size=4), max_size=2)),
)


@FUZZ
@given(st.sampled_from(SAM_FIELDS), INTRINSIC | JUNK.filter(lambda v: not isinstance(v, bytes)))
def test_fuzz_translate_raises_only_value_error(field: str, value: object) -> None:
    data = json.loads(json.dumps({"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "index.handler", "InlineCode": "x=1",
            "AutoPublishAlias": "live", "DeploymentPreference": {"Type": "AllAtOnce"},
            field: value}}}}, default=str))
    try:
        assert isinstance(translate(data), dict)
    except SamTranslationError as error:
        assert str(error)
    assert all(isinstance(f, str) for f in check(json.dumps(data), lint=False))


