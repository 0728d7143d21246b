"""The exam guide map: every content page serves known tasks, and the page shows them all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.reference import exam_map
from tests.reference.exam_map import (
    C02_TASKS,
    C03_STATEMENTS,
    COVERAGE,
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
    assert EXAM_GUIDE["code"] == "DVA-C03"
    assert EXAM_GUIDE["previous_url"].startswith("https://docs.aws.amazon.com/aws-certification/")
    assert EXAM_GUIDE["certification_page"].startswith("https://aws.amazon.com/certification/")
    assert dt.date.fromisoformat(EXAM_GUIDE["checked"]) <= dt.date.today()
    assert sum(weight for _, weight in DOMAINS.values()) == 100
    assert DOMAINS["3"] == ("Testing and Deployment", 22)
    assert sorted({task.split(".")[0] for task in TASKS}) == sorted(DOMAINS)
    # C02's 3.2 and 3.3 merged, and 2.2 and 2.3 merged while a new 2.3 arrived: 12 tasks.
    assert len(TASKS) == 12 and "3.4" not in TASKS and len(C02_TASKS) == 13


def test_every_c02_task_lives_on_in_a_c03_task() -> None:
    continued = {old for c02, _ in TASKS.values() for old in c02}
    assert continued == set(C02_TASKS)
    assert TASKS["3.2"][0] == ("3.2", "3.3"), "C02's tasks 3.2 and 3.3 merged into 3.2"
    assert TASKS["2.3"][0] == (), "2.3 is new in C03"


def test_coverage_is_stated_for_every_task_and_honest() -> None:
    assert set(COVERAGE) == set(TASKS)
    assert {level for level, _ in COVERAGE.values()} <= {"fully", "partly", "not yet"}
    pages = [read_page(path) for path in content_pages()]
    for task, (level, _) in COVERAGE.items():
        served = [p for p in pages if task in p.tasks]
        assert (level == "not yet") == (not served), f"{task}: {level} but pages {served}"


def test_exam_page_states_the_pinned_exam() -> None:
    text = exam_map.EXAM_PAGE.read_text()
    assert EXAM_GUIDE["previous_url"] in text and EXAM_GUIDE["certification_page"] in text
    assert EXAM_GUIDE["source"] in text and "1 December 2026" in text
    for number, (name, weight) in DOMAINS.items():
        assert f"| {number}. {name} | {weight} % |" in text, name
    for statement in C03_STATEMENTS.values():
        assert f'"{statement}"' in text, "quote AWS's task statements exactly"


def test_home_page_and_readme_name_the_current_exam() -> None:
    for path in (exam_map.DOCS / "index.md", exam_map.REPO / "README.md"):
        text = path.read_text()
        assert "DVA-C03" in text, f"{path.name} must name DVA-C03"
        assert "(DVA-C02)" not in text, f"{path.name} still names DVA-C02 as the exam"


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
        "text.md": "---\nexam_tasks: [\"3.3\"]\n---\n",
        "float.md": "---\nexam_tasks:\n  DVA-C03: [3.3]\n---\n",
        "unknown.md": "---\nexam_tasks:\n  DVA-C03: [\"3.4\", \"3.3\", \"3.3\"]\n---\n",
        "stub.md": '# Stub\n\n!!! warning "Being written"\n',
        "list.md": "---\n- a\n---\n# List front matter\n",
    }
    for name, text in cases.items():
        (docs / "x" / name).write_text(text)
    pages = {p.path.name: p for p in (read_page(path) for path in sorted(docs.glob("*/*.md")))}
    assert pages["none.md"].problems == (
        "names no exam task (add exam_tasks: {DVA-C03: [...]} to its front matter)",)
    assert pages["none.md"].title == "No front matter"
    assert pages["empty.md"].problems and pages["empty.md"].title == "Empty"
    assert pages["text.md"].problems == (
        'exam_tasks must name the exam: {DVA-C03: ["3.3", ...]}',)
    assert pages["float.md"].problems == (
        "exam task 3.3 must be a quoted string such as \"3.3\"",)
    assert pages["unknown.md"].problems == ("exam task '3.4' is not a DVA-C03 task",)
    assert pages["unknown.md"].tasks == ("3.3",)
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
    only = Page(Path("x/y.md"), "Y", ("3.3",), (), False)
    table = exam_map_markdown([only])
    assert "| 3.3 | " in table and "[Y](../x/y.md)" in table
    assert table.count("| (none) |") == 11
    assert "3.4 Deploy code by using AWS Continuous Integration" in table, "the C02 column"
    assert front_matter("no front matter") == {}
