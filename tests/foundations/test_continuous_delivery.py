"""The CD page's examples: our publishing workflow follows the delivery rules."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.foundations.continuous_delivery import delivery_problems
from snippets.foundations.continuous_integration import load_workflow, validate_workflow

REPO = Path(__file__).resolve().parents[2]
PUBLISH = load_workflow(REPO / ".github/workflows/publish.yml")


def changed(edit) -> dict[str, Any]:
    workflow = copy.deepcopy(PUBLISH)
    edit(workflow)
    return workflow


def test_our_publish_workflow_is_valid_and_follows_every_rule() -> None:
    assert validate_workflow(PUBLISH) == []
    assert delivery_problems(PUBLISH) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda w: w["on"].update(pull_request=None), "on: a pull request must never publish"),
        (lambda w: w["on"]["push"].update(branches=["dev"]), "on.push.branches"),
        (lambda w: w["jobs"]["deploy"].pop("needs"), "jobs.deploy.needs"),
        (lambda w: w["jobs"]["build"].update(permissions={"pages": "write"}),
         "jobs.build.permissions: only the deploy job may publish"),
        (lambda w: w["jobs"]["deploy"]["permissions"].update(contents="write"),
         "jobs.deploy.permissions: expected exactly"),
        (lambda w: w.update(permissions="write-all"), "permissions: the workflow default"),
        (lambda w: w["concurrency"].update({"cancel-in-progress": True}), "concurrency:"),
        (lambda w: w["jobs"].pop("deploy"), "jobs: no job deploys"),
    ],
)
def test_each_rule_catches_its_mistake(edit, expected: str) -> None:
    problems = delivery_problems(changed(edit))
    assert any(p.startswith(expected) for p in problems), problems


def test_needs_may_be_a_single_string() -> None:
    assert delivery_problems(changed(lambda w: w["jobs"]["deploy"].update(needs="build"))) == []


def test_malformed_workflows_are_problems() -> None:
    assert delivery_problems([]) == ["workflow: the top level must be a mapping"]  # type: ignore[arg-type]
    problems = delivery_problems({"on": "push"})
    assert "jobs: no jobs to check" in problems


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=30,
)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["on", "jobs", "permissions", "concurrency", "x"]),
                       json_values, max_size=5))
def test_garbage_never_raises(workflow: dict[str, Any]) -> None:
    assert all(isinstance(p, str) for p in delivery_problems(workflow))
