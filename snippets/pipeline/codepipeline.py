"""The pipeline that ships this handbook, a validator for any pipeline, and its execution plan.

One declaration (``HANDBOOK_PIPELINE``) is used by the CodePipeline, artifacts and
troubleshooting pages, so a change to the pipeline shows up everywhere at once.
``validate_pipeline`` checks the structure rules CodePipeline enforces; the command line
(``python -m snippets.pipeline.codepipeline check pipeline.json``) runs it on a file, for
example the output of ``aws codepipeline get-pipeline``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable

STRUCTURE_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html"
)
PROVIDERS_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-valid-providers.html"
)

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

# --8<-- [start:handbook]
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
    "stages": [
        {
            "name": "Source",
            "actions": [
                {
                    "name": "Source",
                    "actionTypeId": {
                        "category": "Source",
                        "owner": "AWS",
                        "provider": "CodeCommit",
                        "version": "1",
                    },
                    "configuration": {
                        "RepositoryName": REPOSITORY_NAME,
                        "BranchName": "main",
                        "PollForSourceChanges": "false",  # an EventBridge rule starts it
                        "OutputArtifactFormat": "CODE_ZIP",
                    },
                    "outputArtifacts": [{"name": "SourceOutput"}],
                    "namespace": "SourceVariables",
                    "runOrder": 1,
                }
            ],
        },
        {
            "name": "Build",
            "actions": [
                {
                    "name": "BuildSite",
                    "actionTypeId": {
                        "category": "Build",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                    },
                    "configuration": {"ProjectName": BUILD_PROJECT},
                    "inputArtifacts": [{"name": "SourceOutput"}],
                    "outputArtifacts": [{"name": "SiteOutput"}],
                    "runOrder": 1,
                },
                {
                    "name": "BrowserTests",
                    "actionTypeId": {
                        "category": "Test",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                    },
                    "configuration": {"ProjectName": TEST_PROJECT},
                    "inputArtifacts": [{"name": "SourceOutput"}],
                    "runOrder": 1,  # same runOrder as BuildSite: the two run in parallel
                },
            ],
        },
        {
            "name": "Release",
            "actions": [
                {
                    "name": "Approve",
                    "actionTypeId": {
                        "category": "Approval",
                        "owner": "AWS",
                        "provider": "Manual",
                        "version": "1",
                    },
                    "configuration": {
                        "CustomData": "Commit #{SourceVariables.CommitId}: review the site.",
                    },
                    "timeoutInMinutes": 1440,  # V2 only; the default is 7 days
                    "runOrder": 1,
                },
                {
                    "name": "DeploySite",
                    "actionTypeId": {
                        "category": "Deploy",
                        "owner": "AWS",
                        "provider": "S3",
                        "version": "1",
                    },
                    "configuration": {"BucketName": SITE_BUCKET, "Extract": "true"},
                    "inputArtifacts": [{"name": "SiteOutput"}],
                    "runOrder": 2,  # after the approval
                },
            ],
        },
    ],
}
# --8<-- [end:handbook]


# --8<-- [start:github]
def with_github_source(
    declaration: Mapping[str, Any], connection_arn: str, full_repository_id: str
) -> dict[str, Any]:
    """The same pipeline with its source on GitHub through CodeConnections, plus a trigger.

    Triggers exist only for ``CodeStarSourceConnection`` sources (V2 pipelines); this one
    starts the pipeline on pushes to ``main`` that touch the docs, the snippets or the tests.
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
    source["configuration"] = {
        "ConnectionArn": connection_arn,
        "FullRepositoryId": full_repository_id,
        "BranchName": "main",
        "OutputArtifactFormat": "CODE_ZIP",
        "DetectChanges": "true",
    }
    copy["triggers"] = [
        {
            "providerType": "CodeStarSourceConnection",
            "gitConfiguration": {
                "sourceActionName": source["name"],
                "push": [
                    {
                        "branches": {"includes": ["main"]},
                        "filePaths": {"includes": ["docs/**", "snippets/**", "tests/**"]},
                    }
                ],
            },
        }
    ]
    return copy
