"""Tests for cicd_check.iam_policy: the IAM policy language as the Function URL checks read it
(principals, actions, resources, condition operators, deny, malformed policies), mostly
through url_auth.evaluate, plus its public helpers called directly."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.iam_policy import (
    applies,
    condition_holds,
    parse_caller,
    parse_function_arn,
    parse_policy,
    policy_effect,
    principal_match,
    service_caller,
)
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    evaluate,
)
from tests.cicd_check.support import (
    ALIAS,
    AWS_CROSS_ACCOUNT_OLD,
    AWS_DENY_UPDATE_NONE,
    AWS_INVOKE_POLICY,
    AWS_PUBLIC_OLD,
    AWS_SCP,
    BAD_VALUES,
    BOTH,
    FUNCTION,
    IDENTITY_BOTH,
    OTHER_ROLE,
    OTHER_ROOT,
    OTHER_SESSION,
    SAME_ROLE,
    SAME_ROOT,
    SAME_SESSION,
    SAME_USER,
    allow,
    decide,
    documents,
    policies,
    policy,
    with_condition,
    with_one_bad_value,
)
from tests.support.fuzzing import FUZZ


@pytest.mark.parametrize(
    "document, resource_policy",
    [(AWS_CROSS_ACCOUNT_OLD, True), (AWS_PUBLIC_OLD, True), (AWS_DENY_UPDATE_NONE, True),
     (AWS_SCP, False), (AWS_INVOKE_POLICY, False)],
)
def test_aws_reference_policies_are_readable(document: dict, resource_policy: bool) -> None:
    assert parse_policy(document, label="p", resource_policy=resource_policy)


def test_aws_scp_example_denies_none_and_allows_iam_url_changes() -> None:
    for action in ("lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"):
        effect, where = policy_effect(AWS_SCP, action=action, resource=FUNCTION,
                                      context={"lambda:FunctionUrlAuthType": "NONE"})
        assert (effect, where) == ("Deny", "policy statement 1")
        assert policy_effect(AWS_SCP, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "AWS_IAM"})[0] is None


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


# ----------------------------------------------------------------- the helpers, called directly


def test_parse_caller_reads_every_caller_form() -> None:
    session = parse_caller(SAME_SESSION)
    assert (session.kind, session.account, session.name, session.session) == (
        "session", "123456789012", "app", "session-1")
    assert session.principal_arn == SAME_ROLE  # a session is judged as its role
    assert parse_caller(SAME_USER).kind == "user" and parse_caller(SAME_USER).name == "alice"
    assert parse_caller(SAME_ROOT).kind == "root"
    assert parse_caller(OTHER_ROLE).principal_arn == OTHER_ROLE
    with pytest.raises(ValueError, match=r"^who: 'alice' is not an IAM user"):
        parse_caller("alice", field="who")


def test_parse_function_arn_accepts_aliases_and_refuses_versions() -> None:
    assert parse_function_arn(ALIAS).group("qualifier") == "live"
    assert not parse_function_arn(FUNCTION).group("qualifier")
    with pytest.raises(ValueError, match="published version"):
        parse_function_arn(f"{FUNCTION}:7")
    with pytest.raises(ValueError, match=r"^fn: 7 is not a Lambda function ARN"):
        parse_function_arn(7, field="fn")


def test_condition_holds_and_applies_on_parsed_statements() -> None:
    (statement,) = parse_policy(with_condition(
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ap?"}}),
        label="identity policy", resource_policy=False)
    (condition,) = statement.conditions
    assert condition.key == "aws:principalarn"  # keys are case-insensitive
    assert condition_holds(condition, {"aws:principalarn": SAME_ROLE}, "here")
    assert not condition_holds(condition, {"aws:principalarn": OTHER_ROLE + "x"}, "here")
    assert applies(statement, INVOKE, FUNCTION, {"aws:principalarn": SAME_ROLE})
    assert not applies(statement, "s3:GetObject", FUNCTION, {"aws:principalarn": SAME_ROLE})
    ip = parse_policy(with_condition({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
                      label="p", resource_policy=False)[0].conditions[0]
    with pytest.raises(ValueError, match=r"^here: condition operator IpAddress"):
        condition_holds(ip, {}, "here")


@pytest.mark.parametrize("principal, caller, how", [
    ("*", SAME_SESSION, "public"),
    ({"AWS": SAME_ROLE}, SAME_SESSION, "exact"),
    ({"AWS": "123456789012"}, SAME_SESSION, "account"),
    ({"AWS": "123456789012"}, SAME_ROOT, "exact"),
    ({"AWS": OTHER_ROLE}, SAME_SESSION, ""),
    ({"Service": "cloudfront.amazonaws.com"}, SAME_SESSION, ""),
])
def test_principal_match_says_how_the_statement_names_the_caller(
    principal: Any, caller: str, how: str
) -> None:
    (statement,) = parse_policy(policy(allow(BOTH, principal)), label="resource policy",
                                resource_policy=True)
    assert principal_match(statement, parse_caller(caller)) == how
    assert principal_match(statement, None) == ("public" if principal == "*" else "")


def test_a_service_caller_matches_only_its_service_principal() -> None:
    cloudfront = service_caller("cloudfront.amazonaws.com",
                                "arn:aws:cloudfront::123456789012:distribution/E1")
    assert (cloudfront.kind, cloudfront.account) == ("service", "123456789012")
    (statement,) = parse_policy(policy(allow(BOTH, {"Service": "cloudfront.amazonaws.com"})),
                                label="resource policy", resource_policy=True)
    assert principal_match(statement, cloudfront) == "exact"
    (named,) = parse_policy(policy(allow(BOTH, {"AWS": SAME_ROLE})), label="resource policy",
                            resource_policy=True)
    assert principal_match(named, cloudfront) == ""
