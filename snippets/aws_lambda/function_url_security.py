"""Who may call a Lambda function URL: the decision AWS makes, as a small model you can read.

Since October 2025 a new function URL needs the caller to be allowed two actions,
``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``, even with ``AuthType NONE``.
:func:`evaluate` judges each action on its own, with the IAM rules for the auth type and
for same-account or cross-account callers, and says which statement decided. Anything it
cannot read raises ``ValueError`` naming the statement: it never guesses.

Run ``python -m snippets.aws_lambda.function_url_security --help`` for the command line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from snippets.aws_lambda.function_urls import check_url_qualifier
from cicd_check.contract import OneLineParser, read_text, unusable

URLS_AUTH_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
CONDITION_KEYS_PAGE = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html"
)
EVALUATION_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
)

# --8<-- [start:constants]
INVOKE_URL = "lambda:InvokeFunctionUrl"
INVOKE = "lambda:InvokeFunction"
ACTIONS = (INVOKE_URL, INVOKE)  # since October 2025 a URL call needs both
AUTH_TYPES = ("NONE", "AWS_IAM")
# --8<-- [end:constants]

HERE = Path(__file__).parent  # the policy files the page shows live next to this module
MAX_POLICY_FILE_BYTES = 1_000_000  # far above any real policy; stops a reader's mistake early

_PARTITION = r"aws[a-z-]*"
_REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d"
_NAME = r"[\w+=,.@-]{1,128}"
FUNCTION_ARN = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):lambda:(?P<region>{_REGION}):(?P<account>\d{{12}})"
    r":function:(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]{1,128}))?"
)
CALLER_ARN = re.compile(
    rf"arn:{_PARTITION}:(?:"
    rf"iam::(?P<root_account>\d{{12}}):root"
    rf"|iam::(?P<user_account>\d{{12}}):user/(?:{_NAME}/)*(?P<user>{_NAME})"
    rf"|iam::(?P<role_account>\d{{12}}):role/(?:{_NAME}/)*(?P<role>{_NAME})"
    rf"|sts::(?P<session_account>\d{{12}}):assumed-role/(?P<session_role>{_NAME})/(?P<session>{_NAME})"
    r")"
)

# Lambda's keys per action (Service Authorization Reference), plus the global keys modelled.
_ACTION_KEYS = {
    INVOKE_URL.lower(): ("lambda:functionurlauthtype",),
    INVOKE.lower(): ("lambda:invokedviafunctionurl",),
}
_PRINCIPAL_KEYS = ("aws:principalaccount", "aws:principalarn")
# Keys the model knows; a known key can be absent from a request (then it does not match).
KNOWN_KEYS = frozenset(
    {"lambda:functionurlauthtype", "lambda:invokedviafunctionurl", "lambda:eventsourcetoken",
     *_PRINCIPAL_KEYS}
)

_STRING_OPERATORS = {
    # name: (negated, case_sensitive, wildcards)
    "StringEquals": (False, True, False),
    "StringNotEquals": (True, True, False),
    "StringEqualsIgnoreCase": (False, False, False),
    "StringNotEqualsIgnoreCase": (True, False, False),
    "StringLike": (False, True, True),
    "StringNotLike": (True, True, True),
    "ArnEquals": (False, True, True),  # ArnEquals and ArnLike both take wildcards
    "ArnLike": (False, True, True),
    "ArnNotEquals": (True, True, True),
    "ArnNotLike": (True, True, True),
}
_MODELLED_OPERATORS = {*_STRING_OPERATORS, "Bool", "Null"}
# Valid IAM operators this model does not evaluate: reading them is fine, deciding is not.
_UNMODELLED_OPERATORS = {
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
    "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
    "BinaryEquals", "IpAddress", "NotIpAddress",
}
_STATEMENT_KEYS = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
    "NotResource", "Condition",
}
_POLICY_KEYS = {"Version", "Id", "Statement"}
_VERSIONS = ("2012-10-17", "2008-10-17")
_ACTION_PATTERN = re.compile(r"\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Caller:
    """A signed principal, read from its ARN."""

    arn: str
    account: str
    kind: str  # "root", "user", "role" or "session" (an assumed-role session)
    name: str  # user name, or role name for a role or a session
    session: str = ""

    @property
    def principal_arn(self) -> str:
        """The ``aws:PrincipalArn`` value: a session is judged as its role (path assumed empty)."""
        if self.kind in ("role", "session"):
            return f"arn:{self.arn.split(':')[1]}:iam::{self.account}:role/{self.name}"
        return self.arn


def parse_caller(arn: object, field: str = "caller_arn") -> Caller:
    """Read an IAM user, role, assumed-role session or account root ARN; ValueError otherwise."""
    if not isinstance(arn, str) or not (match := CALLER_ARN.fullmatch(arn)):
        raise ValueError(
            f"{field}: {_short(arn)} is not an IAM user, role, assumed-role session or "
            "account root ARN (for example arn:aws:iam::111122223333:role/example)"
        )
    groups = match.groupdict()
    if groups["root_account"]:
        return Caller(arn, groups["root_account"], "root", "root")
    if groups["user_account"]:
        return Caller(arn, groups["user_account"], "user", groups["user"])
    if groups["role_account"]:
        return Caller(arn, groups["role_account"], "role", groups["role"])
    return Caller(
        arn, groups["session_account"], "session", groups["session_role"], groups["session"]
    )


def parse_function_arn(arn: object, field: str = "function_arn") -> re.Match[str]:
    """A function or alias ARN a URL can point at; a version ARN is refused."""
    if not isinstance(arn, str) or not (match := FUNCTION_ARN.fullmatch(arn)):
        raise ValueError(
            f"{field}: {_short(arn)} is not a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])"
        )
    if (match.group("qualifier") or "").isdigit():
        raise ValueError(
            f"{field}: {arn!r} names a published version; a function URL points at "
            "$LATEST or an alias, never a version"
        )
    return match


# --8<-- [start:grammar]
@dataclass(frozen=True)
class Condition:
    operator: str  # the base operator, e.g. "StringEquals"
    key: str  # lower case: condition key names are case-insensitive
    values: tuple[str, ...]
    if_exists: bool = False
    set_operator: str = ""  # "", "ForAnyValue" or "ForAllValues"


@dataclass(frozen=True)
class Statement:
    where: str  # "resource policy statement 1 ('Sid')": every explanation names it
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    principals: tuple[tuple[str, str], ...]  # (kind, value); empty in identity policies
    conditions: tuple[Condition, ...]
# --8<-- [end:grammar]


def parse_policy(document: object, *, label: str, resource_policy: bool) -> tuple[Statement, ...]:
    """Read a policy document as IAM does; ValueError names the statement it cannot read."""
    if isinstance(document, str | bytes):
        raise ValueError(f"{label}: pass the policy document as an object, not JSON text")
    if not isinstance(document, Mapping):
        raise ValueError(f"{label}: a policy document must be a JSON object")
    unknown = sorted(str(key) for key in document if key not in _POLICY_KEYS)
    if unknown:
        raise ValueError(f"{label}: unknown top-level element(s) {', '.join(unknown)}")
    version = document.get("Version", "2012-10-17")
    if version not in _VERSIONS:
        raise ValueError(f"{label}: Version must be \"2012-10-17\", not {_short(version)}")
    if "Statement" not in document:
        raise ValueError(f"{label}: missing Statement")
    raw = document["Statement"]
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list):
        raise ValueError(f"{label}: Statement must be an object or a list of objects")
    return tuple(
        _parse_statement(item, f"{label} statement {index}", resource_policy)
        for index, item in enumerate(statements, start=1)
    )


def _parse_statement(raw: object, where: str, resource_policy: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: a statement must be a JSON object")
    sid = raw.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise ValueError(f"{where}: Sid must be a string")
        where = f"{where} ({sid!r})"
    unknown = sorted(str(key) for key in raw if key not in _STATEMENT_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown element(s) {', '.join(unknown)}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"{where}: Effect must be \"Allow\" or \"Deny\", not {_short(effect)}")
    actions, not_action = _pick(raw, "Action", "NotAction", where)
    for action in actions:
        if not _ACTION_PATTERN.fullmatch(action):
            raise ValueError(f"{where}: {action!r} is not an action (service:Action or *)")
    resources, not_resource = _pick(raw, "Resource", "NotResource", where)
    for resource in resources:
        if resource != "*" and not resource.startswith("arn:"):
            raise ValueError(f"{where}: Resource {resource!r} is not an ARN or *")
    if "NotPrincipal" in raw:
        raise ValueError(f"{where}: NotPrincipal is not modelled; rewrite with Principal")
    if resource_policy and "Principal" not in raw:
        raise ValueError(f"{where}: a resource-based policy statement needs a Principal")
    if not resource_policy and "Principal" in raw:
        raise ValueError(f"{where}: an identity-based policy cannot have a Principal")
    principals = _parse_principal(raw["Principal"], where) if resource_policy else ()
    conditions = _parse_conditions(raw.get("Condition", {}), where)
    return Statement(
        where, effect, actions, not_action, resources, not_resource, principals, conditions
    )


def _pick(raw: Mapping, name: str, negated: str, where: str) -> tuple[tuple[str, ...], bool]:
    if (name in raw) == (negated in raw):
        raise ValueError(f"{where}: needs exactly one of {name} or {negated}")
    key = name if name in raw else negated
    return _strings(raw[key], f"{where}: {key}"), key == negated


def _strings(value: object, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{where} must be a string or a non-empty list of strings")
    return tuple(items)


def _parse_principal(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if raw == "*":
        return (("AWS", "*"),)
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{where}: Principal must be \"*\" or an object such as {{\"AWS\": ...}}")
    principals = []
    for kind, value in raw.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise ValueError(f"{where}: unknown principal type {_short(kind)}")
        for item in _strings(value, f"{where}: Principal {kind}"):
            if kind == "AWS" and item != "*" and not _ACCOUNT.fullmatch(item):
                if "*" in item or "?" in item:
                    raise ValueError(f"{where}: wildcards in a principal ARN are not allowed")
                parse_caller(item, f"{where}: Principal AWS")
            principals.append((kind, item))
    return tuple(principals)


def _parse_conditions(raw: object, where: str) -> tuple[Condition, ...]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: Condition must be an object")
    conditions = []
    for operator, block in raw.items():
        name = str(operator)
        set_operator, _, base = name.rpartition(":")
        if set_operator not in ("", "ForAnyValue", "ForAllValues"):
            raise ValueError(f"{where}: unknown condition operator {name!r}")
        if_exists = base.endswith("IfExists") and base != "IfExists"
        base = base.removesuffix("IfExists") if if_exists else base
        if base not in _MODELLED_OPERATORS | _UNMODELLED_OPERATORS or (
            if_exists and base == "Null"
        ):
            raise ValueError(f"{where}: unknown condition operator {name!r}")
        if not isinstance(block, Mapping) or not block:
            raise ValueError(f"{where}: {name} must map condition keys to values")
        for key, values in block.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"{where}: {name} has a condition key that is not a string")
            texts = tuple(_condition_value(v, f"{where}: {name} {key}") for v in _listed(values))
            if not texts:
                raise ValueError(f"{where}: {name} {key} has no values")
            if base == "Null" and any(t.lower() not in ("true", "false") for t in texts):
                raise ValueError(f"{where}: Null takes \"true\" or \"false\"")
            conditions.append(Condition(base, key.lower(), texts, if_exists, set_operator))
    return tuple(conditions)


def _listed(values: object) -> list[object]:
    return values if isinstance(values, list) else [values]


def _condition_value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        if isinstance(value, str) and "${" in value:
            raise ValueError(f"{where}: policy variables (${{...}}) are not modelled")
        return str(value)
    raise ValueError(f"{where}: a condition value must be a string, number or boolean")


# --8<-- [start:matching]
@cache
def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """IAM wildcards: * is any run of characters, ? is one character."""
    body = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def _like(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    return _wildcard(pattern, case_sensitive).fullmatch(value) is not None


def _action_matches(statement: Statement, action: str) -> bool:
    hit = any(_like(pattern, action, case_sensitive=False) for pattern in statement.actions)
    return hit != statement.not_action


def _resource_matches(statement: Statement, resource: str) -> bool:
    hit = any(_like(pattern, resource) for pattern in statement.resources)
    return hit != statement.not_resource


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike compares the six colon-separated parts one by one."""
    parts, values = pattern.split(":", 5), value.split(":", 5)
    return len(parts) == len(values) == 6 and all(map(_like, parts, values))