# --8<-- [end:github]


# --8<-- [start:rules]
CATEGORIES = ("Source", "Build", "Test", "Deploy", "Approval", "Invoke", "Compute")
OWNERS = ("AWS", "ThirdParty", "Custom")
# Provider strings of the AWS-owned actions, per category (actions-valid-providers.html).
AWS_PROVIDERS: dict[str, frozenset[str]] = {
    "Source": frozenset({"S3", "ECR", "CodeCommit", "CodeStarSourceConnection"}),
    "Build": frozenset({"CodeBuild", "ECRBuildAndPublish", "Commands"}),
    "Test": frozenset({"CodeBuild", "DeviceFarm"}),
    "Deploy": frozenset({
        "S3", "CloudFormation", "CloudFormationStackSet", "CloudFormationStackInstances",
        "CodeDeploy", "ECS", "CodeDeployToECS", "EC2", "EKS", "Lambda", "ElasticBeanstalk",
        "AppConfig", "OpsWorks", "ServiceCatalog",
    }),
    "Approval": frozenset({"Manual"}),
    "Invoke": frozenset({"Lambda", "StepFunctions", "CodePipeline", "InspectorScan"}),
    "Compute": frozenset({"Commands"}),
}
V2_ONLY_PROVIDERS = {("Deploy", "Lambda"), ("Deploy", "EC2"), ("Deploy", "EKS"),
                     ("Build", "ECRBuildAndPublish"), ("Build", "Commands"),
                     ("Compute", "Commands")}
EXECUTION_MODES = ("SUPERSEDED", "QUEUED", "PARALLEL")
PIPELINE_TYPES = ("V1", "V2")
RUN_ORDER_RANGE = (1, 999)
APPROVAL_TIMEOUT_RANGE = (5, 86_400)  # minutes; 86,400 minutes is 60 days
# --8<-- [end:rules]


def providers_table() -> str:
    """The category/provider table the CodePipeline page shows, made from AWS_PROVIDERS."""
    lines = ["| Category | AWS-owned provider strings |", "|---|---|"]
    for category in CATEGORIES:
        names = ", ".join(f"`{name}`" for name in sorted(AWS_PROVIDERS[category]))
        lines.append(f"| {category} | {names} |")
    return "\n".join(lines)


def unwrap(declaration: Any) -> Any:
    """Accept ``get-pipeline`` output: the declaration sits under a top-level ``pipeline``."""
    if (
        isinstance(declaration, Mapping)
        and "stages" not in declaration
        and isinstance(declaration.get("pipeline"), Mapping)
    ):
        return declaration["pipeline"]
    return declaration


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str:
    """A short, printable rendering of a value a reader wrote."""
    rendered = repr(value)
    return rendered if len(rendered) <= 60 else rendered[:57] + "..."


def _artifact_names(action: Mapping[str, Any], key: str, where: str,
                    problems: list[str]) -> list[str]:
    artifacts = action.get(key, [])
    if not isinstance(artifacts, list):
        problems.append(f"{where}: {key} must be a list, got {type(artifacts).__name__}")
        return []
    names = []
    for index, artifact in enumerate(artifacts):
        name = artifact.get("name") if isinstance(artifact, Mapping) else None
        if not isinstance(name, str) or not name:
            problems.append(f"{where}: {key}[{index}] needs a 'name' string")
        else:
            names.append(name)
    return names


