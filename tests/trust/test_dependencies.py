"""Pinned dependencies: exact versions that resolve cleanly together."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_python_requirement_is_pinned_exactly() -> None:
    lines = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    loose = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.\[\],-]+==[\w.]+", line)]
    assert not loose, f"pin these with ==: {loose}"


def test_installed_packages_have_no_conflicts() -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_front_end_packages_are_pinned_and_locked() -> None:
    manifest = json.loads((REPO / "package.json").read_text())
    declared = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    exact = re.compile(r"\d+\.\d+\.\d+")
    loose = {name: spec for name, spec in declared.items() if not exact.fullmatch(spec)}
    assert not loose, f"pin these exactly: {loose}"
    lock = json.loads((REPO / "package-lock.json").read_text())
    locked = lock["packages"]
    for name, version in declared.items():
        assert locked[f"node_modules/{name}"]["version"] == version, name
