"""Hear about pipeline failures: EventBridge rules on CodePipeline's state-change events.

CodePipeline emits an event each time a pipeline execution, a stage or an action changes
state. A rule that matches only the failures, with a queue, topic or function as its
target, is the usual way to be told when a release breaks. Each level has its own list of
states; a rule asking for a state that does not exist at its level would silently never
match, so ``state_change_pattern`` refuses it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cicd_check import validate_pipeline
from cicd_check.pipeline_model import unwrap
from snippets.pipeline.codepipeline import PIPELINE_NAME

EVENTS_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/"
    "detect-state-changes-cloudwatch-events.html"
)

SOURCE = "aws.codepipeline"
DETAIL_TYPES = {
    "pipeline": "CodePipeline Pipeline Execution State Change",
    "stage": "CodePipeline Stage Execution State Change",
    "action": "CodePipeline Action Execution State Change",
}
EVENT_STATES = {
    "pipeline": ("STARTED", "SUCCEEDED", "FAILED", "CANCELED", "RESUMED", "STOPPING",
                 "STOPPED", "SUPERSEDED"),
    "stage": ("STARTED", "SUCCEEDED", "FAILED", "CANCELED", "RESUMED", "STOPPING", "STOPPED"),
    "action": ("STARTED", "SUCCEEDED", "FAILED", "CANCELED", "ABANDONED"),
}


def state_change_pattern(level: str, states: Sequence[str],
                         pipelines: Sequence[str] | None = None) -> dict[str, Any]:
    """An EventBridge event pattern for the given states at one level.

    Raises ValueError for an unknown level, an empty list, or a state that the level never
    emits (``ABANDONED`` exists only for actions, ``SUPERSEDED`` only for pipelines).
    """
    if not isinstance(level, str) or level not in EVENT_STATES:
        raise ValueError(f"level {level!r}: must be one of {', '.join(EVENT_STATES)}")
    if isinstance(states, str) or not isinstance(states, Sequence) or not states:
        raise ValueError("states: must be a non-empty list of state names")
    for state in states:
        if state not in EVENT_STATES[level]:
            raise ValueError(f"state {state!r} does not exist at the {level} level "
                             f"(valid: {', '.join(EVENT_STATES[level])})")
    detail: dict[str, Any] = {"state": list(dict.fromkeys(states))}
    if pipelines is not None:
        if (isinstance(pipelines, str) or not isinstance(pipelines, Sequence) or not pipelines
                or not all(isinstance(p, str) and p for p in pipelines)):
            raise ValueError("pipelines: must be a non-empty list of pipeline names")
        detail["pipeline"] = list(pipelines)
    return {"source": [SOURCE], "detail-type": [DETAIL_TYPES[level]], "detail": detail}


FAILED_PIPELINE = state_change_pattern("pipeline", ["FAILED"], [PIPELINE_NAME])
CANCELED_STAGE = state_change_pattern("stage", ["CANCELED"], [PIPELINE_NAME])
FAILED_ACTION = state_change_pattern("action", ["FAILED"], [PIPELINE_NAME])


def sample_event(level: str, state: str, pipeline: str = PIPELINE_NAME, stage: str = "Build",
                 action: str = "BuildSite", provider: tuple[str, str] = ("Build", "CodeBuild"),
                 account: str = "123456789012", region: str = "us-east-1") -> dict[str, Any]:
    """A state-change event shaped like the examples on the CodePipeline events page."""
    state_change_pattern(level, [state])  # same checks, same errors
    for field, value in (("pipeline", pipeline), ("stage", stage), ("action", action),
                         ("region", region)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{field}: must be a non-empty string")
    if not isinstance(account, str) or not (account.isdigit() and len(account) == 12):
        raise ValueError("account: must be a 12-digit AWS account ID")
    if (not isinstance(provider, tuple) or len(provider) != 2
            or not all(isinstance(p, str) for p in provider)):
        raise ValueError("provider: must be a (category, provider) pair of strings")
    detail: dict[str, Any] = {
        "pipeline": pipeline,
        "execution-id": "12345678-1234-5678-abcd-12345678abcd",
        "state": state,
        "version": 1.0,
        "pipeline-execution-attempt": 1.0,
    }
    if level in ("stage", "action"):
        detail["stage"] = stage
    if level == "action":
        category, name = provider
        detail |= {"action": action, "region": region,
                   "action-execution-id": "0a1b2c3d-0000-4000-8000-0a1b2c3d4e5f",
                   "type": {"owner": "AWS", "category": category, "provider": name,
                            "version": "1"}}
    return {
        "version": "0",
        "id": "01234567-0123-0123-0123-0123456789ab",
        "detail-type": DETAIL_TYPES[level],
        "source": SOURCE,
        "account": account,
        "time": "2026-11-20T12:00:00Z",
        "region": region,
        "resources": [f"arn:aws:codepipeline:{region}:{account}:{pipeline}"],
        "detail": detail,
    }


# --8<-- [start:route]
def route_to_queue(rule_name: str, pattern: Mapping[str, Any], queue_url: str,
                   events=None, sqs=None) -> str:
    """Create the rule with an SQS target, and let EventBridge (this rule only) send to it."""
    import boto3

    events = events or boto3.client("events")
    sqs = sqs or boto3.client("sqs")
    rule_arn = events.put_rule(Name=rule_name, EventPattern=json.dumps(pattern),
                               State="ENABLED", Description="CodePipeline state changes")
    rule_arn = rule_arn["RuleArn"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    queue_arn = queue_arn["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    events.put_targets(Rule=rule_name, Targets=[{"Id": "alerts-queue", "Arn": queue_arn}])
    return rule_arn
# --8<-- [end:route]


def replay(sample_events: Sequence[Mapping[str, Any]], events=None) -> int:
    """Publish sample events (moto accepts ``aws.*`` sources; AWS keeps them for itself)."""
    import boto3

    for index, event in enumerate(sample_events):
        if (not isinstance(event, Mapping) or not isinstance(event.get("source"), str)
                or not isinstance(event.get("detail-type"), str)
                or not isinstance(event.get("detail"), Mapping)
                or not isinstance(event.get("resources"), list)):
            raise ValueError(f"event #{index + 1}: needs source, detail-type, detail and "
                             "resources, as sample_event() builds them")
    events = events or boto3.client("events")
    entries = [{"Source": e["source"], "DetailType": e["detail-type"],
                "Detail": json.dumps(e["detail"]), "Resources": list(e["resources"])}
               for e in sample_events]
    return events.put_events(Entries=entries)["FailedEntryCount"]


def drain(queue_url: str, sqs=None) -> list[dict[str, Any]]:
    """Every event waiting in the queue, parsed."""
    import boto3

    sqs = sqs or boto3.client("sqs")
    received = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return received
        for message in batch:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


# What the service role needs per AWS-owned provider, from the "service role permissions"
# of each action's reference page (a first check: actions only, not resources/conditions).
PROVIDER_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "CodeCommit": ("codecommit:GetRepository", "codecommit:GetBranch", "codecommit:GetCommit",
                   "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive",
                   "codecommit:CancelUploadArchive"),
    "CodeStarSourceConnection": ("codestar-connections:UseConnection",),
    "CodeBuild": ("codebuild:StartBuild", "codebuild:BatchGetBuilds"),
    "S3": ("s3:PutObject",),
    "Manual": (),
    "CodeDeploy": ("codedeploy:CreateDeployment", "codedeploy:GetDeployment",
                   "codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision",
                   "codedeploy:GetDeploymentConfig"),
    "CloudFormation": ("cloudformation:DescribeStacks", "cloudformation:CreateStack",
                       "cloudformation:UpdateStack", "iam:PassRole"),
    "Lambda": ("lambda:InvokeFunction",),
}
# CodeStar Connections was renamed CodeConnections; either action name grants the use.
EQUIVALENT = {"codestar-connections:useconnection": "codeconnections:useconnection"}
ARTIFACT_PERMISSIONS = ("s3:GetObject", "s3:PutObject")
KEY_PERMISSIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def permissions_table() -> str:
    """The provider/permissions table the troubleshooting page shows, from the data above."""
    lines = ["| Provider | The service role needs |", "|---|---|"]
    for provider, actions in PROVIDER_PERMISSIONS.items():
        needed = ", ".join(f"`{action}`" for action in actions) or "nothing more"
        lines.append(f"| `{provider}` | {needed} |")
    return "\n".join(lines)


def required_permissions(declaration: Any) -> dict[str, tuple[str, ...]]:
    """IAM actions the service role needs, per "Stage/Action"; raise ValueError if invalid."""
    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    declaration = unwrap(declaration)
    store = declaration.get("artifactStore", {})
    common = ARTIFACT_PERMISSIONS + (KEY_PERMISSIONS if store.get("encryptionKey") else ())
    needed = {}
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            type_id = action["actionTypeId"]
            own = PROVIDER_PERMISSIONS.get(type_id["provider"], ())
            if type_id["owner"] != "AWS" or "roleArn" in action:
                own = ()  # custom actions and actions with their own role: not this role
            needed[f"{stage['name']}/{action['name']}"] = own + common
    return needed


def _allowed(policy: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    allowed: list[str] = []
    denied: list[str] = []
    statements = policy.get("Statement", [])
    for statement in [statements] if isinstance(statements, Mapping) else statements:
        if not isinstance(statement, Mapping):
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        effect = statement.get("Effect")
        target = {"Allow": allowed, "Deny": denied}.get(effect if isinstance(effect, str) else "")
        if target is not None and isinstance(actions, list):
            target.extend(a.lower() for a in actions if isinstance(a, str))
    return allowed, denied


def service_role_gaps(declaration: Any, policy: Any) -> list[str]:
    """Which actions of the pipeline the role's policy does not allow, one line each."""
    if not isinstance(policy, Mapping) or not isinstance(policy.get("Statement"), list | dict):
        return ["policy: must be an IAM policy document with a Statement"]
    try:
        needed = required_permissions(declaration)
    except ValueError as error:
        return [str(error)]
    allowed, denied = _allowed(policy)
    gaps = []
    def granted(action: str) -> bool:
        names = [action.lower(), EQUIVALENT.get(action.lower(), action.lower())]
        return any(fnmatch.fnmatchcase(n, p) for n in names for p in allowed) and not any(
            fnmatch.fnmatchcase(n, p) for n in names for p in denied)

    for where, actions in needed.items():
        missing = [a for a in actions if not granted(a)]
        if missing:
            gaps.append(f"{where}: the service role does not allow {', '.join(missing)}")
    return gaps
