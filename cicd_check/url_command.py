"""``cicd-check url-auth``: who may call a function URL, what is missing, and the fix.

Give it the function's resource policy (``aws lambda get-policy`` output, the policy
document, a file or inline JSON) and the URL's auth type, optionally the caller and the
caller's identity policies, or a CloudFormation/SAM template. ``--via cloudfront-oac``
judges the call CloudFront makes with origin access control, and ``--method`` the request.
Exit 0 when the caller (or the public) may call as intended, 1 when access is missing,
2 when the input is unusable.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from typing import Any

from cicd_check.contract import UnusableInput, read_text
from cicd_check.findings import ERROR, Finding
from cicd_check.iam_policy import (
    FUNCTION_ARN,
    Caller,
    parse_caller,
    parse_function_arn,
    parse_policy,
    service_caller,
)
from cicd_check.url_auth import (
    AUTH_TYPES,
    CLOUDFRONT,
    FORBIDDEN,
    HALF_GRANTED,
    INVOKE,
    INVOKE_URL,
    NOT_GRANTED,
    OAC_UNSIGNED_BODY,
    SIGNATURE_MISMATCH,
    Decision,
    cli_command,
    decide,
    invoke_permissions,
    template_resource,
)

MAX_POLICY_BYTES = 1_000_000  # far above any real policy (Lambda's limit is 20 KB)
BODY_METHODS = ("POST", "PUT")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def configure(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``cicd-check url-auth``."""
    parser.description = (
        "Explain who may call a Lambda function URL: both lambda:InvokeFunctionUrl and "
        "lambda:InvokeFunction must be allowed (since October 2025, even with AuthType NONE). "
        "Give the function's resource policy, or a CloudFormation/SAM template.")
    parser.epilog = ("Exit status: 0 the caller (or the public) may call the URL, 1 access is "
                     "missing (the finding says what, --fix how), 2 unusable input.")
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="the function's resource policy (get-policy output or the policy "
                        "document, JSON) or a CloudFormation/SAM template")
    parser.add_argument("--resource-policy", metavar="FILE|JSON",
                        help="the function's resource policy, as a file or inline JSON")
    parser.add_argument("--auth-type", choices=AUTH_TYPES,
                        help="the URL's AuthType (required unless FILE is a template)")
    parser.add_argument("--function-arn", metavar="ARN",
                        help="the function or alias ARN (default: the one the policy names)")
    parser.add_argument("--caller", metavar="ARN",
                        help="the signed caller (IAM user, role, assumed-role session or root)")
    parser.add_argument("--identity-policy", metavar="FILE|JSON", action="append", default=[],
                        help="an identity-based policy of the caller (repeatable)")
    parser.add_argument("--via", choices=("direct", "cloudfront-oac"), default="direct",
                        help="cloudfront-oac: the call CloudFront makes with origin access "
                        "control (the caller is cloudfront.amazonaws.com)")
    parser.add_argument("--distribution-arn", metavar="ARN",
                        help="with --via cloudfront-oac: the distribution (default: the one "
                        "the policy names)")
    parser.add_argument("--method", choices=METHODS, default="GET", type=str.upper,
                        help="the viewer's HTTP method (default GET)")
    parser.add_argument("--content-sha256", action="store_true",
                        help="the viewer sends x-amz-content-sha256 (needed for POST and PUT "
                        "through origin access control)")
    parser.add_argument("--fix", action="store_true",
                        help="print the missing add-permission commands and template resources")


def command(args: argparse.Namespace) -> int:
    """Run ``cicd-check url-auth``; raises UnusableInput for input it cannot use."""
    try:
        return _run(args)
    except UnusableInput:
        raise
    except (ValueError, RecursionError) as error:  # a policy the model cannot read
        raise UnusableInput(str(error).splitlines()[0]) from None


