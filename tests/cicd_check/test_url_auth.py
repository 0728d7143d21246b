"""Tests for cicd_check.url_auth: evaluate() against AWS's rules, permissions, the template
rules FU001-FU006, the ``cicd-check url-auth`` command, real files and structured fuzzing."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.cli import main as cicd_main
from cicd_check.documents import load_document
from cicd_check.iam_policy import parse_policy, policy_effect, service_caller
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    evaluate,
    invoke_permissions,
    public_url_permissions,
    rendered_policy,
    rendered_statement,
    template_findings,
)
from tests.support.fuzzing import FUZZ

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "snippets" / "aws_lambda"
REAL = Path(__file__).with_name("data") / "url-auth"


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


def test_public_url_permissions_are_two_statements() -> None:
    first, second = public_url_permissions("my-function")
    assert first["Action"] == INVOKE_URL and first["FunctionUrlAuthType"] == "NONE"
    assert second["Action"] == INVOKE and second["InvokedViaFunctionUrl"] is True
    assert first["Principal"] == second["Principal"] == "*"


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



def test_a_service_principal_calls_only_as_itself_for_its_source() -> None:
    distribution = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
    requests = invoke_permissions("my-function", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
                                  source_arn=distribution)
    resource = rendered_policy(requests, FUNCTION)
    assert resource["Statement"][0]["Condition"]["ArnLike"] == {"AWS:SourceArn": distribution}
    cloudfront = service_caller(sec.CLOUDFRONT, distribution)
    call = dict(auth_type="AWS_IAM", function_arn=FUNCTION, resource_policy=resource)
    assert sec.decide(**call, caller=cloudfront).allowed
    other = service_caller(sec.CLOUDFRONT, distribution.replace("EDFD", "XXXX"))
    assert not sec.decide(**call, caller=other).allowed
    half = rendered_policy(requests[:1], FUNCTION)
    decision = sec.decide(**{**call, "resource_policy": half}, caller=cloudfront)
    assert decision.missing == (INVOKE,)
    assert not decide(resource=resource, caller=SAME_SESSION).allowed  # a user is not CloudFront
    with pytest.raises(ValueError, match="no identity policies"):
        sec.decide(**call, caller=cloudfront, identity_policies=[IDENTITY_BOTH])


@pytest.mark.parametrize("service, source", [("cloudfront", "arn:x"), (7, "arn:aws:cloudfront::1"),
                                             (sec.CLOUDFRONT, "not-an-arn"), (sec.CLOUDFRONT, 5)])
def test_service_callers_are_checked(service: Any, source: Any) -> None:
    with pytest.raises(ValueError):
        service_caller(service, source)


def test_wildcards_match_in_bounded_time() -> None:
    from cicd_check.iam_policy import _like

    assert _like("a*b?d", "axxxbcd") and not _like("a*b?d", "axxxbd")
    assert _like("*", "") and _like("**", "x") and not _like("a*", "")
    assert not _like("a*" * 40 + "b", "a" * 20_000)  # a regex would backtrack for ever
    assert _like("ARN:*", "arn:aws", case_sensitive=False)


def test_fix_commands_and_template_resources() -> None:
    first, second = invoke_permissions("web", auth_type="NONE", principal="*", qualifier="live")
    assert sec.cli_command(first) == (
        "aws lambda add-permission --function-name web --qualifier live --statement-id UrlPublic"
        ' --action lambda:InvokeFunctionUrl --principal "*" --function-url-auth-type NONE')
    assert sec.cli_command(second).endswith("--invoked-via-function-url")
    resource = sec.template_resource(second, function_ref="Web")
    assert 'FunctionName: !Sub "${Web.Arn}:live"' in resource
    assert "InvokedViaFunctionUrl: true" in resource
    oac = invoke_permissions("web", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
                             source_arn="arn:aws:cloudfront::123456789012:distribution/E1")
    assert "--source-arn arn:aws:cloudfront" in sec.cli_command(oac[1])
    assert "FunctionName: !GetAtt Web.Arn" in sec.template_resource(oac[0], "Web")
    assert 'SourceArn: {"Fn::Sub"' in sec.template_resource(
        {**oac[0], "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::x"}})
    with pytest.raises(ValueError, match="source_arn"):
        invoke_permissions("web", auth_type="NONE", principal="*", source_arn="nope")


# ----------------------------------------------------------------- cicd-check url-auth


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cicd_main(["url-auth", *argv])
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


CROSS_RESOURCE = str(DATA / "function-url-cross-account-resource-policy.json")
CROSS_IDENTITY = str(DATA / "function-url-cross-account-identity-policy.json")
PUBLIC = str(DATA / "function-url-public-policy.json")


def test_command_allowed_and_denied() -> None:
    code, out, _ = run("--auth-type", "AWS_IAM", CROSS_RESOURCE, "--caller", OTHER_SESSION,
                       "--identity-policy", CROSS_IDENTITY)
    assert code == 0 and out.startswith("ALLOWED")
    code, out, _ = run("--auth-type", "AWS_IAM", CROSS_RESOURCE, "--caller", OTHER_SESSION)
    assert code == 1 and "FU002" in out and "identity policy in the caller's account" in out
    assert run("--auth-type", "NONE", PUBLIC)[0] == 0
    code, out, _ = run("--auth-type", "NONE", "--function-arn", FUNCTION)
    assert code == 1 and "FU002" in out


def test_command_reads_get_policy_output_and_inline_json(tmp_path: Path) -> None:
    old = policy(allow(INVOKE_URL, "*"))
    wrapped = write(tmp_path, "get-policy.json", {"Policy": json.dumps(old), "RevisionId": "1"})
    code, out, _ = run("--auth-type", "NONE", wrapped, "--fix")
    assert code == 1 and "FU001" in out and sec.FORBIDDEN in out
    assert "--action lambda:InvokeFunction --principal \"*\" --invoked-via-function-url" in out
    assert "Type: AWS::Lambda::Permission" in out and "InvokedViaFunctionUrl: true" in out
    assert "--action lambda:InvokeFunctionUrl" not in out  # only what is missing
    both = json.dumps(policy(allow(BOTH, "*")))
    assert run("--auth-type", "NONE", "--resource-policy", both)[0] == 0


def test_command_fix_for_a_cross_account_caller() -> None:
    code, out, _ = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller",
                       OTHER_SESSION, "--identity-policy", CROSS_IDENTITY, "--fix")
    assert code == 1
    assert "--principal arn:aws:iam::444455556666:role/example" in out
    assert out.count("aws lambda add-permission") == 2


def test_command_fix_for_a_deny_says_permissions_cannot_help() -> None:
    deny = json.dumps(policy(allow(BOTH, "*"), {"Sid": "No", "Effect": "Deny", "Principal": "*",
                                                "Action": "lambda:*", "Resource": FUNCTION}))
    code, out, _ = run("--auth-type", "NONE", "--resource-policy", deny, "--fix")
    assert code == 1 and "explicitly denied" in out and "cannot help" in out


def test_command_several_identity_policies(tmp_path: Path) -> None:
    url_only = write(tmp_path, "a.json", policy(allow(INVOKE_URL)))
    invoke_only = write(tmp_path, "b.json", policy(allow(INVOKE)))
    base = ("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller", SAME_SESSION)
    assert run(*base, "--identity-policy", url_only, "--identity-policy", invoke_only)[0] == 0
    code, out, _ = run(*base, "--identity-policy", url_only)
    assert code == 1 and "FU001" in out


def test_command_without_a_caller_judges_every_named_principal(tmp_path: Path) -> None:
    distribution = "arn:aws:cloudfront::123456789012:distribution/E1"
    half = rendered_policy(invoke_permissions(
        "my-function", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
        source_arn=distribution)[:1], FUNCTION)
    code, out, _ = run("--auth-type", "AWS_IAM", write(tmp_path, "p.json", half), "--fix")
    assert code == 1 and "FU001" in out and "missing lambda:InvokeFunction" in out
    assert f"--source-arn {distribution}" in out
    assert run("--auth-type", "AWS_IAM", CROSS_RESOURCE)[0] == 0
    code, out, _ = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION)
    assert code == 0 and "names no principal" in out


def test_command_cloudfront_oac_post_needs_the_payload_hash(tmp_path: Path) -> None:
    distribution = "arn:aws:cloudfront::123456789012:distribution/E1"
    both = write(tmp_path, "p.json", rendered_policy(invoke_permissions(
        "my-function", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
        source_arn=distribution), FUNCTION))
    oac = ("--auth-type", "AWS_IAM", "--via", "cloudfront-oac", both)
    assert run(*oac)[0] == 0
    code, out, _ = run(*oac, "--method", "post")
    assert code == 1 and "FU005" in out and sec.SIGNATURE_MISMATCH in out
    assert run(*oac, "--method", "POST", "--content-sha256")[0] == 0
    other = ("--distribution-arn", "arn:aws:cloudfront::123456789012:distribution/E2")
    assert run(*oac, *other)[0] == 1
    code, _, err = run(*oac, "--caller", SAME_SESSION)
    assert code == 2 and err.count("\n") == 1


def test_command_checks_a_template(tmp_path: Path) -> None:
    template = write(tmp_path, "template.yaml", TEMPLATE_HALF)
    code, out, _ = run(template, "--fix")
    assert code == 1 and "FU001" in out and f"{template}:" in out
    assert "FunctionName: !GetAtt Web.Arn" in out
    fixed = write(tmp_path, "fixed.yaml", TEMPLATE_HALF + TEMPLATE_INVOKE)
    code, out, _ = run(fixed)
    assert code == 0 and "as intended" in out
    broken = write(tmp_path, "broken.yaml", "AWSTemplateFormatVersion: x\nResources: {a: [\n")
    assert run(broken)[0] == 2


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
        ('{"Policy": "[1"}', "not valid JSON"),
        ("[" * 100_000, "not valid JSON"),
        (" " * 1_000_001, "larger than"),
    ],
)
def test_command_unusable_input_exits_2_with_one_line(
    tmp_path: Path, content: Any, message: str
) -> None:
    if content is None:
        path = str(tmp_path / "missing.json")
    elif content == "directory":
        path = str(tmp_path)
    else:
        path = write(tmp_path, "policy.json", content)
    code, _, err = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION,
                       "--resource-policy", path)
    assert code == 2 and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(
    "argv",
    [[], ["--auth-type", "PUBLIC"], ["--auth-type", "NONE", "--function-arn", "fn"],
     ["--auth-type", "NONE", "--function-arn", f"{FUNCTION}:7"],
     ["--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller", "alice"],
     ["--auth-type", "NONE", "--resource-policy", "{}", PUBLIC],
     ["--auth-type", "NONE", "--resource-policy", json.dumps(policy(allow(BOTH, "*"),
                                                                   {**allow(BOTH, "*"),
                                                                    "Resource": ALIAS}))],
     ["--auth-type", "AWS_IAM", "--via", "cloudfront-oac", "--function-arn", FUNCTION,
      "--distribution-arn", "nope"],
     ["--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--identity-policy", "{]"],
     ["--method", "TRACE"]],
)
def test_command_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2 and err.count("\n") == 1, err


def test_command_help() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "--via" in out and "Exit status" in out


# ----------------------------------------------------------------- templates (FU001-FU006)

TEMPLATE_HALF = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: web
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/web
      Code: {ZipFile: "def handler(event, context): return 'hi'"}
  WebUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Web.Arn
      AuthType: NONE
  WebUrlPublic:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Web
      Action: lambda:InvokeFunctionUrl
      Principal: "*"
      FunctionUrlAuthType: NONE
"""
TEMPLATE_INVOKE = """\
  WebUrlPublicInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Web.Arn
      Action: lambda:InvokeFunction
      Principal: "*"
      InvokedViaFunctionUrl: true
"""