def _check_action_type(action: Mapping[str, Any], where: str, problems: list[str]) -> str | None:
    """Check actionTypeId; return the category when it is one CodePipeline knows."""
    type_id = action.get("actionTypeId")
    if not isinstance(type_id, Mapping):
        problems.append(f"{where}: actionTypeId is missing or not an object")
        return None
    for field in ("category", "owner", "provider", "version"):
        if not isinstance(type_id.get(field), str) or not type_id.get(field):
            problems.append(f"{where}: actionTypeId.{field} is missing or not a string")
    category, owner, provider = (type_id.get(k) for k in ("category", "owner", "provider"))
    if isinstance(category, str) and category and category not in CATEGORIES:
        problems.append(
            f"{where}: category {_text(category)} is not one of {', '.join(CATEGORIES)}"
        )
        category = None
    if isinstance(owner, str) and owner and owner not in OWNERS:
        problems.append(f"{where}: owner {_text(owner)} is not one of {', '.join(OWNERS)}")
    if owner == "AWS" and isinstance(category, str) and isinstance(provider, str) and provider:
        valid = AWS_PROVIDERS[category]
        if provider not in valid:
            problems.append(
                f"{where}: provider {_text(provider)} is not an AWS {category} provider "
                f"(valid: {', '.join(sorted(valid))})"
            )
    return category if isinstance(category, str) else None


# --8<-- [start:validate]
def validate_pipeline(declaration: Any) -> list[str]:
    """Return one readable problem per broken structure rule; ``[]`` for a valid pipeline."""
    declaration = unwrap(declaration)
    if not isinstance(declaration, Mapping):
        return [f"pipeline: expected an object, got {type(declaration).__name__}"]
    problems: list[str] = []
    for field in ("name", "roleArn"):
        if not isinstance(declaration.get(field), str) or not declaration.get(field):
            problems.append(f"pipeline: {field} is missing or not a string")
    stores = [k for k in ("artifactStore", "artifactStores") if k in declaration]
    if len(stores) != 1:
        problems.append("pipeline: needs exactly one of artifactStore or artifactStores")
    problems += _check_stores(declaration)
    problems += _check_pipeline_options(declaration)
    stages = declaration.get("stages")
    if not isinstance(stages, list):
        return [*problems, "pipeline: stages is missing or not a list"]
    if len(stages) < 2:
        problems.append(f"pipeline: has {len(stages)} stage(s); a pipeline needs at least two")

    produced: dict[str, str] = {}  # artifact name -> "stage/action" that outputs it
    stage_names: set[str] = set()
    for stage_index, stage in enumerate(stages):
        if not isinstance(stage, Mapping):
            problems.append(f"stage #{stage_index + 1}: expected an object")
            continue
        stage_name = stage.get("name")
        if not isinstance(stage_name, str) or not stage_name:
            problems.append(f"stage #{stage_index + 1}: name is missing or not a string")
            stage_name = f"#{stage_index + 1}"
        elif stage_name in stage_names:
            problems.append(f"stage {stage_name!r}: stage names must be unique")
        stage_names.add(stage_name)
        actions = stage.get("actions")
        if not isinstance(actions, list) or not actions:
            problems.append(f"stage {stage_name!r}: actions must be a non-empty list")
            continue
        problems += _check_stage(stage_name, stage_index == 0, actions, produced)
    return problems + _check_v2_features(declaration)
# --8<-- [end:validate]


