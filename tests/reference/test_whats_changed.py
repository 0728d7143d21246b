"""What changed: one data file, verbatim quotes of the notes, and boxes that agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.reference import whats_changed
from tests.reference.whats_changed import (
    DOCS,
    MONTH,
    NOT_A_CHANGE,
    NOTES_FILE,
    NOTES_ORIGIN,
    PAGE,
    UNDATED,
    Entry,
    current_block,
    load,
    normalise,
    parse,
    render,
    table,
)

ENTRIES = load()
NOTES = normalise(NOTES_FILE.read_text(encoding="utf-8"))
AWS_URL = re.compile(r"^https://(docs\.)?aws\.amazon\.com/\S+$")
AWS_LINK = re.compile(r"https://(?:docs\.)?aws\.amazon\.com/[^)\s>\"']+")
BOX = re.compile(r'^(?:!!!|\?\?\?\+?) \w+ "([^"]+)"\n((?:[ ]{4}.*\n|\n)*)', re.M)
BOX_TITLE = re.compile(
    r"^(Changed since the notes \((?:[A-Z][a-z]{2} \d{4}|undated)\)|Correcting the notes"
    r"|Changed in \d{4}|Often taught, now wrong)$")
OLD_TITLE = re.compile(r"changed since the notes|correcting the notes|often taught|changed in",
                       re.I)
# "the notes say "…"", "The course notes list *"…"*": a quote that a page attributes to them.
ATTRIBUTED = re.compile(
    r"\bnotes\b(?:'|’)?[^.!?\"“]{0,80}?\b(?:say|says|said|list|lists|call|calls|describe|"
    r"describes|name|names|mention|mentions|give|gives|stop at|stops at)\b[^.!?\"“]{0,60}?"
    r"[*_]*[\"“]([^\"”]+)[\"”]", re.I)
TEACHING = ("foundations", "source", "pipeline", "build", "lambda")


def pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*/*.md") if p.parent.name in TEACHING)


def boxes(page: Path) -> list[tuple[str, str]]:
    """(title, text) of every admonition on a page whose title concerns a change."""
    found = []
    for title, body in BOX.findall(page.read_text(encoding="utf-8")):
        if OLD_TITLE.search(title):
            found.append((title, body))
    return found


def test_the_notes_copy_is_the_notes() -> None:
    if not NOTES_ORIGIN.is_file():
        pytest.skip("the shared seed folder is not next to this checkout")
    assert NOTES_FILE.read_bytes() == NOTES_ORIGIN.read_bytes()


def test_the_data_file_has_both_lists() -> None:
    notes = [e for e in ENTRIES if e.section == "notes"]
    often = [e for e in ENTRIES if e.section == "often_taught"]
    # The old table claimed 24 outdated statements in the notes; most were never in them.
    assert 10 <= len(notes) < 24 and len(often) >= 10
    assert len({e.id for e in ENTRIES}) == len(ENTRIES), "entry ids must be unique"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_each_entry_is_dated_sourced_and_covered(entry: Entry) -> None:
    assert entry.now, entry.id
    assert MONTH.match(entry.since) or entry.since in (UNDATED, NOT_A_CHANGE), entry.since
    assert entry.sources and any(AWS_URL.match(url) for _, url in entry.sources), entry.id
    assert entry.pages, f"{entry.id}: no handbook page teaches it"
    for page in entry.pages + entry.boxes:
        assert (DOCS / page).is_file(), f"{entry.id}: {page} does not exist"
    assert set(entry.boxes) <= set(entry.pages), f"{entry.id}: a box on a page not listed"
    assert "{" not in entry.now, f"{entry.id}: unfilled placeholder in {entry.now!r}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.section == "notes"],
                         ids=lambda e: e.id)
def test_every_notes_entry_quotes_the_notes_verbatim(entry: Entry) -> None:
    assert entry.quotes, f"{entry.id}: a notes entry needs the line it corrects"
    for quote in entry.quotes:
        assert normalise(quote) in NOTES, f"{entry.id}: not in the notes: {quote!r}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.section == "often_taught"],
                         ids=lambda e: e.id)
def test_often_taught_entries_are_not_attributed_to_the_notes(entry: Entry) -> None:
    assert not entry.quotes and entry.taught
    assert normalise(entry.taught) not in NOTES


def test_the_page_shows_exactly_the_generated_tables() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for section in ("notes", "often_taught"):
        block = current_block(text, section)
        assert block is not None, f"whats-changed.md lost its {section} markers"
        assert block == table(ENTRIES, section), (
            "docs/reference/whats-changed.md is out of date: "
            "run `python -m tests.reference.whats_changed`")


def test_an_undated_change_says_undated() -> None:
    rows = table(ENTRIES, "often_taught").splitlines()
    undated = [e for e in ENTRIES if e.section == "often_taught" and e.since == UNDATED]
    assert undated and all(f"| {e.taught} |" in "\n".join(rows) for e in undated)
    assert sum(" | undated | " in row for row in rows) == len(undated)


def test_runtime_dates_come_from_the_runtime_table() -> None:
    from cicd_check.runtimes import RUNTIMES

    go = next(e for e in ENTRIES if e.id == "go-base-image")
    deprecated = RUNTIMES["go1.x"].deprecated
    assert deprecated and go.since == deprecated.strftime("%b %Y")
    assert deprecated.strftime("%-d %b %Y") in go.now


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_box_on_a_page_is_an_entry(page: Path) -> None:
    relative = str(page.relative_to(DOCS))
    for title, body in boxes(page):
        assert BOX_TITLE.match(title), f"{relative}: box title {title!r} is not one of the forms"
        owners = [e for e in ENTRIES if relative in e.boxes and e.box_title == title]
        assert owners, f"{relative}: box {title!r} has no entry in tests/reference/changes.yml"
        text = normalise(body)
        if title.startswith("Often taught") or title.startswith("Changed in"):
            assert not re.search(r"\bthe notes\b", text, re.I), (
                f"{relative}: an {title!r} box must not attribute anything to the notes")


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.boxes], ids=lambda e: e.id)
def test_every_entry_has_its_box(entry: Entry) -> None:
    for page in entry.boxes:
        found = [body for title, body in boxes(DOCS / page) if title == entry.box_title]
        assert found, f"{page}: no box titled {entry.box_title!r} for {entry.id}"
        text = normalise("\n".join(found))
        for quote in entry.quotes:
            assert normalise(quote) in text, f"{page}: the box does not quote {quote!r}"
        assert any(url in text for _, url in entry.sources), (
            f"{page}: the box for {entry.id} links none of its AWS sources")
        if entry.month_in_words:
            assert entry.month_in_words in text, (
                f"{page}: the box must say when AWS changed it ({entry.month_in_words})")


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_quote_attributed_to_the_notes_is_in_the_notes(page: Path) -> None:
    text = " ".join(page.read_text(encoding="utf-8").split())
    for match in ATTRIBUTED.finditer(text):
        quote = match.group(1)
        assert normalise(quote) in NOTES, (
            f"{page.relative_to(DOCS)}: attributes {quote!r} to the notes, which never say it")


def test_the_attribution_finder() -> None:
    found = [m.group(1) for m in ATTRIBUTED.finditer(
        'The notes say "no build queue". The course notes list *"a, b"*. '
        'Older guides say "7 days". The notes\' point that "x" holds.')]
    assert found == ["no build queue", "a, b"]
    assert normalise("a – “b”  ’c’") == "a - \"b\" 'c'"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_teaching_page_links_two_aws_pages(page: Path) -> None:
    links = set(AWS_LINK.findall(page.read_text(encoding="utf-8")))
    assert len(links) >= 2, f"{page.relative_to(DOCS)} links {len(links)} AWS page(s): {links}"


def test_box_titles_follow_from_the_entry() -> None:
    data = yaml.safe_load("""
