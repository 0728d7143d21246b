"""The built site as a reader sees it, in headless Chromium.

The pages come from the built site's sitemap.xml (see conftest), never from a list in
this file, so every check covers chapters as they are added. One session-scoped pass
visits every page in the light and the dark scheme and records what it saw; the tests
below judge that record, and a few more drive the interactive features.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from tests.site.conftest import DIAGRAM_STATE, SCREENSHOTS, VIEWPORT, SitePage, guard_context

pytestmark = [pytest.mark.site, pytest.mark.browser]

SCHEMES = ("light", "dark")
# WCAG 2.1 A and AA, plus axe's best practices. No rule is excluded.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
SEARCH_TIMEOUT_MS = 10_000
SEARCH_OPEN = "() => document.getElementById('__search').checked"
RESULTS_OR_CLOSED = """
(term) => !document.getElementById("__search").checked ||
  [...document.querySelectorAll(".md-search-result__item a.md-search-result__link")]
    .some((a) => a.href.includes(`h=${term}`) && a.checkVisibility())
"""
# JPEG: a tall page is a fraction of the PNG's size and encoding time, and reads as well.
SCREENSHOT_QUALITY = 85
MAX_SHOT_HEIGHT = 16_000  # below Chromium's largest texture, 16,384 px
JPEG_SIGNATURE = b"\xff\xd8\xff"


@dataclass
class Visit:
    """What one page looked like in one colour scheme."""

    page: SitePage
    scheme: str
    status: int | None = None
    document_title: str = ""
    body_scheme: str = ""
    h1_text: str = ""
    nav_paths: list[str] = field(default_factory=list)
    diagrams: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def relative_path(url: str, site_url: str) -> str | None:
    """The site-relative path of a same-site URL (no query, no fragment), else None."""
    if not url.startswith(site_url):
        return None
    return urlsplit(url).path[len(urlsplit(site_url).path) :]


def describe_violations(results: dict[str, Any]) -> list[str]:
    lines = []
    for violation in results.get("violations", []):
        targets = ", ".join(str(node.get("target")) for node in violation["nodes"][:5])
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
            f"{violation['help']} — {targets}"
        )
    return lines


def visit_every_page(
    scheme: str,
    launch_args: dict[str, Any],
    context_args: dict[str, Any],
    site_url: str,
    site_pages: list[SitePage],
) -> dict[tuple[str, str], Visit]:
    """One scheme's pass over every page, with a Playwright instance of its own so the
    two schemes can run side by side in two threads (Playwright's sync API allows one
    instance per thread)."""
    axe = Axe()
    record: dict[tuple[str, str], Visit] = {}
    (SCREENSHOTS / scheme).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args)
        context = browser.new_context(**context_args, color_scheme=scheme)
        traffic = guard_context(context)
        page = context.new_page()
        try:
            for site_page in site_pages:
                visit = Visit(site_page, scheme)
                errors_before = len(traffic.console_errors)
                outside_before = len(traffic.outside_requests)
                response = page.goto(site_url + site_page.path, wait_until="load")
                visit.status = response.status if response else None
                page.evaluate("document.fonts.ready")
                visit.document_title = page.title()
                visit.body_scheme = page.evaluate(
                    "document.body.getAttribute('data-md-color-scheme')"
                )
                heading = page.locator("article h1").first
                visit.h1_text = heading.inner_text() if heading.is_visible() else ""
                links = page.eval_on_selector_all(
                    "nav.md-nav--primary a.md-nav__link[href]", "els => els.map(a => a.href)"
                )
                visit.nav_paths = sorted(
                    {
                        path
                        for path in (relative_path(url, site_url) for url in links)
                        if path is not None
                    }
                )
                visit.diagrams = page.evaluate(DIAGRAM_STATE)  # drawn before axe and the shot
                visit.violations = describe_violations(axe.run(page, options=AXE_OPTIONS).response)
                visit.screenshot = SCREENSHOTS / scheme / f"{site_page.slug}.jpg"
                # Chromium draws nothing past its largest texture (16,384 px): a taller page
                # (the longest Tools pages) is shot down to that height.
                height = page.evaluate("document.documentElement.scrollHeight")
                page.screenshot(
                    path=visit.screenshot,
                    full_page=True,
                    clip=None if height <= MAX_SHOT_HEIGHT else {
                        "x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_SHOT_HEIGHT},
                    animations="disabled",
                    type="jpeg",
                    quality=SCREENSHOT_QUALITY,
                )
                visit.console_errors = traffic.console_errors[errors_before:]
                visit.outside_requests = traffic.outside_requests[outside_before:]
                record[(scheme, site_page.path)] = visit
        finally:
            context.close()
            browser.close()
    return record


@pytest.fixture(scope="session")
def visits(
    browser_type_launch_args: dict[str, Any],
    browser_context_args: dict[str, Any],
    site_url: str,
    site_pages: list[SitePage],
) -> dict[tuple[str, str], Visit]:
    """Visit every page in both schemes: status, title, navigation, diagrams, axe-core,
    console, outside requests, and a full-page screenshot for reviewers."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    context_args = {
        key: value for key, value in browser_context_args.items() if key != "record_video_dir"
    }
    with ThreadPoolExecutor(max_workers=len(SCHEMES)) as pool:
        passes = [
            pool.submit(
                visit_every_page,
                scheme,
                browser_type_launch_args,
                context_args,
                site_url,
                site_pages,
            )
            for scheme in SCHEMES
        ]
        record: dict[tuple[str, str], Visit] = {}
        for finished in passes:
            record.update(finished.result())
    return record


