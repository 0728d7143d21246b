"""Broken links fail the build: MkDocs' ``validation:`` settings for Markdown links and
mkdocs-htmlproofer-plugin for links and anchors in raw HTML, as configured in
mkdocs.yml. No browser here: these build a tiny site with the project's own
``validation:``, ``plugins:`` and ``markdown_extensions:`` sections.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

SECTIONS = ("validation", "plugins", "markdown_extensions")
GOOD_PAGES = {
    "index.md": (
        "# Home\n\n"
        "[Markdown link](other.md), [with an anchor](other.md#a-section),\n"
        '<a href="other/">raw HTML link</a>, <a href="other/#a-section">raw anchor</a>,\n'
        '<a href="#home">same-page anchor</a> and an external link that is never fetched:\n'
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
}


def project_sections(repo_root: Path) -> str:
    """The named top-level sections of mkdocs.yml, verbatim."""
    text = (repo_root / "mkdocs.yml").read_text()
    blocks = re.split(r"(?m)^(?=\S)", text)
    kept = [block for block in blocks if block.split(":", 1)[0].strip() in SECTIONS]
    assert len(kept) == len(SECTIONS), f"mkdocs.yml lacks one of {SECTIONS}"
    return "".join(kept)


def build(tmp_path: Path, repo_root: Path, pages: dict[str, str]) -> subprocess.CompletedProcess:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in pages.items():
        (docs / name).write_text(text)
    (tmp_path / "snippets").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Link check\n"
        "site_url: https://example.invalid/handbook/\n"
        "theme:\n  name: material\n"
        "strict: true\n" + project_sections(repo_root)
    )
    env = {key: value for key, value in os.environ.items() if key != "HANDBOOK_CHECK_LINKS"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "-d", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )


def test_good_links_build(tmp_path: Path, repo_root: Path) -> None:
    result = build(tmp_path, repo_root, GOOD_PAGES)
    assert result.returncode == 0, result.stderr


def test_every_kind_of_broken_link_fails_the_build(tmp_path: Path, repo_root: Path) -> None:
    body = "\n\n".join(f"{kind}: {link}" for kind, (link, _) in BROKEN_LINKS.items())
    result = build(tmp_path, repo_root, {**GOOD_PAGES, "broken.md": f"# Broken\n\n{body}\n"})
    assert result.returncode != 0, "a site with broken links built cleanly"
    log = result.stdout + result.stderr
    unreported = [kind for kind, (_, needle) in BROKEN_LINKS.items() if needle not in log]
    assert not unreported, f"not reported: {unreported}\n{log}"


def test_the_link_checker_does_not_fetch_external_links(repo_root: Path) -> None:
    plugins = project_sections(repo_root)
    assert re.search(r"(?m)^\s+- htmlproofer:", plugins), "mkdocs-htmlproofer-plugin is off"
    assert re.search(r"(?m)^\s+validate_external_urls: false\s*$", plugins)
    assert re.search(r"(?m)^\s+raise_error_after_finish: true\s*$", plugins)
    for setting in ("omitted_files", "absolute_links", "unrecognized_links", "anchors"):
        assert re.search(rf"(?m)^\s+{setting}: warn\s*$", plugins), f"validation.{setting}"