notes:
  - {id: a, quotes: [q], now: n, since: Oct 2025, sources: [[t, u]], pages: [p]}
  - {id: b, quotes: [q], now: n, since: not a change, sources: [[t, u]]}
  - {id: c, quotes: [q], now: n, since: undated, sources: [[t, u]]}
often_taught:
  - {id: d, taught: x, now: n, since: Jul 2025, sources: [[t, u]]}
  - {id: e, taught: x, now: "{python3.9.deprecated}", since: undated, sources: [[t, u]]}
""")
    titles = [e.box_title for e in parse(data)]
    assert titles == ["Changed since the notes (Oct 2025)", "Correcting the notes",
                      "Changed since the notes (undated)", "Changed in 2025",
                      "Often taught, now wrong"]
    assert parse(data)[3].month_in_words == "July 2025" and parse(data)[4].month_in_words is None
    assert "2025" in parse(data)[4].now


def test_generator_rewrites_only_its_blocks(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "whats-changed.md"
    blocks = whats_changed.BLOCKS
    page.write_text(f"a\n{blocks['notes'][0]}\nSTALE\n{blocks['notes'][1]}\nb\n"
                    f"{blocks['often_taught'][0]}\nSTALE\n{blocks['often_taught'][1]}\nc\n")
    monkeypatch.setattr(whats_changed, "PAGE", page)
    monkeypatch.setattr(whats_changed, "REPO", tmp_path)
    assert whats_changed.main() == 0
    text = page.read_text()
    assert text.startswith("a\n") and text.endswith("c\n") and "STALE" not in text
    assert render(text, ENTRIES) == text
    page.write_text("no markers\n")
    assert whats_changed.main() == 2
