"""Diagrams are committed SVGs drawn from mermaid sources by ``scripts/diagrams.py``.

CI never draws: these tests check that every drawing is as new as its source (the SHA-256
of the source recorded in each SVG), that every source is shown on a page in both colour
schemes with alt text, and that the sources stay out of the built site.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[2]
DIAGRAMS = REPO / "docs" / "diagrams"
SVG_NAME = re.compile(r"diagrams/(?P<name>[\w-]+)\.(?P<scheme>light|dark)\.svg#only-(?P=scheme)$")


def load_diagrams() -> ModuleType:
    spec = importlib.util.spec_from_file_location("handbook_diagrams", REPO / "scripts/diagrams.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


diagrams = load_diagrams()


class Images(HTMLParser):
    """Every <img> of a page: its src and alt."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def sources() -> list[str]:
    return [diagram.name for diagram in diagrams.diagrams()]


def test_there_are_diagrams() -> None:
    assert len(sources()) >= 20, "docs/diagrams/ lost its sources"


def test_every_drawing_is_as_new_as_its_source() -> None:
    stale = diagrams.stale()
    assert not stale, (
        "drawings older than their source (run `make diagrams` and commit the SVGs): "
        + ", ".join(stale)
    )


def test_a_changed_source_makes_its_drawings_stale(tmp_path: Path) -> None:
    source = DIAGRAMS / f"{sources()[0]}.mmd"
    for path in DIAGRAMS.glob(f"{source.stem}.*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert diagrams.stale(tmp_path) == []
    (tmp_path / source.name).write_text(source.read_text() + "%% changed\n")
    assert sorted(diagrams.stale(tmp_path)) == [
        f"{source.stem}.dark.svg",
        f"{source.stem}.light.svg",
    ]
    (tmp_path / f"{source.stem}.dark.svg").unlink()
    assert f"{source.stem}.dark.svg" in diagrams.stale(tmp_path)


@pytest.mark.parametrize("name", sources())
def test_each_drawing_is_a_sized_svg_without_scripts(name: str) -> None:
    for scheme in diagrams.SCHEMES:
        path = DIAGRAMS / f"{name}.{scheme}.svg"
        root = ET.parse(path).getroot()  # an <img> shows only well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg", path.name
        assert int(root.get("width", "0")) > 0 and int(root.get("height", "0")) > 0, path.name
        text = path.read_text()
        assert "<script" not in text and "foreignObject" not in text, (
            f"{path.name}: labels must be SVG text, and an SVG image runs no script"
        )
        assert "http://" not in text.replace("http://www.w3.org/", ""), path.name


def test_no_page_has_a_mermaid_fence_left() -> None:
    fences = [
        f"{page.relative_to(REPO)}:{number}"
        for page in (REPO / "docs").rglob("*.md")
        for number, line in enumerate(page.read_text().splitlines(), 1)
        if re.match(r"\s*(```|~~~)\s*\{?\s*\.?mermaid\b", line)
    ]
    assert not fences, (
        "mermaid fences are drawn ahead of time now: move each into docs/diagrams/<name>.mmd, "
        "run `make diagrams`, and show the SVGs (see docs/contributing.md): " + ", ".join(fences)
    )


def test_every_diagram_is_shown_in_both_schemes_with_alt_text(built_site: Path) -> None:
    shown: dict[str, dict[str, str]] = {}
    problems = []
    for page in sorted(built_site.rglob("*.html")):
        parser = Images()
        parser.feed(page.read_text(encoding="utf-8"))
        for image in parser.images:
            match = SVG_NAME.search(image.get("src") or "")
            if not match:
                continue
            alt = (image.get("alt") or "").strip()
            where = f"{page.relative_to(built_site)}: {match.group('name')}"
            if len(alt.split()) < 5:
                problems.append(f"{where}: alt text {alt!r} does not describe the diagram")
            if not (image.get("width") and image.get("height")):
                problems.append(f"{where}: no width and height (the page would jump)")
            shown.setdefault(match.group("name"), {})[match.group("scheme")] = alt
    for name in sources():
        schemes = shown.get(name, {})
        if set(schemes) != {"light", "dark"}:
            problems.append(f"{name}: shown in {sorted(schemes) or 'no'} scheme(s), not both")
        elif schemes["light"] != schemes["dark"]:
            problems.append(f"{name}: the light and dark images have different alt text")
    assert not problems, "\n".join(problems)


def test_diagram_sources_stay_out_of_the_built_site(built_site: Path) -> None:
    assert not list(built_site.rglob("*.mmd")), "exclude_docs should keep *.mmd out"
    assert (built_site / "diagrams").is_dir()


def test_the_check_command_exits_0_when_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert diagrams.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_bad_arguments_exit_2() -> None:
    with pytest.raises(SystemExit) as stop:
        diagrams.parse_args(["--check", "--force"])
    assert stop.value.code == 2
