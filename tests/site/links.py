"""Every internal link and anchor of a built site, checked in one pass over its pages.

MkDocs' ``validation:`` settings check the links written in Markdown while it builds; links
written as raw HTML (``<a href="other/#part">``), and anything a template adds, are only
visible in the built pages. This reads each page once with the standard library's HTML
parser (the one beautifulsoup4's "html.parser" wraps; no tree is needed), collects its ids
and its links, and then resolves every link against the files and ids it found. External
links are never fetched: tests stay on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

# Attributes through which a page points at another page or file of the site.
LINKING = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "source": "src",
    "iframe": "src",
}
NOT_FETCHED = {"http", "https", "mailto", "tel", "javascript", "data", "ftp"}


@dataclass
class Page:
    """What one built page holds: its ids and its links (tag, value, line)."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, int]] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.page.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.page.ids.add(values["name"] or "")
        attribute = LINKING.get(tag)
        value = values.get(attribute) if attribute else None
        if value is not None:
            self.page.links.append((tag, value.strip(), self.getpos()[0]))

    handle_startendtag = handle_starttag


def parse(html: str) -> Page:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def page_url(site: Path, file: Path) -> str:
    """The site-relative URL a file is served at ("lambda/limits/", "404.html")."""
    relative = file.relative_to(site).as_posix()
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def target_file(site: Path, path: str) -> Path | None:
    """The file a site-relative path is served from, or None."""
    candidate = site / PurePosixPath(path)
    if path in ("", ".") or path.endswith("/"):
        candidate = candidate / "index.html"
    if candidate.is_file():
        return candidate
    if (candidate / "index.html").is_file():
        return candidate / "index.html"
    return None


def broken_links(site: Path, site_path: str = "/") -> list[str]:
    """``"page:line: <tag> link: problem"`` for every internal link or anchor that leads
    nowhere. ``site_path`` is the path the site is published under (site_url's path):
    links starting with it are the site's own absolute links."""
    if not site_path.endswith("/"):
        site_path += "/"
    pages = {
        file: parse(file.read_text(encoding="utf-8", errors="replace"))
        for file in sorted(site.rglob("*.html"))
    }
    problems = []
    for file, page in pages.items():
        base = "/" + page_url(site, file)
        for tag, link, line in page.links:
            problem = check_link(site, site_path, pages, base, link)
            if problem:
                where = f"{file.relative_to(site).as_posix()}:{line}"
                problems.append(f"{where}: <{tag}> {link}: {problem}")
    return problems


def check_link(site: Path, site_path: str, pages: dict[Path, Page], base: str, link: str) -> str:
    """Why ``link`` on the page served at ``base`` leads nowhere, or "" if it is fine."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return "" if parts.scheme in NOT_FETCHED or parts.netloc else "unknown scheme"
    if not link:
        return ""
    if parts.path.startswith("/"):
        if not (parts.path + "/").startswith(site_path):
            return f"absolute path outside the site ({site_path})"
        path = parts.path[len(site_path) - 1 :]
    else:
        path = urljoin(base, parts.path) if parts.path else base
    target = target_file(site, unquote(path).lstrip("/"))
    if target is None:
        return "no such page or file"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in pages[target].ids:
        return f"no element with id {fragment!r} on {target.relative_to(site).as_posix()}"
    return ""
