"""Draw the handbook's diagrams once, when their source changes, into committed SVGs.

    .venv/bin/python scripts/diagrams.py          # redraw what changed (`make diagrams`)
    .venv/bin/python scripts/diagrams.py --check  # list stale drawings, exit 1 if any
    .venv/bin/python scripts/diagrams.py --force  # redraw everything

Each diagram's mermaid source is ``docs/diagrams/<name>.mmd`` (kept out of the built site by
``exclude_docs``). It is drawn twice, ``<name>.light.svg`` with mermaid's ``default`` theme and
``<name>.dark.svg`` with its ``dark`` theme; a page shows both with Material's ``#only-light``
and ``#only-dark`` image suffixes, so readers download no mermaid JavaScript.

Why this way: the pinned mermaid (node_modules, package-lock.json) runs in the Debian
Chromium the browser tests use, so what is drawn is what mermaid draws. Labels are SVG
``<text>`` (``htmlLabels: false``) in an Arial-metric font stack (Arial, Helvetica, and
Liberation Sans where neither exists, as on this machine), so the boxes measured here fit the
text readers' browsers draw. Each SVG records the SHA-256 of its source, which is how a test
(and CI, which never draws) tells a stale drawing. Exit status: 0 done, 1 stale (--check),
2 cannot draw (one line on stderr).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
DIAGRAMS = REPO / "docs" / "diagrams"
MERMAID_JS = REPO / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
MERMAID_PACKAGE = REPO / "node_modules" / "mermaid" / "package.json"
CHROMIUM = Path(os.environ.get("HANDBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
]
FONT_FAMILY = 'Arial, Helvetica, "Liberation Sans", sans-serif'
SCHEMES = {"light": "default", "dark": "dark"}
# Material's colours for the custom properties a diagram's themeCSS may use (an SVG shown
# through <img> cannot see the page's CSS): mkdocs-material 9.8, indigo accent.
SCHEME_VARIABLES = {
    "light": {
        "--md-default-fg-color": "rgba(0, 0, 0, 0.87)",
        "--md-default-fg-color--light": "rgba(0, 0, 0, 0.54)",
        "--md-default-bg-color": "#ffffff",
        "--md-accent-fg-color": "#526cfe",
    },
    "dark": {
        "--md-default-fg-color": "hsla(225, 15%, 90%, 0.82)",
        "--md-default-fg-color--light": "hsla(225, 15%, 90%, 0.56)",
        "--md-default-bg-color": "hsla(225, 15%, 14%, 1)",
        "--md-accent-fg-color": "#526cfe",
    },
}
STAMP = re.compile(r"<!-- drawn by scripts/diagrams\.py: source sha256 (?P<sha>[0-9a-f]{64})\b")


class DrawError(Exception):
    """A diagram cannot be drawn: a tool is missing or mermaid refused the source."""


@dataclass(frozen=True)
class Diagram:
    source: Path

    @property
    def name(self) -> str:
        return self.source.stem

    def svg(self, scheme: str) -> Path:
        return self.source.with_name(f"{self.name}.{scheme}.svg")

    @property
    def sha256(self) -> str:
        return source_sha256(self.source.read_text(encoding="utf-8"))


def source_sha256(text: str) -> str:
    """The hash recorded in a drawing: of the source with line endings normalised."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def recorded_sha256(svg: Path) -> str | None:
    if not svg.is_file():
        return None
    match = STAMP.search(svg.read_text(encoding="utf-8")[:500])
    return match.group("sha") if match else None


def diagrams(directory: Path = DIAGRAMS) -> list[Diagram]:
    return [Diagram(path) for path in sorted(directory.glob("*.mmd"))]


def stale(directory: Path = DIAGRAMS) -> list[str]:
    """Drawings missing or older than their source, as ``name.scheme.svg`` strings."""
    problems = []
    for diagram in diagrams(directory):
        for scheme in SCHEMES:
            if recorded_sha256(diagram.svg(scheme)) != diagram.sha256:
                problems.append(diagram.svg(scheme).name)
    return problems


