"""An example pipeline for the handbook, its GitHub variant, and how the page shows a plan.

One declaration (``HANDBOOK_PIPELINE``) is used by the CodePipeline, artifacts and
troubleshooting pages, so a change to the pipeline shows up everywhere at once. The checker
itself (``validate_pipeline``, ``execution_plan``) is cicd-check's: ``cicd_check.pipeline``,
run on a file with ``cicd-check pipeline.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from copy import deepcopy
from itertools import pairwise
from typing import Any

from cicd_check import validate_pipeline
from cicd_check.pipeline import Step
from cicd_check.pipeline_model import actions_table, unwrap

PIPELINE_NAME = "aws-cicd-handbook"
REPOSITORY_NAME = "aws-cicd-handbook"
BUILD_PROJECT = "aws-cicd-handbook-build"
TEST_PROJECT = "aws-cicd-handbook-test"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SERVICE_ROLE_NAME = f"AWSCodePipelineServiceRole-{REGION}-{PIPELINE_NAME}"
ARTIFACT_BUCKET = f"{PIPELINE_NAME}-artifacts-{ACCOUNT_ID}"
ARTIFACT_KEY_ALIAS = f"alias/{PIPELINE_NAME}-artifacts"
SITE_BUCKET = f"{PIPELINE_NAME}-site-{ACCOUNT_ID}"

# The three stages, then the pipeline that runs them in order.
# --8<-- [start:source]
SOURCE_STAGE: dict[str, Any] = {"name": "Source", "actions": [{
    "name": "Source",
    "actionTypeId": {"category": "Source", "owner": "AWS",
                     "provider": "CodeCommit", "version": "1"},
    "configuration": {
        "RepositoryName": REPOSITORY_NAME,
        "BranchName": "main",
        "PollForSourceChanges": "false",  # an EventBridge rule starts the pipeline
        "OutputArtifactFormat": "CODE_ZIP",
    },
    "outputArtifacts": [{"name": "SourceOutput"}],
    "namespace": "SourceVariables",  # makes #{SourceVariables.CommitId} available
    "runOrder": 1,
}]}
# --8<-- [end:source]

# --8<-- [start:build]
BUILD_STAGE: dict[str, Any] = {"name": "Build", "actions": [
    {
        "name": "BuildSite",
        "actionTypeId": {"category": "Build", "owner": "AWS",
                         "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": BUILD_PROJECT},
        "inputArtifacts": [{"name": "SourceOutput"}],
        "outputArtifacts": [{"name": "SiteOutput"}],
        "runOrder": 1,
    },
    {
        "name": "BrowserTests",
        "actionTypeId": {"category": "Test", "owner": "AWS",
                         "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": TEST_PROJECT},
        "inputArtifacts": [{"name": "SourceOutput"}],
        "runOrder": 1,  # same runOrder as BuildSite: the two run in parallel
    },
]}
# --8<-- [end:build]

# --8<-- [start:release]
RELEASE_STAGE: dict[str, Any] = {"name": "Release", "actions": [
    {
        "name": "Approve",
        "actionTypeId": {"category": "Approval", "owner": "AWS",
                         "provider": "Manual", "version": "1"},
        "configuration": {
            "CustomData": "Commit #{SourceVariables.CommitId}: review the site.",
        },
        "timeoutInMinutes": 1440,  # V2 only; the default is 7 days
        "runOrder": 1,
    },
    {
        "name": "DeploySite",
        "actionTypeId": {"category": "Deploy", "owner": "AWS",
                         "provider": "S3", "version": "1"},
        "configuration": {"BucketName": SITE_BUCKET, "Extract": "true"},
        "inputArtifacts": [{"name": "SiteOutput"}],
        "runOrder": 2,  # after the approval
    },
]}
# --8<-- [end:release]

# --8<-- [start:pipeline]
HANDBOOK_PIPELINE: dict[str, Any] = {
    "name": PIPELINE_NAME,
    "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{SERVICE_ROLE_NAME}",
    "artifactStore": {
        "type": "S3",
        "location": ARTIFACT_BUCKET,
        "encryptionKey": {"id": ARTIFACT_KEY_ALIAS, "type": "KMS"},
    },
    "pipelineType": "V2",
    "executionMode": "QUEUED",  # one release at a time, in commit order
    "stages": [SOURCE_STAGE, BUILD_STAGE, RELEASE_STAGE],
}
# --8<-- [end:pipeline]


# --8<-- [start:github]
def github_source_configuration(connection_arn: str, full_repository_id: str) -> dict[str, str]:
    """The source action's configuration for a repository on GitHub, via CodeConnections."""
    return {
        "ConnectionArn": connection_arn,
        "FullRepositoryId": full_repository_id,  # "owner/repository"
        "BranchName": "main",
        "OutputArtifactFormat": "CODE_ZIP",
        "DetectChanges": "true",
    }


