"""Tests for cicd_check.sam_rules: SM002-SM006 on a SAM template as written (the transform,
DeploymentPreference types and properties, traffic hooks and their permissions)."""

from __future__ import annotations

import pytest

from cicd_check.documents import load_document
from cicd_check.sam_rules import predefined_types, preference_properties, sam_findings


def test_the_predefined_names_are_codedeploys() -> None:
    from cicd_check import traffic

    assert set(predefined_types()) == set(traffic.SAM_TYPES)


def _sam(preference: str, extra: str = "", properties: str = "") -> str:
    return f"""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Kind: {{Type: String, AllowedValues: [AllAtOnce, Canary10Percent5Minute]}}
  Good: {{Type: String, Default: AllAtOnce}}
Conditions:
  Prod: !Equals [a, a]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      CodeUri: src/
      AutoPublishAlias: live
{properties}      DeploymentPreference:
{preference}
{extra}"""


HOOK = """\
  Hook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      CodeUri: src/
"""


@pytest.mark.parametrize(("preference", "extra", "expected"), [
    ("        Type: !Ref Good", "", []),
    ("        Type: !Ref Kind", "", ["SM003"]),
    ("        Type: !If [Prod, AllAtOnce, Linear10PercentEvery1Minut]", "", ["SM003"]),
    ("        Type: !Sub '${Good}'", "", []),
    ("        Type: CodeDeployDefault.LambdaAllAtOnce", "", []),
    ("        Type: CodeDeployDefault.Bogus", "", ["SM003"]),
    ("        Type: !Ref Custom", "  Custom:\n    Type: AWS::CodeDeploy::DeploymentConfig\n"
     "    Properties: {ComputePlatform: Lambda, DeploymentConfigName: Team5}\n", []),
    ("        Type: Team5", "  Custom:\n    Type: AWS::CodeDeploy::DeploymentConfig\n"
     "    Properties: {ComputePlatform: Lambda, DeploymentConfigName: Team5}\n", []),
    ("        Type: AllAtOnce\n        Hooks: {AfterTraffic: !Ref Hook}", HOOK, ["SM004"]),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}\n        Role: arn:x",
     HOOK.replace("CodeUri: src/", "CodeUri: src/\n      Policies: [AWSCodeDeployFullAccess]"),
     []),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}",
     HOOK + "      FunctionName: !Sub 'CodeDeployHook_${AWS::StackName}'\n      Role: arn:r\n",
     []),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}",
     HOOK + "      FunctionName: !Sub '${AWS::StackName}-hook'\n      Role: arn:r\n", []),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}",
     HOOK + "      FunctionName: !Sub 'hook-${AWS::StackName}'\n      Role: arn:r\n",
     ["SM005"]),
    ("        Type: AllAtOnce\n        Hooks:\n          PreTraffic: "
     "arn:aws:lambda:us-east-1:123456789012:function:CodeDeployHook_x", "", []),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: my-hook}", "", ["SM005"]),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}",
     HOOK + "      FunctionName: CodeDeployHook_x\n      Policies:\n        - Statement:\n"
     "            - {Effect: Allow, Action: 'codedeploy:*', Resource: '*'}\n", []),
    ("        Type: AllAtOnce\n        Hooks: {PreTraffic: !Ref Hook}",
     HOOK + "      FunctionName: CodeDeployHook_x\n      Policies:\n        - Statement:\n"
     "            - {Effect: Deny, Action: 's3:*', Resource: '*'}\n", ["SM006"]),
    ("        Enabled: false\n        Type: Nonsense", "", []),
])
def test_sam_rules_on_real_shapes(preference: str, extra: str, expected: list[str]) -> None:
    from cicd_check.documents import load_document
    from cicd_check.findings import errors
    from cicd_check.sam_rules import sam_findings

    document = load_document(_sam(preference, extra), flavor="cloudformation")
    assert sorted({f.id for f in errors(sam_findings(document))}) == expected


def test_a_custom_name_is_a_warning_and_globals_count() -> None:
    from cicd_check.documents import load_document
    from cicd_check.sam_rules import sam_findings

    (warning,) = sam_findings(load_document(_sam("        Type: TeamCanary"),
                                            flavor="cloudformation"))
    assert warning.id == "SM003" and not warning.is_error, warning
    text = _sam("        Type: AllAtOnce").replace(
        "Resources:", "Globals:\n  Function:\n    DeploymentPreference:\n      Tipe: x\n"
        "Resources:", 1)
    (finding,) = sam_findings(load_document(text, flavor="cloudformation"))
    assert finding.field == "Globals.Function.DeploymentPreference.Tipe" and finding.line == 10
    assert "did you mean 'Type'?" in finding


def test_preference_properties_come_from_the_translators_model() -> None:
    preference, hooks = preference_properties()
    assert {"Type", "Hooks", "Alarms", "Enabled", "Role"} <= preference
    assert {"PreTraffic", "PostTraffic"} <= hooks


def test_sam_resources_without_the_transform_are_sm002_on_their_type_line() -> None:
    text = _sam("        Type: AllAtOnce").replace("Transform: AWS::Serverless-2016-10-31\n", "")
    (finding,) = sam_findings(load_document(text, flavor="cloudformation"))
    assert finding.id == "SM002" and finding.is_error
    assert finding.field == "Resources.Fn.Type" and finding.line == 8
    assert "Unrecognized resource types: [AWS::Serverless::Function]" in finding


@pytest.mark.parametrize("text", ["[1, 2]\n", "Resources: [a]\n", "Transform: x\n"])
def test_templates_without_sam_resources_give_no_findings(text: str) -> None:
    assert sam_findings(load_document(text, flavor="cloudformation")) == []