def _run(args: argparse.Namespace) -> int:
    source = args.resource_policy if args.resource_policy is not None else args.file
    if args.resource_policy is not None and args.file is not None:
        raise UnusableInput("give the resource policy once: FILE or --resource-policy")
    if source is not None and args.resource_policy is None and _is_template_file(source):
        return _template(source, args)
    label = source or "url-auth"
    if args.auth_type is None:
        raise UnusableInput("--auth-type NONE|AWS_IAM is required (the URL's AuthType)")
    resource = None if source is None else _policy(source)
    function_arn = args.function_arn or _function_from_policy(resource)
    parse_function_arn(function_arn, "--function-arn")
    identities = [_policy(item) for item in args.identity_policy]

    if args.via == "cloudfront-oac":
        if args.caller:
            raise UnusableInput("--caller and --via cloudfront-oac exclude each other: with "
                                "origin access control CloudFront is the caller")
        distribution = args.distribution_arn or _distribution_from_policy(resource, function_arn)
        caller: Caller | None = service_caller(CLOUDFRONT, distribution, "--distribution-arn")
    else:
        caller = None if args.caller is None else parse_caller(args.caller, "--caller")
    if caller is None and args.auth_type == "AWS_IAM" and args.via == "direct":
        return _who_may_call(resource, function_arn, label, args)

    decision = decide(auth_type=args.auth_type, function_arn=function_arn,
                      resource_policy=resource, caller=caller, identity_policies=identities)
    print(decision.explanation)
    findings = _decision_findings(decision, args, label)
    if (decision.allowed and args.via == "cloudfront-oac" and args.auth_type == "AWS_IAM"
            and args.method in BODY_METHODS and not args.content_sha256):
        findings.append(OAC_UNSIGNED_BODY.at(
            "x-amz-content-sha256",
            f"a {args.method} through CloudFront origin access control without the "
            f"x-amz-content-sha256 header: Lambda answers {SIGNATURE_MISMATCH} (Lambda does not "
            "support unsigned payloads)", severity=ERROR))
    _print(findings, label)
    if args.fix and not decision.allowed:
        _print_fix(decision, args, function_arn, caller)
    return 1 if findings else 0


def _decision_findings(decision: Decision, args: argparse.Namespace, label: str
                       ) -> list[Finding]:
    if decision.allowed:
        return []
    missing = decision.missing
    if decision.denied_by:
        problem = (f"explicitly denied by {decision.denied_by[0]}; no permission can override a "
                   f"Deny: the call gets {FORBIDDEN}")
        return [NOT_GRANTED.at("policy", problem, severity=ERROR)]
    if len(missing) == 1:
        return [HALF_GRANTED.at("policy", f"{ACTION_NAMES[missing[0]]} is allowed but "
                                f"{missing[0]} is not: the call gets {FORBIDDEN}")]
    why = " (an identity policy in the caller's account must allow both actions too)" \
        if decision.missing_identity else ""
    return [NOT_GRANTED.at("policy", f"neither {INVOKE_URL} nor {INVOKE} is allowed{why}: the "
                           f"call gets {FORBIDDEN}", severity=ERROR)]


ACTION_NAMES = {INVOKE: INVOKE_URL, INVOKE_URL: INVOKE}  # the other action of the pair


def _print(findings: list[Finding], label: str) -> None:
    for finding in findings:
        print(f"{label}: {finding.id} {finding.severity.value}: {finding}")
        print(f"  fix: {finding.fix}")


def _print_fix(decision: Decision, args: argparse.Namespace, function_arn: str,
               caller: Caller | None) -> None:
    if decision.denied_by:
        print(f"\nFix: remove or narrow {decision.denied_by[0]}; adding permissions cannot help.")
        return
    match = FUNCTION_ARN.fullmatch(function_arn)
    assert match is not None  # checked before deciding
    if args.auth_type == "NONE":
        principal = "*"
    elif caller is not None and caller.kind == "service":
        principal = caller.arn
    else:
        principal = caller.principal_arn if caller is not None else "*"
    requests = invoke_permissions(
        match.group("name"), auth_type=args.auth_type, principal=principal,
        qualifier=match.group("qualifier"),
        source_arn=caller.source_arn if caller is not None and caller.kind == "service" else None)
    wanted = [r for r in requests if r["Action"] in decision.missing]
    lines = ["", "Fix: add the missing permission(s) with the AWS CLI:"]
    lines += [cli_command(r) for r in wanted]
    lines += ["", "or in a CloudFormation or SAM template (Resources):"]
    lines += ["\n".join("  " + line for line in template_resource(r).splitlines())
              for r in wanted]
    if args.auth_type == "NONE":
        lines += ["", "(SAM's FunctionUrlConfig with AuthType NONE adds both for you.)"]
    if decision.missing_identity:
        lines += ["", f"and in the caller's account, an identity policy allowing {INVOKE_URL} "
                  f"and {INVOKE} on {function_arn}."]
    print("\n".join(lines))