def findings_of(text: str) -> list[Any]:
    return template_findings(load_document(text, flavor="cloudformation"))


def ids(text: str) -> list[str]:
    return sorted(f.id for f in findings_of(text))


def test_a_public_url_with_only_the_url_grant_is_an_error_on_its_line() -> None:
    (finding,) = findings_of(TEMPLATE_HALF)
    assert finding.id == "FU001" and finding.is_error and finding.line == 15
    assert "lambda:InvokeFunction" in finding and sec.FORBIDDEN in finding
    assert ids(TEMPLATE_HALF + TEMPLATE_INVOKE) == []


@pytest.mark.parametrize("reference", [
    "!Ref Web", "!GetAtt Web.Arn", "!GetAtt [Web, Arn]", '!Sub "${Web.Arn}"', "web",
    "arn:aws:lambda:us-east-1:123456789012:function:web", "123456789012:function:web"])
def test_references_to_the_function_resolve(reference: str) -> None:
    invoke = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", reference)
    assert ids(TEMPLATE_HALF + invoke) == []


@pytest.mark.parametrize("reference", [
    "!ImportValue shared-fn", "!Ref FunctionParam", '!Sub "${FunctionParam}"',
    "!If [IsProd, !Ref Web, !Ref AWS::NoValue]", "!Select [0, [a, b]]", "{Fn::Sub: [x, {}]}"])