def failures(visits: dict[tuple[str, str], Visit], check: Any) -> list[str]:
    problems = []
    for (scheme, path), visit in sorted(visits.items()):
        for problem in check(visit):
            problems.append(f"[{scheme}] /{path}: {problem}")
    return problems


# --- every page, both schemes -------------------------------------------------------------


def test_every_page_returns_200_and_shows_its_title(
    visits: dict[tuple[str, str], Visit], site_name: str
) -> None:
    def check(visit: Visit) -> list[str]:
        problems = []
        if visit.status != 200:
            problems.append(f"HTTP {visit.status}")
        expected = f"{visit.page.title} - {site_name}" if visit.page.title else site_name
        if not visit.document_title.endswith(site_name) or (
            visit.page.title and visit.document_title != expected
        ):
            problems.append(f"title {visit.document_title!r}, expected {expected!r}")
        if not visit.h1_text.strip():
            problems.append("no visible <h1>")
        return problems

    problems = failures(visits, check)
    assert not problems, "\n".join(problems)


def test_navigation_reaches_every_page(
    visits: dict[tuple[str, str], Visit], site_pages: list[SitePage]
) -> None:
    links = {path: visit.nav_paths for (scheme, path), visit in visits.items() if scheme == "light"}
    reached, frontier = {""}, [""]
    while frontier:
        for target in links.get(frontier.pop(), []):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    missing = sorted({page.path for page in site_pages} - reached)
    assert not missing, f"pages the navigation never links to: {missing}"


def test_no_request_leaves_loopback(visits: dict[tuple[str, str], Visit]) -> None:
    problems = failures(visits, lambda visit: visit.outside_requests)
    assert not problems, "requests for another host (blocked):\n" + "\n".join(problems)


def test_no_page_logs_a_console_error(visits: dict[tuple[str, str], Visit]) -> None:
    problems = failures(visits, lambda visit: visit.console_errors)
    assert not problems, "console errors:\n" + "\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_accessibility_violations(visits: dict[tuple[str, str], Visit], scheme: str) -> None:
    """axe-core: WCAG 2.1 A/AA and best practice (image-alt covers the diagrams)."""
    scheme_visits = {key: visit for key, visit in visits.items() if key[0] == scheme}
    problems = failures(scheme_visits, lambda visit: visit.violations)
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_scheme_is_the_one_asked_for(visits: dict[tuple[str, str], Visit], scheme: str) -> None:
    """The axe and screenshot pass really ran in each scheme (system preference)."""
    expected = {"light": "default", "dark": "slate"}[scheme]
    wrong = [
        path
        for (visited_scheme, path), visit in visits.items()
        if visited_scheme == scheme and visit.body_scheme != expected
    ]
    assert not wrong, f"pages not in the {expected} scheme: {wrong}"


def diagram_count(html: str) -> int:
    """Diagrams in a page's HTML: each is a light and a dark image of one drawing."""
    return len(re.findall(r'<img [^>]*src="[^"]*diagrams/[^"]*\.light\.svg#only-light"', html))


def test_every_diagram_is_drawn_in_the_scheme_shown(
    visits: dict[tuple[str, str], Visit], site_pages: list[SitePage]
) -> None:
    """Each diagram shows once, as the drawing for the page's colour scheme, loaded, with
    alt text; the other scheme's drawing stays hidden."""
    expected = {page.path: diagram_count(page.html) for page in site_pages}
    assert sum(expected.values()) > 0, "no page has a diagram: nothing was tested"

    def check(visit: Visit) -> list[str]:
        want, got = expected[visit.page.path], visit.diagrams
        if got.get("images") == 2 * want and all(
            got.get(key) == want for key in ("shown", "right_scheme", "drawn", "with_alt")
        ):
            return []
        return [f"{want} diagrams in the HTML, browser saw {got}"]

    problems = failures(visits, check)
    assert not problems, "\n".join(problems)


def test_screenshots_of_every_page_in_both_schemes(
    visits: dict[tuple[str, str], Visit], site_pages: list[SitePage]
) -> None:
    for scheme in SCHEMES:
        for site_page in site_pages:
            shot = SCREENSHOTS / scheme / f"{site_page.slug}.jpg"
            assert shot.is_file(), f"no screenshot {shot}"
            with shot.open("rb") as image:
                assert image.read(3) == JPEG_SIGNATURE, f"{shot} is not a JPEG"
    light = (SCREENSHOTS / "light" / "home.jpg").read_bytes()
    dark = (SCREENSHOTS / "dark" / "home.jpg").read_bytes()
    assert light != dark, "the light and dark screenshots of the home page are identical"


