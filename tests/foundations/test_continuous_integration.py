"""The CI page's examples: a CodeBuild webhook, a CodeCommit push rule, the test reports.

moto has no CodeBuild webhooks or test reports, so those requests go through a Stubber (and
the strict botocore model check). The EventBridge rule is created in moto and proved end to
end: its pattern routes sample CodeCommit events to an SQS queue, and only the push to the
right branch of the right repository arrives (see docs/how-examples-run.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import validate_buildspec
from cicd_check.safe_yaml import load_yaml
from snippets.foundations import continuous_integration as ci
from snippets.pipeline.troubleshooting import drain, replay, route_to_queue
from tests.support.fuzzing import FUZZ
from tests.support.strict_model import StrictModelError

BUILDSPEC = Path(ci.__file__).with_name("buildspec-ci.yml")
PAYLOAD_URL = "https://codebuild.us-east-1.amazonaws.com/webhooks?t=TOKEN&v=1"


# --- webhooks ------------------------------------------------------------------------------


def test_create_webhook_sends_the_two_filter_groups() -> None:
    client = boto3.client("codebuild")
    with Stubber(client) as stub:
        stub.add_response("create_webhook", {"webhook": {"payloadUrl": PAYLOAD_URL}}, {
            "projectName": "handbook-ci", "buildType": "BUILD",
            "filterGroups": ci.ci_filter_groups("main")})
        webhook = ci.create_webhook(client=client)
        stub.assert_no_pending_responses()
    assert webhook["payloadUrl"] == PAYLOAD_URL


def test_the_model_refuses_an_unknown_filter_type() -> None:
    client = boto3.client("codebuild")
    with Stubber(client), pytest.raises(StrictModelError, match="type"):
        client.create_webhook(projectName="handbook-ci",
                              filterGroups=[[{"type": "BRANCH", "pattern": "main"}]])


@pytest.mark.parametrize(("event", "head", "base", "builds"), [
    ("PUSH", "refs/heads/main", "", True),
    ("PUSH", "refs/heads/feature", "", False),
    ("PUSH", "refs/heads/main-old", "", False),
    ("PULL_REQUEST_CREATED", "refs/heads/feature", "refs/heads/main", True),
    ("PULL_REQUEST_UPDATED", "refs/heads/feature", "refs/heads/main", True),
    ("PULL_REQUEST_CREATED", "refs/heads/feature", "refs/heads/release", False),
    ("PULL_REQUEST_MERGED", "refs/heads/feature", "refs/heads/main", False),
])
def test_which_events_start_a_build(event: str, head: str, base: str, builds: bool) -> None:
    assert ci.would_build(ci.ci_filter_groups(), event, head, base) is builds


def test_exclude_matched_pattern_inverts_a_filter() -> None:
    groups = [[{"type": "EVENT", "pattern": "PUSH"},
               {"type": "HEAD_REF", "pattern": "^refs/heads/main$",
                "excludeMatchedPattern": True}]]
    assert ci.would_build(groups, "PUSH", "refs/heads/feature")
    assert not ci.would_build(groups, "PUSH", "refs/heads/main")
    with pytest.raises(ValueError, match="FILE_PATH"):
        ci.would_build([[{"type": "FILE_PATH", "pattern": "x"}]], "PUSH", "refs/heads/main")


def test_branch_names_with_regex_characters_are_escaped() -> None:
    ref = ci.ci_filter_groups("release/1.0")[1][1]["pattern"]
    assert ci.would_build(ci.ci_filter_groups("release/1.0"), "PUSH", "refs/heads/release/1.0")
    assert not ci.would_build(ci.ci_filter_groups("release/1.0"), "PUSH",
                              "refs/heads/release/1x0"), ref


# --- a build on every CodeCommit push -----------------------------------------------------


def push_event(branch: str, repository_arn: str = ci.REPOSITORY_ARN,
               event: str = "referenceUpdated", kind: str = "branch") -> dict[str, Any]:
    """Shaped like the referenceUpdated example in CodeCommit's monitoring-events page."""
    name = repository_arn.rsplit(":", 1)[1]
    prefix = "refs/heads/" if kind == "branch" else "refs/tags/"
    return {"source": "aws.codecommit", "detail-type": "CodeCommit Repository State Change",
            "resources": [repository_arn],
            "detail": {"event": event, "repositoryName": name, "referenceType": kind,
                       "referenceName": branch, "referenceFullName": prefix + branch,
                       "commitId": "3e5983EXAMPLE", "oldCommitId": "2c5f0dEXAMPLE",
                       "callerUserArn": "arn:aws:iam::123456789012:user/alice"}}