def test_unknown_references_are_never_an_error(reference: str) -> None:
    invoke = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", reference)
    assert ids(TEMPLATE_HALF + invoke) == []  # it may be the missing grant: no guess


def test_a_grant_for_another_function_or_alias_does_not_count() -> None:
    other = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", "other-function")
    assert ids(TEMPLATE_HALF + other) == ["FU001"]
    alias = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", '!Sub "${Web.Arn}:live"')
    assert ids(TEMPLATE_HALF + alias) == ["FU001"]


def test_an_alias_url_needs_grants_on_the_alias() -> None:
    alias = """\
  Live:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Web, FunctionVersion: "1", Name: live}
"""
    on_alias = TEMPLATE_HALF.replace("TargetFunctionArn: !GetAtt Web.Arn",
                                     "TargetFunctionArn: !Ref Live")
    assert ids(on_alias + alias) == ["FU002"]  # the grants are on $LATEST
    grants = (TEMPLATE_HALF.split("  WebUrlPublic:")[1] + TEMPLATE_INVOKE).replace(
        "!Ref Web", "!Ref Live").replace("!GetAtt Web.Arn", '!Sub "${Web.Arn}:live"')
    assert ids(on_alias + alias + "  WebUrlPublic:" + grants) == []
    qualified = TEMPLATE_HALF.replace("AuthType: NONE", "AuthType: NONE\n      Qualifier: live")
    assert ids(qualified + alias) == ["FU002"]
    unknown = TEMPLATE_HALF.replace("AuthType: NONE", "AuthType: NONE\n      Qualifier: !Ref Q")
    assert ids(unknown) == []