def _condition_holds(condition: Condition, context: Mapping[str, str], where: str) -> bool:
    if condition.operator in _UNMODELLED_OPERATORS:
        raise ValueError(f"{where}: condition operator {condition.operator} is not modelled")
    if condition.key not in context and condition.key not in KNOWN_KEYS:
        raise ValueError(f"{where}: condition key {condition.key!r} is not modelled")
    value = context.get(condition.key)
    if condition.operator == "Null":
        return any((value is None) == (wanted.lower() == "true") for wanted in condition.values)
    if value is None:  # the key is absent from this request
        if condition.if_exists or condition.set_operator == "ForAllValues":
            return True
        negated = _STRING_OPERATORS.get(condition.operator, (False,))[0]
        return negated and condition.set_operator != "ForAnyValue"
    if condition.operator == "Bool":
        return any(wanted.lower() == value.lower() for wanted in condition.values)
    negated, case_sensitive, wildcards = _STRING_OPERATORS[condition.operator]
    if condition.operator.startswith("Arn"):
        hit = any(_arn_like(wanted, value) for wanted in condition.values)
    elif wildcards:
        hit = any(_like(wanted, value) for wanted in condition.values)
    elif case_sensitive:
        hit = value in condition.values
    else:
        hit = value.lower() in (wanted.lower() for wanted in condition.values)
    return hit != negated


