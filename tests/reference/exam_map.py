"""The DVA-C03 tasks, the DVA-C02 tasks they continue, and the pages that serve them.

Every content page lists the DVA-C03 tasks it serves in its front matter
(``exam_tasks: {DVA-C03: ["3.1", ...]}``). This
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

# Pinned: DVA-C03, in use from 1 December 2026. AWS's full DVA-C03 exam guide could not be
# read (no stored copy found); the map follows AWS's page "Comparison of DVA-C02 and DVA-C03"
# (AWS Certification docs), which gives the domains, weights, the new task 2.3 and what moved.
EXAM_GUIDE = {
    "code": "DVA-C03",
    "source": "Comparison of DVA-C02 and DVA-C03",
    "certification_page": "https://aws.amazon.com/certification/certified-developer-associate/",
    "previous_url": "https://docs.aws.amazon.com/aws-certification/latest/developer-associate-02/"
    "developer-associate-02.html",
    "checked": "2026-12-01",
}
DOMAINS = {
    "1": ("Development with AWS Services", 30),
    "2": ("Security", 26),
    "3": ("Testing and Deployment", 22),
    "4": ("Troubleshooting and Optimization", 22),
}
# The DVA-C03 tasks. The comparison page quotes only task 2.3's statement (the new one); for
# the others it names the task and what was added to it or moved into it, so the map shows
# the DVA-C02 task(s) each one continues, with their statements (DVA-C02 guide, version 2.1).
C03_STATEMENTS = {
    "2.3": "Identify and mitigate security risks associated with using and integrating AI "
    "services into application development.",
}
C02_TASKS = {
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
# C03 task -> (the C02 tasks it continues, what the comparison page says changed).
TASKS = {
    "1.1": (("1.1", "1.3"), "adds AI-assisted development tools and managed AI services; "
            "serializing data moved in from 1.3; unit testing with SAM moved out to 3.2"),
    "1.2": (("1.2",), "not named by the comparison page; Lambda performance tuning moved "
            "out to 4.3"),
    "1.3": (("1.3",), "not named by the comparison page; the four DynamoDB skills became one"),
    "2.1": (("2.1",), "adds presigned URLs (Amazon S3, CloudFront)"),
    "2.2": (("2.2", "2.3"), "C02 tasks 2.2 and 2.3 became one task: encryption and data "
            "protection"),
    "2.3": ((), "new: security of AI services"),
    "3.1": (("3.1", "3.4"), "adds building and managing container images (ECR, Dockerfiles, "
            "tagging, lifecycle policies); API Gateway stages and custom domains moved in "
            "from 3.4"),
    "3.2": (("3.2", "3.3"), "C02 tasks 3.2 and 3.3 merged; unit testing with SAM moved in; "
            "adds AI tools that generate and automate tests"),
    "3.3": (("3.4", "3.3"), "IaC templates (CDK, SAM, CloudFormation) stay in 3.3; adds "
            "container orchestration (ECS, EKS, Fargate) and AI tools in CI/CD"),
    "4.1": (("4.1",), "adds AI tools that analyze errors"),
    "4.2": (("4.2",), "not named by the comparison page; observability skills merged"),
    "4.3": (("4.3",), "adds AI tools for optimization; Lambda performance tuning moved in "
            "from 1.2"),
}
# How much of each C03 task the handbook covers, and what it leaves to other material.
COVERAGE = {
    "1.1": ("partly", "function URLs only; no messaging, APIs or AI-assisted development"),
    "1.2": ("partly", "packaging, versions, aliases, limits, URLs; not event source mappings "
            "or destinations"),
    "1.3": ("not yet", "no data stores"),
    "2.1": ("partly", "IAM for function URLs and CodeCommit; no Cognito or presigned URLs"),
    "2.2": ("partly", "KMS for artifacts and repositories, secrets in builds"),
    "2.3": ("not yet", "no AI services"),
    "3.1": ("partly", "artifacts, .zip packages, Lambda container images, ECS task "
            "definitions, API Gateway stages; not ECR lifecycle policies or custom domains"),
    "3.2": ("partly", "tests in CodeBuild and deployment hooks; no SAM local testing or AI "
            "test tools"),
    "3.3": ("partly", "CodePipeline, CodeBuild, CodeDeploy (Lambda, EC2, ECS), ECS on "
            "Fargate, Elastic Beanstalk, CloudFormation and SAM; no EKS, no AI tools"),
    "4.1": ("partly", "pipeline and build failures"),
    "4.2": ("partly", "CodeGuru Profiler and pipeline events; no X-Ray or CloudWatch metrics"),
    "4.3": ("partly", "Lambda memory, limits, profiling and best practices"),
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
    """Every teaching page under docs/<section>/ (not the reference or Tools pages)."""
    return sorted(p for p in DOCS.glob("*/*.md")
                  if p.parent.name not in ("reference", "assets", "tools"))


def read_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    meta = front_matter(text)
    heading = re.search(r"^# (.+)$", text, re.M)
    title = str(meta.get("title") or (heading.group(1) if heading else path.stem))
    raw = meta.get("exam_tasks")
    problems: list[str] = []
    tasks: list[str] = []
    code = EXAM_GUIDE["code"]
    if not raw:
        problems.append(f"names no exam task (add exam_tasks: {{{code}: [...]}} to its "
                        "front matter)")
    elif not isinstance(raw, dict) or set(raw) != {code} or not isinstance(raw[code], list):
        problems.append(f'exam_tasks must name the exam: {{{code}: ["3.3", ...]}}')
    else:
        for task in raw[code]:
            if not isinstance(task, str):
                problems.append(f"exam task {task!r} must be a quoted string such as \"3.3\"")
            elif task not in TASKS:
                problems.append(f"exam task {task!r} is not a {code} task")
            elif task not in tasks:
                tasks.append(task)
    return Page(path.relative_to(DOCS), title, tuple(sorted(tasks)), tuple(problems),
                STUB in text)


def exam_map_markdown(pages: list[Page]) -> str:
    """The table on the exam guide page: each C03 task, its C02 roots, coverage and pages."""
    lines = ["| DVA-C03 task | What the comparison page says | DVA-C02 task(s) | Covered | "
             "Handbook pages |", "|---|---|---|---|---|"]
    for task, (c02, change) in TASKS.items():
        said = f'"{C03_STATEMENTS[task]}" ({change})' if task in C03_STATEMENTS else change
        roots = "; ".join(f"{old} {C02_TASKS[old]}" for old in c02) or "none (new)"
        covered, note = COVERAGE[task]
        links = [f"[{p.title}](../{p.path.as_posix()})" for p in pages if task in p.tasks]
        lines.append(f"| {task} | {said} | {roots} | **{covered}**: {note} | "
                     f"{', '.join(links) or '(none)'} |")
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
