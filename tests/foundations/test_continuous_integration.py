"""The CI page's examples: our own pull-request workflow, read as GitHub reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.foundations.continuous_integration import (
    WorkflowError,
    load_workflow,
    run_commands,
    triggers,
    validate_workflow,
)

REPO = Path(__file__).resolve().parents[2]
CI_WORKFLOW = REPO / ".github/workflows/ci.yml"


def readme_test_command() -> str:
    """The test command the README tells readers to run."""
    match = re.search(r"^(make test)\b", (REPO / "README.md").read_text(), re.MULTILINE)
    assert match, "README must give the test command"
    return match.group(1)


def test_our_ci_workflow_matches_the_github_schema() -> None:
    assert validate_workflow(CI_WORKFLOW) == []


def test_ci_runs_on_every_pull_request_and_push_to_main() -> None:
    workflow = load_workflow(CI_WORKFLOW)
    assert {"pull_request", "push"} <= triggers(workflow)
    assert workflow["on"]["push"]["branches"] == ["main"]


def test_ci_runs_the_same_command_as_a_contributor() -> None:
    """The workflow runs .ci/run, and .ci/run ends with the README's test command."""
    assert run_commands(load_workflow(CI_WORKFLOW)) == ["bash .ci/run"]
    ci_script = (REPO / ".ci/run").read_text().strip().splitlines()
    assert ci_script[-1] == readme_test_command()


def test_on_is_a_key_not_a_boolean() -> None:
    workflow = load_workflow("on: push\njobs: {}\nenv: {FLAG: yes}\n")
    assert "on" in workflow and True not in workflow
    assert workflow["env"]["FLAG"] == "yes", "only true/false are booleans in YAML 1.2"
    assert load_workflow("x: true\n")["x"] is True


def test_triggers_accept_all_three_forms() -> None:
    assert triggers({"on": "push"}) == {"push"}
    assert triggers({"on": ["push", "pull_request", 3]}) == {"push", "pull_request"}
    assert triggers({"on": {"push": None, "schedule": [{"cron": "0 0 * * *"}]}}) == {
        "push",
        "schedule",
    }
    assert triggers({}) == set()


def test_schema_rejects_a_job_without_a_runner() -> None:
    problems = validate_workflow("on: push\njobs:\n  test:\n    steps:\n      - run: make test\n")
    assert any(p.startswith("jobs.test:") for p in problems), problems


def test_schema_rejects_an_unknown_event() -> None:
    workflow = {"on": "pushed", "jobs": {"t": {"runs-on": "ubuntu-24.04", "steps": [{"run": "x"}]}}}
    assert any(p.startswith("on:") for p in validate_workflow(workflow))


def test_run_commands_ignores_malformed_jobs() -> None:
    weird = {"jobs": {"a": "not a job", "b": {"steps": "nope"}, "c": {"steps": [1, {"run": 2}]}}}
    assert run_commands(weird) == []
    assert run_commands({"jobs": ["x"]}) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"on: [push\n", "not valid YAML"),
        (b"- just\n- a list\n", "top level must be a mapping"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"", "top level must be a mapping"),
        (b"a: *undefined\n", "not valid YAML"),
    ],
)
def test_unusable_files_are_problems_not_exceptions(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "workflow.yml"
    path.write_bytes(content)
    problems = validate_workflow(path)
    assert len(problems) == 1 and message in problems[0], problems


def test_missing_files_directories_and_huge_files(tmp_path: Path) -> None:
    assert "cannot read" in validate_workflow(tmp_path / "missing.yml")[0]
    assert "cannot read" in validate_workflow(tmp_path)[0]
    big = tmp_path / "big.yml"
    big.write_bytes(b"#" * (600 * 1024))
    assert "larger than" in validate_workflow(big)[0]
    with pytest.raises(WorkflowError, match="expected YAML text or a Path"):
        load_workflow(42)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_list_of_problems(text: str) -> None:
    problems = validate_workflow(text)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
