"""Continuous integration on AWS: start a CodeBuild build on every change, keep its results.

A GitHub, GitHub Enterprise Server, Bitbucket or GitLab repository reaches CodeBuild through a
webhook; a CodeCommit repository announces each push as an EventBridge event, and a rule
starts the build. CodeBuild then files the test results of each build in a report group.
Every function that calls AWS takes its client, so the tests can hand it moto or a Stubber.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

PROJECT = "handbook-ci"
REPOSITORY_ARN = "arn:aws:codecommit:us-east-1:123456789012:aws-cicd-handbook"
PROJECT_ARN = "arn:aws:codebuild:us-east-1:123456789012:project/handbook-ci"
PR_EVENTS = "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"
_BRANCH = re.compile(r"[\w./-]{1,255}", re.ASCII)


def _branch(branch: Any) -> str:
    if not isinstance(branch, str) or not _BRANCH.fullmatch(branch) or branch.startswith("-"):
        raise ValueError(f"branch {branch!r}: must be a Git branch name such as 'main'")
    return branch


# --8<-- [start:webhook]
def ci_filter_groups(branch: str = "main") -> list[list[dict[str, str]]]:
    """Build every pull request into ``branch``, and every push to it."""
    ref = f"^refs/heads/{re.escape(_branch(branch))}$"
    return [
        [{"type": "EVENT", "pattern": PR_EVENTS}, {"type": "BASE_REF", "pattern": ref}],
        [{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": ref}],
    ]


def create_webhook(project: str = PROJECT, branch: str = "main", client=None) -> dict[str, Any]:
    """Ask CodeBuild to build on the repository's own events (not for CodeCommit)."""
    import boto3

    client = client or boto3.client("codebuild")
    response = client.create_webhook(projectName=project, buildType="BUILD",
                                     filterGroups=ci_filter_groups(branch))
    return response["webhook"]
# --8<-- [end:webhook]


# --8<-- [start:would-build]
def would_build(filter_groups: Sequence[Sequence[Mapping[str, Any]]], event: str,
                head_ref: str, base_ref: str = "") -> bool:
    """AWS's rule: any group whose filters ALL match starts a build."""
    values = {"EVENT": event, "HEAD_REF": head_ref, "BASE_REF": base_ref}

    def matches(rule: Mapping[str, Any]) -> bool:
        if rule["type"] == "EVENT":
            found = event in [name.strip() for name in rule["pattern"].split(",")]
        elif rule["type"] in values:
            found = re.search(rule["pattern"], values[rule["type"]]) is not None
        else:
            raise ValueError(f"filter type {rule['type']!r}: this model knows EVENT and refs")
        return found != bool(rule.get("excludeMatchedPattern", False))

    return any(all(matches(rule) for rule in group) for group in filter_groups)
# --8<-- [end:would-build]


# --8<-- [start:rule]
def push_pattern(repository_arn: str = REPOSITORY_ARN, branch: str = "main") -> dict[str, Any]:
    """The EventBridge pattern for a push to one branch of one CodeCommit repository."""
    return {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [repository_arn],
        "detail": {"event": ["referenceCreated", "referenceUpdated"],
                   "referenceType": ["branch"], "referenceName": [_branch(branch)]},
    }


def build_on_push(role_arn: str, repository_arn: str = REPOSITORY_ARN,
                  project_arn: str = PROJECT_ARN, branch: str = "main", events=None) -> str:
    """A rule that starts the CodeBuild project on every push; EventBridge assumes role_arn."""
    import boto3

    events = events or boto3.client("events")
    name = f"build-on-push-to-{_branch(branch).replace('/', '-')}"
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(push_pattern(
        repository_arn, branch)), State="ENABLED", Description="CI: build every push")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "codebuild", "Arn": project_arn,
                                            "RoleArn": role_arn}])
    return rule_arn
# --8<-- [end:rule]


def start_build_role(project_arn: str = PROJECT_ARN) -> dict[str, dict[str, Any]]:
    """The role EventBridge assumes: trusts events.amazonaws.com, may start this project."""
    return {
        "trust": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "permissions": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "codebuild:StartBuild", "Resource": project_arn}]},
    }


# --8<-- [start:failures]
def failed_tests(report_arn: str, client=None) -> list[str]:
    """The names of the failed test cases in one test report, as CodeBuild stored them."""
    import boto3

    client = client or boto3.client("codebuild")
    names: list[str] = []
    request = {"reportArn": report_arn, "filter": {"status": "FAILED"}}
    while True:
        page = client.describe_test_cases(**request)
        names += [f"{case['prefix']}.{case['name']}" for case in page["testCases"]]
        if not page.get("nextToken"):
            return names
        request["nextToken"] = page["nextToken"]
# --8<-- [end:failures]
