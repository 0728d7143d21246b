"""Output formats: GitHub workflow commands must escape what would end or split them."""

from __future__ import annotations

import io

from cicd_check import output
from tests.cicd_check.test_findings import TEST_ERROR


def test_github_escapes_newlines_percent_and_property_separators() -> None:
    finding = TEST_ERROR.at("a", "100% bad\nreally", line=2).located(file="dir,x/a:b.yml")
    out = io.StringIO()
    output.github([finding], [], [], out)
    assert out.getvalue() == ("::error file=dir%2Cx/a%3Ab.yml,line=2,title=ZZ901::"
                              "a: 100%25 bad%0Areally (fix: Fix it.)\n")


def test_text_without_a_line_points_at_the_first_line() -> None:
    out = io.StringIO()
    output.text([TEST_ERROR.at("", "empty file").located(file="f.yml")], [("f.yml", "x")],
                [("g.yml", "not a kind")], out)
    assert out.getvalue().splitlines() == [
        "f.yml:1:1: ZZ901 [error] empty file", "    fix: Fix it.",
        "1 error, 0 warnings in 1 file checked (1 skipped; --verbose lists them)"]
