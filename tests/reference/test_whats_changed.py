"""The "What changed" page: every entry is dated, sourced and points at a handbook page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGE = DOCS / "reference" / "whats-changed.md"
MONTH_YEAR = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (19|20)\d\d\b")
AWS_LINK = re.compile(r"\]\((https://(docs\.)?aws\.amazon\.com/[^)\s]+)\)")
PAGE_LINK = re.compile(r"\]\((\.\./[^)\s#]+\.md)\)")
CHANGED_BOX = re.compile(r'^\s*!!! info "Changed since the notes \(([^)]*)\)"', re.M)
HEADER = "| The notes say | True now | Since | AWS source | In the handbook |"


def entries(text: str) -> list[list[str]]:
    """The rows of the change tables, as lists of cells."""
    rows: list[list[str]] = []
    in_table = False
    for line in text.splitlines():
        if line.strip() == HEADER:
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("| "):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
        else:
            in_table = False
    return rows


ROWS = entries(PAGE.read_text())


def test_every_outdated_spot_in_the_notes_is_listed() -> None:
    # aws-facts.md lists 23 places where the notes are outdated or imprecise; the chapters
    # found more (each marked with a "Changed since the notes" box).
    assert len(ROWS) >= 24
    assert all(len(row) == 5 for row in ROWS), [row for row in ROWS if len(row) != 5]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row[0][:40])
def test_each_entry_is_dated_sourced_and_covered(row: list[str]) -> None:
    notes, now, since, source, covered = row
    assert notes and now, row
    assert MONTH_YEAR.search(since), f"no month and year in {since!r}"
    assert AWS_LINK.search(source), f"no AWS link in {source!r}"
    links = PAGE_LINK.findall(covered)
    assert links, f"no handbook page in {covered!r}"
    for link in links:
        target = (PAGE.parent / link).resolve()
        assert target.is_file(), f"{link} does not exist"


def test_every_changed_box_on_a_page_is_listed_here() -> None:
    linked = {(PAGE.parent / link).resolve() for row in ROWS
              for link in PAGE_LINK.findall(row[4])}
    missing = []
    for page in sorted(DOCS.glob("*/*.md")):
        boxes = CHANGED_BOX.findall(page.read_text())
        for when in boxes:
            assert MONTH_YEAR.search(when), f"{page.name}: box date {when!r} is not 'Mon YYYY'"
        if boxes and page.resolve() not in linked and page.parent.name != "reference":
            missing.append(str(page.relative_to(DOCS)))
    assert not missing, "pages with a 'Changed since the notes' box missing here: " + str(missing)


def test_entries_parser_ignores_other_tables() -> None:
    text = f"| a | b |\n|---|---|\n| 1 | 2 |\n\n{HEADER}\n|---|\n| n | t | Oct 2025 | s | c |\n"
    assert entries(text) == [["n", "t", "Oct 2025", "s", "c"]]
