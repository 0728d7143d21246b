"""Tests for cicd_check.pipeline_template: an AWS::CodePipeline::Pipeline resource read as the
declaration CodePipeline gets, intrinsic functions as unknown values, paths back to the template."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check.documents import load_document
from cicd_check.pipeline import template_findings
from cicd_check.pipeline_model import (
    UNKNOWN,
    unwrap,
)
from cicd_check.pipeline_template import camel, declaration, is_intrinsic
from tests.cicd_check.support import PIPELINE_BAD_VALUES, ids, value_paths
from tests.support.fuzzing import FUZZ

# --- templates -----------------------------------------------------------------------------------

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  Prod: !Equals [!Ref AWS::AccountId, "123456789012"]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: !Sub "${AWS::StackName}-pipeline"
      RoleArn: !GetAtt Role.Arn
      RestartExecutionOnUpdate: true
      ArtifactStores:
        - Region: us-east-1
          ArtifactStore: {Type: S3, Location: !Ref Bucket}
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: 1}
              Configuration: {RepositoryName: app, BranchName: main, PollForSourceChanges: false}
              OutputArtifacts: [{Name: SourceOutput}]
        - Name: Build
          Actions:
            - Name: Build
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: !Ref Project, BatchEnabled: 1}
              InputArtifacts: !If [Prod, [{Name: SourceOutput}], [{Name: SourceOutput}]]
              OutputArtifacts: [{Name: !Sub "${AWS::StackName}Output"}]
              RunOrder: !If [Prod, 1, 2]
            - !If
              - Prod
              - Name: Approve
                ActionTypeId: {Category: Approval, Owner: AWS, Provider: Manual, Version: "1"}
              - !Ref AWS::NoValue
        - !If [Prod, {Name: Deploy, Actions: []}, !Ref AWS::NoValue]
"""


def template(text: str = TEMPLATE) -> Any:
    return load_document(text, flavor="cloudformation", what="template.yaml")


def test_intrinsic_functions_are_unknown_never_errors() -> None:
    assert template_findings(template()) == []


def test_template_findings_name_the_template_path_and_line() -> None:
    text = TEMPLATE.replace("Provider: CodeBuild", "Provider: CodeBiuld")
    (finding,) = template_findings(template(text))
    assert finding.id == "CP013" and "did you mean 'CodeBuild'?" in finding
    assert finding.field == ("Resources.Pipeline.Properties.Stages[1].Actions[0].ActionTypeId"
                             ".Provider")
    assert "Provider: CodeBiuld" in text.splitlines()[finding.line - 1]


def test_template_rules_that_need_unknown_values_stay_silent() -> None:
    text = TEMPLATE.replace("[{Name: SourceOutput}], [{Name: SourceOutput}]", "[], []")
    assert template_findings(template(text)) == []  # the !If list could hold anything
    text = TEMPLATE.replace("InputArtifacts: !If [Prod, [{Name: SourceOutput}], "
                            "[{Name: SourceOutput}]]", "InputArtifacts: [{Name: Nowhere}]")
    assert template_findings(template(text)) == [], "an !If action hides what is produced"


def test_template_schema_problems_are_left_to_cfn_lint() -> None:
    text = TEMPLATE.replace("RunOrder: !If [Prod, 1, 2]", "RunOrdr: 1\n              RunOrder: 0")
    assert ids(template_findings(template(text))) == {"CP006"}, "value constraints only"


@pytest.mark.parametrize("properties", [None, [], "x", {"Ref": "P"}, {"Stages": {"Ref": "S"}},
                                        {"ArtifactStores": [{"Ref": "x"}]},
                                        {"ArtifactStores": [{"Region": {"Ref": "R"}}]},
                                        {"Stages": [{"Fn::If": ["C", {}, []]}]}])
def test_odd_template_properties_never_crash(properties: Any) -> None:
    document = template("Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n")
    document.data["Resources"]["P"]["Properties"] = properties
    assert isinstance(template_findings(document), list)
    document.data["Resources"] = {"P": "x", "Q": {"Type": "AWS::S3::Bucket"}}
    assert template_findings(document) == []


def test_conversion_helpers() -> None:
    assert camel("ActionTypeId") == "actionTypeId" and camel(3) == 3
    assert is_intrinsic({"Fn::GetAtt": ["A", "B"]}) and not is_intrinsic({"Ref": 1, "x": 2})
    body, paths = declaration({"Stages": [{"Actions": [{"Configuration": {
        "Big": int("9" * 50), "On": True, "Key": {"Ref": "K"}}}]}]}, ("P",))
    config = body["stages"][0]["actions"][0]["configuration"]
    assert config == {"Big": "9" * 50, "On": "true", "Key": UNKNOWN}
    assert paths[("stages", 0, "actions", 0, "configuration", "On")] == (
        "P", "Stages", 0, "Actions", 0, "Configuration", "On")
    assert repr(UNKNOWN) == "<unknown until deploy>" and unwrap(3) == 3


TEMPLATE_PATHS = value_paths(template().data["Resources"]["Pipeline"]["Properties"])
INTRINSIC = st.sampled_from([{"Ref": "P"}, {"Fn::Sub": "${AWS::StackName}"},
                             {"Fn::GetAtt": ["R", "Arn"]}, {"Fn::If": ["C", [1, 2], {"k": "v"}]},
                             {"Fn::If": ["C", {"Name": "x"}, {"Ref": "AWS::NoValue"}]},
                             {"Fn::Join": ["", [{"Ref": "A"}, "-b"]]}])


@FUZZ
@given(path=st.sampled_from(TEMPLATE_PATHS), bad=INTRINSIC | PIPELINE_BAD_VALUES)
def test_fuzz_templates_with_intrinsics_and_bad_values(path: tuple[Any, ...], bad: Any) -> None:
    document = template()
    target: Any = document.data["Resources"]["Pipeline"]["Properties"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = bad
    found = template_findings(document)
    assert all(isinstance(f, str) and f.field.startswith("Resources.Pipeline") for f in found)
    if isinstance(bad, dict) and len(bad) == 1 and next(iter(bad)).startswith(("Ref", "Fn::")):
        assert found == [], f"an intrinsic function is never an error: {found}"
