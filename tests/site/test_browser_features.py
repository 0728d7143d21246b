"""The theme features readers use, driven in headless Chromium: colour scheme toggle and
system preference, the copy button, linked content tabs and diagrams after instant
navigation and a scheme change.

Which pages have code blocks, tabs or diagrams is read from the built HTML (see
``site_pages`` in conftest), so the checks follow the content as chapters change. The
``context``/``open_context`` fixtures fail a test whose pages reached another host or
logged a console error.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.site.conftest import DIAGRAM_STATE, SitePage

pytestmark = [pytest.mark.site, pytest.mark.browser]

SCHEME = "document.body.getAttribute('data-md-color-scheme')"
MEDIA = "document.body.getAttribute('data-md-color-media')"
SYSTEM = "(prefers-color-scheme)"
# The label of the selected tab of every tab set on the page, in document order.
SELECTED_TABS = """
() => [...document.querySelectorAll(".tabbed-set")].map((set) => {
  const checked = set.querySelector(":scope > input:checked");
  const label = checked && set.querySelector(`label[for="${checked.id}"]`);
  return label ? label.innerText.trim() : null;
})
"""
NO_RELOAD_MARK = "window.__handbookNoReload = true"
STILL_SAME_DOCUMENT = "window.__handbookNoReload === true"


def click_nav_link(page: Any, site_url: str, target: str) -> None:
    """Click the sidebar link to ``target`` (a site-relative path), as a reader would."""
    href = page.evaluate(
        """([url]) => {
          const link = [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link")]
            .find((a) => a.href === url);
          return link ? link.getAttribute("href") : null;
        }""",
        [site_url + target],
    )
    assert href is not None, f"no navigation link to /{target} on {page.url}"
    page.locator(f'nav.md-nav--primary a.md-nav__link[href="{href}"]').first.click()
    # navigation.tracking adds the heading in view to the URL as the page scrolls.
    page.wait_for_url(lambda url: url.split("#")[0] == site_url + target)
    # The URL changes before the new content is in place: wait for the sidebar to mark
    # the target as the current page.
    page.wait_for_function(
        """(url) => [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link--active")]
            .some((a) => a.href === url)""",
        arg=site_url + target,
    )


# --- colour scheme ------------------------------------------------------------------------


def test_system_preference_is_honoured(
    open_context: Any, site_url: str, site_pages: list[SitePage]
) -> None:
    other = site_pages[-1].path
    for system, expected in (("light", "default"), ("dark", "slate")):
        page = open_context(color_scheme=system).new_page()
        page.goto(site_url + other)
        assert page.evaluate(SCHEME) == expected, f"system {system}: first visit is not {expected}"
        assert page.evaluate(MEDIA) == SYSTEM, "a first visit should follow the system"
    # The system preference changes while the page is open: the page follows it.
    page.emulate_media(color_scheme="light")
    page.wait_for_function(f"{SCHEME} === 'default'", timeout=5_000)
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"{SCHEME} === 'slate'", timeout=5_000)


def test_toggle_choice_persists_across_reload_and_pages(
    open_context: Any, site_url: str, site_pages: list[SitePage]
) -> None:
    context = open_context(color_scheme="light")
    page = context.new_page()
    page.goto(site_url)
    assert page.evaluate(SCHEME) == "default"
    toggle = page.locator("form[data-md-component='palette'] label:visible")
    for _ in range(3):  # system -> light -> dark -> system: at most three clicks to dark
        if page.evaluate(SCHEME) == "slate" and page.evaluate(MEDIA) != SYSTEM:
            break
        toggle.click()
    assert page.evaluate(SCHEME) == "slate", "the toggle never switched to the dark scheme"
    label = toggle.get_attribute("title") or ""

    page.reload()
    assert page.evaluate(SCHEME) == "slate", "the dark choice was lost on reload"
    assert toggle.get_attribute("title") == label, "the toggle shows a different state"

    # The system turns light: an explicit choice still wins.
    page.emulate_media(color_scheme="light")
    page.reload()
    assert page.evaluate(SCHEME) == "slate", "an explicit choice should override the system"

    other = next(p.path for p in site_pages if p.path)
    click_nav_link(page, site_url, other)
    assert page.evaluate(SCHEME) == "slate", "the choice was lost after instant navigation"
    fresh = context.new_page()
    fresh.goto(site_url + other)
    assert fresh.evaluate(SCHEME) == "slate", "a new tab of the site did not keep the choice"

    # Back to "system preference": the light system scheme applies again.
    for _ in range(3):
        if fresh.evaluate(MEDIA) == SYSTEM:
            break
        fresh.locator("form[data-md-component='palette'] label:visible").click()
    assert fresh.evaluate(MEDIA) == SYSTEM and fresh.evaluate(SCHEME) == "default"


# --- copy button --------------------------------------------------------------------------


class CodeBlocks(HTMLParser):
    """The text of every highlighted code block (``div.highlight pre > code``), as the
    author wrote it, read from the static HTML independently of the browser."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._divs: list[bool] = []
        self._in_pre = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            self._divs.append("highlight" in classes)
        elif tag == "pre" and self._divs and self._divs[-1]:
            self._in_pre = True
        elif tag == "code" and self._in_pre:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
        elif tag == "pre":
            self._in_pre = False
        elif tag == "code" and self._text is not None:
            self.blocks.append("".join(self._text))
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def code_blocks(html: str) -> list[str]:
    parser = CodeBlocks()
    parser.feed(html)
    return parser.blocks


def test_copy_button_copies_exactly_the_code(
    open_context: Any, site_url: str, site_pages: list[SitePage]
) -> None:
    """On every page with code, the first and the last visible block: the clipboard holds
    the block's code, character for character (Material trims trailing whitespace)."""
    context = open_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(site_url)
    checked = 0
    problems = []
    for site_page in site_pages:
        expected = code_blocks(site_page.html)
        if not expected:
            continue
        if page.url.split("#")[0] != site_url + site_page.path:
            click_nav_link(page, site_url, site_page.path)  # instant: quicker than a load
        blocks = page.locator("div.highlight:has(> pre > code)")
        assert blocks.count() == len(expected), (
            f"/{site_page.path}: {blocks.count()} code blocks in the browser, "
            f"{len(expected)} in the HTML"
        )
        shown = blocks.evaluate_all("blocks => blocks.map((block) => block.checkVisibility())")
        visible = [i for i, is_shown in enumerate(shown) if is_shown]
        for index in sorted({visible[0], visible[-1]} if visible else set()):
            block = blocks.nth(index)
            if block.locator(".md-annotation").count():
                continue  # annotations are left out of the copy on purpose
            page.evaluate("navigator.clipboard.writeText('(clipboard not written)')")
            block.hover()
            block.locator("button[data-md-type='copy']").click()
            copied = page.evaluate("navigator.clipboard.readText()")
            want = expected[index].rstrip()
            checked += 1
            if copied != want:
                problems.append(
                    f"/{site_page.path} block {index}: copied {copied[:80]!r}…, "
                    f"expected {want[:80]!r}…"
                )
    assert checked, "no page has a code block with a copy button: nothing was tested"
    assert not problems, "\n".join(problems)


# --- linked content tabs ------------------------------------------------------------------


class TabSets(HTMLParser):
    """The labels of every content tab set (``.tabbed-labels``), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.sets: list[list[str]] = []
        self._depth = 0  # div depth inside the current .tabbed-labels
        self._label: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "tabbed-labels" in classes and not self._depth:
            self.sets.append([])
            self._depth = 1
        elif tag == "div" and self._depth:
            self._depth += 1
        elif tag == "label" and self._depth:
            self._label = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1
        elif tag == "label" and self._label is not None:
            self.sets[-1].append(" ".join("".join(self._label).split()))
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)


def tab_sets(html: str) -> list[list[str]]:
    parser = TabSets()
    parser.feed(html)
    return parser.sets


def linked_tab_pair(site_pages: list[SitePage]) -> tuple[str, SitePage, SitePage] | None:
    """A tab label used on two pages where, on the second, it is not the default tab."""
    sets = {page.path: tab_sets(page.html) for page in site_pages}
    for first in site_pages:
        for labels in sets[first.path]:
            for label in labels:
                for second in site_pages:
                    if second.path != first.path and any(
                        label in other[1:] for other in sets[second.path]
                    ):
                        return label, first, second
    return None


def test_linked_tabs_stay_in_step_across_pages(
    page: Any, site_url: str, site_pages: list[SitePage]
) -> None:
    pair = linked_tab_pair(site_pages)
    assert pair, "no tab label is shared by two pages: content.tabs.link is untested"
    label, first, second = pair

    page.goto(site_url + first.path)
    page.locator(".tabbed-labels > label", has_text=label).first.click()
    on_first = page.evaluate(SELECTED_TABS)
    with_label = [i for i, labels in enumerate(tab_sets(first.html)) if label in labels]
    assert all(on_first[i] == label for i in with_label), (
        f"/{first.path}: clicking {label!r} left the tab sets at {on_first}"
    )

    click_nav_link(page, site_url, second.path)  # instant navigation
    sets = tab_sets(second.html)
    expected = [label if label in labels else labels[0] for labels in sets]
    page.wait_for_function(
        f"(want) => JSON.stringify(({SELECTED_TABS})()) === JSON.stringify(want)",
        arg=expected,
        timeout=5_000,
    )
    page.reload()
    assert page.evaluate(SELECTED_TABS) == expected, (
        f"/{second.path}: the tab choice {label!r} did not survive a reload"
    )


# --- diagrams after instant navigation and a scheme change -----------------------------------


def diagram_count(site_page: SitePage) -> int:
    return len(re.findall(r'src="[^"]*diagrams/[^"]*\.light\.svg#only-light"', site_page.html))


def diagram_state(page: Any) -> dict[str, int]:
    return page.evaluate(DIAGRAM_STATE)


def drawn(state: dict[str, int], count: int) -> bool:
    return all(state[key] == count for key in ("shown", "right_scheme", "drawn", "with_alt"))


def test_diagrams_show_after_instant_navigation_and_a_scheme_change(
    page: Any, site_url: str, site_pages: list[SitePage]
) -> None:
    with_diagrams = [p for p in site_pages if diagram_count(p)]
    assert with_diagrams, "no page has a diagram: nothing was tested"
    start = next((p for p in site_pages if not diagram_count(p)), None) or next(
        p for p in site_pages if p.path != with_diagrams[0].path
    )
    page.emulate_media(color_scheme="light")
    # Material takes over a link only once it has read sitemap.xml: a click before that is an
    # ordinary page load (seen once, when the test ran first), so wait for it.
    with page.expect_response(lambda response: response.url.endswith("/sitemap.xml")):
        page.goto(site_url + start.path)
    page.wait_for_load_state("networkidle")
    page.evaluate(NO_RELOAD_MARK)
    route = with_diagrams[:3]
    for target in route:
        click_nav_link(page, site_url, target.path)
        state = diagram_state(page)
        assert page.evaluate(STILL_SAME_DOCUMENT), f"/{target.path} was a full page load"
        assert drawn(state, diagram_count(target)), f"/{target.path} after navigation: {state}"
    # The reader's system turns dark: the dark drawings replace the light ones in place.
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"{SCHEME} === 'slate'", timeout=5_000)
    state = diagram_state(page)
    assert drawn(state, diagram_count(route[-1])), f"/{route[-1].path} in the dark: {state}"
    if len(route) > 1:
        page.go_back()
        page.wait_for_url(lambda url: url.split("#")[0] == site_url + route[-2].path)
        page.wait_for_function(
            "(count) => document.querySelectorAll(\"article img[src$='.svg#only-dark']\").length"
            " === count",
            arg=diagram_count(route[-2]),
        )
        state = diagram_state(page)
        assert drawn(state, diagram_count(route[-2])), f"after going back: {state}"
