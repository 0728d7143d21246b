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
