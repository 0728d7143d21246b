"""Where a pipeline's artifacts come from, where they go, and how they are protected.

Actions never hand files to each other directly: each output artifact is zipped into the
pipeline's S3 artifact store, and every later action that names it as an input reads it
from there. The flow is computed from a declaration, so the page's table and diagram
cannot drift from the pipeline they describe.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cicd_check import validate_pipeline
from cicd_check.pipeline_model import unwrap

ARTIFACT_STORE_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ArtifactStore.html"
)
ENCRYPTION_PAGE = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/S3-artifact-encryption.html"
)
AWS_MANAGED_S3_KEY = "alias/aws/s3"


@dataclass(frozen=True)
class ArtifactFlow:
    """One artifact: the action that writes it and the actions that read it."""

    name: str
    producer: str  # "Stage/Action"
    consumers: tuple[str, ...]
    store: str  # the S3 prefix it is written under


def artifact_flow(declaration: Any) -> list[ArtifactFlow]:
    """Follow every output artifact through the store; raise ValueError if invalid."""
    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    declaration = unwrap(declaration)
    store = declaration.get("artifactStore") or {}
    # A folder named after the pipeline is created in the bucket for its artifacts.
    prefix = f"s3://{store.get('location', '<per-Region store>')}/{declaration['name']}/"
    producers: dict[str, str] = {}
    consumers: dict[str, list[str]] = {}
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            where = f"{stage['name']}/{action['name']}"
            for artifact in action.get("outputArtifacts", []):
                producers[artifact["name"]] = where
            for artifact in action.get("inputArtifacts", []):
                consumers.setdefault(artifact["name"], []).append(where)
    return [
        ArtifactFlow(name, producer, tuple(consumers.get(name, ())), prefix)
        for name, producer in producers.items()
    ]


def flow_mermaid(flows: Sequence[ArtifactFlow]) -> str:
    """A mermaid diagram: producer -> artifact in the S3 store -> consumers."""
    actions: dict[str, str] = {}

    def node(action: str) -> str:
        return actions.setdefault(action, f"act{len(actions) + 1}")

    lines = ["flowchart LR"]
    edges = []
    store = flows[0].store if flows else "s3://"
    lines.append(f'    subgraph store["S3 artifact store: {store}"]')
    for index, flow in enumerate(flows):
        lines.append(f'        art{index + 1}[("{flow.name}")]')
        edges.append(f"    {node(flow.producer)} -- writes --> art{index + 1}")
        edges.extend(f"    art{index + 1} -- read by --> {node(c)}" for c in flow.consumers)
    lines.append("    end")
    lines.extend(f'    {ident}["{action}"]' for action, ident in actions.items())
    return "\n".join(lines + edges)


def _account(arn: Any) -> str | None:
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None


def cross_account_problems(declaration: Any) -> list[str]:
    """Actions that run in another account need a customer managed key, named by ARN.

    The AWS managed key ``aws/s3`` cannot be shared with another account, and an alias name
    such as ``alias/my-key`` is resolved in the caller's own account.
    """
    declaration = unwrap(declaration)
    if not isinstance(declaration, Mapping):
        return [f"pipeline: expected an object, got {type(declaration).__name__}"]
    home = _account(declaration.get("roleArn"))
    if home is None:
        return ["pipeline: roleArn must be an IAM role ARN to know the pipeline's account"]
    foreign = []
    stages = declaration.get("stages")
    for stage in stages if isinstance(stages, list) else []:
        actions = stage.get("actions") if isinstance(stage, Mapping) else None
        for action in actions if isinstance(actions, list) else []:
            account = _account(action.get("roleArn")) if isinstance(action, Mapping) else None
            if account and account != home:
                foreign.append(f"{stage.get('name')}/{action.get('name')} (account {account})")
    if not foreign:
        return []
    store = declaration.get("artifactStore")
    key = store.get("encryptionKey") if isinstance(store, Mapping) else None
    key_id = key.get("id") if isinstance(key, Mapping) else None
    who = ", ".join(foreign)
    if not isinstance(key_id, str) or key_id in (AWS_MANAGED_S3_KEY, f"{AWS_MANAGED_S3_KEY}/"):
        return [f"artifactStore.encryptionKey: {who} run in another account, so the store "
                "needs a customer managed KMS key; the default AWS managed key aws/s3 "
                "cannot be shared"]
    if not key_id.startswith("arn:"):
        return [f"artifactStore.encryptionKey: {key_id!r} is resolved in each caller's own "
                f"account; give the key ARN so {who} can use it"]
    if key_id.endswith(f":{AWS_MANAGED_S3_KEY}"):
        return [f"artifactStore.encryptionKey: {key_id!r} is the AWS managed key; "
                f"{who} need a customer managed key"]
    return []


# --8<-- [start:key-policy]
def cross_account_key_policy(admin_account: str, pipeline_role_arn: str,
                             other_accounts: Sequence[str]) -> dict[str, Any]:
    """Key policy letting the pipeline and the other accounts use the artifact key."""
    for account in [admin_account, *other_accounts]:
        if not isinstance(account, str) or not (account.isdigit() and len(account) == 12):
            raise ValueError(f"account {account!r}: must be a 12-digit AWS account ID")
    if _account(pipeline_role_arn) is None:
        raise ValueError("pipeline_role_arn: must be an IAM role ARN")
    use = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
           "kms:ReEncrypt*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeyAdministration", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{admin_account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "PipelineAndOtherAccountsUseTheKey", "Effect": "Allow",
             "Principal": {"AWS": [pipeline_role_arn,
                                   *(f"arn:aws:iam::{a}:root" for a in other_accounts)]},
             "Action": use, "Resource": "*"},
        ],
    }
# --8<-- [end:key-policy]


def store_artifact(bucket: str, key: str, files: Mapping[str, bytes], s3=None) -> str:
    """Zip ``files`` and write them as one artifact object, as an action's output is stored.

    Returns the object's version ID (the artifact store bucket is versioned).
    """
    import boto3

    if not isinstance(files, Mapping) or not files:
        raise ValueError("files: must be a non-empty mapping of path to bytes")
    for path, data in files.items():
        if not isinstance(path, str) or not path or path.startswith("/") or ".." in path:
            raise ValueError(f"files: {path!r} must be a relative path inside the artifact")
        if not isinstance(data, bytes):
            raise ValueError(f"files[{path!r}]: must be bytes")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    s3 = s3 or boto3.client("s3")
    return s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())["VersionId"]


def deploy_extracted(artifact_bucket: str, artifact_key: str, site_bucket: str,
                     s3=None) -> list[str]:
    """What the S3 deploy action does with ``Extract: "true"``: unzip into the bucket."""
    import boto3

    s3 = s3 or boto3.client("s3")
    body = s3.get_object(Bucket=artifact_bucket, Key=artifact_key)["Body"].read()
    written = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            s3.put_object(Bucket=site_bucket, Key=name, Body=archive.read(name),
                          ContentType=content_type)
            written.append(name)
    return written