def test_only_the_invoke_grant_is_an_error_too() -> None:
    only_invoke = TEMPLATE_HALF.split("  WebUrlPublic:")[0] + TEMPLATE_INVOKE
    (finding,) = findings_of(only_invoke)
    assert finding.id == "FU001" and "no permission grants it lambda:InvokeFunctionUrl" in finding


def test_a_public_url_without_any_grant_is_a_warning() -> None:
    bare = TEMPLATE_HALF.split("  WebUrlPublic:")[0]
    (finding,) = findings_of(bare)
    assert finding.id == "FU002" and not finding.is_error
    assert ids(bare.replace("AuthType: NONE", "AuthType: AWS_IAM")) == []


def test_function_url_auth_type_on_invoke_function_fails_the_deployment() -> None:
    text = TEMPLATE_HALF + TEMPLATE_INVOKE + "      FunctionUrlAuthType: NONE\n"
    found = findings_of(text)
    assert [f.id for f in found] == ["FU003"]
    assert sec.ONLY_FOR_URL_ACTION in found[0]
    assert found[0].line == text.count("\n")  # the last line: FunctionUrlAuthType


def test_an_auth_type_that_differs_from_the_url_opens_nothing() -> None:
    iam = TEMPLATE_HALF.replace("AuthType: NONE\n", "AuthType: AWS_IAM\n", 1)
    assert ids(iam + TEMPLATE_INVOKE) == ["FU004"]
    assert ids(iam.replace("FunctionUrlAuthType: NONE", "FunctionUrlAuthType: AWS_IAM")
               + TEMPLATE_INVOKE) == []
    unknown = TEMPLATE_HALF.replace("AuthType: NONE\n", "AuthType: !Ref Auth\n", 1)
    assert ids(unknown) == []


