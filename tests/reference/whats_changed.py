"""The "What changed" page and its boxes, from one data file (tests/reference/changes.yml).

The data lives here, next to the exam map, rather than under docs/ (MkDocs would copy it
into the site) or snippets/ (every file there must be an example a page includes). This
module loads it, renders the two tables on docs/reference/whats-changed.md, and names the
box each entry needs on its pages. After editing changes.yml, refresh the page with:

    python -m tests.reference.whats_changed
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cicd_check.runtimes import RUNTIMES

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
DATA = Path(__file__).with_name("changes.yml")
PAGE = DOCS / "reference" / "whats-changed.md"
# The course notes, copied from ../shared/seed/000_f8624d350cbc8c8c.txt so tests run anywhere.
NOTES_FILE = Path(__file__).with_name("course-notes.txt")
NOTES_ORIGIN = REPO.parent / "shared" / "seed" / "000_f8624d350cbc8c8c.txt"
BLOCKS = {
    "notes": ("<!-- changes:notes:start -->", "<!-- changes:notes:end -->"),
    "often_taught": ("<!-- changes:often:start -->", "<!-- changes:often:end -->"),
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH = re.compile(r"^(" + "|".join(MONTHS) + r") (20\d\d)$")
UNDATED, NOT_A_CHANGE = "undated", "not a change"
PLACEHOLDER = re.compile(r"\{([a-z0-9.]+)\.(deprecated|create_blocked|update_blocked)\}")


@dataclass(frozen=True)
class Entry:
    section: str  # "notes" or "often_taught"
    id: str
    quotes: tuple[str, ...]  # verbatim from the notes (empty for often_taught)
    taught: str  # what other material says (empty for notes)
    kind: str
    now: str
    since: str  # "Mon YYYY", "undated" or "not a change"
    sources: tuple[tuple[str, str], ...]
    pages: tuple[str, ...]
    boxes: tuple[str, ...]

    @property
    def dated(self) -> bool:
        return bool(MONTH.match(self.since))

    @property
    def month_in_words(self) -> str | None:
        """'October 2025' for 'Oct 2025': what a box's text must say."""
        match = MONTH.match(self.since)
        if not match:
            return None
        return dt.date(int(match.group(2)), MONTHS.index(match.group(1)) + 1, 1).strftime("%B %Y")

    @property
    def box_title(self) -> str:
        if self.section == "notes":
            if self.since == NOT_A_CHANGE:
                return "Correcting the notes"
            return f"Changed since the notes ({self.since})"
        if self.dated:
            return f"Changed in {self.since[-4:]}"
        return "Often taught, now wrong"


def day(value: dt.date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "not announced"


def fill_runtime_dates(text: str) -> str:
    """Replace {python3.9.deprecated} and the like with the date from cicd_check's table."""
    return PLACEHOLDER.sub(lambda m: day(getattr(RUNTIMES[m.group(1)], m.group(2))), text)


def month_of(value: dt.date | None) -> str:
    return value.strftime("%b %Y") if value else UNDATED


def parse(data: dict[str, Any]) -> list[Entry]:
    entries = []
    for section in ("notes", "often_taught"):
        for raw in data.get(section) or []:
            since = raw.get("since")
            if "since_runtime" in raw:
                since = month_of(RUNTIMES[raw["since_runtime"]].deprecated)
            entries.append(Entry(
                section=section,
                id=raw["id"],
                quotes=tuple(raw.get("quotes") or ()),
                taught=raw.get("taught", ""),
                kind=raw.get("kind", "outdated"),
                now=fill_runtime_dates(" ".join(raw["now"].split())),
                since=str(since),
                sources=tuple((str(title), str(url)) for title, url in raw["sources"]),
                pages=tuple(raw.get("pages") or ()),
                boxes=tuple(raw.get("boxes") or ()),
            ))
    return entries


def load() -> list[Entry]:
    return parse(yaml.safe_load(DATA.read_text(encoding="utf-8")))


def normalise(text: str) -> str:
    """Whitespace, quote marks and dashes made uniform (nothing else), for quote checks."""
    text = unicodedata.normalize("NFKC", text)
    for curly, plain in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"),
                         ("—", "-"), ("−", "-")):
        text = text.replace(curly, plain)
    return " ".join(text.split())


def page_link(page: str) -> str:
    path = DOCS / page
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    match = re.search(r"^title: (.+)$", text, re.M) or re.search(r"^# (.+)$", text, re.M)
    return f"[{match.group(1).strip() if match else page}](../{page})"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def since_cell(entry: Entry) -> str:
    return {UNDATED: "undated", NOT_A_CHANGE: "not a change"}.get(entry.since, entry.since)


def table(entries: list[Entry], section: str) -> str:
    first = "The notes say" if section == "notes" else "Often taught"
    lines = [f"| {first} | True now | Since | AWS source | In the handbook |",
             "|---|---|---|---|---|"]
    for entry in (e for e in entries if e.section == section):
        said = (" / ".join(f'"{q}"' for q in entry.quotes) if section == "notes"
                else entry.taught)
        sources = ", ".join(f"[{title}]({url})" for title, url in entry.sources)
        pages = ", ".join(page_link(page) for page in entry.pages)
        lines.append(f"| {cell(said)} | {cell(entry.now)} | {since_cell(entry)} | {sources} "
                     f"| {pages} |")
    return "\n".join(lines)


def current_block(text: str, section: str) -> str | None:
    start, end = BLOCKS[section]
    match = re.search(re.escape(start) + r"\n(.*?)" + re.escape(end), text, re.S)
    return match.group(1).rstrip("\n") if match else None


def render(text: str, entries: list[Entry]) -> str:
    for section, (start, end) in BLOCKS.items():
        block = table(entries, section)
        text = re.sub(re.escape(start) + r"\n.*?" + re.escape(end),
                      lambda _, b=block, s=start, e=end: f"{s}\n{b}\n{e}", text, flags=re.S)
    return text


def main() -> int:
    text = PAGE.read_text(encoding="utf-8")
    missing = [s for s in BLOCKS if current_block(text, s) is None]
    if missing:
        print(f"{PAGE}: no block for {', '.join(missing)}", file=sys.stderr)
        return 2
    PAGE.write_text(render(text, load()), encoding="utf-8")
    print(f"{PAGE.name}: tables rewritten from {DATA.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
