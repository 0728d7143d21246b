"""Tests for snippets/aws_lambda/function_url_security.py: evaluate() against AWS's rules."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.aws_lambda import function_url_security as sec
from snippets.aws_lambda.function_url_security import (
    INVOKE,
    INVOKE_URL,
    evaluate,
    invoke_permissions,
    main,
    parse_policy,
    policy_effect,
    public_url_permissions,
    rendered_policy,
    rendered_statement,
    table_identity_policy,
    truth_table,
    truth_table_markdown,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "snippets" / "aws_lambda"
PAGE = REPO / "docs" / "lambda" / "function-url-security.md"

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
ALIAS = f"{FUNCTION}:live"
SAME_ROLE = "arn:aws:iam::123456789012:role/app"
SAME_SESSION = "arn:aws:sts::123456789012:assumed-role/app/session-1"
SAME_USER = "arn:aws:iam::123456789012:user/dev/alice"
SAME_ROOT = "arn:aws:iam::123456789012:root"
OTHER_ROLE = "arn:aws:iam::444455556666:role/example"
OTHER_SESSION = "arn:aws:sts::444455556666:assumed-role/example/session-1"
OTHER_ROOT = "arn:aws:iam::444455556666:root"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], principal: Any = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": FUNCTION}
    if principal is not None:
        statement["Principal"] = principal
    return {**statement, **extra}


BOTH = [INVOKE_URL, INVOKE]
IDENTITY_BOTH = policy(allow(BOTH))


def decide(auth_type: str = "AWS_IAM", *, resource: Any = None, caller: str | None = SAME_SESSION,
           identity: Any = (), function: str = FUNCTION) -> sec.Decision:
    return evaluate(auth_type=auth_type, function_arn=function, resource_policy=resource,
                    caller_arn=caller, identity_policies=list(identity))


# ----------------------------------------------------------------- AWS's own examples
# From https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html (before and after Oct 2025)

AWS_CROSS_ACCOUNT_OLD = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:role/example"},
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
    }],
}
AWS_PUBLIC_OLD = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }],
}
AWS_DENY_UPDATE_NONE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["lambda:UpdateFunctionUrlConfig"],
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:*",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }],
}
AWS_SCP = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": ["lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"],
        "Resource": "arn:aws:lambda:*:123456789012:function:*",
        "Condition": {"StringNotEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
    }],
}
AWS_INVOKE_POLICY = {  # lambda-api-permissions-ref: an identity policy to invoke one function
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Invoke", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                   "Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function"}],
}


@pytest.mark.parametrize(
    "document, resource_policy",
    [(AWS_CROSS_ACCOUNT_OLD, True), (AWS_PUBLIC_OLD, True), (AWS_DENY_UPDATE_NONE, True),
     (AWS_SCP, False), (AWS_INVOKE_POLICY, False)],
)
def test_aws_reference_policies_are_readable(document: dict, resource_policy: bool) -> None:
    assert parse_policy(document, label="p", resource_policy=resource_policy)


def test_the_old_public_example_is_no_longer_enough() -> None:
    decision = decide("NONE", resource=AWS_PUBLIC_OLD, caller=None)
    assert not decision.allowed
    assert dict(decision.actions) == {INVOKE_URL: True, INVOKE: False}
    assert "lambda:InvokeFunction: denied" in decision.explanation


def test_the_old_cross_account_example_needs_the_second_statement() -> None:
    old = decide(resource=AWS_CROSS_ACCOUNT_OLD, caller=OTHER_SESSION, identity=[IDENTITY_BOTH])
    assert not old.allowed and dict(old.actions) == {INVOKE_URL: True, INVOKE: False}
    current = load("function-url-cross-account-resource-policy.json")
    assert decide(resource=current, caller=OTHER_SESSION, identity=[IDENTITY_BOTH]).allowed


def test_aws_scp_example_denies_none_and_allows_iam_url_changes() -> None:
    for action in ("lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"):
        effect, where = policy_effect(AWS_SCP, action=action, resource=FUNCTION,
                                      context={"lambda:FunctionUrlAuthType": "NONE"})
        assert (effect, where) == ("Deny", "policy statement 1")
        assert policy_effect(AWS_SCP, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "AWS_IAM"})[0] is None


# ----------------------------------------------------------------- the rules


def test_each_action_is_judged_on_its_own() -> None:
    resource = policy(allow(INVOKE_URL, {"AWS": SAME_ROLE}))
    identity = policy(allow(INVOKE))
    decision = decide(resource=resource, identity=[identity])
    assert decision.allowed
    lines = decision.explanation.splitlines()
    assert lines[1].startswith(f"{INVOKE_URL}: allowed: resource policy statement 1")
    assert lines[2].startswith(f"{INVOKE}: allowed: identity policy 1 statement 1")
    assert not decide(resource=resource).allowed


def test_aws_iam_refuses_an_unsigned_request_whatever_the_policy() -> None:
    public = load("function-url-public-policy.json")
    everyone = policy(allow(BOTH, "*"))
    for resource in (public, everyone, None):
        decision = decide(resource=resource, caller=None)
        assert not decision.allowed and "unsigned" in decision.explanation


@pytest.mark.parametrize("caller", [SAME_SESSION, SAME_ROLE, SAME_USER])
def test_same_account_identity_or_resource_policy_is_enough(caller: str) -> None:
    assert decide(caller=caller, identity=[IDENTITY_BOTH]).allowed
    named = policy(allow(BOTH, {"AWS": caller if "user" in caller else SAME_ROLE}))
    assert decide(caller=caller, resource=named).allowed
    assert not decide(caller=caller).allowed


def test_cross_account_needs_both_policies() -> None:
    resource = policy(allow(BOTH, {"AWS": OTHER_ROLE}))
    assert not decide(caller=OTHER_SESSION, identity=[IDENTITY_BOTH]).allowed
    only_resource = decide(caller=OTHER_SESSION, resource=resource)
    assert not only_resource.allowed and "identity policy" in only_resource.explanation
    assert decide(caller=OTHER_SESSION, resource=resource, identity=[IDENTITY_BOTH]).allowed


def test_none_needs_a_public_grant_and_ignores_identities() -> None:
    public = load("function-url-public-policy.json")
    assert decide("NONE", resource=public, caller=None).allowed
    assert decide("NONE", resource=public, caller=OTHER_SESSION).allowed  # signature ignored
    assert not decide("NONE", caller=SAME_SESSION, identity=[IDENTITY_BOTH]).allowed
    named = policy(allow(BOTH, {"AWS": SAME_ROLE}))
    assert not decide("NONE", resource=named, caller=SAME_SESSION).allowed


def test_public_statements_are_bound_to_their_auth_type() -> None:
    public = load("function-url-public-policy.json")
    # Under AWS_IAM the NONE-conditioned statement does not match; InvokeFunction still does.
    decision = decide(resource=public, caller=OTHER_SESSION, identity=[IDENTITY_BOTH])
    assert dict(decision.actions) == {INVOKE_URL: False, INVOKE: True}


@pytest.mark.parametrize("where", ["resource", "identity"])
def test_an_explicit_deny_wins(where: str) -> None:
    deny = {"Effect": "Deny", "Action": "lambda:Invoke*", "Resource": "*"}
    resource = [allow(BOTH, {"AWS": SAME_ROLE})]
    identity = [allow(BOTH)]
    if where == "resource":
        resource.append({**deny, "Principal": "*", "Sid": "NoOne"})
    else:
        identity.append({**deny, "Sid": "NoOne"})
    decision = decide(resource=policy(*resource), identity=[policy(*identity)])
    assert not decision.allowed
    assert "explicitly denied" in decision.explanation and "'NoOne'" in decision.explanation


def test_a_deny_for_other_principals_does_not_apply() -> None:
    resource = policy(allow(BOTH, "*"),
                      {"Effect": "Deny", "Principal": {"AWS": OTHER_ROLE},
                       "Action": "lambda:*", "Resource": FUNCTION})
    assert decide(resource=resource).allowed
    assert not decide(resource=resource, caller=OTHER_SESSION, identity=[IDENTITY_BOTH]).allowed


# ----------------------------------------------------------------- principals


@pytest.mark.parametrize(
    "principal, caller, allowed",
    [
        ("*", OTHER_SESSION, True),
        ({"AWS": "*"}, OTHER_SESSION, True),
        ({"AWS": "444455556666"}, OTHER_SESSION, True),
        ({"AWS": OTHER_ROOT}, OTHER_SESSION, True),
        ({"AWS": OTHER_ROLE}, OTHER_SESSION, True),
        ({"AWS": "arn:aws:iam::444455556666:role/team/example"}, OTHER_SESSION, True),
        ({"AWS": [SAME_ROLE, OTHER_ROLE]}, OTHER_SESSION, True),
        ({"AWS": OTHER_SESSION}, OTHER_SESSION, True),
        ({"AWS": "arn:aws:sts::444455556666:assumed-role/example/other"}, OTHER_SESSION, False),
        ({"AWS": "arn:aws:iam::444455556666:role/another"}, OTHER_SESSION, False),
        ({"AWS": "arn:aws:iam::444455556666:user/example"}, OTHER_SESSION, False),
        ({"AWS": "111122223333"}, OTHER_SESSION, False),
        ({"Service": "apigateway.amazonaws.com"}, OTHER_SESSION, False),
        ({"AWS": "444455556666"}, OTHER_ROOT, True),
    ],
)
def test_principal_forms_cross_account(principal: Any, caller: str, allowed: bool) -> None:
    resource = policy(allow(BOTH, principal))
    identity = [] if caller.endswith(":root") else [IDENTITY_BOTH]
    assert decide(resource=resource, caller=caller, identity=identity).allowed is allowed


def test_naming_the_account_delegates_to_iam_in_the_same_account() -> None:
    for principal in ({"AWS": "123456789012"}, {"AWS": SAME_ROOT}):
        resource = policy(allow(BOTH, principal))
        decision = decide(resource=resource)
        assert not decision.allowed and "delegates to IAM" in decision.explanation
        assert decide(resource=resource, identity=[IDENTITY_BOTH]).allowed


def test_the_account_root_user() -> None:
    assert decide(caller=SAME_ROOT).allowed
    deny = policy({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})
    assert not decide(caller=SAME_ROOT, resource=deny).allowed
    assert decide(caller=OTHER_ROOT, resource=policy(allow(BOTH, {"AWS": OTHER_ROOT}))).allowed
    assert not decide(caller=OTHER_ROOT).allowed
    with pytest.raises(ValueError, match="root user has no identity policies"):
        decide(caller=SAME_ROOT, identity=[IDENTITY_BOTH])


# ----------------------------------------------------------------- actions and resources


@pytest.mark.parametrize(
    "action, allowed",
    [
        ("*", True), ("lambda:*", True), ("lambda:Invoke*", True), ("LAMBDA:invokefunction*", True),
        (["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"], True),
        (["lambda:InvokeFunctionUr?", "lambda:InvokeFunctio?"], True),
        ("lambda:InvokeFunction", False), ("lambda:InvokeFunctionUrl", False),
        ("lambda:Invoke", False), ("s3:*", False),
    ],
)
def test_action_matching(action: Any, allowed: bool) -> None:
    assert decide(identity=[policy(allow(action))]).allowed is allowed


def test_not_action_and_not_resource() -> None:
    everything_but_delete = policy({"Effect": "Allow", "NotAction": "lambda:Delete*",
                                    "Resource": FUNCTION})
    assert decide(identity=[everything_but_delete]).allowed
    not_mine = policy({"Effect": "Allow", "Action": BOTH, "NotResource": FUNCTION})
    assert not decide(identity=[not_mine]).allowed


@pytest.mark.parametrize(
    "resource, function, allowed",
    [
        ("*", FUNCTION, True),
        ("arn:aws:lambda:*:123456789012:function:my-*", FUNCTION, True),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function", ALIAS, False),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function:*", ALIAS, True),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function:*", FUNCTION, False),
        ("arn:aws:lambda:us-east-1:123456789012:function:My-Function", FUNCTION, False),
    ],
)
def test_resource_matching(resource: str, function: str, allowed: bool) -> None:
    identity = policy({"Effect": "Allow", "Action": BOTH, "Resource": resource})
    assert decide(identity=[identity], function=function).allowed is allowed


# ----------------------------------------------------------------- conditions


def with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return policy({"Effect": "Allow", "Action": BOTH, "Resource": FUNCTION,
                   "Condition": condition})


@pytest.mark.parametrize(
    "condition, caller, allowed",
    [
        ({"StringEquals": {"aws:PrincipalAccount": "123456789012"}}, SAME_SESSION, True),
        ({"StringEquals": {"aws:principalaccount": ["1", "123456789012"]}}, SAME_SESSION, True),
        ({"StringEquals": {"aws:PrincipalAccount": "444455556666"}}, SAME_SESSION, False),
        ({"StringNotEquals": {"aws:PrincipalAccount": "444455556666"}}, SAME_SESSION, True),
        ({"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}, SAME_SESSION, False),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalArn": SAME_ROLE.upper()}}, SAME_SESSION, True),
        ({"StringNotEqualsIgnoreCase": {"aws:PrincipalArn": SAME_ROLE.upper()}}, SAME_SESSION,
         False),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ap?"}}, SAME_SESSION, True),
        ({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ap?"}}, SAME_SESSION, False),
        ({"ArnEquals": {"aws:PrincipalArn": SAME_ROLE}}, SAME_SESSION, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}, SAME_SESSION, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}}, SAME_SESSION,
         False),
        ({"ArnLike": {"aws:PrincipalArn": "not-an-arn"}}, SAME_SESSION, False),
        ({"ArnNotEquals": {"aws:PrincipalArn": SAME_ROLE}}, SAME_SESSION, False),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}, SAME_USER, False),
        ({"Null": {"aws:PrincipalArn": "false"}}, SAME_SESSION, True),
        ({"Null": {"aws:PrincipalArn": "true"}}, SAME_SESSION, False),
    ],
)
def test_condition_operators(condition: dict, caller: str, allowed: bool) -> None:
    assert decide(caller=caller, identity=[with_condition(condition)]).allowed is allowed


def test_a_root_caller_is_its_own_principal_arn() -> None:
    resource = policy({**allow(BOTH, "*"),
                       "Condition": {"ArnEquals": {"aws:PrincipalArn": OTHER_ROOT}}})
    assert decide(caller=OTHER_ROOT, resource=resource).allowed
    assert not decide(caller=OTHER_SESSION, resource=resource, identity=[IDENTITY_BOTH]).allowed


def test_condition_keys_belong_to_their_action() -> None:
    # lambda:FunctionUrlAuthType is a key of InvokeFunctionUrl only; InvokedViaFunctionUrl of
    # InvokeFunction only (Service Authorization Reference): swapping them opens nothing.
    auth = with_condition({"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}})
    assert dict(decide(identity=[auth]).actions) == {INVOKE_URL: True, INVOKE: False}
    via = with_condition({"Bool": {"lambda:InvokedViaFunctionUrl": True}})
    assert dict(decide(identity=[via]).actions) == {INVOKE_URL: False, INVOKE: True}
    iam_only = with_condition({"StringEqualsIfExists": {"lambda:FunctionUrlAuthType": "AWS_IAM"}})
    assert decide(identity=[iam_only]).allowed
    assert dict(decide("NONE", caller=None, resource=policy(
        {**allow(BOTH, "*"), "Condition": {"StringEqualsIfExists": {
            "lambda:FunctionUrlAuthType": "AWS_IAM"}}})).actions) == {INVOKE_URL: False,
                                                                       INVOKE: True}


def test_missing_keys_match_only_negated_operators() -> None:
    public = {**allow(BOTH, "*")}
    cases = {
        "StringEquals": False, "StringNotEquals": True, "StringLike": False,
        "ForAllValues:StringEquals": True, "ForAnyValue:StringNotEquals": False,
    }
    for operator, allowed in cases.items():
        resource = policy({**public, "Condition": {operator: {"aws:PrincipalAccount": "1"}}})
        decision = decide("NONE", resource=resource, caller=None)
        assert decision.allowed is allowed, operator


def test_bool_values_may_be_json_booleans_or_strings() -> None:
    for value in (True, "true", "TRUE", ["false", "true"]):
        resource = policy(allow(INVOKE_URL, "*"), {
            **allow(INVOKE, "*"), "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": value}}})
        assert decide("NONE", resource=resource, caller=None).allowed, value
    resource = policy(allow(INVOKE_URL, "*"), {
        **allow(INVOKE, "*"), "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": False}}})
    assert not decide("NONE", resource=resource, caller=None).allowed


def test_unmodelled_parts_raise_only_when_they_decide() -> None:
    ip = with_condition({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    with pytest.raises(ValueError, match="IpAddress is not modelled"):
        decide(identity=[ip])
    source_ip = with_condition({"StringEquals": {"aws:SourceIp": "203.0.113.10"}})
    with pytest.raises(ValueError, match="'aws:sourceip' is not modelled"):
        decide(identity=[source_ip])
    elsewhere = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}})
    assert not decide(identity=[elsewhere]).allowed  # never reached, so no guess was needed


# ----------------------------------------------------------------- malformed input

GOOD = allow(BOTH, "*")


@pytest.mark.parametrize(
    "statement, message",
    [
        ({k: v for k, v in GOOD.items() if k != "Effect"}, "Effect must be"),
        ({**GOOD, "Effect": "allow"}, "Effect must be"),
        ({**GOOD, "Condition": {"StringEqualz": {"aws:PrincipalAccount": "1"}}},
         "unknown condition operator 'StringEqualz'"),
        ({**GOOD, "Condition": {"ForEvery:StringEquals": {"aws:PrincipalAccount": "1"}}},
         "unknown condition operator"),
        ({**GOOD, "Condition": {"NullIfExists": {"aws:PrincipalAccount": "true"}}},
         "unknown condition operator"),
        ({**GOOD, "Condition": {"Null": {"aws:PrincipalAccount": "maybe"}}}, "Null takes"),
        ({**GOOD, "Condition": {"StringEquals": {}}}, "must map condition keys"),
        ({**GOOD, "Condition": {"StringEquals": {"aws:PrincipalAccount": []}}}, "has no values"),
        ({**GOOD, "Condition": {"StringEquals": {"aws:PrincipalAccount": {"a": 1}}}},
         "condition value must be"),
        ({**GOOD, "Condition": {"StringEquals": {"aws:PrincipalArn": "${aws:username}"}}},
         "policy variables"),
        ({**GOOD, "Condition": ["StringEquals"]}, "Condition must be an object"),
        ({**GOOD, "NotAction": "s3:*"}, "exactly one of Action or NotAction"),
        ({k: v for k, v in GOOD.items() if k != "Action"}, "exactly one of Action"),
        ({**GOOD, "Action": "InvokeFunction"}, "is not an action"),
        ({**GOOD, "Action": []}, "non-empty list of strings"),
        ({**GOOD, "Resource": "my-function"}, "is not an ARN"),
        ({k: v for k, v in GOOD.items() if k != "Principal"}, "needs a Principal"),
        ({**GOOD, "Principal": {"AWS": "arn:aws:iam::*:role/example"}}, "wildcards"),
        ({**GOOD, "Principal": {"AWS": "example"}}, "is not an IAM user"),
        ({**GOOD, "Principal": {"Robot": "r2d2"}}, "unknown principal type"),
        ({**GOOD, "Principal": "everyone"}, "Principal must be"),
        ({**GOOD, "NotPrincipal": {"AWS": OTHER_ROLE}}, "NotPrincipal is not modelled"),
        ({**GOOD, "Effects": "Allow"}, "unknown element"),
        ({**GOOD, "Sid": 7}, "Sid must be a string"),
        ("Allow", "statement must be a JSON object"),
    ],
)
def test_malformed_statements_raise_naming_the_statement(statement: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        decide("NONE", caller=None, resource=policy(allow(BOTH, "*"), statement))
    assert str(error.value).startswith("resource policy statement 2")


def test_errors_name_the_sid_and_the_identity_policy() -> None:
    bad = policy({"Sid": "Broken", "Action": "lambda:*", "Resource": "*"})
    with pytest.raises(ValueError, match=r"^identity policy 2 statement 1 \('Broken'\)"):
        decide(identity=[IDENTITY_BOTH, bad])
    with pytest.raises(ValueError, match="cannot have a Principal"):
        decide(identity=[policy(allow(BOTH, "*"))])


@pytest.mark.parametrize(
    "document, message",
    [
        ([], "must be a JSON object"),
        ('{"Statement": []}', "not JSON text"),
        ({"Version": "2012-10-17"}, "missing Statement"),
        ({"Version": "2021-01-01", "Statement": []}, "Version must be"),
        ({"Statement": "Allow"}, "Statement must be an object or a list"),
        ({"Statement": [], "Owner": "me"}, "unknown top-level element"),
    ],
)
def test_malformed_documents(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        decide(resource=document)


def test_a_single_statement_object_and_an_empty_list_are_valid() -> None:
    assert decide(resource={"Statement": allow(BOTH, {"AWS": SAME_ROLE})}).allowed
    assert not decide(resource={"Statement": []}).allowed


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"auth_type": "IAM"}, "auth_type"),
        ({"auth_type": None}, "auth_type"),
        ({"function_arn": "my-function"}, "function_arn"),
        ({"function_arn": f"{FUNCTION}:7"}, "published version"),
        ({"caller_arn": "alice"}, "caller_arn"),
        ({"caller_arn": "arn:aws:iam::123456789012:group/devs"}, "caller_arn"),
        ({"caller_arn": 123456789012}, "caller_arn"),
        ({"identity_policies": IDENTITY_BOTH}, "identity_policies"),
        ({"identity_policies": "policy.json"}, "identity_policies"),
        ({"identity_policies": 5}, "identity_policies"),
        ({"resource_policy": "policy.json"}, "resource policy"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict, message: str) -> None:
    arguments = {"auth_type": "AWS_IAM", "function_arn": FUNCTION, "resource_policy": None,
                 "caller_arn": SAME_SESSION, "identity_policies": [], **kwargs}
    with pytest.raises(ValueError, match=message):
        evaluate(**arguments)


def test_an_alias_function_arn_and_latest_are_accepted() -> None:
    resource = policy({**allow(BOTH, {"AWS": SAME_ROLE}), "Resource": ALIAS})
    assert decide(resource=resource, function=ALIAS).allowed
    assert not decide(caller=SAME_SESSION, function=f"{FUNCTION}:$LATEST").allowed


# ----------------------------------------------------------------- permissions in moto


def make_function(name: str = "my-function") -> str:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(policy({
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"})),
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'ok'\n")
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": package.getvalue()},
    )["FunctionArn"]


def test_public_url_permissions_are_two_statements() -> None:
    first, second = public_url_permissions("my-function")
    assert first["Action"] == INVOKE_URL and first["FunctionUrlAuthType"] == "NONE"
    assert second["Action"] == INVOKE and second["InvokedViaFunctionUrl"] is True
    assert first["Principal"] == second["Principal"] == "*"


def test_public_permissions_apply_in_moto_and_open_the_url(aws: None) -> None:
    arn = make_function()
    client = boto3.client("lambda")
    requests = public_url_permissions("my-function")
    sec.add_permissions(requests, client=client)  # checked against botocore's model
    stored = json.loads(client.get_policy(FunctionName="my-function")["Policy"])["Statement"]
    rendered = rendered_policy(requests, arn)
    # moto returns the raw request, not AWS's rendering: compare what both say.
    for raw, ours in zip(stored, rendered["Statement"], strict=True):
        assert (raw["Sid"], raw["Action"], raw["Principal"], raw["Resource"]) == (
            ours["Sid"], ours["Action"], ours["Principal"], ours["Resource"])
        condition = json.dumps(ours["Condition"])
        if "FunctionUrlAuthType" in raw:
            assert raw["FunctionUrlAuthType"] in condition
        else:
            assert raw["InvokedViaFunctionUrl"] is True and "InvokedViaFunctionUrl" in condition
    assert evaluate(auth_type="NONE", function_arn=arn, resource_policy=rendered,
                    caller_arn=None).allowed
    assert rendered == load("function-url-public-policy.json")


def test_the_strict_model_check_rejects_what_moto_accepts(aws: None) -> None:
    from tests.support.strict_model import StrictModelError

    make_function()
    request = {**public_url_permissions("my-function")[0], "FunctionUrlAuthType": "PUBLIC"}
    with pytest.raises(StrictModelError, match="FunctionUrlAuthType"):
        sec.add_permissions([request], client=boto3.client("lambda"))


def test_cross_account_setup_in_moto(aws: None) -> None:
    arn = make_function()
    lam = boto3.client("lambda")
    requests = invoke_permissions("my-function", auth_type="AWS_IAM", principal=OTHER_ROLE)
    sec.add_permissions(requests, client=lam)
    resource = rendered_policy(requests, arn)
    assert resource == load("function-url-cross-account-resource-policy.json")

    # The other account: its admin creates the role and its identity policy.
    admin = boto3.client("sts").assume_role(
        RoleArn="arn:aws:iam::444455556666:role/admin", RoleSessionName="setup")["Credentials"]
    other = boto3.Session(aws_access_key_id=admin["AccessKeyId"],
                          aws_secret_access_key=admin["SecretAccessKey"],
                          aws_session_token=admin["SessionToken"], region_name="us-east-1")
    iam = other.client("iam")
    role = iam.create_role(RoleName="example", AssumeRolePolicyDocument=json.dumps(policy({
        "Effect": "Allow", "Principal": {"AWS": OTHER_ROOT}, "Action": "sts:AssumeRole"})))
    assert role["Role"]["Arn"] == OTHER_ROLE
    iam.put_role_policy(
        RoleName="example", PolicyName="call-my-function-url",
        PolicyDocument=(DATA / "function-url-cross-account-identity-policy.json").read_text())
    identity = iam.get_role_policy(RoleName="example",
                                   PolicyName="call-my-function-url")["PolicyDocument"]
    session = other.client("sts").assume_role(RoleArn=OTHER_ROLE, RoleSessionName="session-1")
    caller = session["AssumedRoleUser"]["Arn"]
    assert caller == OTHER_SESSION

    both = evaluate(auth_type="AWS_IAM", function_arn=arn, resource_policy=resource,
                    caller_arn=caller, identity_policies=[identity])
    assert both.allowed, both.explanation
    assert not evaluate(auth_type="AWS_IAM", function_arn=arn, resource_policy=resource,
                        caller_arn=caller).allowed
    assert not evaluate(auth_type="NONE", function_arn=arn, resource_policy=resource,
                        caller_arn=caller, identity_policies=[identity]).allowed


def test_the_shipped_identity_policy_is_least_privilege() -> None:
    document = load("function-url-cross-account-identity-policy.json")
    assert document == table_identity_policy()
    for statement in document["Statement"]:
        assert statement["Resource"] != "*" and "*" not in statement["Action"]
        assert "Condition" in statement


def test_the_guard_scp_blocks_public_urls_only() -> None:
    guard = load("function-url-guard-scp.json")
    for action in ("lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"):
        assert policy_effect(guard, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "NONE"})[0] == "Deny"
        assert policy_effect(guard, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "AWS_IAM"})[0] is None
    assert policy_effect(guard, action="lambda:InvokeFunctionUrl", resource=FUNCTION,
                         context={"lambda:FunctionUrlAuthType": "NONE"})[0] is None
    allowed = policy({"Effect": "Allow", "Action": "lambda:CreateFunctionUrlConfig",
                      "Resource": FUNCTION})
    assert policy_effect(allowed, action="lambda:CreateFunctionUrlConfig",
                         resource=FUNCTION) == ("Allow", "policy statement 1")


def test_rendered_statements_use_aws_principal_forms() -> None:
    account = rendered_statement({"StatementId": "a", "Action": INVOKE, "Principal": "444455556666",
                                  "FunctionName": "my-function"}, FUNCTION)
    assert account["Principal"] == {"AWS": OTHER_ROOT} and "Condition" not in account
    service = rendered_statement({"StatementId": "s", "Action": INVOKE,
                                  "Principal": "apigateway.amazonaws.com",
                                  "FunctionName": "my-function", "Qualifier": "live"}, FUNCTION)
    assert service["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert service["Resource"] == ALIAS


@pytest.mark.parametrize(
    "kwargs",
    [{"function_name": "my function"}, {"function_name": 7}, {"auth_type": "PUBLIC"},
     {"principal": "two words"}, {"principal": ""}],
)
def test_invoke_permissions_rejects_bad_input(kwargs: dict) -> None:
    arguments = {"function_name": "my-function", "auth_type": "NONE", "principal": "*", **kwargs}
    with pytest.raises(ValueError):
        invoke_permissions(**arguments)


# ----------------------------------------------------------------- the truth table


def test_the_page_shows_the_generated_truth_table() -> None:
    text = PAGE.read_text()
    match = re.search(r"<!-- truth-table:start -->\n(.*?)\n<!-- truth-table:end -->", text, re.S)
    assert match, "the page needs the truth-table markers"
    assert match.group(1).strip() == truth_table_markdown()


def test_the_truth_table_follows_the_documented_rules() -> None:
    for row in truth_table():
        iam, public = row.results
        if row.caller == "unsigned":
            assert not iam
        elif row.caller == "same account":
            assert iam == (row.identity or row.resource)
        else:
            assert iam == (row.identity and row.resource)
        assert public == row.resource  # NONE: only the public grant matters
    assert len(truth_table()) == 10


# ----------------------------------------------------------------- command line


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def check_args(*extra: str, auth: str = "AWS_IAM") -> list[str]:
    return ["check", "--auth-type", auth, "--function-arn", FUNCTION, *extra]


def test_cli_allowed_and_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    resource = str(DATA / "function-url-cross-account-resource-policy.json")
    identity = str(DATA / "function-url-cross-account-identity-policy.json")
    assert main(check_args("--resource-policy", resource, "--caller", OTHER_SESSION,
                           "--identity-policy", identity)) == 0
    assert capsys.readouterr().out.startswith("ALLOWED")
    assert main(check_args("--resource-policy", resource, "--caller", OTHER_SESSION)) == 1
    out = capsys.readouterr().out
    assert out.startswith("DENIED") and "missing: an identity policy" in out
    public = str(DATA / "function-url-public-policy.json")
    assert main(check_args("--resource-policy", public, auth="NONE")) == 0
    assert main(check_args(auth="NONE")) == 1


def test_cli_accepts_several_identity_policies(tmp_path: Path) -> None:
    url_only = write(tmp_path, "a.json", policy(allow(INVOKE_URL)))
    invoke_only = write(tmp_path, "b.json", policy(allow(INVOKE)))
    assert main(check_args("--caller", SAME_SESSION, "--identity-policy", url_only,
                           invoke_only)) == 0
    assert main(check_args("--caller", SAME_SESSION, "--identity-policy", url_only)) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("directory", "is a directory"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ("", "not valid JSON"),
        ('{"Statement": [{"Effect": "Allow"}]}', "statement 1"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_cli_unusable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str
) -> None:
    if content is None:
        path = str(tmp_path / "missing.json")
    elif content == "directory":
        path = str(tmp_path)
    else:
        path = write(tmp_path, "policy.json", content)
    assert main(check_args("--resource-policy", path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_cli_refuses_huge_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "big.json", " " * (sec.MAX_POLICY_FILE_BYTES + 1))
    assert main(check_args("--resource-policy", path)) == 2
    assert "larger than" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [[], ["check"], ["check", "--auth-type", "PUBLIC", "--function-arn", FUNCTION],
     ["check", "--auth-type", "NONE", "--function-arn", "fn"], ["nonsense"],
     check_args("--caller", "alice")],
)
def test_cli_usage_errors_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        code = main(argv)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_help_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "Exit status" in capsys.readouterr().out
    assert main(["table"]) == 0
    assert capsys.readouterr().out.strip() == truth_table_markdown()


def test_cli_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.function_url_security", *check_args(
            "--resource-policy", str(tmp_path / "nope.json"))],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
statement_like = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.text(max_size=8) | st.integers(),
        "Effect": st.sampled_from(["Allow", "Deny", "allow", ""]) | json_values,
        "Action": st.sampled_from(["*", "lambda:*", "lambda:InvokeFunction*", BOTH, "x"])
        | json_values,
        "Resource": st.sampled_from(["*", FUNCTION, "arn:aws:lambda:*"]) | json_values,
        "Principal": st.sampled_from(["*", {"AWS": OTHER_ROLE}, {"AWS": "123456789012"}])
        | json_values,
        "Condition": st.dictionaries(
            st.sampled_from(["StringEquals", "Bool", "ArnLike", "Null", "StringNotLike",
                             "NumericEquals", "Bogus"]) | st.text(max_size=10),
            st.dictionaries(st.sampled_from(["aws:PrincipalAccount", "aws:PrincipalArn",
                                             "lambda:FunctionUrlAuthType"]) | st.text(max_size=8),
                            json_values, max_size=2),
            max_size=2) | json_values,
    },
)
documents = st.fixed_dictionaries(
    {"Statement": st.lists(statement_like, max_size=3) | statement_like | json_values},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "x"])},
) | json_values
arns = st.sampled_from([SAME_SESSION, OTHER_SESSION, SAME_ROOT, SAME_USER, None, "x", 7, ""])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(auth=st.sampled_from(["NONE", "AWS_IAM", "none", None]), resource=documents,
       identity=st.lists(documents, max_size=2) | json_values, caller=arns,
       function=st.sampled_from([FUNCTION, ALIAS, f"{FUNCTION}:1", "f"]) | st.text(max_size=20))
def test_evaluate_only_decides_or_raises_value_error(
    auth: Any, resource: Any, identity: Any, caller: Any, function: Any
) -> None:
    try:
        decision = evaluate(auth_type=auth, function_arn=function, resource_policy=resource,
                            caller_arn=caller, identity_policies=identity)
    except ValueError as error:
        assert str(error)
        return
    assert isinstance(decision.allowed, bool) and decision.explanation


@settings(max_examples=40, deadline=None)
@given(content=st.binary(max_size=200) | documents.map(lambda d: json.dumps(d).encode()))
def test_cli_survives_any_file(content: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "policy.json"
    path.write_bytes(content)
    errors = io.StringIO()
    stdout = io.StringIO()
    original = sys.stderr, sys.stdout
    sys.stderr, sys.stdout = errors, stdout
    try:
        code = main(check_args("--resource-policy", str(path), "--caller", SAME_SESSION))
    finally:
        sys.stderr, sys.stdout = original
    assert code in (0, 1, 2)
    if code == 2:
        assert errors.getvalue().count("\n") == 1
    path.unlink()


# ----------------------------------------------------------------- CloudFormation and files


def test_the_public_url_template_passes_cfn_lint() -> None:
    from cfnlint.api import ManualArgs, lint

    text = (DATA / "function-url-public-template.yaml").read_text()
    assert lint(text, config=ManualArgs(regions=["us-east-1"])) == []
    broken = text.replace("InvokedViaFunctionUrl: true", "InvokedViaFunctionUrl: maybe")
    assert any(m.rule.id == "E3012" for m in lint(broken, config=ManualArgs(
        regions=["us-east-1"])))


def test_the_template_grants_what_public_url_permissions_grants() -> None:
    import yaml

    resources = yaml.safe_load(
        (DATA / "function-url-public-template.yaml").read_text().replace("!Ref ", "").replace(
            "!GetAtt ", ""))["Resources"]
    permissions = [r["Properties"] for r in resources.values()
                   if r["Type"] == "AWS::Lambda::Permission"]
    expected = public_url_permissions("HelloFunction")
    for template, request in zip(permissions, expected, strict=True):
        assert {k: v for k, v in template.items() if k != "FunctionName"} == {
            k: v for k, v in request.items() if k not in ("FunctionName", "StatementId")}


def test_shipped_policy_loads_only_the_page_files() -> None:
    assert sec.shipped_policy("guard-scp") == load("function-url-guard-scp.json")
    for name in ("../secrets", "GUARD", "", 5, "missing"):
        with pytest.raises(ValueError):
            sec.shipped_policy(name)  # type: ignore[arg-type]


def test_permissions_for_an_alias_url(aws: None) -> None:
    arn = make_function()
    lam = boto3.client("lambda")
    version = lam.publish_version(FunctionName="my-function")["Version"]
    lam.create_alias(FunctionName="my-function", Name="live", FunctionVersion=version)
    requests = invoke_permissions("my-function", auth_type="AWS_IAM", principal=SAME_ROLE,
                                  qualifier="live")
    statements = sec.add_permissions(requests, client=lam)
    assert {s["Resource"] for s in statements} == {f"{arn}:live"}
    resource = rendered_policy(requests, arn)
    assert evaluate(auth_type="AWS_IAM", function_arn=f"{arn}:live", resource_policy=resource,
                    caller_arn=SAME_SESSION).allowed
    assert "Qualifier" not in invoke_permissions("my-function", auth_type="NONE",
                                                 principal="*", qualifier="$LATEST")[0]
    with pytest.raises(ValueError, match="version number"):
        invoke_permissions("my-function", auth_type="NONE", principal="*", qualifier="1")


@settings(max_examples=50, deadline=None)
@given(name=st.text(max_size=70) | st.integers() | st.none(),
       auth=st.sampled_from(["NONE", "AWS_IAM", "x"]) | st.none(),
       principal=st.text(max_size=30) | st.sampled_from(["*", OTHER_ROLE]) | st.integers(),
       qualifier=st.none() | st.text(max_size=10) | st.integers())
def test_invoke_permissions_only_builds_or_raises_value_error(
    name: Any, auth: Any, principal: Any, qualifier: Any
) -> None:
    try:
        requests = invoke_permissions(name, auth_type=auth, principal=principal,
                                      qualifier=qualifier)
    except ValueError:
        return
    assert [r["Action"] for r in requests] == [INVOKE_URL, INVOKE]


@settings(max_examples=50, deadline=None)
@given(document=documents, action=st.sampled_from([INVOKE, "lambda:CreateFunctionUrlConfig"])
       | st.text(max_size=10) | st.integers(),
       context=st.dictionaries(st.text(max_size=30), st.text(max_size=10), max_size=3)
       | st.none())
def test_policy_effect_only_judges_or_raises_value_error(
    document: Any, action: Any, context: Any
) -> None:
    try:
        effect, where = policy_effect(document, action=action, resource=FUNCTION,
                                      context=context)
    except ValueError:
        return
    assert effect in ("Allow", "Deny", None) and where


@settings(max_examples=50, deadline=None)
@given(requests=st.lists(st.dictionaries(
    st.sampled_from(["StatementId", "Action", "Principal", "Qualifier",
                     "FunctionUrlAuthType", "InvokedViaFunctionUrl"]),
    st.text(max_size=12) | st.booleans() | st.integers(), max_size=6), max_size=3) | json_values,
    function=st.sampled_from([FUNCTION, "x"]))
def test_rendered_policy_only_renders_or_raises_value_error(requests: Any, function: str) -> None:
    try:
        document = rendered_policy(requests, function)
    except ValueError:
        return
    assert len(document["Statement"]) == len(requests)


def test_the_page_shows_the_cli_output_it_gets(capsys: pytest.CaptureFixture[str]) -> None:
    match = re.search(r"<!-- cli-output:start -->\n```text\n(.*?)```\n<!-- cli-output:end -->",
                      PAGE.read_text(), re.S)
    assert match, "the page needs the cli-output markers"
    code = main(check_args("--caller", OTHER_SESSION, "--identity-policy",
                           str(DATA / "function-url-cross-account-identity-policy.json")))
    assert code == 1 and capsys.readouterr().out == match.group(1)