def _typed_actions(declaration: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(stage, action, category, provider) for every action well-formed enough to read."""
    for stage in declaration.get("stages") or []:
        if not isinstance(stage, Mapping) or not isinstance(stage.get("actions"), list):
            continue
        for action in stage["actions"]:
            type_id = action.get("actionTypeId") if isinstance(action, Mapping) else None
            if isinstance(type_id, Mapping):
                yield (str(stage.get("name")), str(action.get("name")),
                       str(type_id.get("category")), str(type_id.get("provider")))


def _check_v2_features(declaration: Mapping[str, Any]) -> list[str]:
    """Triggers need a connection source; V1 pipelines cannot use the V2-only actions."""
    problems = []
    typed = list(_typed_actions(declaration))
    if declaration.get("pipelineType", "V1") == "V1":
        problems += [f"stage {stage!r}, action {action!r}: the {category} provider "
                     f"{provider} needs pipelineType V2"
                     for stage, action, category, provider in typed
                     if (category, provider) in V2_ONLY_PROVIDERS]
    connections = {action for _, action, category, provider in typed
                   if category == "Source" and provider == "CodeStarSourceConnection"}
    triggers = declaration.get("triggers", [])
    if not isinstance(triggers, list):
        return [*problems, "pipeline: triggers must be a list"]
    for index, trigger in enumerate(triggers):
        git = trigger.get("gitConfiguration") if isinstance(trigger, Mapping) else None
        source = git.get("sourceActionName") if isinstance(git, Mapping) else None
        if not isinstance(source, str):
            problems.append(f"trigger #{index + 1}: gitConfiguration.sourceActionName "
                            "is missing or not a string")
        elif source not in connections:
            problems.append(f"trigger #{index + 1}: {source!r} is not a "
                            "CodeStarSourceConnection source action; triggers work only "
                            "with connection sources")
    return problems


def _check_stores(declaration: Mapping[str, Any]) -> list[str]:
    """Each artifact store is an S3 bucket, optionally with a KMS key."""
    stores: dict[str, Any] = {}
    if "artifactStore" in declaration:
        stores["artifactStore"] = declaration["artifactStore"]
    regional = declaration.get("artifactStores")
    if isinstance(regional, Mapping):
        stores |= {f"artifactStores[{region!r}]": store for region, store in regional.items()}
    elif "artifactStores" in declaration:
        return ["pipeline: artifactStores must be an object mapping Regions to stores"]
    problems = []
    for where, store in stores.items():
        if not isinstance(store, Mapping):
            problems.append(f"{where}: must be an object")
            continue
        if store.get("type") != "S3":
            problems.append(f"{where}: type {_text(store.get('type'))} must be 'S3'")
        if not isinstance(store.get("location"), str) or not store.get("location"):
            problems.append(f"{where}: location must name an S3 bucket")
        key = store.get("encryptionKey")
        if key is not None and (not isinstance(key, Mapping) or key.get("type") != "KMS"
                                or not isinstance(key.get("id"), str)):
            problems.append(f"{where}: encryptionKey must be {{'id': <key>, 'type': 'KMS'}}")
    return problems


def _check_pipeline_options(declaration: Mapping[str, Any]) -> list[str]:
    problems = []
    mode = declaration.get("executionMode", "SUPERSEDED")
    kind = declaration.get("pipelineType", "V1")
    if mode not in EXECUTION_MODES:
        problems.append(f"pipeline: executionMode {_text(mode)} is not one of "
                        f"{', '.join(EXECUTION_MODES)}")
    if kind not in PIPELINE_TYPES:
        problems.append(f"pipeline: pipelineType {_text(kind)} is not V1 or V2")
    if kind == "V1":
        if mode in ("QUEUED", "PARALLEL"):
            problems.append(f"pipeline: executionMode {mode} needs pipelineType V2")
        for field in ("triggers", "variables"):
            if declaration.get(field):
                problems.append(f"pipeline: {field} need pipelineType V2")
    return problems


def _check_stage(stage_name: str, first: bool, actions: list[Any],
                 produced: dict[str, str]) -> list[str]:
    problems: list[str] = []
    names: set[str] = set()
    checked: list[tuple[int, str, list[str], list[str]]] = []
    for action_index, action in enumerate(actions):
        where = f"stage {stage_name!r}, action #{action_index + 1}"
        if not isinstance(action, Mapping):
            problems.append(f"{where}: expected an object")
            continue
        name = action.get("name")
        if isinstance(name, str) and name:
            where = f"stage {stage_name!r}, action {name!r}"
            if name in names:
                problems.append(f"{where}: action names must be unique within a stage")
            names.add(name)
        else:
            problems.append(f"{where}: name is missing or not a string")
        category = _check_action_type(action, where, problems)
        if first and category not in (None, "Source"):
            problems.append(f"{where}: the first stage may hold only Source actions")
        if not first and category == "Source":
            problems.append(f"{where}: Source actions belong in the first stage only")
        run_order = action.get("runOrder", 1)
        low, high = RUN_ORDER_RANGE
        if not _is_int(run_order) or not low <= run_order <= high:
            problems.append(f"{where}: runOrder {_text(run_order)} must be an integer "
                            f"from {low} to {high}")
            run_order = 1
        problems += _check_timeout(action, category, where)
        inputs = _artifact_names(action, "inputArtifacts", where, problems)
        outputs = _artifact_names(action, "outputArtifacts", where, problems)
        if category == "Source" and inputs:
            problems.append(f"{where}: a Source action takes no input artifacts")
        checked.append((run_order, where, inputs, outputs))
    # Inputs must come from an earlier stage, or from this stage at a lower runOrder.
    for run_order, where, inputs, _ in checked:
        for artifact in inputs:
            same_stage_earlier = any(
                artifact in outs for order, _, _, outs in checked if order < run_order
            )
            if artifact not in produced and not same_stage_earlier:
                problems.append(f"{where}: input artifact {artifact!r} is not produced by "
                                "any action that runs earlier")
    for _, where, _, outputs in checked:
        for artifact in outputs:
            if artifact in produced:
                problems.append(f"{where}: output artifact {artifact!r} is already produced "
                                f"by {produced[artifact]}; names must be unique in the pipeline")
            else:
                produced[artifact] = where
    return problems


def _check_timeout(action: Mapping[str, Any], category: str | None, where: str) -> list[str]:
    if "timeoutInMinutes" not in action:
        return []
    timeout = action["timeoutInMinutes"]
    low, high = APPROVAL_TIMEOUT_RANGE
    if category != "Approval" or action["actionTypeId"].get("provider") != "Manual":
        return [f"{where}: timeoutInMinutes is allowed only on manual approval actions"]
    if not _is_int(timeout) or not low <= timeout <= high:
        return [f"{where}: timeoutInMinutes {_text(timeout)} must be an integer from "
                f"{low} to {high}"]
    return []


# --8<-- [start:plan]
@dataclass(frozen=True)
class Step:
    """Actions that run together: the same stage and the same runOrder."""

    number: int
    stage: str
    run_order: int
    actions: tuple[str, ...]


def execution_plan(declaration: Any) -> list[Step]:
    """Order the actions of a valid pipeline into steps; raise ValueError if it is invalid."""
    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    steps: list[Step] = []
    for stage in unwrap(declaration)["stages"]:
        orders: dict[int, list[str]] = {}
        for action in stage["actions"]:
            orders.setdefault(action.get("runOrder", 1), []).append(action["name"])
        for run_order in sorted(orders):
            steps.append(Step(len(steps) + 1, stage["name"], run_order, tuple(orders[run_order])))
    return steps
# --8<-- [end:plan]


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


# --8<-- [start:cli]
def load_declaration(path: str | Path) -> Mapping[str, Any]:
    """Read a JSON declaration file; raise UnusableInput with a one-line reason."""
    text = read_text(path, what="pipeline declaration")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise UnusableInput(f"{path}: not JSON{where}") from None
    data = unwrap(data)
    if not isinstance(data, Mapping) or "stages" not in data:
        raise UnusableInput(f"{path}: not a pipeline declaration (expected an object with "
                            "'stages', or get-pipeline output with 'pipeline')")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """``check FILE`` prints problems; ``plan FILE`` prints the execution plan."""
    parser = OneLineParser(
        prog="python -m snippets.pipeline.codepipeline",
        description="Check a CodePipeline declaration (JSON, e.g. from "
                    "`aws codepipeline get-pipeline`) or print its execution plan.",
        epilog="Exit codes: 0 clean, 1 problems found, 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="list the structure problems in a declaration")
    check.add_argument("file", help="pipeline declaration, JSON")
    plan = commands.add_parser("plan", help="print which actions run together, in order")
    plan.add_argument("file", help="pipeline declaration, JSON")
    plan.add_argument("--format", choices=("table", "mermaid"), default="table")
    args = parser.parse_args(argv)
    try:
        declaration = load_declaration(args.file)
    except UnusableInput as error:
        return unusable(error)
    problems = validate_pipeline(declaration)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    if args.command == "check":
        print(f"{declaration['name']}: no problems found")
        return 0
    steps = execution_plan(declaration)
    print(plan_table(steps) if args.format == "table" else plan_mermaid(steps))
    return 0
# --8<-- [end:cli]


if __name__ == "__main__":
    sys.exit(main())