# --- search -----------------------------------------------------------------------------------


class IndexText(HTMLParser):
    """The text of a search-index entry, split into prose and code: search matches both,
    highlighting marks only prose."""

    def __init__(self) -> None:
        super().__init__()
        self.prose: list[str] = []
        self.code: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("code", "pre"):
            self.in_code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre") and self.in_code:
            self.in_code -= 1

    def handle_data(self, data: str) -> None:
        (self.code if self.in_code else self.prose).append(data)


# The search index's own tokenizer: separator [\s\-]+, then lunr's trimmer.
SEPARATOR = re.compile(r"[\s\-]+")
TRIM = re.compile(r"^\W+|\W+$")
PLAIN_WORD = re.compile(r"[a-z]{6,}")


def tokens(text: str) -> set[str]:
    return {TRIM.sub("", token).lower() for token in SEPARATOR.split(text)} - {""}


def search_terms(built_site: Path, site_pages: list[SitePage]) -> dict[str, str]:
    """For each page, a plain word of its prose that the fewest other pages contain."""
    index = json.loads((built_site / "search/search_index.json").read_text())
    prose: dict[str, set[str]] = {page.path: set() for page in site_pages}
    everything: dict[str, set[str]] = {page.path: set() for page in site_pages}
    for doc in index["docs"]:
        path = doc["location"].split("#")[0]
        if path not in prose:
            continue
        parser = IndexText()
        parser.feed(doc.get("title", "") + " " + doc.get("text", ""))
        words = tokens(" ".join(parser.prose))
        prose[path] |= {word for word in words if PLAIN_WORD.fullmatch(word)}
        everything[path] |= words | tokens(" ".join(parser.code))
    frequency = Counter(word for words in everything.values() for word in words)
    terms = {}
    for path, words in prose.items():
        assert words, f"/{path}: the search index has no prose words for this page"
        terms[path] = min(sorted(words), key=lambda word: (frequency[word], -len(word)))
    return terms


def run_query(page: Any, term: str) -> Any | None:
    """Type a query into the header's search box; the locator of its result links.

    Result links carry the query (?h=term), which tells this query's results from the
    previous one's, shown until the search worker answers. Material closes the search
    dialog 125 ms after the location or the hash changes, which instant navigation to
    a result can do after the new page is shown: a query typed in that moment vanishes
    with the dialog, so it is typed again."""
    results = page.locator(f".md-search-result__item a.md-search-result__link[href*='h={term}']")
    for _ in range(3):
        query = page.locator("input.md-search__input")
        # Material opens the dialog when the box gains focus; after a result was opened the
        # box can still hold focus with the dialog closed, so a click alone would not open it.
        query.blur()
        query.click()
        query.fill(term)
        query.press("End")  # a key press: Material reads the query on keyup, not on input
        try:
            page.wait_for_function(RESULTS_OR_CLOSED, arg=term, timeout=SEARCH_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            return None  # the dialog stayed open and shows no result for the term
        if page.evaluate(SEARCH_OPEN):
            return results
    return None


def test_search_finds_a_term_from_each_page_and_highlights_it(
    page: Any, site_url: str, built_site: Path, site_pages: list[SitePage]
) -> None:
    """Type a word that only (or mostly) one page uses; the results list that page, and
    opening it highlights the word (search.highlight)."""
    page.goto(site_url)
    problems = []
    for path, term in search_terms(built_site, site_pages).items():
        results = run_query(page, term)
        if results is None:
            problems.append(f"/{path}: no results for {term!r}")
            page.keyboard.press("Escape")
            continue
        hrefs = results.evaluate_all("links => links.map(a => a.href)")
        hit = next(
            (i for i, href in enumerate(hrefs) if relative_path(href, site_url) == path), None
        )
        if hit is None:
            problems.append(f"/{path}: {term!r} found only {hrefs[:5]}")
            page.keyboard.press("Escape")
            continue
        try:
            results.nth(hit).click(timeout=5_000)
        except PlaywrightTimeoutError:
            # On a loaded machine the list can still be re-rendering under the pointer
            # (seen in CI: "element is not stable"); open the result's own link instead,
            # which is what the click does.
            page.goto(hrefs[hit])
        page.wait_for_url(re.compile(rf"[?&]h={term}\b"))
        # Instant navigation swaps the article after the URL changes: wait for this term.
        marks = page.locator(
            "article mark[data-md-highlight]", has_text=re.compile(rf"^{term}$", re.IGNORECASE)
        )
        try:
            marks.first.wait_for(state="attached", timeout=SEARCH_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            marked = page.locator("article mark[data-md-highlight]").all_inner_texts()
            problems.append(f"/{path}: {term!r} is not highlighted (marked: {marked[:5]})")
    assert not problems, "\n".join(problems)
