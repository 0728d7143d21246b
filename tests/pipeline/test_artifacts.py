"""Tests for snippets/pipeline/artifacts.py: artifact flow, cross-account keys, the store."""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.pipeline import artifacts as art
from snippets.pipeline import codepipeline as cp
from snippets.pipeline.artifacts import (
    ArtifactFlow,
    artifact_flow,
    cross_account_key_policy,
    cross_account_problems,
    flow_mermaid,
)
from snippets.pipeline.codepipeline import HANDBOOK_PIPELINE

REPO = Path(__file__).resolve().parents[2]
AWS_EXAMPLES = Path(__file__).resolve().parent / "aws_examples"
AWS_GET_PIPELINE = AWS_EXAMPLES / "get-pipeline-MyFirstPipeline.json"
OTHER_ACCOUNT = "111122223333"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DEPLOY_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/handbook-site-deployer"
FUZZ = settings(max_examples=50, deadline=None)
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=20,
)


def cross_account(key_id: str | None) -> dict[str, Any]:
    """The handbook pipeline with its deploy running in another account."""
    declaration = copy.deepcopy(HANDBOOK_PIPELINE)
    declaration["stages"][2]["actions"][1]["roleArn"] = DEPLOY_ROLE
    if key_id is None:
        del declaration["artifactStore"]["encryptionKey"]
    else:
        declaration["artifactStore"]["encryptionKey"]["id"] = key_id
    return declaration


def test_flow_of_the_handbook_pipeline() -> None:
    store = "s3://aws-cicd-handbook-artifacts-123456789012/aws-cicd-handbook/"
    assert artifact_flow(HANDBOOK_PIPELINE) == [
        ArtifactFlow("SourceOutput", "Source/Source", ("Build/BuildSite", "Build/BrowserTests"),
                     store),
        ArtifactFlow("SiteOutput", "Build/BuildSite", ("Release/DeploySite",), store),
    ]


def test_flow_of_the_aws_reference_example() -> None:
    flows = artifact_flow(json.loads(AWS_GET_PIPELINE.read_text()))
    assert [(f.name, f.producer, f.consumers) for f in flows] == [
        ("MyApp", "Source/Source", ("Beta/CodePipelineDemoFleet",))]
    assert flows[0].store == "s3://codepipeline-us-east-1-11EXAMPLE11/MyFirstPipeline/"


def test_flow_rejects_an_invalid_pipeline() -> None:
    with pytest.raises(ValueError, match="invalid pipeline"):
        artifact_flow({"stages": []})


def test_flow_with_per_region_stores() -> None:
    declaration = copy.deepcopy(HANDBOOK_PIPELINE)
    declaration["artifactStores"] = {"us-east-1": declaration.pop("artifactStore")}
    assert artifact_flow(declaration)[0].store.startswith("s3://<per-Region store>/")


def test_page_diagram_is_generated_from_the_flow() -> None:
    # The page shows the drawing of docs/diagrams/artifact-flow.mmd (scripts/diagrams.py).
    page = (REPO / "docs/pipeline/artifacts.md").read_text()
    diagram = flow_mermaid(artifact_flow(HANDBOOK_PIPELINE))
    assert "../diagrams/artifact-flow.light.svg#only-light" in page
    source = (REPO / "docs/diagrams/artifact-flow.mmd").read_text()
    assert source == f"{diagram}\n", "stale diagram: paste flow_mermaid() into artifact-flow.mmd"


def test_page_table_lists_every_artifact_of_the_flow() -> None:
    page = (REPO / "docs/pipeline/artifacts.md").read_text()
    for flow in artifact_flow(HANDBOOK_PIPELINE):
        readers = ", ".join(f"`{name}`" for name in flow.consumers)
        row = f"| `{flow.name}` | `{flow.producer}` | {readers} |"
        assert row in page, f"stale artifact table row: {row}"


def test_page_shows_the_deploy_action_the_pipeline_uses() -> None:
    page = (REPO / "docs/pipeline/artifacts.md").read_text()
    deploy = HANDBOOK_PIPELINE["stages"][2]["actions"][1]
    assert deploy["configuration"]["Extract"] == "true"
    assert 'the example sets `Extract: "true"`' in page


def test_mermaid_has_every_edge() -> None:
    diagram = flow_mermaid(artifact_flow(HANDBOOK_PIPELINE))
    assert diagram.count("-- writes -->") == 2
    assert diagram.count("-- read by -->") == 3
    assert flow_mermaid([]).startswith("flowchart LR")


# --- cross-account ---------------------------------------------------------------------------


def test_same_account_pipeline_needs_nothing_more() -> None:
    assert cross_account_problems(HANDBOOK_PIPELINE) == []
    assert cross_account_problems(json.loads(AWS_GET_PIPELINE.read_text())) == []


def test_cross_account_with_a_customer_managed_key_arn_is_fine() -> None:
    assert cross_account_problems(cross_account(KEY_ARN)) == []
    alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/aws-cicd-handbook-artifacts"
    assert cross_account_problems(cross_account(alias_arn)) == []


@pytest.mark.parametrize(("key_id", "expected"), [
    (None, "needs a customer managed KMS key; the default AWS managed key aws/s3 cannot be "
           "shared"),
    ("alias/aws/s3", "cannot be shared"),
    ("arn:aws:kms:us-east-1:123456789012:alias/aws/s3", "is the AWS managed key"),
    ("alias/aws-cicd-handbook-artifacts", "is resolved in each caller's own account"),
])
def test_cross_account_problems(key_id: str | None, expected: str) -> None:
    problems = cross_account_problems(cross_account(key_id))
    assert len(problems) == 1 and expected in problems[0], problems
    assert "Release/DeploySite (account 111122223333)" in problems[0]


