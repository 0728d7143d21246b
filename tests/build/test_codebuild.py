"""The handbook's CodeBuild project, its facts and the project checker."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.build import codebuild as cb
from tests.support import strict_model

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "build" / "codebuild.md"
ROLE = "arn:aws:iam::123456789012:role/aws-cicd-handbook-codebuild"
FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model():
    return botocore.session.get_session().get_service_model("codebuild")


def test_the_request_is_what_aws_accepts(model) -> None:
    request = cb.project_request(ROLE, encryption_key="alias/handbook-artifacts")
    operation = model.operation_model("CreateProject")
    assert strict_model.validate(operation.input_shape, request) == []
    assert "location" not in request["source"], "AWS takes the source from the pipeline"
    assert "location" not in request["artifacts"], "and hands the output back to it"


def test_the_documented_limits_match_the_api_model(model) -> None:
    shape = model.operation_model("CreateProject").input_shape
    timeout = shape.members["timeoutInMinutes"].metadata
    queued = shape.members["queuedTimeoutInMinutes"].metadata
    assert (timeout["min"], timeout["max"]) == (cb.BUILD_TIMEOUT.minimum, cb.BUILD_TIMEOUT.maximum)
    assert (queued["min"], queued["max"]) == (cb.QUEUED_TIMEOUT.minimum, cb.QUEUED_TIMEOUT.maximum)
    assert cb.BUILD_TIMEOUT.maximum == 36 * 60 and cb.QUEUED_TIMEOUT.maximum == 8 * 60
    environment = shape.members["environment"]
    assert set(cb.LAMBDA_COMPUTE_TYPES) <= set(environment.members["computeType"].enum)
    assert set(cb.LAMBDA_ENVIRONMENT_TYPES) <= set(environment.members["type"].enum)


def test_the_project_uses_the_buildspec_and_name_the_pipeline_expects() -> None:
    from snippets.pipeline import codepipeline

    assert codepipeline.BUILD_PROJECT == cb.PROJECT_NAME
    assert (REPO / cb.BUILDSPEC_PATH).is_file()
    assert re.fullmatch(r"aws/codebuild/amazonlinux-x86_64-standard:\d+\.\d+", cb.IMAGE)


def test_moto_wrongly_demands_a_location_for_codepipeline(aws) -> None:
    client = boto3.client("codebuild", region_name="us-east-1")
    with pytest.raises(ClientError, match="Project source location is required"):
        client.create_project(**cb.project_request(ROLE))


def test_the_project_is_created_and_read_back(aws) -> None:
    role_arn = cb.create_service_role()
    project = cb.create_build_project(cb.project_request(role_arn))
    assert project["name"] == "aws-cicd-handbook-build"
    assert project["arn"].endswith(":project/aws-cicd-handbook-build")
    assert project["source"]["type"] == project["artifacts"]["type"] == "CODEPIPELINE"
    assert project["source"]["buildspec"] == "snippets/build/buildspec.yml"
    assert project["environment"]["image"] == cb.IMAGE
    assert (project["timeoutInMinutes"], project["queuedTimeoutInMinutes"]) == (30, 60)
    assert project["serviceRole"] == role_arn
    listed = boto3.client("codebuild", region_name="us-east-1").list_projects()["projects"]
    assert listed == ["aws-cicd-handbook-build"]
    role = boto3.client("iam").get_role(RoleName=cb.ROLE_NAME)["Role"]
    document = role["AssumeRolePolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document == cb.trust_policy()


class FakeCodeBuild:
    """Stands in for AWS, which accepts the request as it is."""

    def __init__(self) -> None:
        self.created: list[dict] = []

    def create_project(self, **request):
        self.created.append(request)

    def batch_get_projects(self, names):
        return {"projects": [{"name": names[0], **self.created[-1]}]}


def test_against_aws_the_request_is_sent_unchanged() -> None:
    client = FakeCodeBuild()
    request = cb.project_request(ROLE)
    cb.create_build_project(request, client=client)
    assert client.created == [request], "no placeholder, no second call"


def test_other_create_errors_are_not_swallowed(aws) -> None:
    request = cb.project_request(cb.create_service_role())
    cb.create_build_project(request)
    with pytest.raises(ClientError, match="ResourceAlreadyExistsException"):
        cb.create_build_project(request)
    s3_source = {**request, "name": "other", "source": {"type": "S3"}}
    with pytest.raises(ClientError, match="location is required"):
        cb.create_build_project(s3_source)


def test_the_workaround_only_touches_codepipeline_parts() -> None:
    request = cb.project_request(ROLE)
    patched = cb.moto_workaround(request)
    assert patched["source"]["location"] == cb.MOTO_PLACEHOLDER
    assert "location" not in request["source"], "the original request is unchanged"
    s3 = {**request, "artifacts": {"type": "S3", "location": "bucket"}}
    assert cb.moto_workaround(s3)["artifacts"] == {"type": "S3", "location": "bucket"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role_arn": "my-role"}, "role_arn: 'my-role' is not an IAM role ARN"),
        ({"role_arn": None}, "role_arn: None is not an IAM role ARN"),
        ({"timeout_minutes": 4}, "timeout_minutes: 4 is outside 5-2160"),
        ({"timeout_minutes": 2161}, "timeout_minutes: 2161 is outside 5-2160"),
        ({"timeout_minutes": "60"}, "timeout_minutes: must be a whole number"),
        ({"queued_timeout_minutes": 481}, "queued_timeout_minutes: 481 is outside 5-480"),
        ({"queued_timeout_minutes": True}, "queued_timeout_minutes: must be a whole number"),
        ({"encryption_key": ""}, "encryption_key: must be a KMS key ARN or alias"),
    ],
)
def test_bad_request_values_raise_value_error(kwargs: dict, message: str) -> None:
    args = {"role_arn": ROLE, **kwargs}
    role_arn = args.pop("role_arn")
    with pytest.raises(ValueError, match=re.escape(message)):
        cb.project_request(role_arn, **args)


def test_the_longest_timeouts_are_accepted() -> None:
    request = cb.project_request(ROLE, timeout_minutes=2160, queued_timeout_minutes=480)
    assert (request["timeoutInMinutes"], request["queuedTimeoutInMinutes"]) == (2160, 480)


LAMBDA_ENV = {"type": "LINUX_LAMBDA_CONTAINER", "image": "aws/codebuild/amazonlinux-x86_64-"
              "lambda-standard:python3.12", "computeType": "BUILD_LAMBDA_1GB"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"environment": LAMBDA_ENV}, []),
        ({"timeoutInMinutes": 2161}, ["timeoutInMinutes: 2161 is outside 5-2160 minutes"]),
        ({"queuedTimeoutInMinutes": 1}, ["queuedTimeoutInMinutes: 1 is outside 5-480 minutes"]),
        ({"timeoutInMinutes": "60"}, ["timeoutInMinutes: must be a whole number of minutes"]),
        ({"artifacts": {"type": "S3"}},
         ["source.type, artifacts.type: CODEPIPELINE needs both to be CODEPIPELINE"]),
        ({"environment": None}, ["environment: required mapping (type, image, computeType)"]),
        ({"environment": {**LAMBDA_ENV, "type": "LINUX_CONTAINER"}},
         ["environment.type: Lambda compute needs LINUX_LAMBDA_CONTAINER or ARM_LAMBDA_CONTAINER"]),
        ({"environment": {**LAMBDA_ENV, "privilegedMode": True}},
         ["environment.privilegedMode: not supported with Lambda compute"]),
        ({"environment": LAMBDA_ENV, "cache": {"type": "LOCAL"}},
         ["cache.type: Lambda compute does not support caching"]),
    ],
)
def test_check_project(change: dict, expected: list[str]) -> None:
    assert cb.check_project({**cb.project_request(ROLE), **change}) == expected


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
def test_check_project_accepts_what_aws_accepts(project: dict, model) -> None:
    assert cb.check_project(project) == []
    shape = model.operation_model("CreateProject").input_shape
    assert strict_model.validate(shape, project) == [], "and botocore's model agrees"


def test_check_project_rejects_non_mappings_and_missing_keys() -> None:
    assert cb.check_project([1]) == ["project: expected a mapping, got list"]
    assert cb.check_project({"name": "x"}) == [
        f"{key}: required key is missing"
        for key in ("source", "artifacts", "environment", "serviceRole")
    ]


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=15,
)
project_keys = st.sampled_from(["source", "artifacts", "environment", "cache", "type",
                                "computeType", "privilegedMode", "timeoutInMinutes",
                                "queuedTimeoutInMinutes"])


@FUZZ
@given(json_like | st.dictionaries(project_keys, json_like, max_size=6))
def test_check_project_never_raises(value) -> None:
    problems = cb.check_project(value)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(json_like, json_like, json_like)
def test_project_request_raises_only_value_error(role, timeout, queued) -> None:
    try:
        request = cb.project_request(role, timeout_minutes=timeout, queued_timeout_minutes=queued)
    except ValueError as error:
        assert str(error)
    else:
        assert request["name"] == cb.PROJECT_NAME


def page_table_rows() -> dict[str, str]:
    rows = {}
    for line in PAGE.read_text().splitlines():
        match = re.match(r"^\| `([A-Z_*]+)` \| (.+?) \|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_page_table_of_variables_matches_the_data() -> None:
    assert page_table_rows() == dict(cb.ENVIRONMENT_VARIABLES)


def test_variable_names_include_what_the_exam_asks() -> None:
    names = cb.variable_names()
    assert {"CODEBUILD_BUILD_SUCCEEDING", "CODEBUILD_SRC_DIR", "CODEBUILD_BUILD_ID"} <= names