def test_public_invoke_without_the_url_condition_is_a_warning() -> None:
    loose = TEMPLATE_INVOKE.replace("      InvokedViaFunctionUrl: true\n", "")
    found = findings_of(TEMPLATE_HALF + loose)
    assert [f.id for f in found] == ["FU006"] and not found[0].is_error
    assert ids(TEMPLATE_HALF + loose + "      SourceAccount: '123456789012'\n") == []
    as_text = TEMPLATE_INVOKE.replace("true", '"TRUE"')
    assert ids(TEMPLATE_HALF + as_text) == []


CLOUDFRONT_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/web
      Code: {ZipFile: "exports.handler = async () => 'hi'"}
  WebUrl:
    Type: AWS::Lambda::Url
    Properties: {TargetFunctionArn: !GetAtt Web.Arn, AuthType: AWS_IAM}
  Oac:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig:
        Name: web
        OriginAccessControlOriginType: lambda
        SigningBehavior: always
        SigningProtocol: sigv4
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: web
            DomainName: !Select [2, !Split ["/", !GetAtt WebUrl.FunctionUrl]]
            OriginAccessControlId: !GetAtt Oac.Id
            CustomOriginConfig: {OriginProtocolPolicy: https-only}
        DefaultCacheBehavior:
          TargetOriginId: web
          ViewerProtocolPolicy: redirect-to-https
          AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
          CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
  CdnInvokeUrl:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunctionUrl
      FunctionName: !GetAtt Web.Arn
      Principal: cloudfront.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
      FunctionUrlAuthType: AWS_IAM
"""
CLOUDFRONT_INVOKE = """\
  CdnInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Web.Arn
      Principal: cloudfront.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
"""


def test_cloudfront_oac_needs_both_grants_and_a_signed_body() -> None:
    assert ids(CLOUDFRONT_TEMPLATE) == ["FU001", "FU005"]
    fixes = sec_template_fixes(CLOUDFRONT_TEMPLATE)
    assert len(fixes) == 1 and "Principal: cloudfront.amazonaws.com" in fixes[0]
    assert 'SourceArn: {"Fn::Sub"' in fixes[0]
    assert ids(CLOUDFRONT_TEMPLATE + CLOUDFRONT_INVOKE) == ["FU005"]
    edge = """\
          LambdaFunctionAssociations:
            - EventType: origin-request
              IncludeBody: true
              LambdaFunctionARN: arn:aws:lambda:us-east-1:123456789012:function:sign:1
"""
    signed = CLOUDFRONT_TEMPLATE.replace(
        "          CachePolicyId:", edge + "          CachePolicyId:")
    assert ids(signed + CLOUDFRONT_INVOKE) == []
    reads = CLOUDFRONT_TEMPLATE.replace(", PUT, PATCH, POST, DELETE", "")
    assert ids(reads + CLOUDFRONT_INVOKE) == []
    never = CLOUDFRONT_TEMPLATE.replace("SigningBehavior: always", "SigningBehavior: never")
    assert ids(never + CLOUDFRONT_INVOKE) == []


def sec_template_fixes(text: str) -> list[str]:
    from cicd_check.url_template import template_fixes

    return template_fixes(load_document(text, flavor="cloudformation"))


def test_sam_function_url_config_gets_both_grants_from_sam() -> None:
    sam = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): return 'hi'"
      AutoPublishAlias: live
      FunctionUrlConfig: {AuthType: NONE}
"""
    assert ids(sam) == []
    wrong = sam + """\
  Extra:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunctionUrl
      FunctionName: !Sub "${Web.Arn}:live"
      Principal: "*"
      FunctionUrlAuthType: AWS_IAM
"""
    assert ids(wrong) == ["FU004"]


@pytest.mark.parametrize("data", [None, [], "text", {"Resources": []}, {"Resources": {"a": 1}},
                                  {"Resources": {"u": {"Type": "AWS::Lambda::Url"}}},
                                  {"Resources": {"u": {"Type": "AWS::Lambda::Url",
                                                       "Properties": []}}}])
def test_odd_templates_give_no_findings(data: Any) -> None:
    class Doc:
        def __init__(self, value: Any) -> None:
            self.data = value

        def where(self, path: Any) -> tuple[None, None]:
            return None, None

    assert template_findings(Doc(data)) == []
    assert template_findings(object()) == []


