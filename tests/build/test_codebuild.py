"""The handbook's CodeBuild project, its facts and the project checker."""

from __future__ import annotations

import copy
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


def test_the_project_uses_the_buildspec_and_name_the_pipeline_expects() -> None:
    from snippets.pipeline import codepipeline

    assert codepipeline.BUILD_PROJECT == cb.PROJECT_NAME
    assert (REPO / cb.BUILDSPEC_PATH).is_file()
    assert re.fullmatch(r"aws/codebuild/amazonlinux-x86_64-standard:\d+\.\d+", cb.IMAGE)


def test_the_project_uses_the_newest_amazon_linux_2023_image() -> None:
    # AWS's available-runtimes page lists Amazon Linux 2023 x86_64 standard:6.0, released in
    # aws/aws-codebuild-docker-images 26.03.25 (al/x86_64/standard/6.0: Python 3.10 to 3.14).
    assert cb.IMAGE == "aws/codebuild/amazonlinux-x86_64-standard:6.0"
    assert cb.IMAGE in PAGE.read_text(), "the page names the image the project uses"


MOTO_PLACEHOLDER = "supplied-by-codepipeline"


class MotoCodeBuild:
    """moto's CodeBuild, with the one fix it needs (see docs/how-examples-run.md).

    moto 5 demands ``source.location`` and ``artifacts.location`` even for CODEPIPELINE,
    where AWS takes both from the pipeline. This client records the request the example
    sends (what AWS gets) and forwards a copy with a placeholder location to moto.
    """

    def __init__(self) -> None:
        self.moto = boto3.client("codebuild")
        self.sent: list[dict] = []

    def create_project(self, **request):
        self.sent.append(copy.deepcopy(request))
        for part in ("source", "artifacts"):
            if request.get(part, {}).get("type") == "CODEPIPELINE":
                request[part] = {**request[part], "location": MOTO_PLACEHOLDER}
        return self.moto.create_project(**request)

    def batch_get_projects(self, **kwargs):
        return self.moto.batch_get_projects(**kwargs)


def test_moto_wrongly_demands_a_location_for_codepipeline(aws) -> None:
    client = boto3.client("codebuild", region_name="us-east-1")
    with pytest.raises(ClientError, match="Project source location is required"):
        client.create_project(**cb.project_request(ROLE))


def test_the_project_is_created_and_read_back(aws) -> None:
    role_arn = cb.create_service_role()
    client = MotoCodeBuild()
    request = cb.project_request(role_arn)
    project = cb.create_build_project(request, client=client)
    assert client.sent == [request], "AWS gets the request unchanged, with no location"
    assert "location" not in client.sent[0]["source"]
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


def test_create_errors_are_not_swallowed(aws) -> None:
    request = cb.project_request(cb.create_service_role())
    cb.create_build_project(request, client=MotoCodeBuild())
    with pytest.raises(ClientError, match="ResourceAlreadyExistsException"):
        cb.create_build_project(request, client=MotoCodeBuild())
    s3_source = {**request, "name": "other", "source": {"type": "S3"}}
    with pytest.raises(ClientError, match="location is required"):
        cb.create_build_project(s3_source)


def test_without_a_client_it_uses_boto3(aws) -> None:
    cb.create_service_role()
    with pytest.raises(ClientError, match="location is required"):
        cb.create_build_project(cb.project_request(ROLE))  # moto's quirk, not AWS's


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


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=15,
)


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
