"""The DVA-C02 task statements and which handbook pages serve them.

Every content page lists the tasks it serves in its front matter (``exam_tasks:``). This
module reads them and renders the table on docs/reference/exam-guide.md; the tests prove
the page holds exactly that table. After changing a page's tasks, refresh the page with:

    python -m tests.reference.exam_map
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
EXAM_PAGE = DOCS / "reference" / "exam-guide.md"
START, END = "<!-- exam-map:start -->", "<!-- exam-map:end -->"

# Pinned: the DVA-C02 exam guide as AWS publishes it in the AWS Certification docs.
EXAM_GUIDE = {
    "code": "DVA-C02",
    "version": "2.1",
    "url": "https://docs.aws.amazon.com/aws-certification/latest/developer-associate-02/"
    "developer-associate-02.html",
    "checked": "2026-11-26",
}
DOMAINS = {
    "1": ("Development with AWS Services", 32),
    "2": ("Security", 26),
    "3": ("Deployment", 24),
    "4": ("Troubleshooting and Optimization", 18),
}
TASKS = {
    "1.1": "Develop code for applications hosted on AWS",
    "1.2": "Develop code for AWS Lambda",
    "1.3": "Use data stores in application development",
    "2.1": "Implement authentication and/or authorization for applications and AWS services",
    "2.2": "Implement encryption by using AWS services",
    "2.3": "Manage sensitive data in application code",
    "3.1": "Prepare application artifacts to be deployed to AWS",
    "3.2": "Test applications in development environments",
    "3.3": "Automate deployment testing",
    "3.4": "Deploy code by using AWS Continuous Integration and Continuous Delivery (CI/CD) "
    "services",
    "4.1": "Assist in a root cause analysis",
    "4.2": "Instrument code for observability",
    "4.3": "Optimize applications by using AWS services and features",
}
STUB = '!!! warning "Being written"'


@dataclass(frozen=True)
class Page:
    path: Path  # relative to docs/
    title: str
    tasks: tuple[str, ...]
    problems: tuple[str, ...]
    stub: bool


def front_matter(text: str) -> dict[str, Any]:
    """The YAML block at the top of a page, or ``{}`` when there is none."""
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if not match:
        return {}
    data = yaml.safe_load(match.group(1))
    return data if isinstance(data, dict) else {}


def content_pages() -> list[Path]:
    """Every page under docs/<section>/ except the reference pages."""
    return sorted(p for p in DOCS.glob("*/*.md")
                  if p.parent.name not in ("reference", "assets"))


def read_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    meta = front_matter(text)
    heading = re.search(r"^# (.+)$", text, re.M)
    title = str(meta.get("title") or (heading.group(1) if heading else path.stem))
    raw = meta.get("exam_tasks")
    problems: list[str] = []
    tasks: list[str] = []
    if not raw:
        problems.append("names no exam task (add exam_tasks: [...] to its front matter)")
    elif not isinstance(raw, list):
        problems.append("exam_tasks must be a list of task numbers such as \"3.4\"")
    else:
        for task in raw:
            if not isinstance(task, str):
                problems.append(f"exam task {task!r} must be a quoted string such as \"3.4\"")
            elif task not in TASKS:
                problems.append(f"exam task {task!r} is not a DVA-C02 task statement")
            elif task not in tasks:
                tasks.append(task)
    return Page(path.relative_to(DOCS), title, tuple(sorted(tasks)), tuple(problems),
                STUB in text)


def exam_map_markdown(pages: list[Page]) -> str:
    """The table on the exam guide page: each task and the pages that serve it."""
    lines = ["| Task | Task statement | Handbook pages |", "|---|---|---|"]
    for task, statement in TASKS.items():
        links = [f"[{p.title}](../{p.path.as_posix()})" for p in pages if task in p.tasks]
        lines.append(f"| {task} | {statement} | {', '.join(links) or '(not covered)'} |")
    return "\n".join(lines)


def current_block(text: str) -> str | None:
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1).rstrip("\n") if match else None


def main() -> int:
    pages = [read_page(path) for path in content_pages()]
    text = EXAM_PAGE.read_text(encoding="utf-8")
    if current_block(text) is None:
        print(f"{EXAM_PAGE}: no {START} ... {END} block", file=sys.stderr)
        return 2
    table = exam_map_markdown(pages)
    updated = re.sub(re.escape(START) + r"\n.*?" + re.escape(END),
                     lambda _: f"{START}\n{table}\n{END}", text, flags=re.S)
    EXAM_PAGE.write_text(updated, encoding="utf-8")
    print(f"{EXAM_PAGE.relative_to(REPO)}: {len(pages)} pages mapped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
