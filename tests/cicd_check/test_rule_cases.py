"""Every rule has a failing and a passing file, and a documented section on its Tools page.

The cases live in ``tests/cicd_check/cases/<ID>/fail/`` and ``.../pass/``; each holds one
file named so that ``cicd-check`` tells its kind. The Tools pages include the same files as
the rule's "Example" and "Use instead", so the page shows exactly what is tested.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest

from cicd_check import kinds
from cicd_check.cli import check_paths
from cicd_check.findings import RULES

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).with_name("cases")
TOOLS = REPO / "docs" / "tools"
ON = dt.date(2026, 12, 1)  # date-dependent rules are judged as on this day
RULE_MODULES = (*kinds.CHECKERS.values(), "cicd_check.function_config", "cicd_check.project",
                "cicd_check.url_auth", "cicd_check.sam")


def _load_rules() -> dict[str, object]:
    """Every rule cicd-check registers; ZZ ids are the stand-ins tests register for themselves."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return {rule_id: rule for rule_id, rule in RULES.items() if not rule_id.startswith("ZZ")}


ALL_RULES = _load_rules()


def _case_file(rule_id: str, which: str) -> Path:
    folder = CASES / rule_id / which
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    assert len(files) == 1, f"{folder.relative_to(REPO)}: expected exactly one file, got {files}"
    return files[0]


def test_every_rule_has_cases() -> None:
    missing = [rule_id for rule_id in sorted(ALL_RULES)
               if not ((CASES / rule_id / "fail").is_dir() and (CASES / rule_id / "pass").is_dir())]
    assert not missing, f"rules without tests/cicd_check/cases/<ID>/fail and pass: {missing}"


def test_every_case_folder_is_a_rule() -> None:
    unknown = sorted(p.name for p in CASES.iterdir() if p.is_dir() and p.name not in ALL_RULES)
    assert not unknown, f"case folders for rules that do not exist: {unknown}"


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_the_failing_file_breaks_the_rule(rule_id: str) -> None:
    path = _case_file(rule_id, "fail")
    findings, checked, skipped, unusable = check_paths([str(path)], on=ON)
    assert not unusable, unusable
    assert checked, f"{path}: not checked ({skipped})"
    assert rule_id in {f.id for f in findings}, (
        f"{path.relative_to(REPO)} should break {rule_id}; found {[f.id for f in findings]}: "
        + "; ".join(findings))


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_the_passing_file_is_clean(rule_id: str) -> None:
    path = _case_file(rule_id, "pass")
    findings, checked, _, unusable = check_paths([str(path)], on=ON)
    assert not unusable, unusable
    assert checked, f"{path}: not checked"
    same = [f for f in findings if f.id == rule_id]
    errors = [f for f in findings if f.is_error]
    assert not same and not errors, f"{path.relative_to(REPO)}: " + "; ".join(same + errors)


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_every_rule_is_documented_on_its_tools_page(rule_id: str) -> None:
    rule = ALL_RULES[rule_id]
    page = TOOLS / f"{rule.page}.md"  # type: ignore[attr-defined]
    assert page.is_file(), f"{rule_id}: no Tools page docs/tools/{rule.page}.md"  # type: ignore[attr-defined]
    text = page.read_text(encoding="utf-8")
    heading = re.search(rf"^### {rule_id}\b.*\{{#{rule_id.lower()}\}}\s*$", text, re.MULTILINE)
    assert heading, f"{page.name}: no heading '### {rule_id} — … {{#{rule_id.lower()}}}'"
    section = text[heading.end():].split("\n### ", 1)[0]
    for part in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
        assert part in section, f"{page.name} {rule_id}: the section has no '{part}'"
    assert rule.source in section, (  # type: ignore[attr-defined]
        f"{page.name} {rule_id}: References must link {rule.source}")  # type: ignore[attr-defined]
    for which in ("fail", "pass"):
        case = _case_file(rule_id, which).relative_to(REPO).as_posix()
        assert case in section, f"{page.name} {rule_id}: include {case} in the section"


@pytest.mark.parametrize("rule_id", sorted(ALL_RULES))
def test_every_rule_is_well_formed(rule_id: str) -> None:
    rule = ALL_RULES[rule_id]
    assert rule.source.startswith("https://"), f"{rule_id}: source must be a URL"  # type: ignore[attr-defined]
    assert rule.fix and "\n" not in rule.fix, f"{rule_id}: the fix must be one line"  # type: ignore[attr-defined]
    assert rule.summary and "\n" not in rule.summary, f"{rule_id}: one-line summary"  # type: ignore[attr-defined]
