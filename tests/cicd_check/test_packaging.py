"""`pip install .` gives a working cicd-check: the wheel holds every module, every data file,
the console command, and declares every third-party package the code imports.

The wheel is built offline from the working tree (no build isolation: setuptools is pinned
in requirements.txt). CI also installs it into a fresh virtual environment from PyPI
(.ci/run), as a reader would.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "cicd_check"
# Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"yaml": "pyyaml", "samtranslator": "aws-sam-translator", "cfnlint": "cfn-lint",
                 "dockerfile_parse": "dockerfile-parse"}


@cache
def wheel(tmp: str) -> zipfile.ZipFile:
    """Build from a copy: setuptools writes build/ and *.egg-info next to the sources."""
    source = Path(tmp, "source")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(PACKAGE, source / "cicd_check",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--disable-pip-version-check", "-w", tmp,
                    str(source)], check=True, capture_output=True, timeout=300)
    [built] = Path(tmp).glob("cicd_check-*.whl")
    return zipfile.ZipFile(built)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    return wheel(str(tmp_path_factory.mktemp("wheel")))


def test_the_wheel_holds_every_module_and_data_file(built: zipfile.ZipFile) -> None:
    names = set(built.namelist())
    expected = {p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*")
                if p.is_file() and p.suffix in (".py", ".json") and "__pycache__" not in p.parts}
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    assert not [n for n in names if n.startswith(("snippets/", "tests/", "docs/"))]


def test_the_wheel_installs_the_console_command(built: zipfile.ZipFile) -> None:
    [entry_points] = [n for n in built.namelist() if n.endswith("entry_points.txt")]
    assert "cicd-check = cicd_check.cli:main" in built.read(entry_points).decode()


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     and node.level == 0 else [])
            found.update(name.split(".")[0] for name in names)
    return {name for name in found
            if name not in sys.stdlib_module_names and name not in ("cicd_check", "__future__")}


def test_every_imported_package_is_a_declared_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower().replace("_", "-")
                for dep in project["dependencies"]}
    imported = {DISTRIBUTIONS.get(name, name).lower().replace("_", "-")
                for name in _third_party_imports()}
    assert not imported - declared, f"imported but not in [project] dependencies: " \
                                    f"{sorted(imported - declared)}"
    assert project["scripts"] == {"cicd-check": "cicd_check.cli:main"}


def test_importing_the_package_loads_no_checker() -> None:
    code = ("import sys, cicd_check; print(sorted(m for m in sys.modules "
            "if m.startswith(('cicd_check.', 'cfnlint', 'samtranslator', 'botocore'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60, cwd=REPO)
    assert done.stdout.strip() == "[]", done.stdout