def _who_may_call(resource: Any, function_arn: str, label: str, args: argparse.Namespace) -> int:
    """AWS_IAM with no caller named: judge every principal the resource policy names."""
    statements = () if resource is None else parse_policy(resource, label="resource policy",
                                                          resource_policy=True)
    callers: dict[str, Caller] = {}
    for statement in statements:
        for kind, value in statement.principals:
            if statement.effect != "Allow":
                continue
            if kind == "AWS" and value != "*" and not value.isdigit():
                named = parse_caller(value)
                callers.setdefault(value, named)
            elif kind == "Service" and value == CLOUDFRONT:
                source = _source_arn(statement)
                if source:
                    callers.setdefault(f"{value} ({source})", service_caller(value, source))
    print(f"AuthType AWS_IAM: only signed callers; for {function_arn}:")
    if not callers:
        print("  the resource policy names no principal: only callers in the function's own "
              "account whose identity policies allow both actions may call it.")
    findings: list[Finding] = []
    for name, caller in callers.items():
        decision = decide(auth_type="AWS_IAM", function_arn=function_arn,
                          resource_policy=resource, caller=caller)
        missing = decision.missing
        state = "both actions allowed" if not missing else "missing " + " and ".join(missing)
        print(f"  {name}: {state} by the resource policy")
        if len(missing) == 1 and not decision.denied_by:
            findings.append(HALF_GRANTED.at(
                "policy", f"{name} is allowed {ACTION_NAMES[missing[0]]} but not {missing[0]}: "
                f"its calls get {FORBIDDEN}"))
            if args.fix:
                _print_fix(decision, args, function_arn, caller)
    print("  (same-account callers may also be allowed by their identity policies; name one "
          "with --caller)")
    _print(findings, label)
    return 1 if findings else 0


def _source_arn(statement: Any) -> str | None:
    for condition in statement.conditions:
        if condition.key == "aws:sourcearn" and condition.operator in ("ArnLike", "ArnEquals",
                                                                        "StringEquals",
                                                                        "StringLike"):
            return condition.values[0] if len(condition.values) == 1 else None
    return None


def _policy(source: str) -> dict[str, Any]:
    """A policy document from a file or inline JSON; get-policy output is unwrapped."""
    text = source if source.lstrip().startswith("{") else read_text(
        source, what="policy document", max_bytes=MAX_POLICY_BYTES)
    name = "inline JSON" if text is source else source
    document = _json(text, name)
    if isinstance(document, dict) and isinstance(document.get("Policy"), str) \
            and "Statement" not in document:  # aws lambda get-policy output
        document = _json(document["Policy"], f"{name} (Policy)")
    if not isinstance(document, dict):
        raise UnusableInput(f"{name}: a policy must be a JSON object")
    return document


def _json(text: str, name: str) -> Any:
    if len(text) > MAX_POLICY_BYTES:
        raise UnusableInput(f"{name}: larger than {MAX_POLICY_BYTES:,} bytes; not a policy")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise UnusableInput(f"{name}: not valid JSON") from None


def _function_from_policy(resource: Any) -> str:
    found: set[str] = set()
    statements = resource.get("Statement") if isinstance(resource, Mapping) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        value = statement.get("Resource") if isinstance(statement, Mapping) else None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and FUNCTION_ARN.fullmatch(item) and "*" not in item:
                found.add(item)
    if len(found) != 1:
        raise UnusableInput("name the function with --function-arn (the policy names "
                            f"{len(found)} function ARNs)")
    return found.pop()


def _distribution_from_policy(resource: Any, function_arn: str) -> str:
    account = function_arn.split(":")[4]
    if isinstance(resource, Mapping):
        for statement in parse_policy(resource, label="resource policy", resource_policy=True):
            cloudfront = ("Service", CLOUDFRONT) in statement.principals
            arn = _source_arn(statement) if cloudfront else None
            if arn and "*" not in arn:
                return arn
    return f"arn:aws:cloudfront::{account}:distribution/EXAMPLE"


def _is_template_file(source: str) -> bool:
    if source.lstrip().startswith("{") or not re.search(r"\.(ya?ml|json|template)$", source):
        return False
    from cicd_check import kinds

    text = read_text(source, what="policy or template")
    return kinds.sniff(source, text) == "template"


def _template(source: str, args: argparse.Namespace) -> int:
    from cicd_check.documents import load_document
    from cicd_check.safe_yaml import YamlError
    from cicd_check.url_template import template_findings, template_fixes

    text = read_text(source, what="template")
    try:
        document = load_document(text, flavor="cloudformation", what=source)
    except YamlError as error:
        raise UnusableInput(f"{source}: {error}") from None
    findings = template_findings(document)
    for finding in findings:
        where = f"{source}:{finding.line}" if finding.line else source
        print(f"{where}: {finding.id} {finding.severity.value}: {finding}")
        print(f"  fix: {finding.fix}")
    if not findings:
        print(f"{source}: the function URLs' permissions grant both actions as intended")
    fixes = template_fixes(document) if args.fix else []
    if fixes:
        print("\nFix: add these resources to the template's Resources:")
        print("\n".join("\n".join("  " + line for line in fix.splitlines()) for fix in fixes))
    return 1 if any(f.is_error for f in findings) else 0