@pytest.mark.parametrize("junk", [None, [], "x", {"roleArn": "nope"}, {"pipeline": 3},
                                  {"roleArn": HANDBOOK_PIPELINE["roleArn"], "stages": "x"},
                                  {"roleArn": HANDBOOK_PIPELINE["roleArn"],
                                   "stages": [{"actions": [None, {"roleArn": 5}]}, 7]}])
def test_cross_account_problems_never_raise(junk: Any) -> None:
    assert isinstance(cross_account_problems(junk), list)


def test_key_policy_shape_and_errors() -> None:
    policy = cross_account_key_policy("123456789012", HANDBOOK_PIPELINE["roleArn"],
                                      [OTHER_ACCOUNT])
    users = policy["Statement"][1]["Principal"]["AWS"]
    assert users == [HANDBOOK_PIPELINE["roleArn"], f"arn:aws:iam::{OTHER_ACCOUNT}:root"]
    assert "kms:Decrypt" in policy["Statement"][1]["Action"]
    with pytest.raises(ValueError, match="12-digit"):
        cross_account_key_policy("123", HANDBOOK_PIPELINE["roleArn"], [])
    with pytest.raises(ValueError, match="12-digit"):
        cross_account_key_policy("123456789012", HANDBOOK_PIPELINE["roleArn"], [None])
    with pytest.raises(ValueError, match="pipeline_role_arn"):
        cross_account_key_policy("123456789012", "role/x", [OTHER_ACCOUNT])


def test_default_key_policy_keeps_the_key_in_its_own_account(aws: None) -> None:
    """A new customer managed key trusts only its own account until its policy says more."""
    kms = boto3.client("kms")
    key = kms.create_key(Description="artifacts")["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER", "only a customer managed key can be shared"
    default = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    principals = json.dumps([s["Principal"] for s in default["Statement"]])
    assert OTHER_ACCOUNT not in principals and "123456789012" in principals
    shared = cross_account_key_policy("123456789012", HANDBOOK_PIPELINE["roleArn"],
                                      [OTHER_ACCOUNT])
    assert f"arn:aws:iam::{OTHER_ACCOUNT}:root" in json.dumps(shared["Statement"])


# --- the store between actions -----------------------------------------------------------------


def test_site_artifact_goes_through_the_store_and_is_extracted(aws: None) -> None:
    key_arn = cp.create_artifact_store(cp.ARTIFACT_BUCKET, cp.ARTIFACT_KEY_ALIAS)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=cp.SITE_BUCKET)
    flow = next(f for f in artifact_flow(HANDBOOK_PIPELINE) if f.name == "SiteOutput")
    key = f"{HANDBOOK_PIPELINE['name']}/{flow.name}/build-1"
    files = {"index.html": b"<h1>Handbook</h1>", "assets/extra.css": b"body{}"}
    version = art.store_artifact(cp.ARTIFACT_BUCKET, key, files)
    head = s3.head_object(Bucket=cp.ARTIFACT_BUCKET, Key=key)
    assert head["VersionId"] == version
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    written = art.deploy_extracted(cp.ARTIFACT_BUCKET, key, cp.SITE_BUCKET)
    assert sorted(written) == sorted(files)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=cp.SITE_BUCKET)["Contents"]]
    assert sorted(listed) == sorted(files), "Extract=true puts the files, not the zip"
    page = s3.get_object(Bucket=cp.SITE_BUCKET, Key="index.html")
    assert page["ContentType"] == "text/html" and page["Body"].read() == files["index.html"]


@pytest.mark.parametrize(("files", "message"), [
    ({}, "non-empty mapping"),
    ("index.html", "non-empty mapping"),
    ({"/etc/passwd": b"x"}, "relative path"),
    ({"../up": b"x"}, "relative path"),
    ({3: b"x"}, "relative path"),
    ({"a.txt": "text"}, "must be bytes"),
])
def test_store_artifact_rejects_bad_files(files: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        art.store_artifact("bucket", "key", files, s3=object())


@FUZZ
@given(junk=JSON_LIKE)
def test_fuzz_cross_account_problems(junk: Any) -> None:
    problems = cross_account_problems(junk)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(junk=JSON_LIKE)
def test_fuzz_artifact_flow_raises_only_value_error(junk: Any) -> None:
    try:
        flows = artifact_flow(junk)
    except ValueError:
        return
    assert all(isinstance(f, ArtifactFlow) for f in flows)


@FUZZ
@given(admin=JSON_LIKE, role=JSON_LIKE, others=st.lists(JSON_LIKE, max_size=3))
def test_fuzz_key_policy_raises_only_value_error(admin: Any, role: Any, others: Any) -> None:
    try:
        policy = cross_account_key_policy(admin, role, others)
    except ValueError:
        return
    assert policy["Version"] == "2012-10-17"


@FUZZ
@given(files=st.dictionaries(JSON_LIKE.filter(lambda k: k is None or isinstance(k, str | int)),
                             JSON_LIKE | st.binary(max_size=20), max_size=3))
def test_fuzz_store_artifact_raises_only_value_error(files: Any) -> None:
    class FakeS3:
        def put_object(self, **kwargs: Any) -> dict[str, str]:
            return {"VersionId": "v1"}

    with contextlib.suppress(ValueError):
        assert art.store_artifact("bucket", "key", files, s3=FakeS3()) == "v1"
