"""The GitHub workflows pass actionlint (semantics, expressions, action versions) and the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make setup` (it is in requirements.txt)")
    return found


def test_workflows_pass_actionlint() -> None:
    result = subprocess.run([tool("actionlint"), *map(str, WORKFLOWS)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.dependabot", [REPO / ".github/dependabot.yml"]),
    ],
)
def test_github_files_match_their_schemas(schema: str, files: list[Path]) -> None:
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema,
                             *map(str, files)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_real_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.no_such_thing.x }}\n"
        "      - uses: actions/checkout@v1\n"
    )
    result = subprocess.run([tool("actionlint"), str(broken)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1 and "checkout@v1" in result.stdout, result.stdout


# --- What "How this site's CI works" on docs/contributing.md says about the two workflows ---


def load_workflow(name: str) -> dict:
    """A workflow read as GitHub reads it: YAML 1.2, where ``on`` is a key, not a boolean."""
    from cicd_check.safe_yaml import load_yaml

    document = load_yaml((REPO / ".github/workflows" / name).read_text(), flavor="yaml12",
                         what="workflow")
    assert isinstance(document, dict), f"{name}: the top level must be a mapping"
    return document


def uses(job: dict, action: str) -> bool:
    return any(str(step.get("uses", "")).startswith(action + "@") for step in job["steps"])


def test_ci_runs_on_every_pull_request_and_push_to_main() -> None:
    ci = load_workflow("ci.yml")
    assert True not in ci, "YAML 1.1 would have read `on` as True"
    assert {"pull_request", "push"} <= set(ci["on"]) and "schedule" not in ci["on"]
    assert ci["on"]["push"]["branches"] == ["main"]
    assert ci["permissions"] == {"contents": "read"}


def test_ci_runs_the_same_command_as_a_contributor() -> None:
    """The workflow runs .ci/run, and .ci/run ends with the README's test command."""
    import re

    ci = load_workflow("ci.yml")
    commands = [step["run"].strip() for job in ci["jobs"].values() for step in job["steps"]
                if "run" in step]
    assert commands == ["bash .ci/run"]
    readme = re.search(r"^(make test)\b", (REPO / "README.md").read_text(), re.MULTILINE)
    assert readme, "README must give the test command"
    assert (REPO / ".ci/run").read_text().strip().splitlines()[-1] == readme.group(1)


def test_publishing_follows_the_delivery_rules() -> None:
    publish = load_workflow("publish.yml")
    assert set(publish["on"]) == {"push", "workflow_dispatch"}, "never from a pull request"
    assert publish["on"]["push"]["branches"] == ["main"]
    assert publish["permissions"] == {"contents": "read"}
    jobs = publish["jobs"]
    deployers = [name for name, job in jobs.items() if uses(job, "actions/deploy-pages")]
    assert deployers == ["deploy"]
    assert jobs["deploy"]["needs"] == "build" and uses(jobs["build"],
                                                        "actions/upload-pages-artifact")
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "permissions" not in jobs["build"], "the build job keeps contents: read"
    assert publish["concurrency"]["cancel-in-progress"] is False, "deployments queue"
