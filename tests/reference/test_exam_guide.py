"""The exam guide map: every content page serves known tasks, and the page shows them all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.reference import exam_map
from tests.reference.exam_map import (
    DOMAINS,
    EXAM_GUIDE,
    TASKS,
    Page,
    content_pages,
    current_block,
    exam_map_markdown,
    front_matter,
    read_page,
)


def test_pinned_exam_guide() -> None:
    assert EXAM_GUIDE["code"] == "DVA-C02"
    assert EXAM_GUIDE["url"].startswith("https://docs.aws.amazon.com/aws-certification/")
    assert dt.date.fromisoformat(EXAM_GUIDE["checked"]) <= dt.date.today()
    assert sum(weight for _, weight in DOMAINS.values()) == 100
    assert sorted({task.split(".")[0] for task in TASKS}) == sorted(DOMAINS)
    assert len(TASKS) == 13


def test_exam_page_states_the_pinned_version() -> None:
    text = exam_map.EXAM_PAGE.read_text()
    assert EXAM_GUIDE["url"] in text and f"version {EXAM_GUIDE['version']}" in text
    for number, (name, weight) in DOMAINS.items():
        assert f"| {number}. {name} | {weight} % |" in text, name


@pytest.mark.parametrize("path", content_pages(), ids=lambda p: str(p.relative_to(exam_map.DOCS)))
def test_every_content_page_names_known_tasks(path: Path) -> None:
    page = read_page(path)
    if page.stub:
        pytest.skip(f"{page.path} is still being written")
    assert not page.problems, f"docs/{page.path}: " + "; ".join(page.problems)


def test_the_page_shows_exactly_the_generated_map() -> None:
    pages = [read_page(path) for path in content_pages()]
    block = current_block(exam_map.EXAM_PAGE.read_text())
    assert block is not None, "exam-guide.md lost its exam-map markers"
    assert block == exam_map_markdown(pages), (
        "docs/reference/exam-guide.md is out of date: run `python -m tests.reference.exam_map`"
    )


def test_every_task_links_resolve() -> None:
    for page in (read_page(path) for path in content_pages()):
        assert (exam_map.DOCS / page.path).is_file()


def test_bad_declarations_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    (docs / "x").mkdir(parents=True)
    monkeypatch.setattr(exam_map, "DOCS", docs)
    cases = {
        "none.md": "# No front matter\n",
        "empty.md": "---\ntitle: Empty\nexam_tasks: []\n---\n# Empty\n",
        "text.md": "---\nexam_tasks: \"3.4\"\n---\n",
        "float.md": "---\nexam_tasks: [3.4]\n---\n",
        "unknown.md": "---\nexam_tasks: [\"5.1\", \"3.4\", \"3.4\"]\n---\n",
        "stub.md": '# Stub\n\n!!! warning "Being written"\n',
        "list.md": "---\n- a\n---\n# List front matter\n",
    }
    for name, text in cases.items():
        (docs / "x" / name).write_text(text)
    pages = {p.path.name: p for p in (read_page(path) for path in sorted(docs.glob("*/*.md")))}
    assert pages["none.md"].problems == (
        "names no exam task (add exam_tasks: [...] to its front matter)",)
    assert pages["none.md"].title == "No front matter"
    assert pages["empty.md"].problems and pages["empty.md"].title == "Empty"
    assert pages["text.md"].problems == (
        'exam_tasks must be a list of task numbers such as "3.4"',)
    assert pages["float.md"].problems == (
        "exam task 3.4 must be a quoted string such as \"3.4\"",)
    assert pages["unknown.md"].problems == ("exam task '5.1' is not a DVA-C02 task statement",)
    assert pages["unknown.md"].tasks == ("3.4",)
    assert pages["stub.md"].stub and pages["list.md"].problems
    assert pages["unknown.md"].title == "unknown"


def test_generator_rewrites_only_its_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "exam-guide.md"
    page.write_text(f"before\n{exam_map.START}\nold\n{exam_map.END}\nafter\n")
    monkeypatch.setattr(exam_map, "EXAM_PAGE", page)
    monkeypatch.setattr(exam_map, "REPO", tmp_path)
    assert exam_map.main() == 0
    text = page.read_text()
    assert text.startswith("before\n") and text.endswith("after\n") and "old" not in text
    page.write_text("no markers\n")
    assert exam_map.main() == 2


def test_map_lists_uncovered_tasks() -> None:
    only = Page(Path("x/y.md"), "Y", ("3.4",), (), False)
    table = exam_map_markdown([only])
    assert "| 3.4 | " in table and "[Y](../x/y.md)" in table
    assert table.count("(not covered)") == 12
    assert front_matter("no front matter") == {}
