"""Lint every IAM policy the examples use with parliament, plus the handbook's own rule.

Policies reach AWS as request parameters (a role's trust policy, an inline policy,
a bucket or key policy). The harness lints each one as it is sent, the same way
the strict model check validates each request, so no example can teach an
over-broad or malformed policy without the suite noticing. Static policy files and
templates are linted by tests/trust/test_policies.py with the same function.

A finding is accepted only with a written reason in ``ACCEPTED`` that names the
page explaining it to readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from parliament import analyze_policy_string

# (service, operation) -> the parameters that carry a policy document, and its kind.
POLICY_PARAMETERS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("iam", "CreateRole"): (("AssumeRolePolicyDocument", "trust"),),
    ("iam", "UpdateAssumeRolePolicy"): (("PolicyDocument", "trust"),),
    ("iam", "PutRolePolicy"): (("PolicyDocument", "identity"),),
    ("iam", "PutUserPolicy"): (("PolicyDocument", "identity"),),
    ("iam", "PutGroupPolicy"): (("PolicyDocument", "identity"),),
    ("iam", "CreatePolicy"): (("PolicyDocument", "identity"),),
    ("iam", "CreatePolicyVersion"): (("PolicyDocument", "identity"),),
    ("s3", "PutBucketPolicy"): (("Policy", "resource"),),
    ("kms", "CreateKey"): (("Policy", "key"),),
    ("kms", "PutKeyPolicy"): (("Policy", "key"),),
    ("ecr", "SetRepositoryPolicy"): (("policyText", "resource"),),
    ("secretsmanager", "PutResourcePolicy"): (("ResourcePolicy", "resource"),),
    ("organizations", "CreatePolicy"): (("Content", "scp"),),
}


@dataclass(frozen=True)
class Accepted:
    issue: str
    detail: str  # a substring of parliament's detail text
    reason: str
    page: str  # the page that tells readers why


ACCEPTED: tuple[Accepted, ...] = (
    Accepted(
        "RESOURCE_MISMATCH",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
        "AWS's own SAM tutorial for CodeDeploy hooks scopes this action to the deployment "
        "group (tutorial-lambda-sam-template.html); parliament's data only knows '*'",
        "docs/how-examples-run.md",
    ),
    Accepted(
        "UNKNOWN_CONDITION_FOR_ACTION",
        "lambda:InvokedViaFunctionUrl",
        "parliament's IAM data predates the condition key AWS added in October 2025",
        "docs/how-examples-run.md",
    ),
)


class PolicyLintError(AssertionError):
    """A policy an example sends or ships has findings nobody has explained."""


def _issues(document: Mapping[str, Any], kind: str) -> Iterator[tuple[str, str]]:
    text = json.dumps(document, sort_keys=True)
    for finding in _parliament(text):
        issue, detail = finding
        if kind == "key" and issue == "RESOURCE_STAR":
            # In a key policy "Resource": "*" means "this key": docs.aws.amazon.com/kms/latest/
            # developerguide/key-policy-overview.html
            continue
        if kind in ("trust", "resource", "scp") and "neither Resource nor NotResource" in detail:
            continue  # trust policies name no Resource; parliament reads identity policies
        if kind == "trust" and issue == "UNKNOWN_ACTION" and "sts:" in detail:
            continue
        yield issue, detail
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        for key in ("Action", "Resource"):
            values = statement.get(key)
            values = [values] if isinstance(values, str) else values or []
            if "*" in values and not (kind == "key" and key == "Resource"):
                yield "ALLOW_STAR", f'"{key}": "*" allows {key.lower()}s nobody chose'


@lru_cache(maxsize=2048)
def _parliament(text: str) -> tuple[tuple[str, str], ...]:
    policy = analyze_policy_string(text, include_community_auditors=False)
    return tuple((f.issue, json.dumps(f.detail, sort_keys=True, default=str)) for f in
                 policy.findings)


def lint(document: str | Mapping[str, Any], *, kind: str = "identity") -> list[str]:
    """Unexplained findings as ``ISSUE: detail`` strings; [] for a clean policy."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return ["MALFORMED_JSON: the policy is not JSON"]
    if not isinstance(document, Mapping):
        return ["MALFORMED: a policy document is a JSON object"]
    return [
        f"{issue}: {detail}"
        for issue, detail in _issues(document, kind)
        if not any(a.issue == issue and a.detail in detail for a in ACCEPTED)
    ]


def check_call(service: str, operation: str, params: Mapping[str, Any]) -> None:
    """Raise PolicyLintError if a request carries a policy with unexplained findings."""
    for name, kind in POLICY_PARAMETERS.get((service, operation), ()):
        document = params.get(name)
        if document is None:
            continue
        problems = lint(document, kind=kind)
        if problems:
            raise PolicyLintError(
                f"{service}.{operation} {name}: " + "; ".join(problems)
                + " (fix the policy, or explain the finding in tests/support/policy_lint.py)"
            )
    if (service, operation) == ("sqs", "SetQueueAttributes") or (service, operation) == (
        "sqs", "CreateQueue"
    ):
        policy = (params.get("Attributes") or {}).get("Policy")
        if policy:
            problems = lint(policy, kind="resource")
            if problems:
                raise PolicyLintError(f"sqs.{operation} Policy: " + "; ".join(problems))
