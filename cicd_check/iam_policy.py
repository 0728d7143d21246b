"""IAM policy documents as IAM reads them: the grammar, and whether a statement applies.

Only what deciding a call through a Lambda function URL needs is modelled: ``Effect``,
``Action``/``NotAction``, ``Resource``/``NotResource``, ``Principal`` (AWS accounts, users,
roles, sessions, ``"*"`` and service principals) and the string, ARN, Bool and Null
condition operators on the keys a URL call carries. Anything else raises ``ValueError``
naming the statement, so a decision is never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

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

_PRINCIPAL_KEYS = ("aws:principalaccount", "aws:principalarn")
# Keys the model knows; a known key can be absent from a request (then it does not match).
_SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount")  # set when a service calls (CloudFront)
KNOWN_KEYS = frozenset(
    {"lambda:functionurlauthtype", "lambda:invokedviafunctionurl", "lambda:eventsourcetoken",
     *_PRINCIPAL_KEYS, *_SOURCE_KEYS}
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
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")


@dataclass(frozen=True)
class Caller:
    """A signed principal, read from its ARN."""

    arn: str
    account: str
    kind: str  # "root", "user", "role", "session" (an assumed-role session) or "service"
    name: str  # user name, or role name for a role or a session
    session: str = ""
    source_arn: str = ""  # a service calls on behalf of this resource (aws:SourceArn)

    @property
    def principal_arn(self) -> str:
        """The ``aws:PrincipalArn`` value: a session is judged as its role (path assumed empty)."""
        if self.kind in ("role", "session"):
            return f"arn:{self.arn.split(':')[1]}:iam::{self.account}:role/{self.name}"
        return self.arn


def service_caller(service: object, source_arn: object, field: str = "source_arn") -> Caller:
    """A service principal calling on behalf of a resource, e.g. CloudFront for a distribution."""
    if not isinstance(service, str) or not SERVICE_PRINCIPAL.fullmatch(service):
        raise ValueError(f"service: {short(service)} is not a service principal "
                         "(for example cloudfront.amazonaws.com)")
    parts = source_arn.split(":", 5) if isinstance(source_arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or not _ACCOUNT.fullmatch(parts[4]):
        raise ValueError(f"{field}: {short(source_arn)} is not an ARN with an account, for "
                         "example arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE")
    return Caller(service, parts[4], "service", service, source_arn=str(source_arn))


def parse_caller(arn: object, field: str = "caller_arn") -> Caller:
    """Read an IAM user, role, assumed-role session or account root ARN; ValueError otherwise."""
    if not isinstance(arn, str) or not (match := CALLER_ARN.fullmatch(arn)):
        raise ValueError(
            f"{field}: {short(arn)} is not an IAM user, role, assumed-role session or "
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
            f"{field}: {short(arn)} is not a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])"
        )
    if (match.group("qualifier") or "").isdigit():
        raise ValueError(
            f"{field}: {arn!r} names a published version; a function URL points at "
            "$LATEST or an alias, never a version"
        )
    return match


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
        raise ValueError(f"{label}: Version must be \"2012-10-17\", not {short(version)}")
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
        raise ValueError(f"{where}: Effect must be \"Allow\" or \"Deny\", not {short(effect)}")
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
            raise ValueError(f"{where}: unknown principal type {short(kind)}")
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


def _like(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcards: ``*`` is any run of characters, ``?`` one character.

    Matched without regular expressions, in time bounded by len(pattern) * len(value), so a
    hostile pattern such as ``a*a*a*a*b`` cannot make the check backtrack for ever.
    """
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    p = v = 0
    star, mark = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] in ("?", value[v]) and pattern[p] != "*":
            p, v = p + 1, v + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, v, p + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            v = mark
        else:
            return False
    return all(ch == "*" for ch in pattern[p:])


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


def condition_holds(condition: Condition, context: Mapping[str, str], where: str) -> bool:
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


def principal_match(statement: Statement, caller: Caller | None) -> str:
    """How the statement names the caller: "exact", "public" ("*"), "account" or "" (not)."""
    rank = {"": 0, "account": 1, "public": 2, "exact": 3}
    best = ""
    for kind, value in statement.principals:
        how = ""
        if kind == "Service":  # a service calls a URL only as itself (CloudFront OAC)
            if caller is not None and caller.kind == "service" and value == caller.arn:
                best = max(best, "exact", key=rank.__getitem__)
            continue
        if kind != "AWS":
            continue  # federated principals never call a function URL
        if value == "*":
            how = "public"
        elif caller is None or caller.kind == "service":
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


def applies(
    statement: Statement, action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
        return False
    return all(condition_holds(c, context, statement.where) for c in statement.conditions)


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
    matched = [s for s in statements if applies(s, action, resource, given)]
    for effect in ("Deny", "Allow"):
        for statement in matched:
            if statement.effect == effect:
                return effect, statement.where
    return None, f"no statement of the {label} matches {action}"


def short(value: object) -> str:
    """A value for an error message: its repr, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
