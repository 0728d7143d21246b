"""Every IAM policy the repository ships is linted (parliament) with no unexplained finding.

Policies sent by the examples are linted as they are sent (tests/support/policy_lint.py);
this module lints the ones that are files: JSON policy documents, the policies inside
templates, and the JSON policies shown on pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cicd_check.safe_yaml import load_yaml
from tests.support.policy_lint import ACCEPTED, lint
from tests.trust.test_templates import TEMPLATES

REPO = Path(__file__).resolve().parents[2]
# ```json { data-search-exclude } or ```{.json title="..." data-search-exclude}
JSON_FENCE = re.compile(r"^```(?:json(?: \{[^}]*\})?|\{\s*\.json[^}]*\})\s*$\n"
                        r"(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


def kind_of(document: dict[str, Any], key: str = "") -> str:
    if key == "AssumeRolePolicyDocument":
        return "trust"
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    if any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements):
        return "resource"
    return "identity"


def resolve_intrinsics(value: Any) -> Any:
    """Turn ``!Sub`` strings into concrete ARNs; other intrinsics into a resolvable ARN."""
    if isinstance(value, dict) and len(value) == 1:
        (name, inner), = value.items()
        if name == "Fn::Sub":
            text = inner if isinstance(inner, str) else inner[0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO.get(m.group(1), "example"), text)
        if name in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Join", "Fn::If"):
            return "arn:*:*:*:*:*"  # known only at deploy time: any ARN shape may match
    if isinstance(value, dict):
        return {k: resolve_intrinsics(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_intrinsics(v) for v in value]
    return value


def documents_in(value: Any, key: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if "Statement" in value and ("Version" in value or key.endswith("Document")):
            yield key, value
            return
        for child_key, child in value.items():
            yield from documents_in(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from documents_in(child, key)


def shipped_policies() -> list[tuple[str, dict[str, Any], str]]:
    found = []
    for path in sorted((REPO / "snippets").rglob("*.json")):
        document = json.loads(path.read_text())
        for key, policy in documents_in(document):
            found.append((str(path.relative_to(REPO)), policy, kind_of(policy, key)))
    for path in TEMPLATES:
        template = resolve_intrinsics(load_yaml(path.read_text(), flavor="cloudformation"))
        for key, policy in documents_in(template.get("Resources", {})):
            found.append((f"{path.relative_to(REPO)}:{key}", policy, kind_of(policy, key)))
    for page in sorted((REPO / "docs").rglob("*.md")):
        for match in JSON_FENCE.finditer(page.read_text()):
            try:
                document = json.loads(match.group("body"))
            except ValueError:
                continue
            for key, policy in documents_in(document):
                found.append((str(page.relative_to(REPO)), policy, kind_of(policy, key)))
    return found


POLICIES = shipped_policies()


def test_policies_were_found() -> None:
    assert len(POLICIES) >= 4, [name for name, _, _ in POLICIES]


@pytest.mark.parametrize(("where", "policy", "kind"), POLICIES,
                         ids=[f"{name}#{i}" for i, (name, _, _) in enumerate(POLICIES)])
def test_shipped_policy_has_no_unexplained_findings(where: str, policy: dict, kind: str) -> None:
    assert lint(policy, kind=kind) == [], where


def test_every_accepted_finding_is_explained_on_its_page() -> None:
    for accepted in ACCEPTED:
        page = (REPO / accepted.page).read_text()
        assert "parliament" in page.lower(), f"{accepted.page} should explain {accepted.issue}"


def test_the_linter_flags_what_it_should() -> None:
    star = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert any(p.startswith("ALLOW_STAR") for p in lint(star))
    typo = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFuncton",
         "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}]}
    assert any("UNKNOWN_ACTION" in p for p in lint(typo)), lint(typo)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}]}
    assert lint(trust, kind="trust") == []
    assert lint("not json") == ["MALFORMED_JSON: the policy is not JSON"]
    assert lint([1]) == ["MALFORMED: a policy document is a JSON object"]  # type: ignore[arg-type]
