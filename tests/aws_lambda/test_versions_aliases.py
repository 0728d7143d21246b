"""Versions and aliases in moto, and the routing rules AWS enforces that moto does not."""

from __future__ import annotations

import math
import re
from pathlib import Path

import boto3
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from snippets.aws_lambda import versions_aliases as va
from tests.support.fuzzing import FUZZ, JUNK
from tests.support.strict_model import StrictModelError

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/versions-aliases.md"


@pytest.fixture
def function(aws: None) -> str:
    va.create_demo_function("orders")
    return "orders"


# ---------------------------------------------------------------- versions


def test_published_versions_are_numbered_from_1_and_have_their_own_arn(function) -> None:
    v1 = va.publish_new_version(function, "v1")
    v2 = va.publish_new_version(function, "v2")
    assert (v1["Version"], v2["Version"]) == ("1", "2")
    assert v1["FunctionArn"].endswith(":function:orders:1"), "a version ARN is qualified"
    latest = boto3.client("lambda").get_function(FunctionName=function)["Configuration"]
    assert latest["Version"] == "$LATEST"
    assert va.split_function_arn(latest["FunctionArn"]) == ("orders", None), (
        "the unqualified ARN is $LATEST's"
    )


def test_a_published_version_keeps_its_code_when_latest_changes(function) -> None:
    lam = boto3.client("lambda")
    v1 = va.publish_new_version(function, "v1")
    lam.update_function_code(FunctionName=function, ZipFile=va.zipped_handler("v9"))
    frozen = lam.get_function(FunctionName=function, Qualifier="1")["Configuration"]
    latest = lam.get_function(FunctionName=function)["Configuration"]
    assert frozen["CodeSha256"] == v1["CodeSha256"], "version 1 is immutable"
    assert latest["CodeSha256"] != v1["CodeSha256"], "$LATEST moved on"


def test_publishing_without_a_change_makes_no_new_version(function) -> None:
    lam = boto3.client("lambda")
    first = lam.publish_version(FunctionName=function)
    again = lam.publish_version(FunctionName=function)
    versions = lam.list_versions_by_function(FunctionName=function)["Versions"]
    assert again["Version"] == first["Version"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]


def test_moto_reuses_a_deleted_version_number_where_aws_never_does(function) -> None:
    """AWS: numbers are never reused. moto hands out the deleted number again.

    This pins moto's difference so the page's note is revisited if moto changes.
    """
    lam = boto3.client("lambda")
    va.publish_new_version(function, "v1")
    va.publish_new_version(function, "v2")
    lam.delete_function(FunctionName=function, Qualifier="2")
    third = va.publish_new_version(function, "v3")
    assert third["Version"] == "2", "moto reuses 2; AWS would publish version 3"


# ---------------------------------------------------------------- aliases


def test_an_alias_moves_between_versions_and_keeps_its_arn(function) -> None:
    lam = boto3.client("lambda")
    va.publish_new_version(function, "v1")
    va.publish_new_version(function, "v2")
    created = va.point_alias(function, "live", "1")
    va.point_alias(function, "live", "2")
    alias = lam.get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == "2", "read back: the alias now points at version 2"
    assert alias["AliasArn"] == created["AliasArn"]
    assert va.split_function_arn(alias["AliasArn"]) == ("orders", "live")


def test_a_weighted_alias_reads_back_its_routing(function) -> None:
    lam = boto3.client("lambda")
    va.publish_new_version(function, "v1")
    va.publish_new_version(function, "v2")
    va.point_alias(function, "live", "1", additional={"2": 0.1})
    alias = lam.get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    va.point_alias(function, "live", "2")  # finish the shift: clear the weights
    alias = lam.get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_point_alias_refuses_what_moto_would_accept(function) -> None:
    lam = boto3.client("lambda")
    for body in ("v1", "v2", "v3"):
        va.publish_new_version(function, body)
    va.point_alias(function, "live", "1")
    # Two additional versions: fine for botocore's model and for moto, not for AWS.
    with pytest.raises(ValueError, match="at most 2 versions"):
        va.point_alias(function, "live", "1", additional={"2": 0.1, "3": 0.1})
    assert lam.get_alias(FunctionName=function, Name="live")["RoutingConfig"] == {
        "AdditionalVersionWeights": {}
    }, "nothing was sent"


