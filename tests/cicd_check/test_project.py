"""CodeBuild project rules (CB001–CB010): EC2 ranges, and what Lambda compute refuses."""

from __future__ import annotations

import json

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import check_project
from cicd_check.documents import load_document
from cicd_check.project import (
    BUILD_TIMEOUT,
    LAMBDA_COMPUTE_TYPES,
    LAMBDA_ENVIRONMENT_TYPES,
    QUEUED_TIMEOUT,
    TEMPLATE_KEYS,
    project_findings,
    template_findings,
)
from tests.support import strict_model
from tests.support.fuzzing import FUZZ, JUNK

EC2 = {
    "name": "site", "serviceRole": "arn:aws:iam::123456789012:role/codebuild",
    "source": {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
    "artifacts": {"type": "CODEPIPELINE"},
    "environment": {"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL",
                    "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0"},
    "timeoutInMinutes": 60, "queuedTimeoutInMinutes": 480,
}
LAMBDA_ENV = {"type": "LINUX_LAMBDA_CONTAINER", "computeType": "BUILD_LAMBDA_1GB",
              "image": "aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12"}
LAMBDA = {key: value for key, value in EC2.items()
          if key not in ("timeoutInMinutes", "queuedTimeoutInMinutes")} | {
    "environment": LAMBDA_ENV}


def test_ranges_and_types_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("codebuild")
    shape = model.operation_model("CreateProject").input_shape
    assert shape.metadata["required"] == ["name", "source", "artifacts", "environment",
                                          "serviceRole"]
    for member, limit in (("timeoutInMinutes", BUILD_TIMEOUT),
                          ("queuedTimeoutInMinutes", QUEUED_TIMEOUT)):
        meta = shape.members[member].metadata
        assert (meta["min"], meta["max"]) == (limit.minimum, limit.maximum)
    assert {t for t in model.shape_for("ComputeType").enum if "LAMBDA" in t} == set(
        LAMBDA_COMPUTE_TYPES)
    assert {t for t in model.shape_for("EnvironmentType").enum if "LAMBDA" in t} == set(
        LAMBDA_ENVIRONMENT_TYPES)


def test_what_aws_accepts() -> None:
    assert check_project(EC2) == []
    assert check_project({**EC2, "timeoutInMinutes": 2160, "queuedTimeoutInMinutes": 5}) == []
    assert check_project(LAMBDA) == []
    assert check_project({**LAMBDA, "environment": {**LAMBDA_ENV, "privilegedMode": False},
                          "cache": {"type": "NO_CACHE"}, "vpcConfig": {}}) == []


@pytest.mark.parametrize(("change", "rules"), [
    ({"timeoutInMinutes": 2161}, ["CB002"]),
    ({"timeoutInMinutes": 4}, ["CB002"]),
    ({"timeoutInMinutes": True}, ["CB002"]),
    ({"queuedTimeoutInMinutes": 481}, ["CB003"]),
    ({"queuedTimeoutInMinutes": "60"}, ["CB003"]),
    ({"artifacts": {"type": "S3", "location": "bucket"}}, ["CB004"]),
    ({"environment": {**EC2["environment"], "type": "LINUX_LAMBDA_CONTAINER"}}, ["CB005"]),
])
def test_ec2_findings(change: dict, rules: list[str]) -> None:
    assert [f.id for f in check_project({**EC2, **change})] == rules


@pytest.mark.parametrize(("change", "rules"), [
    ({"environment": {**LAMBDA_ENV, "type": "LINUX_CONTAINER"}}, ["CB005"]),
    ({"timeoutInMinutes": 15}, ["CB006"]),
    ({"queuedTimeoutInMinutes": 5}, ["CB006"]),
    ({"environment": {**LAMBDA_ENV, "privilegedMode": True}}, ["CB007"]),
    ({"vpcConfig": {"vpcId": "vpc-1", "subnets": ["subnet-1"]}}, ["CB008"]),
    ({"fileSystemLocations": [{"type": "EFS", "location": "fs-1:/"}]}, ["CB009"]),
    ({"cache": {"type": "LOCAL", "modes": ["LOCAL_SOURCE_CACHE"]}}, ["CB010"]),
])
def test_lambda_compute_findings(change: dict, rules: list[str]) -> None:
    found = check_project({**LAMBDA, **change})
    assert [f.id for f in found] == rules, found
    if rules == ["CB006"]:
        assert "for lambda compute" in found[0] and "15 minutes" in found[0]


AWS_EXAMPLES = [
    # create-project.json from "Run CodeBuild directly" (AWS CLI getting started).
    {
        "name": "codebuild-demo-project",
        "source": {"type": "S3",
                   "location": "codebuild-region-ID-account-ID-input-bucket/MessageUtil.zip"},
        "artifacts": {"type": "S3", "location": "codebuild-region-ID-account-ID-output-bucket"},
        "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:5.0",
                        "computeType": "BUILD_GENERAL1_SMALL"},
        "serviceRole": "serviceIAMRoleARN",
    },
    # A Lambda compute project as the Lambda compute samples set it up.
    {
        "name": "lambda-python",
        "source": {"type": "GITHUB", "location": "https://github.com/example/app"},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {"type": "LINUX_LAMBDA_CONTAINER", "computeType": "BUILD_LAMBDA_1GB",
                        "image": "aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12"},
        "serviceRole": "arn:aws:iam::123456789012:role/service-role/codebuild-role",
    },
    # A Docker build on EC2 with privileged mode and a local Docker layer cache.
    {
        "name": "docker-build",
        "source": {"type": "CODEPIPELINE"},
        "artifacts": {"type": "CODEPIPELINE"},
        "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                        "computeType": "BUILD_GENERAL1_MEDIUM", "privilegedMode": True},
        "cache": {"type": "LOCAL", "modes": ["LOCAL_DOCKER_LAYER_CACHE"]},
        "serviceRole": "arn:aws:iam::123456789012:role/docker-build",
        "timeoutInMinutes": 2160,
        "queuedTimeoutInMinutes": 480,
    },
]