# ----------------------------------------------------------------- real files

REAL_FILES = sorted(REAL.glob("*.y*ml")) + sorted(REAL.glob("*.json"))


def test_there_are_real_files() -> None:
    assert len(REAL_FILES) >= 3, REAL_FILES


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_templates_aws_accepts_have_no_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and "github.com" in text.splitlines()[0], (
        f"{path.name}: the first line must name the repository and path it came from")
    document = load_document(text, flavor="cloudformation", what=path.name)
    found = template_findings(document)
    expected = re.findall(r"# expect: (FU\d{3})", text)
    assert sorted(f.id for f in found) == sorted(expected), [str(f) for f in found]
    assert all(not f.is_error for f in found if f.id not in expected)


# ----------------------------------------------------------------- structured fuzzing

ARNS_OF_EVERY_FORM = [
    "*", "123456789012", "444455556666", SAME_ROOT, OTHER_ROOT, SAME_ROLE, OTHER_ROLE,
    SAME_USER, SAME_SESSION, OTHER_SESSION, "arn:aws:iam::123456789012:role/team/app",
]
principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": st.sampled_from(ARNS_OF_EVERY_FORM)
                           | st.lists(st.sampled_from(ARNS_OF_EVERY_FORM), min_size=1,
                                      max_size=3)}),
    st.fixed_dictionaries({"Service": st.sampled_from(["cloudfront.amazonaws.com",
                                                       "apigateway.amazonaws.com"])}),
    st.fixed_dictionaries({"Federated": st.just("cognito-identity.amazonaws.com")}),
    st.fixed_dictionaries({"CanonicalUser": st.just("79a59df900b949e55d96a1e698fbace")}),
)
condition_values = (st.sampled_from(["NONE", "AWS_IAM", "true", "123456789012", SAME_ROLE,
                                     "arn:aws:cloudfront::123456789012:distribution/*"])
                    | st.booleans() | st.integers(-5, 5))
conditions = st.dictionaries(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "ArnLike", "ArnEquals",
                     "Bool", "Null", "StringEqualsIfExists", "ForAnyValue:StringEquals",
                     "ForAllValues:StringLike", "StringEqualsIgnoreCase"]),
    st.dictionaries(st.sampled_from(["lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl",
                                     "aws:PrincipalAccount", "aws:PrincipalArn",
                                     "AWS:SourceArn", "aws:SourceAccount"]),
                    condition_values | st.lists(condition_values, min_size=1, max_size=3),
                    min_size=1, max_size=2),
    max_size=2)
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]),
     "Action": st.sampled_from([INVOKE_URL, INVOKE, "lambda:*", "lambda:Invoke*", BOTH]),
     "Resource": st.sampled_from([FUNCTION, "*", ALIAS, "arn:aws:lambda:*:*:function:my-*"]),
     "Principal": principals},
    optional={"Sid": st.sampled_from(["A", "B"]), "Condition": conditions})
policies = st.builds(lambda s: {"Version": "2012-10-17", "Statement": s},
                     st.lists(statements, min_size=1, max_size=4))
BAD_VALUES = (st.sampled_from([{"AWS": []}, {"AWS": {"x": 1}}, ["Allow"], {"StringEquals": 1},
                               "", None, 10**400, "\ud800", {"Fn::Sub": ["x", {}]}, "${aws:x}",
                               {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}])
              | st.recursive(st.text(max_size=5) | st.integers(),
                             lambda inner: st.lists(inner, max_size=2)
                             | st.dictionaries(st.text(max_size=4), inner, max_size=2),
                             max_leaves=4))


def with_one_bad_value(document: dict, where: int, key: str, bad: Any) -> dict:
    statement = document["Statement"][where % len(document["Statement"])]
    if key == "Condition" and isinstance(statement.get("Condition"), dict) and \
            statement["Condition"]:
        operator = next(iter(statement["Condition"]))
        inner = statement["Condition"][operator]
        inner[next(iter(inner))] = bad  # a condition value that is a list/map/junk
    else:
        statement[key] = bad
    return document


