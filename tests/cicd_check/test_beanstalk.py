"""Elastic Beanstalk policies and deployment steps, against AWS's comparison table and its
descriptions of rolling, immutable, traffic-splitting and blue/green deployments."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check.beanstalk import POLICIES, eb_deployment, eb_policy
from tests.support.fuzzing import FUZZ, JUNK

# AWS's table: (zero downtime, no DNS change, code deployed to).
AWS_TABLE = {
    "AllAtOnce": (False, True, "existing"),
    "Rolling": (True, True, "existing"),
    "RollingWithAdditionalBatch": (True, True, "new and existing"),
    "Immutable": (True, True, "new"),
    "TrafficSplitting": (True, True, "new"),
    "BlueGreen": (True, False, "new"),
}


@pytest.mark.parametrize("name", sorted(AWS_TABLE))
def test_policy_matches_aws_table(name: str) -> None:
    policy = eb_policy(name)
    zero_downtime, no_dns_change, deployed_to = AWS_TABLE[name]
    assert (policy["zero_downtime"], not policy["dns_change"], policy["deployed_to"]) == (
        zero_downtime, no_dns_change, deployed_to)


def test_the_option_values_are_what_the_deployment_policy_option_takes() -> None:
    # aws:elasticbeanstalk:command DeploymentPolicy values, plus the URL swap.
    assert set(POLICIES) == {"AllAtOnce", "Rolling", "RollingWithAdditionalBatch", "Immutable",
                             "TrafficSplitting", "BlueGreen"}


@pytest.mark.parametrize("name", sorted(AWS_TABLE))
@pytest.mark.parametrize("instances, batch", [(1, 1), (4, 2), (5, 2), (10, 3), (3, 7)])
def test_every_deployment_starts_old_ends_new_and_changes_one_thing_a_step(
        name: str, instances: int, batch: int) -> None:
    steps = eb_deployment(name, instances=instances, batch_size=batch)
    first, last = steps[0], steps[-1]
    assert (first.old, first.new, first.total) == (instances, 0, instances)
    assert (last.old, last.new, last.total) == (0, instances, instances)
    for before, after in itertools.pairwise(steps):
        assert (before.total, before.old, before.new) != (after.total, after.old, after.new)
    for step in steps:
        assert step.in_service == step["in_service"] == step.old + step.new <= step.total


@pytest.mark.parametrize("name", sorted(AWS_TABLE))
def test_downtime_only_where_aws_says_so(name: str) -> None:
    steps = eb_deployment(name, instances=4, batch_size=1)
    assert (min(s.in_service for s in steps) > 0) == eb_policy(name)["zero_downtime"]


def test_rolling_loses_a_batch_of_capacity_and_the_additional_batch_keeps_it() -> None:
    rolling = eb_deployment("Rolling", instances=4, batch_size=2)
    assert min(s.in_service for s in rolling) == 2 and max(s.total for s in rolling) == 4
    extra = eb_deployment("RollingWithAdditionalBatch", instances=4, batch_size=2)
    assert min(s.in_service for s in extra) == 4 and max(s.total for s in extra) == 6


def test_rolling_runs_both_versions_at_once_and_the_last_batch_may_be_smaller() -> None:
    steps = eb_deployment("Rolling", instances=5, batch_size=2)
    assert any(s.old and s.new for s in steps)
    assert [s.what for s in steps].count("take a batch of 1 out of service and deploy to it") == 1


def test_immutable_and_traffic_splitting_double_the_fleet_before_terminating_the_old() -> None:
    for name in ("Immutable", "TrafficSplitting", "BlueGreen"):
        assert max(s.total for s in eb_deployment(name, instances=3)) == 6
    immutable = eb_deployment("Immutable", instances=3)
    assert immutable[2].new == 1, "immutable starts with one new instance"


def test_policies_that_do_not_batch_ignore_batch_size() -> None:
    for name in ("AllAtOnce", "Immutable", "TrafficSplitting", "BlueGreen"):
        assert eb_deployment(name, instances=4, batch_size=1) == \
            eb_deployment(name, instances=4, batch_size=3)


@pytest.mark.parametrize("call, message", [
    (lambda: eb_policy("Canary"), "not an Elastic Beanstalk deployment policy"),
    (lambda: eb_deployment("Rolling", instances=0, batch_size=1), "instances: 0 is outside"),
    (lambda: eb_deployment("Rolling", instances=True, batch_size=1), "whole number"),
    (lambda: eb_deployment("Rolling", instances=2, batch_size=2.5), "batch_size"),
    (lambda: eb_deployment("AllAtOnce", instances=10**9), "outside"),
])
def test_bad_input_is_a_clear_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_a_step_reads_as_a_mapping() -> None:
    step = eb_deployment("AllAtOnce", instances=2)[1]
    assert dict(step) == {"what": step.what, "in_service": 0, "total": 2, "old": 0, "new": 0}
    with pytest.raises(KeyError):
        step["nothing"]


@FUZZ
@given(policy=st.sampled_from(sorted(AWS_TABLE)) | JUNK, instances=JUNK | st.integers(),
       batch=JUNK | st.integers())
def test_any_input_gives_steps_or_a_value_error(policy: object, instances: object,
                                                batch: object) -> None:
    try:
        steps = eb_deployment(policy, instances=instances, batch_size=batch)  # type: ignore[arg-type]
    except ValueError:
        return
    assert steps[-1].new == instances
