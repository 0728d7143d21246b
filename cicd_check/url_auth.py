"""Who may call a Lambda function URL, what is missing, and the permissions that fix it.

Since October 2025 a call through a function URL needs the caller to be allowed two
actions, ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``, even with
``AuthType NONE``; frameworks that grant only the first serve 403 to everyone.
:func:`evaluate` decides a call with IAM's rules for the auth type and for same-account,
cross-account and service (CloudFront origin access control) callers, action by action;
:func:`template_findings` finds the same mistakes in a CloudFormation or SAM template;
``cicd-check url-auth`` (:func:`configure`, :func:`command`) explains a real setup and, with
``--fix``, prints the ``add-permission`` commands and template resources that are missing.
The policy grammar lives in :mod:`cicd_check.iam_policy`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cicd_check.findings import ERROR, WARNING, Finding, rule
from cicd_check.iam_policy import (
    Caller,
    Statement,
    applies,
    parse_caller,
    parse_function_arn,
    parse_policy,
    principal_match,
    short,
)

URLS_AUTH_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
PERMISSION_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-lambda-permission.html"
)
OAC_PAGE = ("https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
            "private-content-restricting-access-to-lambda.html")

INVOKE_URL = "lambda:InvokeFunctionUrl"
INVOKE = "lambda:InvokeFunction"
ACTIONS = (INVOKE_URL, INVOKE)  # since October 2025 a URL call needs both
AUTH_TYPES = ("NONE", "AWS_IAM")
CLOUDFRONT = "cloudfront.amazonaws.com"

# What AWS answers, word for word (the reports in tests/cicd_check/real_failures quote them).
FORBIDDEN = ('403 Forbidden {"Message":"Forbidden. For troubleshooting Function URL '
             f'authorization issues, see: {URLS_AUTH_PAGE}"}}')
ONLY_FOR_URL_ACTION = ("InvalidParameterValueException: FunctionUrlAuthType is only supported "
                       "for lambda:InvokeFunctionUrl action")
SIGNATURE_MISMATCH = ("403 InvalidSignatureException: The request signature we calculated does "
                      "not match the signature you provided.")

HALF_GRANTED = rule(
    "FU001", "url-permission-half-granted", ERROR,
    "A principal is granted one of lambda:InvokeFunctionUrl and lambda:InvokeFunction for a "
    "function URL but not the other, so every call it makes through the URL gets 403.",
    fix="grant the missing action too: lambda:InvokeFunction with InvokedViaFunctionUrl: true, "
    "or lambda:InvokeFunctionUrl with the URL's FunctionUrlAuthType",
    source=URLS_AUTH_PAGE, page="url-auth")
NOT_GRANTED = rule(
    "FU002", "url-not-granted", WARNING,
    "No permission lets the caller (for AuthType NONE: the public) call the function URL, so "
    "Lambda answers 403 to it.",
    fix="add both permissions for the caller (cicd-check url-auth --fix prints them); in a "
    "template, unless another stack or script adds them",
    source=URLS_AUTH_PAGE, page="url-auth")
AUTH_TYPE_ON_WRONG_ACTION = rule(
    "FU003", "url-auth-type-on-wrong-action", ERROR,
    "FunctionUrlAuthType is set on a permission whose Action is not lambda:InvokeFunctionUrl; "
    "Lambda refuses the permission and the deployment fails.",
    fix="remove FunctionUrlAuthType from this permission; for lambda:InvokeFunction use "
    "InvokedViaFunctionUrl: true",
    source=PERMISSION_PAGE, page="url-auth")
AUTH_TYPE_MISMATCH = rule(
    "FU004", "url-auth-type-mismatch", ERROR,
    "A permission's FunctionUrlAuthType differs from the AuthType of the function's URL, so "
    "the grant never matches a call through that URL.",
    fix="make the permission's FunctionUrlAuthType the URL's AuthType",
    source=URLS_AUTH_PAGE, page="url-auth")
OAC_UNSIGNED_BODY = rule(
    "FU005", "oac-body-without-content-sha256", WARNING,
    "POST or PUT requests reach an AWS_IAM function URL through CloudFront origin access "
    "control, which Lambda refuses unless the viewer sends x-amz-content-sha256.",
    fix="have clients send x-amz-content-sha256 (the SHA-256 of the body) on POST and PUT, or "
    "sign the body in an origin-request Lambda@Edge function with IncludeBody: true",
    source=OAC_PAGE, page="url-auth")
PUBLIC_INVOKE = rule(
    "FU006", "public-invoke-not-limited-to-url", WARNING,
    "lambda:InvokeFunction is granted to everyone (\"*\") without InvokedViaFunctionUrl: true, "
    "so anyone can invoke the function directly, not only through its URL.",
    fix="add InvokedViaFunctionUrl: true to the permission (add-permission "
    "--invoked-via-function-url)",
    source=URLS_AUTH_PAGE, page="url-auth")

_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ALIAS_NAME = re.compile(r"(?!\d+$)[A-Za-z0-9_-]{1,128}")
_ACTION_KEYS = {  # Lambda's condition keys per action (Service Authorization Reference)
    INVOKE_URL.lower(): ("lambda:functionurlauthtype",),
    INVOKE.lower(): ("lambda:invokedviafunctionurl",),
}


# --------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class Decision:
    """Whether the URL call goes through, and why, action by action."""

    allowed: bool
    explanation: str
    actions: tuple[tuple[str, bool], ...] = ()
    denied_by: tuple[str, ...] = ()  # statements whose explicit Deny decided
    missing_identity: bool = False  # cross account: the caller's own account must allow too

    @property
    def missing(self) -> tuple[str, ...]:
        """The actions the caller is not allowed."""
        return tuple(action for action, ok in self.actions if not ok)


def evaluate(
    *,
    auth_type: str,
    function_arn: str,
    resource_policy: Mapping[str, Any] | None,
    caller_arn: str | None,
    identity_policies: Iterable[Mapping[str, Any]] = (),
) -> Decision:
    """Decide a call through a function URL as Lambda does; ValueError for unreadable input."""
    caller = None if caller_arn is None else parse_caller(caller_arn)
    return decide(auth_type=auth_type, function_arn=function_arn,
                  resource_policy=resource_policy, caller=caller,
                  identity_policies=identity_policies)


def decide(
    *,
    auth_type: str,
    function_arn: str,
    resource_policy: Mapping[str, Any] | None,
    caller: Caller | None,
    identity_policies: Iterable[Mapping[str, Any]] = (),
) -> Decision:
    """:func:`evaluate` for any caller, service principals (CloudFront) included."""
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type: must be NONE or AWS_IAM, not {short(auth_type)}")
    function = parse_function_arn(function_arn)
    resource_statements = (
        () if resource_policy is None
        else parse_policy(resource_policy, label="resource policy", resource_policy=True)
    )
    identity_statements = _identity_statements(identity_policies, caller)

    if auth_type == "AWS_IAM" and caller is None:
        return Decision(False, "DENIED (403): AuthType AWS_IAM refuses an unsigned request "
                        "before any policy is read; sign it with SigV4 (service 'lambda').",
                        tuple((action, False) for action in ACTIONS))
    if auth_type == "NONE":
        caller, identity_statements = None, ()  # Lambda authenticates nobody: anonymous
    same_account = (caller is not None and caller.kind != "service"
                    and caller.account == function.group("account"))

    lines, results, denied_by, missing_identity = [], [], [], False
    for action in ACTIONS:
        verdict = _judge(action, auth_type, function_arn, caller, same_account,
                         resource_statements, identity_statements)
        results.append((action, verdict.allowed))
        denied_by += [verdict.denied_by] if verdict.denied_by else []
        missing_identity |= verdict.missing_identity
        lines.append(f"{action}: {'allowed' if verdict.allowed else 'denied'}: {verdict.why}")
    allowed = all(ok for _, ok in results)
    if caller is None:
        who = "anonymous (AuthType NONE)"
    elif caller.kind == "service":
        who = f"the service {caller.arn} for {caller.source_arn}"
    else:
        who = f"{caller.arn}, {'same' if same_account else 'another'} account"
    head = "ALLOWED" if allowed else "DENIED (403 Forbidden)"
    lines.insert(0, f"{head}: caller {who}; both {INVOKE_URL} and {INVOKE} must be allowed.")
    return Decision(allowed, "\n".join(lines), tuple(results), tuple(denied_by),
                    missing_identity)


def _identity_statements(policies: object, caller: Caller | None) -> tuple[Statement, ...]:
    if isinstance(policies, str | bytes | Mapping) or not isinstance(policies, Iterable):
        raise ValueError("identity_policies: must be a list of policy documents")
    documents = list(policies)
    if documents and caller is not None and caller.kind in ("root", "service"):
        who = "the account root user" if caller.kind == "root" else "a service principal"
        raise ValueError(f"identity_policies: {who} has no identity policies")
    statements: list[Statement] = []
    for index, document in enumerate(documents, start=1):
        statements += parse_policy(document, label=f"identity policy {index}",
                                   resource_policy=False)
    return tuple(statements)


@dataclass(frozen=True)
class _Verdict:
    allowed: bool
    why: str
    denied_by: str = ""
    missing_identity: bool = False


def _judge(
    action: str,
    auth_type: str,
    function_arn: str,
    caller: Caller | None,
    same_account: bool,
    resource_statements: Sequence[Statement],
    identity_statements: Sequence[Statement],
) -> _Verdict:
    context = _context(action, auth_type, caller)
    resource_hits = [
        (s, how) for s in resource_statements
        if (how := principal_match(s, caller)) and applies(s, action, function_arn, context)
    ]
    identity_hits = [s for s in identity_statements if applies(s, action, function_arn, context)]
    denies = [s for s, _ in resource_hits if s.effect == "Deny"]
    denies += [s for s in identity_hits if s.effect == "Deny"]
    if denies:
        return _Verdict(False, f"explicitly denied by {denies[0].where} (a Deny always wins)",
                        denied_by=denies[0].where)
    resource_allows = [(s, how) for s, how in resource_hits if s.effect == "Allow"]
    identity_allows = [s for s in identity_hits if s.effect == "Allow"]

    if caller is None:  # AuthType NONE: only a grant to the public opens the URL
        if resource_allows:
            return _Verdict(True, f"{resource_allows[0][0].where} allows the public")
        return _Verdict(False, "no resource policy statement allows the public (Principal \"*\")")
    if caller.kind == "service":  # a service has no identity policy: the resource policy decides
        if resource_allows:
            return _Verdict(True, f"{resource_allows[0][0].where} allows {caller.arn}")
        return _Verdict(False, f"no resource policy statement allows {caller.arn} for "
                        f"{caller.source_arn}")
    if caller.kind == "root" and same_account:
        return _Verdict(True, "the account root user may do anything in its own account")
    if same_account:  # either policy may allow
        direct = [s for s, how in resource_allows if how != "account"]
        if direct:
            return _Verdict(True, f"{direct[0].where} allows this caller")
        if identity_allows:
            return _Verdict(True, f"{identity_allows[0].where} allows it")
        if resource_allows:
            return _Verdict(False, f"{resource_allows[0][0].where} names the account, which only "
                            "delegates to IAM, and no identity policy allows it",
                            missing_identity=True)
        return _Verdict(False, "neither an identity policy nor the resource policy allows it")
    # Cross account: the caller's own account and the function's policy must both allow.
    identity_ok = caller.kind == "root" or bool(identity_allows)
    if resource_allows and identity_ok:
        mine = "the root user's own account" if caller.kind == "root" else identity_allows[0].where
        return _Verdict(True, f"{resource_allows[0][0].where} and {mine} both allow it")
    missing = [name for name, ok in (("an identity policy in the caller's account", identity_ok),
                                     ("the function's resource policy", bool(resource_allows)))
               if not ok]
    return _Verdict(False, "cross-account calls need both policies; missing: "
                    + " and ".join(missing), missing_identity=not identity_ok)


def _context(action: str, auth_type: str, caller: Caller | None) -> dict[str, str]:
    """The request context of one action of a URL call (keys lower case)."""
    values = {"lambda:functionurlauthtype": auth_type, "lambda:invokedviafunctionurl": "true"}
    context = {key: values[key] for key in _ACTION_KEYS[action.lower()]}
    if caller is not None and caller.kind == "service":
        context["aws:sourcearn"] = caller.source_arn
        context["aws:sourceaccount"] = caller.account
    elif caller is not None:
        context["aws:principalaccount"] = caller.account
        context["aws:principalarn"] = caller.principal_arn
    return context


# --------------------------------------------------------------------------- the permissions


def invoke_permissions(
    function_name: str, *, auth_type: str, principal: str, qualifier: str | None = None,
    source_arn: str | None = None,
) -> list[dict[str, Any]]:
    """The two ``add_permission`` requests that let ``principal`` call a function URL."""
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type: must be NONE or AWS_IAM, not {short(auth_type)}")
    if not isinstance(function_name, str) or not _FUNCTION_NAME.fullmatch(function_name):
        raise ValueError(f"function_name: {short(function_name)} is not a function name "
                         "(1-64 letters, digits, hyphens, underscores)")
    if not isinstance(principal, str) or not re.fullmatch(r"[^\s]{1,2048}", principal):
        raise ValueError(f"principal: {short(principal)} is not a principal")
    _check_qualifier(qualifier)
    if source_arn is not None and (not isinstance(source_arn, str)
                                   or not source_arn.startswith("arn:")):
        raise ValueError(f"source_arn: {short(source_arn)} is not an ARN")
    prefix = ("UrlPublic" if principal == "*" else
              "UrlCloudFront" if principal == CLOUDFRONT else "UrlCaller")
    common: dict[str, Any] = {"FunctionName": function_name, "Principal": principal}
    if qualifier not in (None, "$LATEST"):
        common["Qualifier"] = qualifier
    if source_arn is not None:
        common["SourceArn"] = source_arn
    return [
        {**common, "StatementId": prefix, "Action": INVOKE_URL, "FunctionUrlAuthType": auth_type},
        {**common, "StatementId": f"{prefix}Invoke", "Action": INVOKE,
         "InvokedViaFunctionUrl": True},
    ]


def public_url_permissions(function_name: str) -> list[dict[str, Any]]:
    """What a public (AuthType NONE) URL needs today: two statements, not one."""
    return invoke_permissions(function_name, auth_type="NONE", principal="*")


def _check_qualifier(qualifier: object) -> None:
    """A URL points at ``$LATEST`` (``None`` or ``"$LATEST"``) or an alias, never a version."""
    if qualifier is None or qualifier == "$LATEST":
        return
    if not isinstance(qualifier, str):
        raise ValueError(f"qualifier: must be a string or None, not {type(qualifier).__name__}")
    if qualifier.isascii() and qualifier.isdigit():
        raise ValueError(f"qualifier: {qualifier!r} is a version number; a function URL can "
                         "point at $LATEST or an alias, never a published version")
    if not _ALIAS_NAME.fullmatch(qualifier):
        raise ValueError(f"qualifier: {short(qualifier)} is not an alias name")


def rendered_statement(request: Mapping[str, Any], function_arn: str) -> dict[str, Any]:
    """The statement ``get_policy`` shows for an ``add_permission`` request, as AWS writes it."""
    if not isinstance(request, Mapping) or not all(
        isinstance(request.get(k), str) and request.get(k) for k in ("StatementId", "Action",
                                                                     "Principal")):
        raise ValueError("request: needs StatementId, Action and Principal strings")
    parse_function_arn(function_arn)
    principal: Any = request["Principal"]
    if principal != "*":
        if re.fullmatch(r"\d{12}", principal):
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
    condition: dict[str, Any] = {}
    if "FunctionUrlAuthType" in request:
        condition["StringEquals"] = {"lambda:FunctionUrlAuthType": request["FunctionUrlAuthType"]}
    if request.get("InvokedViaFunctionUrl"):
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if isinstance(request.get("SourceArn"), str):
        condition["ArnLike"] = {"AWS:SourceArn": request["SourceArn"]}
    if condition:
        statement["Condition"] = condition
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


def cli_command(request: Mapping[str, Any]) -> str:
    """The ``aws lambda add-permission`` command line for one request."""
    parts = ["aws lambda add-permission", f"--function-name {request['FunctionName']}"]
    if request.get("Qualifier"):
        parts.append(f"--qualifier {request['Qualifier']}")
    parts += [f"--statement-id {request['StatementId']}", f"--action {request['Action']}",
              f"--principal {_quoted(request['Principal'])}"]
    if request.get("SourceArn"):
        parts.append(f"--source-arn {request['SourceArn']}")
    if request.get("FunctionUrlAuthType"):
        parts.append(f"--function-url-auth-type {request['FunctionUrlAuthType']}")
    if request.get("InvokedViaFunctionUrl"):
        parts.append("--invoked-via-function-url")
    return " ".join(parts)


def template_resource(request: Mapping[str, Any], function_ref: str | None = None) -> str:
    """The same request as an ``AWS::Lambda::Permission`` resource (YAML)."""
    name = str(request["StatementId"])
    function = function_ref or str(request["FunctionName"])
    if request.get("Qualifier"):
        function = f"!Sub \"${{{function_ref}.Arn}}:{request['Qualifier']}\"" if function_ref \
            else f"{function}:{request['Qualifier']}"
    elif function_ref:
        function = f"!GetAtt {function_ref}.Arn"
    lines = [f"{name}:", "  Type: AWS::Lambda::Permission", "  Properties:",
             f"    Action: {request['Action']}", f"    FunctionName: {function}",
             f"    Principal: {_quoted(request['Principal'])}"]
    if request.get("SourceArn"):
        lines.append(f"    SourceArn: {_quoted(request['SourceArn'])}")
    if request.get("FunctionUrlAuthType"):
        lines.append(f"    FunctionUrlAuthType: {request['FunctionUrlAuthType']}")
    if request.get("InvokedViaFunctionUrl"):
        lines.append("    InvokedViaFunctionUrl: true")
    return "\n".join(lines)


def _quoted(value: object) -> str:
    """A value for YAML or a shell: "*" quoted, an intrinsic function as JSON (valid YAML)."""
    if not isinstance(value, str):
        return json.dumps(value)
    return f'"{value}"' if value == "*" else value


# --------------------------------------------------------------------------- templates and CLI
# (kept in their own modules so that deciding a call imports nothing else)


def template_findings(document: Any) -> list[Finding]:
    """Function URL permission mistakes in a CloudFormation or SAM template (see FU001-FU006)."""
    from cicd_check.url_template import template_findings as find

    return find(document)


def configure(parser: Any) -> None:
    """The ``cicd-check url-auth`` arguments."""
    from cicd_check.url_command import configure as configure_parser

    configure_parser(parser)


def command(args: Any) -> int:
    """Run ``cicd-check url-auth``: 0 the call is allowed, 1 access is missing, 2 unusable."""
    from cicd_check.url_command import command as run

    return run(args)
