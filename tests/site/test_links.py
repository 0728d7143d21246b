"""Broken links fail the test suite: MkDocs' ``validation:`` settings catch the Markdown
links while the site builds, and ``tests/site/links.py`` checks every internal link and
anchor, in Markdown and in raw HTML, once over the built site. No browser here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.site.links import broken_links, parse

pytestmark = pytest.mark.site

SECTIONS = ("validation", "markdown_extensions")
SITE_URL = "https://example.invalid/handbook/"
GOOD_PAGES = {
    "index.md": (
        "# Home\n\n"
        "[Markdown link](other.md), [with an anchor](other.md#a-section),\n"
        '<a href="other/">raw HTML link</a>, <a href="other/#a-section">raw anchor</a>,\n'
        '<a href="#home">same-page anchor</a>, <a href="/handbook/other/">absolute</a>\n'
        "and an external link that is never fetched:\n"
        "[AWS](https://docs.aws.amazon.com/lambda/latest/dg/welcome.html).\n"
    ),
    "other.md": "# Other\n\n## A section\n\nText.\n",
}
BROKEN_LINKS = {
    "markdown page": ("[gone](missing.md)", "missing.md"),
    "markdown anchor": ("[gone](other.md#no-such-heading)", "no-such-heading"),
    "raw HTML page": ('<a href="nowhere/">gone</a>', "nowhere/"),
    "raw HTML anchor": ('<a href="other/#not-there">gone</a>', "not-there"),
    "same-page anchor": ('<a href="#nope">gone</a>', "#nope"),
    "raw HTML image": ('<img src="missing.svg" alt="gone">', "missing.svg"),
    "absolute path outside the site": ('<a href="/elsewhere/">gone</a>', "/elsewhere/"),
}


def project_sections(repo_root: Path) -> str:
    """The named top-level sections of mkdocs.yml, verbatim."""
    text = (repo_root / "mkdocs.yml").read_text()
    blocks = re.split(r"(?m)^(?=\S)", text)
    kept = [block for block in blocks if block.split(":", 1)[0].strip() in SECTIONS]
    assert len(kept) == len(SECTIONS), f"mkdocs.yml lacks one of {SECTIONS}"
    return "".join(kept)


def build(
    tmp_path: Path, repo_root: Path, pages: dict[str, str], strict: bool
) -> tuple[subprocess.CompletedProcess[str], Path]:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name, text in pages.items():
        (docs / name).write_text(text)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: Link check\nsite_url: {SITE_URL}\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins:\n  - search\n" + project_sections(repo_root)
    )
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "mkdocs"), "build", "-d", str(out)]
    result = subprocess.run(
        [*command, "--strict"] if strict else command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    return result, out


def test_every_internal_link_of_the_site_leads_somewhere(
    built_site: Path, published_site_url: str
) -> None:
    problems = broken_links(built_site, urlsplit(published_site_url).path)
    assert not problems, "broken links in the built site:\n" + "\n".join(problems)


def test_good_links_pass(tmp_path: Path, repo_root: Path) -> None:
    result, out = build(tmp_path, repo_root, GOOD_PAGES, strict=True)
    assert result.returncode == 0, result.stderr
    assert broken_links(out, urlsplit(SITE_URL).path) == []


def test_every_kind_of_broken_link_is_reported(tmp_path: Path, repo_root: Path) -> None:
    body = "\n\n".join(f"{kind}: {link}" for kind, (link, _) in BROKEN_LINKS.items())
    result, out = build(
        tmp_path, repo_root, {**GOOD_PAGES, "broken.md": f"# Broken\n\n{body}\n"}, strict=False
    )
    assert result.returncode == 0, result.stderr
    problems = broken_links(out, urlsplit(SITE_URL).path)
    report = "\n".join(problems)
    unreported = [kind for kind, (_, needle) in BROKEN_LINKS.items() if needle not in report]
    assert not unreported, f"not reported: {unreported}\n{report}"
    assert all(problem.startswith("broken/index.html:") for problem in problems), report


def test_markdown_links_also_fail_the_strict_build(tmp_path: Path, repo_root: Path) -> None:
    """validation: (warn) plus --strict: a broken Markdown link stops the build itself."""
    for link in ("[gone](missing.md)", "[gone](other.md#no-such-heading)"):
        result, _ = build(
            tmp_path, repo_root, {**GOOD_PAGES, "broken.md": f"# B\n\n{link}\n"}, strict=True
        )
        assert result.returncode != 0, f"{link} built cleanly"


def test_ids_and_links_are_read_from_raw_html() -> None:
    page = parse('<h2 id="a">A</h2><a name="b"></a><a href="x/#a">x</a><img src="i.svg"/>')
    assert page.ids == {"a", "b"}
    assert [(tag, link) for tag, link, _ in page.links] == [("a", "x/#a"), ("img", "i.svg")]


def test_the_build_has_no_link_checker_plugin(repo_root: Path) -> None:
    """The link check runs once, here, over the built site, not in every build."""
    config = (repo_root / "mkdocs.yml").read_text()
    assert "htmlproofer" not in config
    for setting in ("omitted_files", "absolute_links", "unrecognized_links", "anchors"):
        assert re.search(rf"(?m)^\s+{setting}: warn\s*$", config), f"validation.{setting}"
