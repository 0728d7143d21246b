"""Tests for cicd_check.url_auth: evaluate() against AWS's rules for a Function URL call (both
actions, the auth types, same and cross account), permissions and their fixes, and fuzzing.

The policy language itself is tested in test_iam_policy.py, the FU rules in templates in
test_url_template.py and ``cicd-check url-auth`` in test_url_command.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.iam_policy import service_caller
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    evaluate,
    invoke_permissions,
    public_url_permissions,
    rendered_policy,
    rendered_statement,
)
from tests.cicd_check.support import (
    ALIAS,
    AWS_CROSS_ACCOUNT_OLD,
    AWS_PUBLIC_OLD,
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
    json_values,
    load,
    policy,
    with_condition,
)


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