def test_the_rule_targets_the_project_with_a_role_eventbridge_can_assume(aws: None) -> None:
    iam = boto3.client("iam")
    policies = ci.start_build_role()
    role_arn = iam.create_role(RoleName="ci-start-build",
                               AssumeRolePolicyDocument=json.dumps(policies["trust"]))["Role"]["Arn"]
    iam.put_role_policy(RoleName="ci-start-build", PolicyName="start-build",
                        PolicyDocument=json.dumps(policies["permissions"]))
    rule_arn = ci.build_on_push(role_arn)

    events = boto3.client("events")
    rule = events.describe_rule(Name="build-on-push-to-main")
    assert rule["Arn"] == rule_arn and rule["State"] == "ENABLED"
    assert json.loads(rule["EventPattern"]) == ci.push_pattern()
    [target] = events.list_targets_by_rule(Rule="build-on-push-to-main")["Targets"]
    assert target == {"Id": "codebuild", "Arn": ci.PROJECT_ARN, "RoleArn": role_arn}
    statement = iam.get_role_policy(RoleName="ci-start-build", PolicyName="start-build")
    assert statement["PolicyDocument"]["Statement"][0]["Action"] == "codebuild:StartBuild"


def test_only_a_push_to_main_of_this_repository_matches(aws: None) -> None:
    queue = boto3.client("sqs").create_queue(QueueName="ci-builds")["QueueUrl"]
    route_to_queue("ci-push", ci.push_pattern(), queue)
    other_repository = "arn:aws:codecommit:us-east-1:123456789012:other"
    assert replay([
        push_event("main"),
        push_event("main", event="referenceCreated"),
        push_event("feature"),
        push_event("main", other_repository),
        push_event("main", kind="tag"),
        push_event("main", event="referenceDeleted"),
    ]) == 0
    arrived = drain(queue)
    assert [(e["detail"]["referenceName"], e["detail"]["event"]) for e in arrived] == [
        ("main", "referenceUpdated"), ("main", "referenceCreated")]


@pytest.mark.parametrize("branch", ["", "-x", "a b", "x" * 256, None, 3])
def test_bad_branch_names_are_refused(branch: Any) -> None:
    with pytest.raises(ValueError, match="branch"):
        ci.push_pattern(branch=branch)
    with pytest.raises(ValueError, match="branch"):
        ci.ci_filter_groups(branch)


@FUZZ
@given(branch=st.text(max_size=40) | st.none() | st.integers())
def test_fuzz_branch_names_raise_only_value_error(branch: Any) -> None:
    try:
        groups = ci.ci_filter_groups(branch)
    except ValueError:
        return
    assert ci.would_build(groups, "PUSH", f"refs/heads/{branch}")
    assert ci.push_pattern(branch=branch)["detail"]["referenceName"] == [branch]


# --- test reports ----------------------------------------------------------------------------


def test_the_buildspec_is_valid_and_files_two_reports() -> None:
    text = BUILDSPEC.read_text()
    assert validate_buildspec(text) == []
    reports = load_yaml(text, flavor="strings", what="buildspec")["reports"]
    assert {name: r["file-format"] for name, r in reports.items()} == {
        "unit-tests": "JUNITXML", "coverage": "COBERTURAXML"}
    build = load_yaml(text, flavor="strings", what="buildspec")["phases"]["build"]["commands"]
    assert "--junitxml=reports/junit.xml" in build[0], "pytest writes where reports: reads"


def test_a_wrong_report_format_is_refused() -> None:
    broken = BUILDSPEC.read_text().replace("COBERTURAXML", "COBERTURA")
    problems = validate_buildspec(broken)
    assert problems and "file-format" in problems[0], problems


REPORT = "arn:aws:codebuild:us-east-1:123456789012:report/handbook-ci-unit-tests:1a2b3c"


def case(name: str) -> dict[str, Any]:
    return {"reportArn": REPORT, "prefix": "tests.test_app", "name": name, "status": "FAILED"}


def test_failed_tests_reads_every_page_of_failures() -> None:
    client = boto3.client("codebuild")
    request = {"reportArn": REPORT, "filter": {"status": "FAILED"}}
    with Stubber(client) as stub:
        stub.add_response("describe_test_cases",
                          {"testCases": [case("test_login")], "nextToken": "2"}, request)
        stub.add_response("describe_test_cases", {"testCases": [case("test_logout")]},
                          {**request, "nextToken": "2"})
        names = ci.failed_tests(REPORT, client=client)
        stub.assert_no_pending_responses()
    assert names == ["tests.test_app.test_login", "tests.test_app.test_logout"]