# Start a run only for pushes to main that touch the docs, the snippets or the tests.
ON_PUSH_TO_MAIN: dict[str, Any] = {
    "providerType": "CodeStarSourceConnection",
    "gitConfiguration": {
        "sourceActionName": "Source",
        "push": [{
            "branches": {"includes": ["main"]},
            "filePaths": {"includes": ["docs/**", "snippets/**", "tests/**"]},
        }],
    },
}
# --8<-- [end:github]


def with_github_source(
    declaration: Mapping[str, Any], connection_arn: str, full_repository_id: str
) -> dict[str, Any]:
    """The same pipeline with its source on GitHub through CodeConnections, plus a trigger.

    Triggers exist only for ``CodeStarSourceConnection`` sources (V2 pipelines).
    """
    if not isinstance(connection_arn, str) or ":connection/" not in connection_arn:
        raise ValueError("connection_arn: must be a CodeConnections connection ARN")
    if not isinstance(full_repository_id, str) or full_repository_id.count("/") != 1:
        raise ValueError("full_repository_id: must look like 'owner/repository'")
    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    copy = deepcopy(dict(unwrap(declaration)))
    source = copy["stages"][0]["actions"][0]
    source["actionTypeId"]["provider"] = "CodeStarSourceConnection"
    source["configuration"] = github_source_configuration(connection_arn, full_repository_id)
    trigger = deepcopy(ON_PUSH_TO_MAIN)
    trigger["gitConfiguration"]["sourceActionName"] = source["name"]
    copy["triggers"] = [trigger]
    return copy


def providers_table() -> str:
    """The category/provider table the CodePipeline page shows, from cicd-check's own data."""
    table = actions_table()
    lines = ["| Category | AWS-owned provider strings |", "|---|---|"]
    for category in table["category_order"]:
        providers = table["aws"][category]
        names = ", ".join(f"`{name}`" + (" (V2 only)" if facts.get("v2_only") else "")
                          for name, facts in sorted(providers.items())
                          if not facts.get("retired"))
        lines.append(f"| {category} | {names} |")
    return "\n".join(lines)


# --8<-- [start:render]
def plan_table(steps: Sequence[Step]) -> str:
    """The plan as a Markdown table (the CodePipeline page shows exactly this)."""
    lines = ["| Step | Stage | runOrder | Actions that run together |", "|---|---|---|---|"]
    for step in steps:
        actions = ", ".join(f"`{name}`" for name in step.actions)
        lines.append(f"| {step.number} | {step.stage} | {step.run_order} | {actions} |")
    return "\n".join(lines)


def plan_mermaid(steps: Sequence[Step]) -> str:
    """The plan as a mermaid flowchart: one box per stage, arrows from step to step."""
    lines = ["flowchart LR"]
    stages: dict[str, list[str]] = {}
    ids: list[list[str]] = []
    for step in steps:
        step_ids = [f"s{step.number}a{index + 1}" for index in range(len(step.actions))]
        ids.append(step_ids)
        for node, name in zip(step_ids, step.actions, strict=True):
            stages.setdefault(step.stage, []).append(f'{node}["{name}"]')
    for index, (stage, nodes) in enumerate(stages.items()):
        lines.append(f'    subgraph stage{index + 1}["{stage}"]')
        lines.extend(f"        {node}" for node in nodes)
        lines.append("    end")
    for before, after in pairwise(ids):
        lines.append(f"    {' & '.join(before)} --> {' & '.join(after)}")
    return "\n".join(lines)
# --8<-- [end:render]


# --8<-- [start:create]
SERVICE_ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "codepipeline.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}


def create_service_role(role_name: str, iam=None) -> str:
    """Create the role CodePipeline assumes to run the pipeline; return its ARN."""
    import boto3

    iam = iam or boto3.client("iam")
    role = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(SERVICE_ROLE_TRUST),
        Description="Service role for the aws-cicd-handbook pipeline",
    )
    return role["Role"]["Arn"]


def create_pipeline(declaration: Mapping[str, Any], client=None) -> dict[str, Any]:
    """Create a valid pipeline and return what ``get_pipeline`` reads back."""
    import boto3

    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    client = client or boto3.client("codepipeline")
    declaration = unwrap(declaration)
    client.create_pipeline(pipeline=dict(declaration))
    return client.get_pipeline(name=declaration["name"])
# --8<-- [end:create]


# --8<-- [start:store]
def create_artifact_store(bucket: str, key_alias: str, s3=None, kms=None) -> str:
    """Create the artifact bucket (versioned, SSE-KMS by default) and its customer managed key.

    Returns the key ARN. A customer managed key, unlike ``aws/s3``, can be shared with the
    accounts of cross-account actions.
    """
    import boto3

    s3 = s3 or boto3.client("s3")
    kms = kms or boto3.client("kms")
    key_arn = kms.create_key(Description=f"CodePipeline artifacts in {bucket}")["KeyMetadata"]
    kms.create_alias(AliasName=key_alias, TargetKeyId=key_arn["KeyId"])
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn["Arn"],
        },
        "BucketKeyEnabled": True,
    }]})
    return key_arn["Arn"]
# --8<-- [end:store]
