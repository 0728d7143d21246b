"""Tests for snippets/pipeline/troubleshooting.py: state-change rules, proved with moto.

moto's ``test_event_pattern`` is a stub, so every rule here is proved end to end: a rule
with an SQS target, ``put_events`` of sample events, and a look at what reached the queue.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.pipeline import troubleshooting as ts
from snippets.pipeline.codepipeline import HANDBOOK_PIPELINE, SERVICE_ROLE_NAME, with_github_source
from snippets.pipeline.troubleshooting import (
    CANCELED_STAGE,
    EVENT_STATES,
    FAILED_ACTION,
    FAILED_PIPELINE,
    required_permissions,
    sample_event,
    service_role_gaps,
    state_change_pattern,
)

FUZZ = settings(max_examples=50, deadline=None)
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=20,
)


def test_states_match_the_documented_table() -> None:
    assert len(EVENT_STATES["pipeline"]) == 8 and "SUPERSEDED" in EVENT_STATES["pipeline"]
    assert "SUPERSEDED" not in EVENT_STATES["stage"]
    assert EVENT_STATES["action"] == ("STARTED", "SUCCEEDED", "FAILED", "CANCELED", "ABANDONED")


def test_pattern_shape() -> None:
    assert FAILED_PIPELINE == {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Pipeline Execution State Change"],
        "detail": {"state": ["FAILED"], "pipeline": ["aws-cicd-handbook"]},
    }
    assert CANCELED_STAGE["detail-type"] == ["CodePipeline Stage Execution State Change"]
    assert FAILED_ACTION["detail"]["state"] == ["FAILED"]
    both = state_change_pattern("action", ["FAILED", "ABANDONED", "FAILED"])
    assert both["detail"] == {"state": ["FAILED", "ABANDONED"]}


@pytest.mark.parametrize(("level", "states", "message"), [
    ("stage", ["ABANDONED"], "state 'ABANDONED' does not exist at the stage level"),
    ("action", ["SUPERSEDED"], "state 'SUPERSEDED' does not exist at the action level"),
    ("action", ["STOPPED"], "does not exist at the action level"),
    ("pipeline", ["failed"], "state 'failed' does not exist at the pipeline level"),
    ("execution", ["FAILED"], "level 'execution': must be one of pipeline, stage, action"),
    ("stage", [], "non-empty list"),
    ("stage", "FAILED", "non-empty list"),
    (None, ["FAILED"], "level None"),
])
def test_pattern_rejects_states_that_do_not_exist_at_the_level(level: Any, states: Any,
                                                                message: str) -> None:
    with pytest.raises(ValueError, match=message):
        state_change_pattern(level, states)


@pytest.mark.parametrize("pipelines", ["aws-cicd-handbook", [], [""], [3]])
def test_pattern_rejects_bad_pipeline_filters(pipelines: Any) -> None:
    with pytest.raises(ValueError, match="pipelines"):
        state_change_pattern("pipeline", ["FAILED"], pipelines)


def test_sample_events_follow_the_documented_shape() -> None:
    pipeline = sample_event("pipeline", "FAILED")
    assert pipeline["resources"] == [
        "arn:aws:codepipeline:us-east-1:123456789012:aws-cicd-handbook"]
    assert "stage" not in pipeline["detail"]
    stage = sample_event("stage", "CANCELED", stage="Release")
    assert stage["detail"]["stage"] == "Release" and "action" not in stage["detail"]
    action = sample_event("action", "FAILED")
    assert action["detail"]["type"] == {"owner": "AWS", "category": "Build",
                                        "provider": "CodeBuild", "version": "1"}


@pytest.mark.parametrize(("arguments", "message"), [
    ({"level": "stage", "state": "SUPERSEDED"}, "does not exist at the stage level"),
    ({"level": "pipeline", "state": "FAILED", "pipeline": ""}, "pipeline: must be"),
    ({"level": "pipeline", "state": "FAILED", "account": "12"}, "account"),
    ({"level": "action", "state": "FAILED", "provider": ("Build",)}, "provider"),
])
def test_sample_event_rejects_bad_values(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_event(**arguments)


# --- the rules, proved with moto -----------------------------------------------------------

CASES = {
    "failed pipeline": (FAILED_PIPELINE, sample_event("pipeline", "FAILED"),
                        sample_event("pipeline", "SUCCEEDED")),
    "canceled stage": (CANCELED_STAGE, sample_event("stage", "CANCELED", stage="Release"),
                       sample_event("stage", "SUCCEEDED", stage="Release")),
    "failed action": (FAILED_ACTION, sample_event("action", "FAILED"),
                      sample_event("action", "SUCCEEDED")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_only_the_matching_event_reaches_the_queue(case: str, aws: None) -> None:
    pattern, matching, other = CASES[case]
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="pipeline-alerts")["QueueUrl"]
    rule_arn = ts.route_to_queue("pipeline-alerts", pattern, queue_url)
    # The rule as EventBridge stored it, and the queue policy that lets only it send.
    rule = boto3.client("events").describe_rule(Name="pipeline-alerts")
    assert json.loads(rule["EventPattern"]) == pattern and rule["Arn"] == rule_arn
    policy = json.loads(sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == rule_arn

    other_pipeline = copy.deepcopy(matching)
    other_pipeline["detail"]["pipeline"] = "someone-elses-pipeline"
    assert ts.replay([other, matching, other_pipeline]) == 0
    received = ts.drain(queue_url)
    assert [event["detail"] for event in received] == [matching["detail"]]
    assert received[0]["detail-type"] == matching["detail-type"]
    assert received[0]["source"] == "aws.codepipeline"


def test_rule_for_several_states(aws: None) -> None:
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="pipeline-stops")["QueueUrl"]
    pattern = state_change_pattern("action", ["FAILED", "ABANDONED"])
    ts.route_to_queue("pipeline-stops", pattern, queue_url)
    sent = [sample_event("action", state) for state in EVENT_STATES["action"]]
    assert ts.replay(sent) == 0
    assert sorted(e["detail"]["state"] for e in ts.drain(queue_url)) == ["ABANDONED", "FAILED"]


# --- the service role ------------------------------------------------------------------------

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FULL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow",
         "Action": ["codecommit:GetRepository", "codecommit:GetBranch", "codecommit:GetCommit",
                    "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive",
                    "codecommit:CancelUploadArchive"],
         "Resource": f"arn:aws:codecommit:us-east-1:{ACCOUNT}:aws-cicd-handbook"},
        {"Effect": "Allow", "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
         "Resource": f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/aws-cicd-handbook-*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": [f"arn:aws:s3:::aws-cicd-handbook-artifacts-{ACCOUNT}/*",
                      f"arn:aws:s3:::aws-cicd-handbook-site-{ACCOUNT}/*"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": KEY},
    ],
}


def test_required_permissions_of_the_handbook_pipeline() -> None:
    needed = required_permissions(HANDBOOK_PIPELINE)
    assert "codebuild:StartBuild" in needed["Build/BuildSite"]
    assert "codecommit:UploadArchive" in needed["Source/Source"]
    assert "kms:Decrypt" in needed["Release/DeploySite"], "the store has a KMS key"
    assert needed["Release/Approve"] == ts.ARTIFACT_PERMISSIONS + ts.KEY_PERMISSIONS


def test_actions_with_their_own_role_do_not_need_the_service_role() -> None:
    declaration = copy.deepcopy(HANDBOOK_PIPELINE)
    declaration["stages"][2]["actions"][1]["roleArn"] = "arn:aws:iam::111122223333:role/d"
    assert required_permissions(declaration)["Release/DeploySite"] == (
        ts.ARTIFACT_PERMISSIONS + ts.KEY_PERMISSIONS)


def test_full_policy_has_no_gaps() -> None:
    assert service_role_gaps(HANDBOOK_PIPELINE, FULL_POLICY) == []


def test_gap_when_codebuild_is_missing(aws: None) -> None:
    """The classic failure: a new CodeBuild action, an unchanged service role."""
    iam = boto3.client("iam")
    from snippets.pipeline.codepipeline import create_service_role

    create_service_role(SERVICE_ROLE_NAME)
    narrow = copy.deepcopy(FULL_POLICY)
    del narrow["Statement"][1]
    iam.put_role_policy(RoleName=SERVICE_ROLE_NAME, PolicyName="pipeline",
                        PolicyDocument=json.dumps(narrow))
    stored = iam.get_role_policy(RoleName=SERVICE_ROLE_NAME, PolicyName="pipeline")
    gaps = service_role_gaps(HANDBOOK_PIPELINE, stored["PolicyDocument"])
    assert gaps == [
        "Build/BuildSite: the service role does not allow codebuild:StartBuild, "
        "codebuild:BatchGetBuilds",
        "Build/BrowserTests: the service role does not allow codebuild:StartBuild, "
        "codebuild:BatchGetBuilds",
    ]


def test_deny_wins_and_wildcards_and_renamed_connections() -> None:
    denied = copy.deepcopy(FULL_POLICY)
    denied["Statement"].append({"Effect": "Deny", "Action": "s3:Put*", "Resource": "*"})
    assert len(service_role_gaps(HANDBOOK_PIPELINE, denied)) == 5
    everything = {"Version": "2012-10-17",
                  "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    assert service_role_gaps(HANDBOOK_PIPELINE, everything) == []
    github = with_github_source(HANDBOOK_PIPELINE,
                                "arn:aws:codeconnections:us-east-1:123456789012:connection/x",
                                "octo-org/handbook")
    renamed = copy.deepcopy(FULL_POLICY)
    renamed["Statement"].append({"Effect": "Allow", "Action": "codeconnections:UseConnection",
                                 "Resource": "*"})
    assert service_role_gaps(github, renamed) == []
    assert "codestar-connections:UseConnection" in service_role_gaps(github, FULL_POLICY)[0]


@pytest.mark.parametrize(("declaration", "policy", "message"), [
    (HANDBOOK_PIPELINE, None, "policy: must be an IAM policy document"),
    (HANDBOOK_PIPELINE, {"Statement": "x"}, "policy: must be an IAM policy document"),
    (HANDBOOK_PIPELINE, {"Statement": [{"Effect": ["Allow"], "Action": "*"}]},
     "Source/Source: the service role does not allow"),
    ({"stages": []}, FULL_POLICY, "invalid pipeline"),
])
def test_gaps_report_bad_input(declaration: Any, policy: Any, message: str) -> None:
    gaps = service_role_gaps(declaration, policy)
    assert gaps and message in gaps[0], gaps


# --- fuzzing -------------------------------------------------------------------------------------


@FUZZ
@given(level=JSON_LIKE | st.sampled_from(list(EVENT_STATES)), states=JSON_LIKE,
       pipelines=JSON_LIKE)
def test_fuzz_pattern_raises_only_value_error(level: Any, states: Any, pipelines: Any) -> None:
    try:
        pattern = state_change_pattern(level, states, pipelines)
    except ValueError:
        return
    assert pattern["source"] == ["aws.codepipeline"]


@FUZZ
@given(level=st.sampled_from(list(EVENT_STATES)), state=st.text(max_size=12),
       pipeline=JSON_LIKE, account=JSON_LIKE, provider=JSON_LIKE)
def test_fuzz_sample_event_raises_only_value_error(level: str, state: str, pipeline: Any,
                                                   account: Any, provider: Any) -> None:
    try:
        event = sample_event(level, state, pipeline=pipeline, account=account,
                             provider=provider)
    except ValueError:
        return
    assert event["detail"]["state"] == state


@FUZZ
@given(declaration=JSON_LIKE, policy=JSON_LIKE)
def test_fuzz_gaps_never_raise(declaration: Any, policy: Any) -> None:
    gaps = service_role_gaps(declaration, policy)
    assert isinstance(gaps, list) and all(isinstance(g, str) for g in gaps)


@FUZZ
@given(statements=st.lists(JSON_LIKE, max_size=4))
def test_fuzz_gaps_with_junk_statements(statements: list[Any]) -> None:
    gaps = service_role_gaps(HANDBOOK_PIPELINE, {"Statement": statements})
    assert isinstance(gaps, list)


def test_page_state_table_matches_the_data() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs/pipeline/troubleshooting.md").read_text()
    for level, states in EVENT_STATES.items():
        row = (f"| {level.capitalize()} | `{ts.DETAIL_TYPES[level]}` | "
               + ", ".join(f"`{state}`" for state in states) + " |")
        assert row in page, f"stale row for {level}: {row}"


def test_page_permissions_table_matches_the_data() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs/pipeline/troubleshooting.md").read_text()
    assert ts.permissions_table() in page, "stale table: paste permissions_table() into the page"
    assert "| `Manual` | nothing more |" in ts.permissions_table()


def test_pattern_equals_the_example_on_the_aws_events_page() -> None:
    documented = {"source": ["aws.codepipeline"],
                  "detail-type": ["CodePipeline Pipeline Execution State Change"],
                  "detail": {"state": ["FAILED"]}}
    assert state_change_pattern("pipeline", ["FAILED"]) == documented


@FUZZ
@given(events=st.lists(JSON_LIKE, min_size=1, max_size=3))
def test_fuzz_replay_rejects_junk_before_calling_aws(events: list[Any]) -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"unexpected AWS call {name}")

    with pytest.raises(ValueError, match="event #"):
        ts.replay(events, events=NoCalls())
