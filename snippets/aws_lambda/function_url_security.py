"""The page's examples for function URL security: the decision, taught in a few lines.

The full model, which decides every call the way Lambda does, is
:func:`cicd_check.url_auth.evaluate` (and ``cicd-check url-auth`` on the command line). This
module keeps what the page shows: :func:`teaching_decide`, the rules in under 30 lines
(a test proves it agrees with the full model on every row of the truth table), the table
itself, :func:`table_call` for the page's questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cicd_check.iam_policy import parse_caller
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    Decision,
    evaluate,
    invoke_permissions,
    rendered_policy,
)


# --8<-- [start:teaching]
def teaching_decide(auth_type: str, caller: str, identity: set[str], resource: set[str],
                    deny: set[str] = frozenset()) -> bool:
    """Lambda's rule for one URL call, for the page.

    caller: "same account", "other account" or "unsigned". identity and resource: the
    actions each policy allows this caller (resource: for "*" under NONE); deny: the
    actions an explicit Deny covers.
    """
    if auth_type == "AWS_IAM" and caller == "unsigned":
        return False  # refused before any policy is read
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):  # both, each alone
        if action in deny:
            return False  # an explicit Deny always wins
        if auth_type == "NONE":
            allowed = action in resource  # nobody is authenticated: only "*" counts
        elif caller == "same account":
            allowed = action in identity or action in resource
        else:  # another account: both sides must allow
            allowed = action in identity and action in resource
        if not allowed:
            return False
    return True
# --8<-- [end:teaching]


# The truth table on the page is generated from evaluate() by this code.
TABLE_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
TABLE_CALLERS = {
    "same account": "arn:aws:sts::123456789012:assumed-role/app/session-1",
    "other account": "arn:aws:sts::444455556666:assumed-role/example/session-1",
    "unsigned": None,
}


def table_identity_policy(function_arn: str = TABLE_FUNCTION) -> dict[str, Any]:
    """A least-privilege identity policy for calling one function's URL."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CallTheUrl", "Effect": "Allow", "Action": INVOKE_URL,
             "Resource": function_arn,
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
            {"Sid": "InvokeThroughTheUrl", "Effect": "Allow", "Action": INVOKE,
             "Resource": function_arn,
             "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
        ],
    }


def table_resource_policy(auth_type: str, caller_arn: str | None) -> dict[str, Any]:
    """Both statements, for the caller's role (AWS_IAM) or for everyone (NONE)."""
    if auth_type == "NONE" or caller_arn is None:
        principal = "*"
    else:
        principal = parse_caller(caller_arn).principal_arn
    requests = invoke_permissions("my-function", auth_type=auth_type, principal=principal)
    return rendered_policy(requests, TABLE_FUNCTION)


@dataclass(frozen=True)
class TableRow:
    caller: str
    identity: bool
    resource: bool
    results: tuple[bool, ...]  # one per AUTH_TYPES, in order: AWS_IAM, NONE


def table_call(auth_type: str, caller: str, *, identity: bool = False, resource: bool = False,
               public: bool = False, first_only: bool = False, deny: bool = False) -> Decision:
    """One call to the table's function, decided by :func:`evaluate`.

    caller: a key of ``TABLE_CALLERS``. identity: the caller's role has the least-privilege
    identity policy; resource: the function grants the caller's role (``"*"`` for NONE)
    both statements, or only the first with ``first_only``; public: it grants ``"*"``;
    deny: an identity policy of the caller denies ``lambda:Invoke*``.
    """
    caller_arn = TABLE_CALLERS[caller]
    policy = None
    if resource or public:
        policy = table_resource_policy(auth_type, None if public else caller_arn)
        if first_only:
            policy = {**policy, "Statement": policy["Statement"][:1]}
    identities = [table_identity_policy()] if identity else []
    if deny:
        identities.append({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "lambda:Invoke*", "Resource": "*"}]})
    return evaluate(auth_type=auth_type, function_arn=TABLE_FUNCTION, resource_policy=policy,
                    caller_arn=caller_arn, identity_policies=identities)


def truth_table() -> list[TableRow]:
    """Every combination the page's table shows, decided by :func:`evaluate`."""
    rows = []
    for label, caller in TABLE_CALLERS.items():
        for identity, resource in ((False, False), (True, False), (False, True), (True, True)):
            if caller is None and identity:
                continue  # an unsigned request has no identity
            results = tuple(table_call(auth_type, label, identity=identity,
                                       resource=resource).allowed
                            for auth_type in ("AWS_IAM", "NONE"))
            rows.append(TableRow(label, identity, resource, results))
    return rows


def truth_table_markdown() -> str:
    """The table as it appears on the page (between the truth-table markers)."""
    def cell(ok: bool) -> str:
        return "allowed" if ok else "**403**"

    def mark(flag: bool) -> str:
        return "yes" if flag else "no"

    lines = [
        "| Caller | Identity policy allows both | Resource policy allows both "
        "| `AWS_IAM` URL | `NONE` URL |",
        "|---|---|---|---|---|",
    ]
    for row in truth_table():
        identity = "n/a" if row.caller == "unsigned" else mark(row.identity)
        lines.append(
            f"| {row.caller} | {identity} | {mark(row.resource)} "
            f"| {cell(row.results[0])} | {cell(row.results[1])} |"
        )
    return "\n".join(lines)
