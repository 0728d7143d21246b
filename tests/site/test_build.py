"""The site builds cleanly and loads nothing from another host."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.site

# Attributes through which a page makes the browser fetch something by itself.
FETCHING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
LINK_RELS_THAT_FETCH = {"stylesheet", "preload", "prefetch", "icon", "manifest", "modulepreload"}
CSS_REMOTE = re.compile(r"""(?:@import\s+|url\(\s*)["']?(https?:)?//""", re.IGNORECASE)


class FetchFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and not LINK_RELS_THAT_FETCH & set((values.get("rel") or "").split()):
            return
        for attribute in FETCHING.get(tag, ()):
            value = values.get(attribute) or ""
            for url in value.replace(",", " ").split():
                if urlparse(url).netloc:
                    self.remote.append(f"<{tag} {attribute}={url}>")
        style = values.get("style") or ""
        if CSS_REMOTE.search(style):
            self.remote.append(f"<{tag} style={style}>")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_strict_build_has_no_warnings(built_site: Path) -> None:
    log = (built_site / ".build-log").read_text()
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert not warnings, "mkdocs build --strict printed:\n" + "\n".join(warnings)


def test_the_search_index_holds_no_code_blocks(built_site: Path) -> None:
    """Every page downloads the index: code blocks stay out of it (data-search-exclude on
    every fence, see Contributing), search finds a page by its prose."""
    index = json.loads((built_site / "search/search_index.json").read_text())
    with_code = [doc["location"] for doc in index["docs"] if "<pre>" in doc["text"]]
    assert not with_code, (
        "code blocks in the search index: add { data-search-exclude } to their fences on "
        + ", ".join(f"/{location}" for location in with_code)
    )


def test_every_nav_page_is_built(built_site: Path, repo_root: Path) -> None:
    for page in (repo_root / "docs").rglob("*.md"):
        relative = page.relative_to(repo_root / "docs").with_suffix("")
        target = "index.html" if relative.name == "index" else f"{relative}/index.html"
        if relative.name == "index" and relative.parent != Path("."):
            target = f"{relative.parent}/index.html"
        assert (built_site / target).is_file(), f"{page.name} was not built to {target}"


def test_no_page_fetches_from_another_host(built_site: Path) -> None:
    offenders = []
    for page in html_pages(built_site):
        finder = FetchFinder()
        finder.feed(page.read_text())
        offenders += [f"{page.relative_to(built_site)}: {item}" for item in finder.remote]
    for stylesheet in built_site.rglob("*.css"):
        if CSS_REMOTE.search(stylesheet.read_text()):
            offenders.append(f"{stylesheet.relative_to(built_site)} imports a remote resource")
    assert not offenders, "remote fetches:\n" + "\n".join(offenders)


def test_pages_use_no_web_fonts(built_site: Path) -> None:
    home = (built_site / "index.html").read_text()
    assert "fonts.googleapis" not in home and "fonts.gstatic" not in home


def test_each_page_has_an_edit_link(built_site: Path) -> None:
    home = (built_site / "index.html").read_text()
    assert "/edit/main/docs/index.md" in home, "edit_uri should give each page an edit link"


def test_source_link_does_not_call_the_github_api(built_site: Path) -> None:
    home = (built_site / "index.html").read_text()
    assert 'data-md-component="source"' not in home, (
        "the stock source partial fetches repository facts from api.github.com"
    )


def test_no_page_loads_mermaid(built_site: Path) -> None:
    """Diagrams are committed SVGs (scripts/diagrams.py): no page downloads mermaid."""
    offenders = [
        str(path.relative_to(built_site))
        for path in built_site.rglob("*")
        if path.is_file() and "mermaid" in path.name.lower()
    ]
    for page in html_pages(built_site):
        html = page.read_text()
        if 'class="mermaid"' in html or "mermaid.min.js" in html:
            offenders.append(f"{page.relative_to(built_site)} has a mermaid block or script")
    assert not offenders, "mermaid in the built site:\n" + "\n".join(offenders)
