"""Browser fixtures: the built site served on 127.0.0.1 and driven in headless Chromium.

- ``site_url`` serves the session's ``built_site`` with a loopback HTTP server, under
  the same path as the published site.
- Playwright launches Debian's Chromium (Playwright cannot download its own browser
  here). A missing Chromium fails the tests with the command that installs it: the
  browser tests are part of the normal run and never skip.
- Every browser context made through ``open_context`` (and pytest-playwright's
  ``context``/``page`` fixtures) aborts and records any request for a host other than
  127.0.0.1. Console errors and page errors are recorded per page.
- ``site_pages`` discovers the pages from the built site's sitemap.xml, so the checks
  cover every page that exists, including chapters added later.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

CHROMIUM = Path(os.environ.get("HANDBOOK_CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = (
    "the browser tests need Debian's Chromium: run "
    "`sudo apt-get install -y chromium fonts-liberation` (CI's .ci/run does this), "
    "or point HANDBOOK_CHROMIUM at a Chromium binary"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
LOOPBACK_HOSTS = {"127.0.0.1"}

# The diagrams are committed SVGs (scripts/diagrams.py), shown twice: a light image
# (#only-light) and a dark one (#only-dark), of which Material's CSS shows the one for the
# scheme. They load lazily; this makes the shown ones load now, waits for them, and
# reports what a reader sees: how many are shown, of which scheme, drawn, and with alt text.
DIAGRAM_STATE = r"""
async () => {
  const images = [...document.querySelectorAll(
    "article img[src$='.light.svg#only-light'], article img[src$='.dark.svg#only-dark']")];
  const shown = images.filter((img) => img.checkVisibility());
  shown.forEach((img) => { img.loading = "eager"; });
  await Promise.all(shown.map((img) => img.decode().catch(() => null)));
  const scheme = document.body.getAttribute("data-md-color-scheme") === "slate"
    ? "dark" : "light";
  return {
    images: images.length,
    shown: shown.length,
    right_scheme: shown.filter((img) => img.src.endsWith(`.${scheme}.svg#only-${scheme}`))
      .length,
    drawn: shown.filter((img) => img.complete && img.naturalWidth > 0).length,
    with_alt: shown.filter((img) => (img.alt || "").trim().split(/\s+/).length >= 5).length,
  };
}
"""


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the built site the way it is published: under the path of ``site_url``
    (GitHub Pages serves it under /<repository>/), with the sitemap's host mapped to this
    server, as ``mkdocs serve`` does. Material's instant navigation only takes over links
    that are in the sitemap, compared by scheme, host, port and path."""

    site_path = "/"  # the path part of site_url, e.g. "/aws-cicd-handbook/"
    published_origin = ""  # scheme and host of site_url, e.g. "https://example.github.io"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not path.startswith(self.site_path):
            if path == self.site_path.rstrip("/"):
                self.send_response(301)
                self.send_header("Location", self.site_path)
                self.end_headers()
                return
            self.send_error(404, "outside the site")
            return
        if path == self.site_path + "sitemap.xml":
            local_origin = f"http://{self.headers.get('Host', '127.0.0.1')}"
            body = (Path(self.directory) / "sitemap.xml").read_bytes()
            body = body.replace(self.published_origin.encode(), local_origin.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        return super().translate_path("/" + path[len(self.site_path) :])


@pytest.fixture(scope="session")
def published_site_url(repo_root: Path) -> str:
    """site_url from mkdocs.yml: where the site is published."""
    match = re.search(r"^site_url:\s*(\S+)", (repo_root / "mkdocs.yml").read_text(), re.MULTILINE)
    assert match, "mkdocs.yml has no site_url (instant navigation needs one)"
    return match.group(1) if match.group(1).endswith("/") else match.group(1) + "/"


@pytest.fixture(scope="session")
def site_url(built_site: Path, published_site_url: str) -> Iterator[str]:
    """The built site, served over HTTP on a free loopback port under the published path
    (instant navigation needs http://, not file://). Ends with a slash."""
    published = urlsplit(published_site_url)
    handler = type(
        "BuiltSiteHandler",
        (SiteHandler,),
        {
            "site_path": published.path,
            "published_origin": f"{published.scheme}://{published.netloc}",
        },
    )
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(built_site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{published.path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(site_url: str) -> str:
    """pytest-playwright's base URL: relative ``page.goto`` paths resolve against the site."""
    return site_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        detail = f" (found {found} instead)" if found else ""
        pytest.fail(f"{CHROMIUM} is missing{detail}: {INSTALL_HINT}", pytrace=False)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], site_url: str) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": site_url,
        "viewport": VIEWPORT,
        "locale": "en-US",
        "reduced_motion": "reduce",
    }