def _principal_match(statement: Statement, caller: Caller | None) -> str:
    """How the statement names the caller: "exact", "public" ("*"), "account" or "" (not)."""
    rank = {"": 0, "account": 1, "public": 2, "exact": 3}
    best = ""
    for kind, value in statement.principals:
        how = ""
        if kind != "AWS":
            continue  # service and federated principals never call a function URL
        if value == "*":
            how = "public"
        elif caller is None:
            continue
        elif _ACCOUNT.fullmatch(value) or value.endswith(":root"):
            account = value if _ACCOUNT.fullmatch(value) else parse_caller(value).account
            if account == caller.account:
                how = "exact" if caller.kind == "root" else "account"
        elif _names_caller(parse_caller(value), caller):
            how = "exact"
        best = max(best, how, key=rank.__getitem__)
    return best


def _names_caller(named: Caller, caller: Caller) -> bool:
    if named.account != caller.account:
        return False
    if named.kind == "role":  # a role ARN matches the role and all of its sessions
        return caller.kind in ("role", "session") and caller.name == named.name
    if named.kind == "session":
        return caller.kind == "session" and (caller.name, caller.session) == (
            named.name, named.session
        )
    return caller.kind == named.kind and caller.name == named.name
# --8<-- [end:matching]


def _applies(
    statement: Statement, action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
        return False
    return all(_condition_holds(c, context, statement.where) for c in statement.conditions)


def policy_effect(
    document: object,
    *,
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
    label: str = "policy",
) -> tuple[str | None, str]:
    """Judge one identity-style policy (an identity policy or an SCP) for any action.

    Returns ``("Deny", where)``, ``("Allow", where)`` or ``(None, reason)``. Used for the
    organisation guard that stops public URLs being created.
    """
    statements = parse_policy(document, label=label, resource_policy=False)
    given = {str(k).lower(): str(v) for k, v in (context or {}).items()}
    matched = [s for s in statements if _applies(s, action, resource, given)]
    for effect in ("Deny", "Allow"):
        for statement in matched:
            if statement.effect == effect:
                return effect, statement.where
    return None, f"no statement of the {label} matches {action}"


@dataclass(frozen=True)
class Decision:
    """Whether the URL call goes through, and why, action by action."""

    allowed: bool
    explanation: str
    actions: tuple[tuple[str, bool], ...] = ()


# --8<-- [start:evaluate]
def evaluate(
    *,
    auth_type: str,
    function_arn: str,
    resource_policy: Mapping[str, Any] | None,
    caller_arn: str | None,
    identity_policies: Iterable[Mapping[str, Any]] = (),
) -> Decision:
    """Decide a call through a function URL as Lambda does (see the page for the rules)."""
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type: must be NONE or AWS_IAM, not {_short(auth_type)}")
    function = parse_function_arn(function_arn)
    caller = None if caller_arn is None else parse_caller(caller_arn)
    resource_statements = (
        () if resource_policy is None
        else parse_policy(resource_policy, label="resource policy", resource_policy=True)
    )
    identity_statements = _identity_statements(identity_policies, caller)

    if auth_type == "AWS_IAM" and caller is None:
        return Decision(False, "DENIED (403): AuthType AWS_IAM refuses an unsigned request "
                        "before any policy is read; sign it with SigV4 (service 'lambda').")
    if auth_type == "NONE":
        caller, identity_statements = None, ()  # Lambda authenticates nobody: anonymous
    same_account = caller is not None and caller.account == function.group("account")

    lines, results = [], []
    for action in ACTIONS:
        allowed, why = _judge(
            action, auth_type, function_arn, caller, same_account,
            resource_statements, identity_statements,
        )
        results.append((action, allowed))
        lines.append(f"{action}: {'allowed' if allowed else 'denied'}: {why}")
    allowed = all(ok for _, ok in results)
    who = ("anonymous (AuthType NONE)" if caller is None
           else f"{caller.arn}, {'same' if same_account else 'another'} account")
    head = "ALLOWED" if allowed else "DENIED (403 Forbidden)"
    lines.insert(0, f"{head}: caller {who}; both {INVOKE_URL} and {INVOKE} must be allowed.")
    return Decision(allowed, "\n".join(lines), tuple(results))
# --8<-- [end:evaluate]


def _identity_statements(policies: object, caller: Caller | None) -> tuple[Statement, ...]:
    if isinstance(policies, str | bytes | Mapping) or not isinstance(policies, Iterable):
        raise ValueError("identity_policies: must be a list of policy documents")
    documents = list(policies)
    if documents and caller is not None and caller.kind == "root":
        raise ValueError("identity_policies: the account root user has no identity policies")
    statements: list[Statement] = []
    for index, document in enumerate(documents, start=1):
        statements += parse_policy(document, label=f"identity policy {index}",
                                   resource_policy=False)
    return tuple(statements)


# --8<-- [start:judge]
def _judge(
    action: str,
    auth_type: str,
    function_arn: str,
    caller: Caller | None,
    same_account: bool,
    resource_statements: Sequence[Statement],
    identity_statements: Sequence[Statement],
) -> tuple[bool, str]:
    context = _context(action, auth_type, caller)
    resource_hits = [
        (s, how) for s in resource_statements
        if (how := _principal_match(s, caller)) and _applies(s, action, function_arn, context)
    ]
    identity_hits = [s for s in identity_statements
                     if _applies(s, action, function_arn, context)]
    denies = [s for s, _ in resource_hits if s.effect == "Deny"]
    denies += [s for s in identity_hits if s.effect == "Deny"]
    if denies:
        return False, f"explicitly denied by {denies[0].where} (a Deny always wins)"
    resource_allows = [(s, how) for s, how in resource_hits if s.effect == "Allow"]
    identity_allows = [s for s in identity_hits if s.effect == "Allow"]

    if caller is None:  # AuthType NONE: only a grant to the public opens the URL
        if resource_allows:
            return True, f"{resource_allows[0][0].where} allows the public"
        return False, "no resource policy statement allows the public (Principal \"*\")"
    if caller.kind == "root" and same_account:
        return True, "the account root user may do anything in its own account"
    if same_account:  # either policy may allow
        direct = [s for s, how in resource_allows if how != "account"]
        if direct:
            return True, f"{direct[0].where} allows this caller"
        if identity_allows:
            return True, f"{identity_allows[0].where} allows it"
        if resource_allows:
            return False, (f"{resource_allows[0][0].where} names the account, which only "
                           "delegates to IAM, and no identity policy allows it")
        return False, "neither an identity policy nor the resource policy allows it"
    # Cross account: the caller's own account and the function's policy must both allow.
    identity_ok = caller.kind == "root" or bool(identity_allows)
    if resource_allows and identity_ok:
        mine = "the root user's own account" if caller.kind == "root" else identity_allows[0].where
        return True, f"{resource_allows[0][0].where} and {mine} both allow it"
    missing = [name for name, ok in (("an identity policy in the caller's account", identity_ok),
                                     ("the function's resource policy", bool(resource_allows)))
               if not ok]
    return False, "cross-account calls need both policies; missing: " + " and ".join(missing)
# --8<-- [end:judge]


def _context(action: str, auth_type: str, caller: Caller | None) -> dict[str, str]:
    """The request context of one action of a URL call (keys lower case)."""
    values = {"lambda:functionurlauthtype": auth_type, "lambda:invokedviafunctionurl": "true"}
    context = {key: values[key] for key in _ACTION_KEYS[action.lower()]}
    if caller is not None:
        context["aws:principalaccount"] = caller.account
        context["aws:principalarn"] = caller.principal_arn
    return context


# --8<-- [start:permissions]
def invoke_permissions(
    function_name: str, *, auth_type: str, principal: str, qualifier: str | None = None
) -> list[dict[str, Any]]:
    """The two ``add_permission`` requests that let ``principal`` call a function URL."""
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type: must be NONE or AWS_IAM, not {_short(auth_type)}")
    if not isinstance(function_name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}",
                                                                function_name):
        raise ValueError(f"function_name: {_short(function_name)} is not a function name "
                         "(1-64 letters, digits, hyphens, underscores)")
    if not isinstance(principal, str) or not re.fullmatch(r"[^\s]{1,2048}", principal):
        raise ValueError(f"principal: {_short(principal)} is not a principal")
    check_url_qualifier(qualifier)  # $LATEST or an alias: where a URL can point
    prefix = "UrlPublic" if principal == "*" else "UrlCaller"
    common = {"FunctionName": function_name, "Principal": principal}
    if qualifier not in (None, "$LATEST"):
        common["Qualifier"] = qualifier
    return [
        {**common, "StatementId": prefix, "Action": INVOKE_URL, "FunctionUrlAuthType": auth_type},
        {**common, "StatementId": f"{prefix}Invoke", "Action": INVOKE,
         "InvokedViaFunctionUrl": True},
    ]


