"""Teaching pages teach on the page: visible code is at most 40 % of the text, no visible
code block is longer than 40 lines, and every "Check yourself" answer is folded.

Measured on the built page's article, in characters, as the reader sees it: the text of its
code blocks against all of its text (prose, tables, lists, code). Code inside a closed
``???`` block (``<details>`` without ``open``) is folded away and does not count. The Tools
pages, *How the examples run* and *Contributing* are reference for contributors and users of
cicd-check, not teaching pages.

``python -m tests.site.test_reader_first SITE_DIR`` prints every page's figures.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

pytestmark = pytest.mark.site

MAX_CODE_SHARE = 0.40
MAX_BLOCK_LINES = 40
NOT_TEACHING = ("tools/", "how-examples-run/", "contributing/")


@dataclass(frozen=True)
class Measure:
    page: str
    code_chars: int
    all_chars: int
    longest_block: int

    @property
    def code_share(self) -> float:
        return self.code_chars / self.all_chars if self.all_chars else 0.0


def _visible_text(node: Tag) -> str:
    return "".join(node.stripped_strings) if node else ""


def measure(html: str, page: str) -> Measure:
    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.md-content__inner") or soup.select_one("article")
    assert article is not None, f"{page}: no article"
    for folded in article.select("details:not([open])"):
        folded.decompose()  # a closed block: the reader does not see its code
    for noise in article.select("a.headerlink, .md-source-file, nav.md-tags, script, style"):
        noise.decompose()
    blocks = [block for block in article.select("pre") if not block.find_parent("pre")]
    code_texts = [block.get_text() for block in blocks]
    code_chars = sum(len("".join(text.split())) for text in code_texts)
    all_chars = len("".join(article.get_text().split()))
    longest = max((len(text.rstrip("\n").splitlines()) for text in code_texts), default=0)
    return Measure(page, code_chars, all_chars, longest)


def teaching_pages(site: Path) -> list[Path]:
    pages = []
    for index in sorted(site.rglob("index.html")):
        relative = index.parent.relative_to(site).as_posix()
        relative = "" if relative == "." else relative + "/"
        if not relative.startswith(("search/", "assets/", "404/", *NOT_TEACHING)):
            pages.append(index)
    return pages


def _measures(site: Path) -> list[Measure]:
    return [measure(p.read_text(encoding="utf-8"), p.parent.relative_to(site).as_posix() or "/")
            for p in teaching_pages(site)]


def test_visible_code_is_at_most_forty_percent_of_every_teaching_page(built_site: Path) -> None:
    over = [f"{m.page}: {m.code_share:.0%}" for m in _measures(built_site)
            if m.code_share > MAX_CODE_SHARE]
    assert not over, "teaching pages where visible code is over 40 % of the text:\n" + \
        "\n".join(over)


def test_no_visible_code_block_is_longer_than_forty_lines(built_site: Path) -> None:
    over = [f"{m.page}: {m.longest_block} lines" for m in _measures(built_site)
            if m.longest_block > MAX_BLOCK_LINES]
    assert not over, "visible code blocks over 40 lines:\n" + "\n".join(over)


def test_the_measure_ignores_folded_code() -> None:
    html = ("<article class='md-content__inner'><p>" + "prose " * 20 + "</p>"
            "<details><summary>Proof</summary><pre>" + "x = 1\n" * 100 + "</pre></details>"
            "<pre>" + "y\n" * 3 + "</pre></article>")
    found = measure(html, "t")
    assert found.longest_block == 3 and found.code_chars == 3


if __name__ == "__main__":
    for item in _measures(Path(sys.argv[1])):
        flag = "  over" if item.code_share > MAX_CODE_SHARE or item.longest_block > 40 else ""
        print(f"{item.page:45} code {item.code_share:5.0%}  longest {item.longest_block:4}{flag}")