@dataclass
class Traffic:
    """What pages in one browser context did that they should not have."""

    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def guard_context(context: Any) -> Traffic:
    """Block and record requests leaving 127.0.0.1, record console errors of every page
    the context opens."""
    traffic = Traffic()

    def route(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and (
            parts.hostname not in LOOPBACK_HOSTS
        ):
            traffic.outside_requests.append(f"{route.request.frame.url}: {url}")
            route.abort("blockedbyclient")
            return
        route.continue_()

    context.route("**/*", route)

    def watch(page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                traffic.console_errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: traffic.console_errors.append(f"{page.url}: {error}"))

    context.on("page", watch)
    return traffic


@pytest.fixture
def context(new_context: Callable[..., Any]) -> Iterator[Any]:
    """pytest-playwright's context, guarded; the test fails if a page in it reached
    another host or logged a console error."""
    browser_context = new_context()
    traffic = guard_context(browser_context)
    browser_context.traffic = traffic
    yield browser_context
    assert not traffic.outside_requests, "requests left 127.0.0.1:\n" + "\n".join(
        traffic.outside_requests
    )
    assert not traffic.console_errors, "console errors:\n" + "\n".join(traffic.console_errors)


@pytest.fixture
def open_context(new_context: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Make another guarded context (for a colour scheme or permissions of its own)."""

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        browser_context = new_context(**kwargs)
        browser_context.traffic = guard_context(browser_context)
        made.append(browser_context)
        return browser_context

    yield make
    for browser_context in made:
        traffic = browser_context.traffic
        assert not traffic.outside_requests, "requests left 127.0.0.1:\n" + "\n".join(
            traffic.outside_requests
        )
        assert not traffic.console_errors, "console errors:\n" + "\n".join(traffic.console_errors)


@dataclass(frozen=True)
class SitePage:
    """One page of the built site: where it is served and where its Markdown lives."""

    path: str  # relative to the site root, e.g. "" or "lambda/limits/"
    source: str  # relative to docs/, e.g. "lambda/limits.md"
    title: str | None  # the front matter's title, if any
    html: str  # the built HTML

    @property
    def slug(self) -> str:
        return self.path.strip("/").replace("/", "--") or "home"


SITE_NAME = re.compile(r"^site_name:\s*(?P<name>.+?)\s*$", re.MULTILINE)
EDIT_LINK = re.compile(r'href="[^"]*/edit/main/docs/(?P<source>[^"]+\.md)"')
FRONT_MATTER = re.compile(r"\A---\s*\n(?P<yaml>.*?)\n---\s*\n", re.DOTALL)


def front_matter_title(markdown: str) -> str | None:
    match = FRONT_MATTER.match(markdown)
    if not match:
        return None
    try:
        meta = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError:
        return None
    title = meta.get("title") if isinstance(meta, dict) else None
    return str(title) if title else None


def sitemap_paths(built_site: Path, site_root_url: str) -> list[str]:
    """Paths of every page in sitemap.xml, relative to the site root."""
    tree = ET.parse(built_site / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root_path = urlsplit(site_root_url).path
    paths = []
    for loc in tree.getroot().findall("s:url/s:loc", namespace):
        path = urlsplit((loc.text or "").strip()).path
        assert path.startswith(root_path), f"sitemap entry {path} is outside {root_path}"
        paths.append(path[len(root_path) :])
    return paths


@pytest.fixture(scope="session")
def site_name(repo_root: Path) -> str:
    match = SITE_NAME.search((repo_root / "mkdocs.yml").read_text())
    assert match, "mkdocs.yml has no site_name"
    return match.group("name")


@pytest.fixture(scope="session")
def site_pages(built_site: Path, repo_root: Path, published_site_url: str) -> list[SitePage]:
    pages = []
    for path in sitemap_paths(built_site, published_site_url):
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        edit = EDIT_LINK.search(html)
        assert edit, f"{path or 'home'}: no edit link to find its source"
        source = edit.group("source")
        markdown = (repo_root / "docs" / source).read_text(encoding="utf-8")
        pages.append(SitePage(path, source, front_matter_title(markdown), html))
    assert pages, "sitemap.xml lists no pages"
    return pages
