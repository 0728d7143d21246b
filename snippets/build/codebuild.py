"""The handbook's CodeBuild project, and the CodeBuild facts the page prints.

The project is what the pipeline chapter's Build action names: it takes the pipeline's
source artifact, runs ``snippets/build/buildspec.yml`` and hands the built site back to the
pipeline. The timeout ranges and Lambda compute's limits ship with cicd-check
(``cicd_check.project``); the variables every build sees are kept here, and the local runner
(``cicd_check.runner``) sets only names from this list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import boto3

from cicd_check.project import BUILD_TIMEOUT, QUEUED_TIMEOUT

CHECKED = "2026-12-01"
CREATE_PROJECT_PAGE = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html"
ENV_VARS_PAGE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html"
IMAGES_PAGE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html"

# --8<-- [start:project-names]
PROJECT_NAME = "aws-cicd-handbook-build"  # the pipeline's Build action uses it
BUILDSPEC_PATH = "snippets/build/buildspec.yml"  # relative to CODEBUILD_SRC_DIR
IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:6.0"  # Amazon Linux 2023
ROLE_NAME = "aws-cicd-handbook-codebuild"
# --8<-- [end:project-names]

# The variables CodeBuild sets in every build (build-env-ref-env-vars.html).
ENVIRONMENT_VARIABLES: tuple[tuple[str, str], ...] = (
    ("AWS_DEFAULT_REGION", "Region the build runs in"),
    ("AWS_REGION", "Region the build runs in"),
    ("CODEBUILD_BATCH_BUILD_IDENTIFIER", "The build's identifier within a batch build"),
    ("CODEBUILD_BUILD_ARN", "ARN of the build"),
    ("CODEBUILD_BUILD_ID", "Build ID: the project name, a colon and a UUID"),
    ("CODEBUILD_BUILD_IMAGE", "The build image"),
    ("CODEBUILD_BUILD_NUMBER", "The project's build counter"),
    ("CODEBUILD_BUILD_SUCCEEDING", "1 while the build is succeeding, 0 once it has failed"),
    ("CODEBUILD_INITIATOR",
     "Who started it: codepipeline/ and the pipeline name, or the IAM user or role"),
    ("CODEBUILD_KMS_KEY_ID", "The KMS key that encrypts the build output"),
    ("CODEBUILD_PROJECT_ARN", "ARN of the project"),
    ("CODEBUILD_PUBLIC_BUILD_URL", "Public build results URL, when public builds are on"),
    ("CODEBUILD_RESOLVED_SOURCE_VERSION", "The source version built, for example a commit ID"),
    ("CODEBUILD_SOURCE_REPO_URL", "URL of the source repository or input artifact"),
    ("CODEBUILD_SOURCE_VERSION", "Version asked for: commit, branch, PR ref, tag or S3 version"),
    ("CODEBUILD_SRC_DIR", "Directory that holds the primary source"),
    ("CODEBUILD_START_TIME", "Start time, Unix milliseconds"),
    ("CODEBUILD_WEBHOOK_*", "Webhook context: actor, base and head ref, event, trigger"),
    ("HOME", "Always /root"),
)


def variable_names() -> set[str]:
    """The documented names (``CODEBUILD_WEBHOOK_*`` stands for a family)."""
    return {name for name, _ in ENVIRONMENT_VARIABLES}


# --8<-- [start:trust]
def trust_policy() -> dict[str, Any]:
    """Only the CodeBuild service may assume the build's service role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codebuild.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
# --8<-- [end:trust]


def create_service_role(iam: Any = None) -> str:
    """Create the build's service role and return its ARN."""
    iam = iam or boto3.client("iam")
    role = iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust_policy()),
        Description="Service role for the aws-cicd-handbook CodeBuild project",
    )
    return role["Role"]["Arn"]


ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


def _check_values(role_arn: Any, timeout: Any, queued: Any, encryption_key: Any) -> None:
    """Refuse what CreateProject would refuse, with the field's name in the message."""
    if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
        raise ValueError(f"role_arn: {role_arn!r} is not an IAM role ARN")
    for name, value, limit in (
        ("timeout_minutes", timeout, BUILD_TIMEOUT),
        ("queued_timeout_minutes", queued, QUEUED_TIMEOUT),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}: must be a whole number of minutes")
        if not limit.minimum <= value <= limit.maximum:
            raise ValueError(f"{name}: {value} is outside {limit.minimum}-{limit.maximum}")
    if encryption_key is not None and (not isinstance(encryption_key, str) or not encryption_key):
        raise ValueError("encryption_key: must be a KMS key ARN or alias")


# --8<-- [start:request]
def project_request(role_arn: str, *, timeout_minutes: int = 30,
                    queued_timeout_minutes: int = 60,
                    encryption_key: str | None = None) -> dict[str, Any]:
    """The CreateProject request for the pipeline's Build action, as AWS gets it."""
    _check_values(role_arn, timeout_minutes, queued_timeout_minutes,
                  encryption_key)
    request: dict[str, Any] = {
        "name": PROJECT_NAME,
        "description": "Tests the handbook and builds the site for the pipeline",
        # CODEPIPELINE: no location, the pipeline supplies the input artifact
        "source": {"type": "CODEPIPELINE", "buildspec": BUILDSPEC_PATH},
        "artifacts": {"type": "CODEPIPELINE"},
        "environment": {"type": "LINUX_CONTAINER", "image": IMAGE,
                        "computeType": "BUILD_GENERAL1_SMALL"},
        "serviceRole": role_arn,
        "timeoutInMinutes": timeout_minutes,
        "queuedTimeoutInMinutes": queued_timeout_minutes,
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"}},
    }
    if encryption_key:
        request["encryptionKey"] = encryption_key  # else an AWS managed key
    return request
# --8<-- [end:request]


# --8<-- [start:create]
def create_build_project(request: Mapping[str, Any],
                         client: Any = None) -> dict[str, Any]:
    """Create the project, then read it back the way the console would show it."""
    client = client or boto3.client("codebuild")
    client.create_project(**request)
    return client.batch_get_projects(names=[request["name"]])["projects"][0]
# --8<-- [end:create]
