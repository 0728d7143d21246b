"""Tests for snippets/pipeline/codepipeline.py: the example pipeline, its GitHub variant, the
plan and provider tables the page shows, and creating it in moto.

The checker itself (``validate_pipeline``, ``execution_plan``) is tested with cicd-check, in
``tests/cicd_check/test_pipeline.py``. ``aws_examples/get-pipeline-MyFirstPipeline.json`` is
the output printed by the AWS CLI reference example for ``aws codepipeline get-pipeline``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import execution_plan, validate_pipeline
from cicd_check.pipeline import Step
from snippets.pipeline import codepipeline as cp
from snippets.pipeline.codepipeline import (
    HANDBOOK_PIPELINE,
    plan_mermaid,
    plan_table,
    with_github_source,
)
from tests.support.fuzzing import FUZZ

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
AWS_GET_PIPELINE = HERE / "aws_examples" / "get-pipeline-MyFirstPipeline.json"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-EXAMPLE"


def pipeline() -> dict[str, Any]:
    return copy.deepcopy(HANDBOOK_PIPELINE)


def action(declaration: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    found = [a for s in declaration["stages"] if s["name"] == stage
             for a in s["actions"] if a["name"] == name]
    assert len(found) == 1
    return found[0]


# --- the handbook pipeline ---------------------------------------------------------------


def test_handbook_pipeline_is_valid() -> None:
    assert validate_pipeline(HANDBOOK_PIPELINE) == []


def test_handbook_pipeline_matches_what_the_build_chapter_expects() -> None:
    build = action(HANDBOOK_PIPELINE, "Build", "BuildSite")
    assert build["configuration"]["ProjectName"] == "aws-cicd-handbook-build"
    assert build["inputArtifacts"] == [{"name": "SourceOutput"}]
    assert build["outputArtifacts"] == [{"name": "SiteOutput"}]
    deploy = action(HANDBOOK_PIPELINE, "Release", "DeploySite")
    assert deploy["configuration"]["Extract"] == "true"
    assert deploy["inputArtifacts"] == [{"name": "SiteOutput"}]
    assert HANDBOOK_PIPELINE["name"] == "aws-cicd-handbook"


def test_get_pipeline_output_of_the_aws_cli_reference_reads_as_the_page_says() -> None:
    printed = json.loads(AWS_GET_PIPELINE.read_text())
    assert validate_pipeline(printed) == []
    assert execution_plan(printed)[-1] == Step(2, "Beta", 1, ("CodePipelineDemoFleet",))


# --- execution plan and the page ----------------------------------------------------------


def test_execution_plan_of_the_handbook_pipeline() -> None:
    assert execution_plan(HANDBOOK_PIPELINE) == [
        Step(1, "Source", 1, ("Source",)),
        Step(2, "Build", 1, ("BuildSite", "BrowserTests")),
        Step(3, "Release", 1, ("Approve",)),
        Step(4, "Release", 2, ("DeploySite",)),
    ]


def test_execution_plan_rejects_invalid_pipelines_with_value_error() -> None:
    with pytest.raises(ValueError, match="Pipeline has only 0 stage"):
        execution_plan({**pipeline(), "stages": []})


def test_the_page_shows_the_plan_computed_from_the_pipeline() -> None:
    page = (REPO / "docs/pipeline/codepipeline.md").read_text()
    steps = execution_plan(HANDBOOK_PIPELINE)
    assert plan_table(steps) in page, "the table on the page is stale: paste plan_table()"
    # The page shows the drawing of docs/diagrams/pipeline-plan.mmd (scripts/diagrams.py).
    assert "../diagrams/pipeline-plan.light.svg#only-light" in page
    source = (REPO / "docs/diagrams/pipeline-plan.mmd").read_text()
    assert source == f"{plan_mermaid(steps)}\n", "the diagram is stale: paste plan_mermaid()"
    assert cp.providers_table() in page, "the provider table is stale: paste providers_table()"


def test_mermaid_links_every_step_to_the_next() -> None:
    text = plan_mermaid(execution_plan(HANDBOOK_PIPELINE))
    assert "s1a1 --> s2a1 & s2a2" in text
    assert "s3a1 --> s4a1" in text
    assert text.count("subgraph") == 3


# --- the GitHub alternative ------------------------------------------------------------------


def test_github_variant_uses_a_connection_and_a_trigger() -> None:
    variant = with_github_source(HANDBOOK_PIPELINE, CONNECTION, "octo-org/aws-cicd-handbook")
    assert validate_pipeline(variant) == []
    source = variant["stages"][0]["actions"][0]
    assert source["actionTypeId"]["provider"] == "CodeStarSourceConnection"
    assert variant["triggers"][0]["gitConfiguration"]["sourceActionName"] == source["name"]
    assert HANDBOOK_PIPELINE["stages"][0]["actions"][0]["actionTypeId"]["provider"] == (
        "CodeCommit"), "the original must not change"


def test_github_variant_passes_the_api_model() -> None:
    import botocore.session

    from tests.support.strict_model import validate

    model = botocore.session.get_session().get_service_model("codepipeline")
    shape = model.operation_model("CreatePipeline").input_shape
    variant = with_github_source(HANDBOOK_PIPELINE, CONNECTION, "octo-org/aws-cicd-handbook")
    assert validate(shape, {"pipeline": variant}) == []


@pytest.mark.parametrize(("arguments", "message"), [
    (("arn:aws:iam::123456789012:role/x", "a/b"), "connection_arn"),
    ((CONNECTION, "no-slash"), "full_repository_id"),
    ((None, "a/b"), "connection_arn"),
    ((CONNECTION, 7), "full_repository_id"),
])
def test_github_variant_rejects_bad_arguments(arguments: tuple[Any, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_github_source(HANDBOOK_PIPELINE, *arguments)


def test_github_variant_rejects_an_invalid_pipeline() -> None:
    with pytest.raises(ValueError, match="invalid pipeline"):
        with_github_source({"stages": []}, CONNECTION, "a/b")


# --- the pipeline in moto -------------------------------------------------------------------


def test_pipeline_created_in_moto_reads_back_the_same(aws: None) -> None:
    role_arn = cp.create_service_role(cp.SERVICE_ROLE_NAME)
    key_arn = cp.create_artifact_store(cp.ARTIFACT_BUCKET, cp.ARTIFACT_KEY_ALIAS)
    assert role_arn == HANDBOOK_PIPELINE["roleArn"]
    read_back = cp.create_pipeline(HANDBOOK_PIPELINE)
    assert validate_pipeline(read_back) == []
    assert execution_plan(read_back) == execution_plan(HANDBOOK_PIPELINE)
    declared = read_back["pipeline"]
    assert declared["artifactStore"] == HANDBOOK_PIPELINE["artifactStore"]
    assert declared["version"] == 1
    assert declared["executionMode"] == "QUEUED" and declared["pipelineType"] == "V2"
    assert read_back["metadata"]["pipelineArn"].endswith(":aws-cicd-handbook")
    # The alias in the declaration names the key the bucket encrypts with.
    kms = boto3.client("kms")
    assert kms.describe_key(KeyId=cp.ARTIFACT_KEY_ALIAS)["KeyMetadata"]["Arn"] == key_arn
    names = [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]]
    assert names == ["aws-cicd-handbook"]


def test_service_role_trusts_codepipeline(aws: None) -> None:
    cp.create_service_role(cp.SERVICE_ROLE_NAME)
    role = boto3.client("iam").get_role(RoleName=cp.SERVICE_ROLE_NAME)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "codepipeline.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"


def test_a_role_that_does_not_trust_codepipeline_is_refused(aws: None) -> None:
    iam = boto3.client("iam")
    trust = copy.deepcopy(cp.SERVICE_ROLE_TRUST)
    trust["Statement"][0]["Principal"] = {"Service": "codebuild.amazonaws.com"}
    iam.create_role(RoleName=cp.SERVICE_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(ClientError) as error:
        cp.create_pipeline(HANDBOOK_PIPELINE)
    assert error.value.response["Error"]["Code"] == "InvalidStructureException"
    assert "not authorized to perform AssumeRole" in error.value.response["Error"]["Message"]


def test_artifact_bucket_encrypts_with_the_customer_managed_key(aws: None) -> None:
    key_arn = cp.create_artifact_store(cp.ARTIFACT_BUCKET, cp.ARTIFACT_KEY_ALIAS)
    s3 = boto3.client("s3")
    # What an action does: put an artifact without naming a key; the bucket default applies.
    s3.put_object(Bucket=cp.ARTIFACT_BUCKET, Key="aws-cicd-handbook/SourceOutp/abc", Body=b"zip")
    head = s3.head_object(Bucket=cp.ARTIFACT_BUCKET, Key="aws-cicd-handbook/SourceOutp/abc")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    versioning = s3.get_bucket_versioning(Bucket=cp.ARTIFACT_BUCKET)
    assert versioning["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=cp.ARTIFACT_BUCKET)
    assert all(block["PublicAccessBlockConfiguration"].values())
    key = boto3.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"


def test_create_pipeline_refuses_an_invalid_declaration_before_calling_aws() -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"unexpected AWS call {name}")

    with pytest.raises(ValueError, match="minimum of 2 stages"):
        cp.create_pipeline({**pipeline(), "stages": pipeline()["stages"][:1]}, client=NoCalls())


# --- fuzzing -----------------------------------------------------------------------------------

JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=20,
)


@FUZZ
@given(connection=JSON_LIKE | st.text(max_size=200), repository=JSON_LIKE)
def test_fuzz_github_variant_raises_only_value_error(connection: Any, repository: Any) -> None:
    try:
        variant = with_github_source(HANDBOOK_PIPELINE, connection, repository)
    except ValueError:
        return
    assert validate_pipeline(variant) == []