def public_url_permissions(function_name: str) -> list[dict[str, Any]]:
    """What a public (AuthType NONE) URL needs today: two statements, not one."""
    return invoke_permissions(function_name, auth_type="NONE", principal="*")
# --8<-- [end:permissions]


def add_permissions(requests: Iterable[Mapping[str, Any]], client: Any = None) -> list[dict]:
    """Apply ``add_permission`` requests; returns the statements Lambda reports back."""
    if client is None:
        import boto3

        client = boto3.client("lambda")
    return [json.loads(client.add_permission(**request)["Statement"]) for request in requests]


# --8<-- [start:render]
def rendered_statement(request: Mapping[str, Any], function_arn: str) -> dict[str, Any]:
    """The statement ``get_policy`` shows for an ``add_permission`` request, as AWS writes it."""
    if not isinstance(request, Mapping) or not all(
        isinstance(request.get(k), str) and request.get(k) for k in ("StatementId", "Action",
                                                                     "Principal")):
        raise ValueError("request: needs StatementId, Action and Principal strings")
    parse_function_arn(function_arn)
    principal = request["Principal"]
    if principal != "*":
        if _ACCOUNT.fullmatch(principal):
            principal = f"arn:aws:iam::{principal}:root"
        key = "Service" if principal.endswith(".amazonaws.com") else "AWS"
        principal = {key: principal}
    qualifier = request.get("Qualifier")
    statement: dict[str, Any] = {
        "Sid": request["StatementId"],
        "Effect": "Allow",
        "Principal": principal,
        "Action": request["Action"],
        "Resource": f"{function_arn}:{qualifier}" if qualifier else function_arn,
    }
    if "FunctionUrlAuthType" in request:
        statement["Condition"] = {
            "StringEquals": {"lambda:FunctionUrlAuthType": request["FunctionUrlAuthType"]}
        }
    if request.get("InvokedViaFunctionUrl"):
        statement["Condition"] = {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    return statement


def rendered_policy(requests: Iterable[Mapping[str, Any]], function_arn: str) -> dict[str, Any]:
    """The function's resource-based policy after the requests, as ``get_policy`` returns it."""
    if isinstance(requests, str | bytes | Mapping) or not isinstance(requests, Iterable):
        raise ValueError("requests: must be a list of add_permission requests")
    return {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [rendered_statement(r, function_arn) for r in requests],
    }
# --8<-- [end:render]


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


def truth_table() -> list[TableRow]:
    """Every combination the page's table shows, decided by :func:`evaluate`."""
    rows = []
    for label, caller in TABLE_CALLERS.items():
        for identity, resource in ((False, False), (True, False), (False, True), (True, True)):
            if caller is None and identity:
                continue  # an unsigned request has no identity
            results = tuple(
                evaluate(
                    auth_type=auth_type,
                    function_arn=TABLE_FUNCTION,
                    resource_policy=table_resource_policy(auth_type, caller)
                    if resource else None,
                    caller_arn=caller,
                    identity_policies=[table_identity_policy()] if identity else [],
                ).allowed
                for auth_type in ("AWS_IAM", "NONE")
            )
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


# ----------------------------------------------------------------------------- command line


def _load_policy(path: str) -> Any:
    text = read_text(path, what="policy document", max_bytes=MAX_POLICY_FILE_BYTES)
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"{path}: not valid JSON") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: a policy must be a JSON object")
    return document