@pytest.mark.parametrize("project", AWS_EXAMPLES, ids=lambda p: p["name"])
def test_aws_examples_are_accepted(project: dict) -> None:
    assert check_project(project) == []
    model = botocore.session.get_session().get_service_model("codebuild")
    shape = model.operation_model("CreateProject").input_shape
    assert strict_model.validate(shape, project) == [], "and botocore's model agrees"


def test_shape_problems() -> None:
    assert check_project([1]) == ["project: expected a mapping, got list"]
    assert [f.id for f in check_project({"name": "x"})] == ["CB001"] * 4
    assert [str(f) for f in check_project({**EC2, "environment": "x"})] == [
        "environment: required mapping (type, image, computeType)"]


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Lambda:
    Type: AWS::CodeBuild::Project
    Properties:
      ServiceRole: !GetAtt Role.Arn
      TimeoutInMinutes: "30"
      QueuedTimeoutInMinutes: !If [IsEc2, 60, !Ref AWS::NoValue]
      Source: {Type: CODEPIPELINE}
      Artifacts: {Type: CODEPIPELINE}
      VpcConfig: !If [HasVpc, {VpcId: vpc-1}, !Ref AWS::NoValue]
      Environment:
        Type: ARM_LAMBDA_CONTAINER
        ComputeType: BUILD_LAMBDA_2GB
        Image: aws/codebuild/amazonlinux-aarch64-lambda-standard:python3.12
        PrivilegedMode: !Ref Privileged
  Ec2:
    Type: AWS::CodeBuild::Project
    Properties:
      ServiceRole: arn:aws:iam::123456789012:role/r
      TimeoutInMinutes: "3000"
      Source: {Type: CODEPIPELINE}
      Artifacts: {Type: CODEPIPELINE}
      Environment: !If [C, {Type: LINUX_CONTAINER}, {Type: ARM_CONTAINER}]
  Other:
    Type: AWS::S3::Bucket
  Empty:
    Type: AWS::CodeBuild::Project
    Properties: !Ref Nothing
"""


def test_template_findings_read_pascal_case_and_leave_intrinsics_alone() -> None:
    document = load_document(TEMPLATE, flavor="cloudformation")
    found = [(f.field, f.id, f.line) for f in template_findings(document)]
    assert found == [
        ("Resources.Lambda.Properties.TimeoutInMinutes", "CB006", 7),
        ("Resources.Ec2.Properties.TimeoutInMinutes", "CB002", 21),
    ], found
    assert TEMPLATE_KEYS.privileged == "PrivilegedMode"
    assert template_findings(load_document("[1]", flavor="cloudformation")) == []


# --- fuzzing -------------------------------------------------------------------------

SETTINGS = ("timeoutInMinutes", "queuedTimeoutInMinutes", "environment", "source",
            "artifacts", "vpcConfig", "fileSystemLocations", "cache", "name")


@FUZZ
@given(base=st.sampled_from([EC2, LAMBDA]), key=st.sampled_from(SETTINGS),
       bad=JUNK | st.integers() | st.sampled_from([{"Ref": "X"}, {"Fn::If": ["C", 1, 2]}]),
       template=st.booleans())
def test_fuzz_one_bad_setting(base: dict, key: str, bad: object, template: bool) -> None:
    found = project_findings({**base, key: bad}, template=template)
    assert all(f.id.startswith("CB") for f in found)


@FUZZ
@given(key=st.sampled_from(["TimeoutInMinutes", "Environment", "VpcConfig", "Cache",
                            "FileSystemLocations", "Source"]),
       bad=JUNK | st.integers(min_value=-(10**30), max_value=10**30))
def test_fuzz_templates(key: str, bad: object) -> None:
    props = {"ServiceRole": "r", "Source": {"Type": "CODEPIPELINE"},
             "Artifacts": {"Type": "CODEPIPELINE"},
             "Environment": {"Type": "LINUX_LAMBDA_CONTAINER", "ComputeType": "BUILD_LAMBDA_1GB",
                             "Image": "i"}, key: bad}
    try:
        text = json.dumps({"Resources": {"B": {"Type": "AWS::CodeBuild::Project",
                                               "Properties": props}}})
    except (TypeError, ValueError):
        return
    for finding in template_findings(load_document(text, flavor="json")):
        assert finding.line is not None
