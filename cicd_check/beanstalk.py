"""Elastic Beanstalk deployment policies: what each costs, and the steps a deployment takes.

:func:`eb_policy` answers the questions AWS's comparison table answers (zero downtime, a DNS
change, where the code goes). :func:`eb_deployment` lists the steps of a deployment on a
number of instances, each step one change in how many instances run and serve traffic, so
a page can draw the capacity a policy keeps. The behaviour follows AWS's pages on deployment
policies, rolling deployments, immutable updates and blue/green URL swaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

POLICIES_SOURCE = (
    "https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/using-features.deploy-existing-version.html"
)
IMMUTABLE_SOURCE = (
    "https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/environmentmgmt-updates-immutable.html"
)
BLUE_GREEN_SOURCE = (
    "https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/using-features.CNAMESwap.html"
)

# AWS's "deployment method properties" table. The first five names are the values of the
# aws:elasticbeanstalk:command DeploymentPolicy option; BlueGreen is the URL swap between
# two environments, not an option value.
POLICIES: dict[str, dict[str, Any]] = {
    "AllAtOnce": {
        "zero_downtime": False, "dns_change": False, "deployed_to": "existing",
        "failed_deployment": "Downtime", "rollback": "Manual redeploy"},
    "Rolling": {
        "zero_downtime": True, "dns_change": False, "deployed_to": "existing",
        "failed_deployment": "Single batch out of service; any successful batches before "
                             "failure running new application version",
        "rollback": "Manual redeploy"},
    "RollingWithAdditionalBatch": {
        "zero_downtime": True, "dns_change": False, "deployed_to": "new and existing",
        "failed_deployment": "Minimal if first batch fails; otherwise, similar to Rolling",
        "rollback": "Manual redeploy"},
    "Immutable": {
        "zero_downtime": True, "dns_change": False, "deployed_to": "new",
        "failed_deployment": "Minimal", "rollback": "Terminate new instances"},
    "TrafficSplitting": {
        "zero_downtime": True, "dns_change": False, "deployed_to": "new",
        "failed_deployment": "Percentage of client traffic routed to new version "
                             "temporarily impacted",
        "rollback": "Reroute traffic and terminate new instances"},
    "BlueGreen": {
        "zero_downtime": True, "dns_change": True, "deployed_to": "new",
        "failed_deployment": "Minimal", "rollback": "Swap URL"},
}
BATCHED = {"Rolling", "RollingWithAdditionalBatch"}
MAX_INSTANCES = 10_000  # far past any environment; keeps the step list bounded


def _policy_name(name: object) -> str:
    if not isinstance(name, str) or name not in POLICIES:
        raise ValueError(f"policy: {name!r} is not an Elastic Beanstalk deployment policy; "
                         f"use one of {', '.join(POLICIES)}")
    return name


def eb_policy(name: str) -> dict[str, Any]:
    """What a policy costs: ``zero_downtime``, ``dns_change``, ``deployed_to`` and more."""
    return dict(POLICIES[_policy_name(name)])


@dataclass(frozen=True)
class Step:
    """One change during a deployment. ``old`` and ``new`` count the instances serving
    traffic with each version; ``in_service`` is their sum, ``total`` every running instance
    (those being deployed to or not yet healthy included)."""

    what: str
    total: int
    old: int
    new: int

    @property
    def in_service(self) -> int:
        return self.old + self.new

    def __getitem__(self, key: str) -> Any:  # steps read as mappings too
        if key not in ("what", "total", "old", "new", "in_service"):
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        return ("what", "in_service", "total", "old", "new")


def _count(field: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected a whole number of instances, got {value!r}")
    if not low <= value <= MAX_INSTANCES:
        raise ValueError(f"{field}: {value} is outside {low}–{MAX_INSTANCES:,}")
    return value


def eb_deployment(policy: str, *, instances: int, batch_size: int = 1) -> list[Step]:
    """The steps of deploying a new version to ``instances`` instances under ``policy``.

    ``batch_size`` is a number of instances; AllAtOnce, Immutable, TrafficSplitting and
    BlueGreen do not batch and ignore it.
    """
    name = _policy_name(policy)
    count = _count("instances", instances)
    batch = min(_count("batch_size", batch_size), count) if name in BATCHED else count
    return list(_STEPS[name](count, batch))


def _all_at_once(n: int, _: int) -> Iterator[Step]:
    yield Step("before: every instance serves the old version", n, n, 0)
    yield Step("deploy to every instance at once: none serves traffic", n, 0, 0)
    yield Step("every instance serves the new version", n, 0, n)


def _rolling_over(n: int, batch: int, total: int, new: int) -> Iterator[Step]:
    """Deploy to the ``n`` old instances one batch at a time."""
    old = n
    for _ in range(math.ceil(n / batch)):
        size = min(batch, old)
        old -= size
        yield Step(f"take a batch of {size} out of service and deploy to it", total, old, new)
        new += size
        yield Step(f"the batch of {size} serves the new version", total, old, new)


def _rolling(n: int, batch: int) -> Iterator[Step]:
    yield Step("before: every instance serves the old version", n, n, 0)
    yield from _rolling_over(n, batch, n, 0)


def _rolling_with_additional_batch(n: int, batch: int) -> Iterator[Step]:
    yield Step("before: every instance serves the old version", n, n, 0)
    yield Step(f"launch an additional batch of {batch} with the new version", n + batch, n, 0)
    yield Step(f"the additional batch of {batch} serves the new version", n + batch, n, batch)
    yield from _rolling_over(n, batch, n + batch, batch)
    yield Step(f"terminate {batch} instances: back to {n}", n, 0, n)


def _new_fleet(n: int, what: str) -> Iterator[Step]:
    yield Step("before: every instance serves the old version", n, n, 0)
    yield Step(f"launch one instance with the new version {what}", n + 1, n, 0)
    yield Step("the first new instance passes health checks and serves traffic", n + 1, n, 1)
    if n > 1:
        yield Step(f"launch {n - 1} more new instances", 2 * n, n, 1)
        yield Step(f"all {n} new instances serve traffic", 2 * n, n, n)


def _immutable(n: int, _: int) -> Iterator[Step]:
    yield from _new_fleet(n, "in a temporary Auto Scaling group")
    yield Step("move the new instances to the original group; terminate the old ones", n, 0, n)


def _traffic_splitting(n: int, _: int) -> Iterator[Step]:
    yield Step("before: every instance serves the old version", n, n, 0)
    yield Step(f"launch a full set of {n} new instances", 2 * n, n, 0)
    yield Step("a percentage of client traffic goes to the new instances for the "
               "evaluation time", 2 * n, n, n)
    yield Step("all traffic to the new instances; terminate the old ones", n, 0, n)


def _blue_green(n: int, _: int) -> Iterator[Step]:
    yield Step("before: the blue environment serves the old version", n, n, 0)
    yield Step(f"launch a green environment of {n} with the new version (its own URL)",
               2 * n, n, 0)
    yield Step("swap environment URLs: the green environment serves production traffic "
               "(clients follow the DNS change)", 2 * n, 0, n)
    yield Step("terminate the blue environment when you are sure", n, 0, n)


_STEPS = {
    "AllAtOnce": _all_at_once,
    "Rolling": _rolling,
    "RollingWithAdditionalBatch": _rolling_with_additional_batch,
    "Immutable": _immutable,
    "TrafficSplitting": _traffic_splitting,
    "BlueGreen": _blue_green,
}