def shipped_policy(name: str) -> dict[str, Any]:
    """One of the page's policy files, ``function-url-<name>.json``, as a document."""
    if not isinstance(name, str) or not re.fullmatch(r"[a-z-]{1,60}", name):
        raise ValueError(f"name: {_short(name)} is not a policy file name")
    return _load_policy(str(HERE / f"function-url-{name}.json"))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.function_url_security",
        description="Decide whether a call through a Lambda function URL is allowed.",
        epilog="Exit status: 0 allowed, 1 denied, 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="decide one call and explain the decision")
    check.add_argument("--auth-type", required=True, choices=AUTH_TYPES)
    check.add_argument("--function-arn", required=True, help="the function or alias ARN")
    check.add_argument("--resource-policy", metavar="FILE",
                       help="the function's policy (get-policy's Policy); omit if it has none")
    check.add_argument("--caller", metavar="ARN", help="the signed caller; omit if unsigned")
    check.add_argument("--identity-policy", metavar="FILE", nargs="+", action="extend",
                       default=[], help="the caller's identity-based policy documents")
    commands.add_parser("table", help="print the page's truth table (Markdown)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "table":
        print(truth_table_markdown())
        return 0
    try:
        resource = None if args.resource_policy is None else _load_policy(args.resource_policy)
        identities = [_load_policy(path) for path in args.identity_policy]
        decision = evaluate(
            auth_type=args.auth_type,
            function_arn=args.function_arn,
            resource_policy=resource,
            caller_arn=args.caller,
            identity_policies=identities,
        )
    except ValueError as error:  # UnusableInput, or a policy the model cannot read
        return unusable(str(error).splitlines()[0])
    print(decision.explanation)
    return 0 if decision.allowed else 1


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


if __name__ == "__main__":
    sys.exit(main())