@FUZZ
@given(document=policies, where=st.integers(0, 3),
       key=st.sampled_from(["Effect", "Action", "Resource", "Principal", "Condition", "Sid",
                            "NotPrincipal"]),
       bad=BAD_VALUES, spoil=st.booleans(),
       caller=st.sampled_from([SAME_SESSION, OTHER_SESSION, SAME_ROOT, SAME_USER, None]),
       auth=st.sampled_from(["NONE", "AWS_IAM"]))
def test_well_formed_policies_with_one_bad_value_decide_or_raise_value_error(
    document: dict, where: int, key: str, bad: Any, spoil: bool, caller: Any, auth: str
) -> None:
    if spoil:
        document = with_one_bad_value(document, where, key, bad)
    try:
        decision = evaluate(auth_type=auth, function_arn=FUNCTION, resource_policy=document,
                            caller_arn=caller, identity_policies=[])
    except ValueError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(decision.allowed, bool) and decision.explanation
    assert decision.allowed == (not decision.missing)


@FUZZ
@given(document=policies, where=st.integers(0, 3), key=st.sampled_from(["Principal", "Condition",
                                                                          "Action"]),
       bad=BAD_VALUES, via=st.sampled_from(["direct", "cloudfront-oac"]),
       method=st.sampled_from(["GET", "POST"]))
def test_the_command_survives_well_formed_policies_with_one_bad_value(
    document: dict, where: int, key: str, bad: Any, via: str, method: str
) -> None:
    document = with_one_bad_value(document, where, key, bad)
    try:
        text = json.dumps(document)
    except (TypeError, ValueError, UnicodeEncodeError):
        return  # not expressible as JSON: cannot reach the command
    code, _, err = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--via", via,
                       "--method", method, "--resource-policy", text)
    assert code in (0, 1, 2)
    assert "Traceback" not in err and (code != 2 or err.count("\n") == 1), err


TEMPLATE_VALUES = [("WebUrl", "TargetFunctionArn"), ("WebUrl", "AuthType"),
                   ("WebUrl", "Qualifier"), ("WebUrlPublic", "FunctionName"),
                   ("WebUrlPublic", "Action"), ("WebUrlPublic", "Principal"),
                   ("WebUrlPublic", "FunctionUrlAuthType"),
                   ("WebUrlPublicInvoke", "InvokedViaFunctionUrl"),
                   ("WebUrlPublicInvoke", "FunctionName")]
INTRINSICS = st.sampled_from([{"Ref": ["a", "b"]}, {"Fn::GetAtt": {"a": 1}}, {"Fn::GetAtt": []},
                              {"Fn::Sub": ["${Web.Arn}", {"x": 1}]}, {"Fn::If": [1, 2]},
                              {"Ref": "Web", "Extra": 1}, {"Fn::GetAtt": "Web"},
                              {"Fn::GetAtt": ["Oac", "Id"]}, {"Ref": "Missing"}])


@FUZZ
@given(target=st.sampled_from(TEMPLATE_VALUES), bad=INTRINSICS | BAD_VALUES)
def test_well_formed_templates_with_one_bad_value_never_crash(target: tuple[str, str],
                                                               bad: Any) -> None:
    document = load_document(TEMPLATE_HALF + TEMPLATE_INVOKE, flavor="cloudformation")
    resource, key = target
    document.data["Resources"][resource]["Properties"][key] = bad
    found = template_findings(document)
    assert all(f.id.startswith("FU") for f in found)


@FUZZ
@given(path=st.sampled_from([("Origins", 0, "OriginAccessControlId"),
                             ("DefaultCacheBehavior", "AllowedMethods"),
                             ("DefaultCacheBehavior", "TargetOriginId"),
                             ("DefaultCacheBehavior", "LambdaFunctionAssociations"),
                             ("Origins",), ("CacheBehaviors",)]),
       bad=INTRINSICS | BAD_VALUES)
def test_well_formed_cloudfront_templates_with_one_bad_value_never_crash(
    path: tuple[Any, ...], bad: Any
) -> None:
    document = load_document(CLOUDFRONT_TEMPLATE, flavor="cloudformation")
    node = document.data["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    assert all(f.id.startswith("FU") for f in template_findings(document))
