"""The status the Amplify/Copilot page states follows from AWS's published dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from snippets.tooling.amplify_copilot import LIFECYCLES, status

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tooling" / "amplify-copilot.md"
TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("tool, on, expected", [
    ("AWS Copilot CLI", dt.date(2026, 6, 11), "supported"),
    ("AWS Copilot CLI", dt.date(2026, 6, 12), "end of support"),
    ("Amplify Gen 1 (CLI and Studio backends)", dt.date(2026, 4, 30), "supported"),
    ("Amplify Gen 1 (CLI and Studio backends)", TODAY, "maintenance"),
    ("Amplify Gen 1 (CLI and Studio backends)", dt.date(2027, 5, 1), "end of support"),
    ("Amplify Hosting", TODAY, "supported"),
    ("Amplify Gen 2", TODAY, "supported"),
])
def test_status_follows_the_published_dates(tool: str, on: dt.date, expected: str) -> None:
    assert status(tool, on) == expected


def test_the_page_states_each_tools_status_today_with_its_dates() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for tool, lifecycle in LIFECYCLES.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| {tool} |")), None)
        assert row is not None, f"the page's status table has no row for {tool}"
        assert f"**{status(tool, TODAY)}**" in row, row
        for day in (lifecycle.maintenance_from, lifecycle.end_of_support):
            if day is not None:
                assert f"{day:%-d %B %Y}" in row, (tool, row)
