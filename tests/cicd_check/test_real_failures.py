"""Deploy-time failures people reported, caught offline before the push.

Each folder in ``real_failures/`` is a minimal reproduction we wrote of a failing shape
(never a copy of someone's file) and ``case.json``: the public report it comes from, the
error text AWS printed, the rule that catches it and any extra ``cicd-check`` arguments.
``cicd-check`` must exit 1, name the rule, and print AWS's own error text.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from cicd_check.cli import main

FAILURES = Path(__file__).with_name("real_failures")
CASES = sorted(p for p in FAILURES.iterdir() if p.is_dir()) if FAILURES.is_dir() else []
MINIMUM = 15


def _case(folder: Path) -> dict:
    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    for key in ("report", "aws_error", "rule", "args"):
        assert key in case, f"{folder.name}/case.json: missing {key!r}"
    assert case["report"].startswith("https://"), f"{folder.name}: the report must be a link"
    return case


def test_there_are_enough_real_failures() -> None:
    assert len(CASES) >= MINIMUM, f"{len(CASES)} real failures; the issue asks for {MINIMUM}"


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_cicd_check_catches_it_offline(folder: Path) -> None:
    case = _case(folder)
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.name != "case.json")
    assert files or case["args"], f"{folder.name}: no file to check"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*case["args"], *files])
    printed = out.getvalue() + err.getvalue()
    assert status == 1, f"{folder.name}: exit {status}, expected 1\n{printed}"
    assert case["rule"] in printed, f"{folder.name}: {case['rule']} not reported\n{printed}"
    assert case["aws_error"] in printed, (
        f"{folder.name}: AWS's error text {case['aws_error']!r} not printed\n{printed}")