def mermaid_version() -> str:
    try:
        return str(json.loads(MERMAID_PACKAGE.read_text())["version"])
    except (OSError, ValueError, KeyError) as error:
        raise DrawError("mermaid is missing: run `npm ci` (package.json pins it)") from error


# --- drawing ----------------------------------------------------------------------------------

RENDER = """
async ([id, text, theme, font]) => {
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    theme: theme,
    fontFamily: font,
    htmlLabels: false,
    flowchart: { htmlLabels: false },
    themeVariables: { fontFamily: font },
  });
  const { svg } = await mermaid.render(id, text);
  return svg;
}
"""


def finish_svg(svg: str, diagram: Diagram, scheme: str, version: str) -> str:
    """Give the drawing a fixed size (an <img> needs one), the scheme's colour variables,
    and the stamp that records its source's hash."""
    view_box = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', svg)
    if not view_box:
        raise DrawError(f"{diagram.source.name}: mermaid drew no viewBox")
    width, height = (round(float(view_box.group(n))) for n in (3, 4))
    variables = "; ".join(f"{key}: {value}" for key, value in SCHEME_VARIABLES[scheme].items())
    root = re.match(r"<svg\b[^>]*>", svg)
    if not root:
        raise DrawError(f"{diagram.source.name}: mermaid drew no <svg> element")
    tag = root.group(0)
    tag = re.sub(r'\s(?:width|height|style)="[^"]*"', "", tag)
    tag = tag[:-1] + f' width="{width}" height="{height}" style="{variables}">'
    body = compact(svg[root.end() :])
    stamp = (
        f"<!-- drawn by scripts/diagrams.py: source sha256 {diagram.sha256}, "
        f"{diagram.source.name}, mermaid {version}, theme {SCHEMES[scheme]} -->\n"
    )
    return stamp + tag + body + "\n"


LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}")
STYLE = re.compile(r"(<style>.*?</style>)", re.DOTALL)


def round_number(match: re.Match[str]) -> str:
    text = f"{float(match.group(0)):.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def compact(markup: str) -> str:
    """Coordinates to 1/10 px: mermaid writes 15 digits, which makes some shapes' paths
    tens of kilobytes long; nothing a reader sees changes."""
    parts = STYLE.split(markup)
    return "".join(
        part if part.startswith("<style>") else LONG_NUMBER.sub(round_number, part)
        for part in parts
    )


def draw(todo: list[Diagram], version: str) -> None:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise DrawError("playwright is missing: run `make setup`") from error
    if not CHROMIUM.is_file():
        raise DrawError(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-liberation")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
            page.set_content("<!doctype html><html><body></body></html>")
            page.add_script_tag(content=MERMAID_JS.read_text(encoding="utf-8"))
            for number, diagram in enumerate(todo):
                text = diagram.source.read_text(encoding="utf-8")
                for scheme, theme in SCHEMES.items():
                    try:
                        svg = page.evaluate(
                            RENDER, [f"d{number}-{scheme}", text, theme, FONT_FAMILY]
                        )
                    except PlaywrightError as error:
                        first = str(error).strip().splitlines()[0]
                        raise DrawError(f"{diagram.source.name}: {first}") from error
                    out = diagram.svg(scheme)
                    out.write_text(finish_svg(svg, diagram, scheme, version), encoding="utf-8")
                    print(f"drew {out.relative_to(REPO)}", flush=True)
        finally:
            browser.close()


# --- command line -----------------------------------------------------------------------------


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"diagrams: {message}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="diagrams.py", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="list stale drawings, draw nothing")
    mode.add_argument("--force", action="store_true", help="redraw every diagram")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.check:
        problems = stale()
        for problem in problems:
            print(f"stale: docs/diagrams/{problem}")
        return 1 if problems else 0
    todo: list[Any] = [
        d
        for d in diagrams()
        if args.force or any(recorded_sha256(d.svg(s)) != d.sha256 for s in SCHEMES)
    ]
    if not todo:
        print("diagrams: every drawing is up to date")
        return 0
    try:
        if not MERMAID_JS.is_file():
            raise DrawError("mermaid is missing: run `npm ci` (package.json pins it)")
        draw(todo, mermaid_version())
    except DrawError as error:
        print(f"diagrams: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