@pytest.mark.parametrize(
    ("request_", "rule"),
    [
        ({"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 1.5}}},
         "above the maximum"),
        ({"FunctionVersion": "1",
          "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.1}}}, "pattern"),
        ({"FunctionVersion": "live"}, "pattern"),
    ],
)
def test_the_service_model_rejects_these_before_moto_sees_them(aws, request_, rule) -> None:
    lam = boto3.client("lambda")
    with pytest.raises(StrictModelError, match=rule):
        lam.update_alias(FunctionName="orders", Name="live", **request_)
    assert va.check_routing(request_["FunctionVersion"], request_.get("RoutingConfig")), (
        "check_routing names the same rule"
    )


# ---------------------------------------------------------------- check_routing


@pytest.mark.parametrize(
    ("version", "routing"),
    [
        # The shape of the Lambda guide's CLI example: version 1 plus 3 % to version 2.
        ("1", {"AdditionalVersionWeights": {"2": 0.03}}),
        ("1", None),
        ("$LATEST", None),
        ("7", {"AdditionalVersionWeights": {"6": 0.9}}),
        ("7", {"AdditionalVersionWeights": {"6": 0}}),
        ("7", {"AdditionalVersionWeights": {"6": 1.0}}),
        ("7", {"AdditionalVersionWeights": {}}),
        ("7", {}),
    ],
)
def test_check_routing_accepts_what_aws_accepts(version, routing) -> None:
    assert va.check_routing(version, routing) == []


@pytest.mark.parametrize(
    ("version", "routing", "message"),
    [
        ("1", {"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}, "at most 2 versions"),
        ("1", {"AdditionalVersionWeights": {"2": 1.5}}, "outside 0.0-1.0"),
        ("1", {"AdditionalVersionWeights": {"2": -0.1}}, "outside 0.0-1.0"),
        ("1", {"AdditionalVersionWeights": {"2": math.nan}}, "outside 0.0-1.0"),
        ("1", {"AdditionalVersionWeights": {"2": "0.1"}}, "must be a number"),
        ("1", {"AdditionalVersionWeights": {"2": True}}, "must be a number"),
        ("1", {"AdditionalVersionWeights": {"$LATEST": 0.1}}, "cannot take part"),
        ("$LATEST", {"AdditionalVersionWeights": {"2": 0.1}}, "cannot take part"),
        ("1", {"AdditionalVersionWeights": {"beta": 0.1}}, "an alias must point to a version"),
        ("live", None, "an alias must point to a version"),
        ("1", {"AdditionalVersionWeights": {"1": 0.5}}, "must differ"),
        ("0", None, "start at 1"),
        ("v1.2", None, "is not a version"),
        (3, None, "expected a version string"),
        ("1", ["2", 0.1], "expected a mapping"),
        ("1", {"AdditionalVersionWeights": [("2", 0.1)]}, "mapping of version to weight"),
        ("1", {"Weights": {"2": 0.1}}, "unknown keys"),
    ],
)
def test_check_routing_names_each_broken_rule(version, routing, message) -> None:
    problems = va.check_routing(version, routing)
    assert any(message in problem for problem in problems), problems


@FUZZ
@given(version=JUNK, routing=JUNK)
def test_check_routing_never_raises_on_junk(version, routing) -> None:
    problems = va.check_routing(version, routing)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(weights=st.dictionaries(st.none() | st.integers() | st.floats() | st.text(), JUNK,
                               max_size=3))
def test_check_routing_never_raises_on_junk_weights(weights) -> None:
    problems = va.check_routing("2", {"AdditionalVersionWeights": weights})
    assert all(isinstance(p, str) for p in problems)


def test_versions_in_a_weighted_alias_need_the_same_role_and_dlq(function) -> None:
    lam = boto3.client("lambda")
    va.publish_new_version(function, "v1")
    a = lam.get_function_configuration(FunctionName=function, Qualifier="1")
    assert va.check_same_role_and_dlq(a, a) == []
    other = {**a, "Role": "arn:aws:iam::123456789012:role/other",
             "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}}
    problems = va.check_same_role_and_dlq(a, other)
    assert len(problems) == 2 and "Role" in problems[0] and "DeadLetterConfig" in problems[1]
    assert va.check_same_role_and_dlq(None, a) != []


# ---------------------------------------------------------------- ARNs


def test_qualified_and_unqualified_arns() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    assert va.split_function_arn(arn) == ("orders", None)
    assert va.qualified_arn(arn, "7") == arn + ":7"
    assert va.split_function_arn(arn + ":live") == ("orders", "live")
    assert va.split_function_arn(arn + ":$LATEST") == ("orders", "$LATEST")
    with pytest.raises(ValueError, match="already qualified"):
        va.qualified_arn(arn + ":7", "live")
    with pytest.raises(ValueError, match="qualifier"):
        va.qualified_arn(arn, "not valid!")
    with pytest.raises(ValueError, match="not a Lambda function ARN"):
        va.split_function_arn("arn:aws:s3:::bucket")


@FUZZ
@given(value=JUNK, qualifier=JUNK)
def test_arn_helpers_raise_only_value_error(value, qualifier) -> None:
    for call in (lambda: va.split_function_arn(value), lambda: va.qualified_arn(value, qualifier)):
        try:
            call()
        except ValueError as error:
            assert str(error)


# ---------------------------------------------------------------- simulation


def test_simulation_is_repeatable_and_noisy_at_low_traffic() -> None:
    assert va.simulate_routing(0.1, 100, seed=3) == va.simulate_routing(0.1, 100, seed=3)
    small = [va.simulate_routing(0.1, 20, seed=s).observed_weight for s in range(200)]
    large = [va.simulate_routing(0.1, 20_000, seed=s).observed_weight for s in range(20)]
    assert max(small) - min(small) > 0.2, "20 requests: the split swings widely"
    assert max(large) - min(large) < 0.02, "20,000 requests: the split settles near 10 %"


@pytest.mark.parametrize("seed", range(10))
def test_observed_share_stays_within_five_standard_errors(seed) -> None:
    sample = va.simulate_routing(0.25, 5_000, seed=seed)
    assert abs(sample.observed_weight - 0.25) < 5 * sample.standard_error


def test_extreme_weights_route_all_or_nothing() -> None:
    assert va.simulate_routing(0.0, 1_000).to_additional == 0
    assert va.simulate_routing(1.0, 1_000).to_additional == 1_000


@pytest.mark.parametrize(
    ("args", "field"),
    [((1.5, 10), "weight"), ((math.inf, 10), "weight"), (("0.1", 10), "weight"),
     ((True, 10), "weight"), ((0.1, 0), "invocations"), ((0.1, 10**9), "invocations"),
     ((0.1, 2.5), "invocations"), ((0.1, 10, "x"), "seed")],
)
def test_simulation_rejects_bad_input_by_name(args, field) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        va.simulate_routing(*args)


@FUZZ
@given(weight=JUNK, invocations=JUNK | st.integers(1, 50), seed=JUNK)
def test_simulation_raises_only_value_error(weight, invocations, seed) -> None:
    big = isinstance(invocations, int) and 1_000 < invocations <= va.MAX_SIMULATED_INVOCATIONS
    assume(not big)
    try:
        sample = va.simulate_routing(weight, invocations, seed)
    except ValueError:
        return
    assert 0 <= sample.to_additional <= sample.invocations


def test_the_page_table_is_generated_by_routing_table() -> None:
    text = PAGE.read_text()
    match = re.search(r"<!-- routing-table:start -->\n(.*?)\n<!-- routing-table:end -->", text,
                      re.DOTALL)
    assert match, "the page marks its routing table"
    assert match.group(1).strip() == va.routing_table(), "regenerate the table from the code"


# ---------------------------------------------------------------- helpers that call AWS


@FUZZ
@given(name=JUNK, alias=JUNK, version=JUNK, additional=JUNK)
def test_point_alias_raises_value_error_before_any_call_on_junk(name, alias, version,
                                                                 additional) -> None:
    class NoCalls:
        def __getattr__(self, operation: str) -> object:
            raise AssertionError(f"{operation} called with junk input")

    try:
        va.point_alias(name, alias, version, additional=additional, client=NoCalls())
    except ValueError as error:
        assert str(error)
    except AssertionError:
        # Only well-formed input may reach AWS.
        assert isinstance(name, str) and va.FUNCTION_NAME.fullmatch(name)
        assert isinstance(alias, str) and va.ALIAS_PATTERN.fullmatch(alias)
        assert va.check_routing(version, {"AdditionalVersionWeights": dict(additional or {})}
                                if additional else None) == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: va.publish_new_version("bad name!", "v1"), "function_name"),
        (lambda: va.publish_new_version("orders", b"v1"), "body"),
        (lambda: va.publish_new_version("orders", "x" * 1_001), "body"),
        (lambda: va.create_demo_function(""), "name"),
        (lambda: va.create_demo_function("x" * 60), "name"),
        (lambda: va.point_alias("orders", "123", "1"), "alias"),
        (lambda: va.point_alias("orders", "live", "1", additional=[("2", 0.1)]), "additional"),
    ],
)
def test_aws_helpers_name_the_bad_field(call, field) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        call()


def test_aws_errors_pass_through_for_well_formed_input(aws) -> None:
    lam = boto3.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        va.point_alias("no-such-function", "live", "1")


def test_the_pages_arn_table_says_what_each_arn_is_qualified_by() -> None:
    rows = re.findall(r"^\| `(arn:[^`]+)` \| ([^|]+) \|", PAGE.read_text(), re.MULTILINE)
    assert len(rows) == 4, rows
    for arn, qualified_by in rows:
        _, qualifier = va.split_function_arn(arn)
        if qualifier is None:
            assert qualified_by.startswith("nothing")
        elif qualifier == va.LATEST:
            assert qualified_by.strip() == "`$LATEST`"
        elif va.VERSION_PATTERN.fullmatch(qualifier):
            assert qualified_by.strip() == "a version"
        else:
            assert va.ALIAS_PATTERN.fullmatch(qualifier) and qualified_by.strip() == "an alias"


@pytest.mark.parametrize(
    ("version", "routing"),
    [("1", {"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}),
     ("1", {"AdditionalVersionWeights": {"2": 1.5}}),
     ("1", {"AdditionalVersionWeights": {"$LATEST": 0.1}}),
     ("$LATEST", {"AdditionalVersionWeights": {"2": 0.1}}),
     ("beta", None)],
)
def test_every_example_the_pages_table_says_aws_rejects_is_refused(version, routing) -> None:
    assert va.check_routing(version, routing), (version, routing)


def test_point_alias_uses_the_given_client(function) -> None:
    va.publish_new_version(function, "v1")
    lam = boto3.client("lambda")
    created = va.point_alias(function, "live", "1", client=lam)
    assert lam.get_alias(FunctionName=function, Name="live")["AliasArn"] == created["AliasArn"]
