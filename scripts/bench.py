"""Speed benchmark for the handbook: prints figures, judges them against the targets.

    .venv/bin/python scripts/bench.py            # builds, weights, Lighthouse (minutes)
    .venv/bin/python scripts/bench.py --tests    # and the test suite's times (run it last)
    .venv/bin/python scripts/bench.py --no-lighthouse   # builds and weights only

What it measures, on this machine, side by side with a stock Material site built from the
same Markdown (theme ``material``, the same Markdown extensions and navigation, no custom
theme, no features, no plugin but search):

- build: ``mkdocs build --strict`` of both, median of N interleaved runs, and their ratio
  (``mkdocs serve`` builds the same way, so it shares the figure);
- weight: what a browser downloads for each page with an empty cache until the network is
  idle, gzip-compressed as a server sends it (the search index included: Material fetches
  it on every page), for the handbook's page and the stock page with the same content;
- the search index, gzip;
- Lighthouse 12.2.3 (pinned in package.json) against a small gzip-serving server on
  127.0.0.1: desktop and mobile scores for every page;
- with ``--tests``: wall time of one pass of the suite without the browser tests (two
  workers) and of the browser tests alone.

Exit status: 0 when every figure meets its target, 1 when one misses (each is marked
MISSED), 2 when the benchmark cannot run (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = Path(os.environ.get("HANDBOOK_CHROMIUM", "/usr/bin/chromium"))
LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

# Targets from issue 15 ("a lean, fast site").
BUILD_RATIO_MAX = 1.5  # handbook build / stock Material build of the same Markdown
TESTS_SECONDS_MAX = 120.0  # one pass without the browser tests, two workers
BROWSER_TESTS_SECONDS_MAX = 150.0
PAGE_KB_MAX = 150.0  # gzip, first visit, search index included, every page
PAGE_RATIO_MAX = 0.75  # handbook page / stock Material page with the same content
SEARCH_INDEX_KB_MAX = 60.0  # gzip
DESKTOP_SCORE_MIN = 100
MOBILE_PERFORMANCE_MIN = 95


class BenchError(Exception):
    """The benchmark cannot run: a tool is missing or a build fails."""


@dataclass
class Report:
    """Figures as they are printed, and the targets they missed."""

    lines: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def say(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)

    def judge(self, label: str, ok: bool, figure: str, target: str) -> None:
        mark = "ok" if ok else "MISSED"
        self.say(f"  {label:<44} {figure:>14}   target {target:<12} {mark}")
        if not ok:
            self.missed.append(f"{label}: {figure} (target {target})")


# --- the machine ------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores{memory}; load average {load}"


def versions() -> str:
    chromium = run([str(CHROMIUM), "--version"], check=False).stdout.strip() or "?"
    from importlib.metadata import version

    return (
        f"Python {platform.python_version()}, mkdocs {version('mkdocs')}, "
        f"mkdocs-material {version('mkdocs-material')}, {chromium}"
    )


# --- helpers ----------------------------------------------------------------------------------


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **kwargs.pop("env", {})}
    return subprocess.run(
        command,
        cwd=kwargs.pop("cwd", REPO),
        capture_output=True,
        text=True,
        env=env,
        check=kwargs.pop("check", False),
        timeout=kwargs.pop("timeout", 3600),
        **kwargs,
    )


def timed(command: list[str], **kwargs: Any) -> float:
    started = time.perf_counter()
    result = run(command, **kwargs)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"{' '.join(command[:3])} failed: {tail[0]}")
    return elapsed


def top_level_sections(config: str) -> dict[str, str]:
    """mkdocs.yml's top-level sections, verbatim, by key."""
    sections = {}
    for block in re.split(r"(?m)^(?=[A-Za-z_])", config):
        key = block.split(":", 1)[0].strip()
        if key:
            sections[key] = block
    return sections


def stock_config(directory: Path) -> Path:
    """A stock Material configuration for the same Markdown and navigation."""
    sections = top_level_sections((REPO / "mkdocs.yml").read_text())
    path = directory / "stock-mkdocs.yml"
    path.write_text(
        "site_name: Stock Material\n"
        f"site_url: {published_site_url()}\n"
        f"docs_dir: {REPO / 'docs'}\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins:\n  - search\n"
        + "".join(sections.get(key, "") for key in ("exclude_docs", "markdown_extensions", "nav"))
    )
    return path


# --- builds -----------------------------------------------------------------------------------


def bench_builds(report: Report, runs: int) -> None:
    mkdocs = str(BIN / "mkdocs")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        stock = stock_config(Path(tmp))
        ours_cmd = [mkdocs, "build", "--strict", "-d", f"{tmp}/ours"]
        stock_cmd = [mkdocs, "build", "-f", str(stock), "-d", f"{tmp}/stock"]
        timed(ours_cmd)  # warm the file cache and Python's bytecode once
        timed(stock_cmd)
        ours, plain = [], []
        for _ in range(runs):  # interleaved, so a busy moment hits both alike
            ours.append(timed(ours_cmd))
            plain.append(timed(stock_cmd))
    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    report.say(f"Build (mkdocs build, median of {runs} interleaved runs)")
    report.say(f"  handbook, --strict                       {ours_s:6.2f} s")
    report.say(f"  stock Material, same Markdown            {plain_s:6.2f} s")
    report.judge(
        "build time / stock Material",
        ours_s / plain_s <= BUILD_RATIO_MAX,
        f"{ours_s / plain_s:.2f}",
        f"<= {BUILD_RATIO_MAX}",
    )


def build_site(directory: Path) -> Path:
    out = directory / "site"
    timed([str(BIN / "mkdocs"), "build", "--strict", "-d", str(out)])
    return out


def build_stock_site(directory: Path) -> Path:
    out = directory / "stock"
    timed([str(BIN / "mkdocs"), "build", "-f", str(stock_config(directory)), "-d", str(out)])
    return out


# --- serving ----------------------------------------------------------------------------------


class GzipHandler(SimpleHTTPRequestHandler):
    """Serves the built site under its published path, gzip-compressed like a real host
    (http.server sends everything uncompressed, which would skew Lighthouse)."""

    site_path = "/"
    published_origin = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not path.startswith(self.site_path):
            self.send_error(404)
            return
        file = Path(self.translate_path(self.path))
        if file.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.end_headers()
                return
            file = file / "index.html"
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        if file.name == "sitemap.xml":
            body = body.replace(
                self.published_origin.encode(), f"http://{self.headers['Host']}".encode()
            )
        compress = file.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")
        if compress:
            body = gzip_bytes(body)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        return super().translate_path("/" + path[len(self.site_path) :])


@functools.lru_cache(maxsize=512)
def gzip_bytes(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def published_site_url() -> str:
    match = re.search(r"(?m)^site_url:\s*(\S+)", (REPO / "mkdocs.yml").read_text())
    if not match:
        raise BenchError("mkdocs.yml has no site_url")
    return match.group(1).rstrip("/") + "/"


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    published = urlsplit(published_site_url())
    handler = type(
        "Handler",
        (GzipHandler,),
        {
            "site_path": published.path,
            "published_origin": f"{published.scheme}://{published.netloc}",
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{published.path}"
    finally:
        server.shutdown()
        server.server_close()


def page_paths(site: Path) -> list[str]:
    """Site-relative paths of every page, from sitemap.xml."""
    root = urlsplit(published_site_url()).path
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = ET.parse(site / "sitemap.xml").getroot().findall("s:url/s:loc", namespace)
    return [urlsplit((loc.text or "").strip()).path[len(root) :] for loc in locs]


def has_diagram(site: Path, path: str) -> bool:
    html = (site / path / "index.html").read_text(encoding="utf-8")
    return re.search(r'<img [^>]*src="[^"]*\.light\.svg#only-light"', html) is not None


# --- page weight ------------------------------------------------------------------------------


@dataclass
class Weight:
    path: str
    requests: int
    gzip_bytes: int
    diagrams: bool
    parts: dict[str, int] = field(default_factory=dict)  # bytes by kind of resource


def kind_of(url: str) -> str:
    """What a fetched URL is, for the weight breakdown."""
    path = urlsplit(url).path
    if path.endswith("search_index.json"):
        return "search index"
    if path.endswith(".svg") and "/diagrams/" in path:
        return "diagrams"
    if path.endswith("/") or path.endswith(".html"):
        return "html"
    suffix = Path(path).suffix
    return {".js": "js", ".css": "css"}.get(suffix, "other")


def record_size(sizes: dict[str, int], request: Any) -> None:
    """Bytes on the wire for one response: headers and the (gzip-encoded) body."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        measured = request.sizes()
    except PlaywrightError:  # the page closed while this response's event was queued
        return
    sizes[request.url] = measured["responseBodySize"] + measured["responseHeadersSize"]


def measure_weights(site: Path, base: str, paths: list[str]) -> dict[str, Weight]:
    """Every byte a page pulls in with an empty cache until the network is idle, as the
    gzip server sends it (the search index included: Material fetches it on load)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    weights = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS[1:])
        try:
            for path in paths:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                sizes: dict[str, int] = {}
                context.on("requestfinished", functools.partial(record_size, sizes))
                page = context.new_page()
                page.goto(base + path, wait_until="networkidle")
                if not any(url.endswith("search_index.json") for url in sizes):
                    # Material's search worker fetches the index once the page is idle; on
                    # a busy machine that comes after "networkidle": wait for it.
                    with contextlib.suppress(PlaywrightTimeout):
                        page.wait_for_event(
                            "requestfinished",
                            lambda request: request.url.endswith("search_index.json"),
                            timeout=30_000,
                        )
                page.wait_for_timeout(300)
                context.close()
                parts: dict[str, int] = {}
                for url, size in sizes.items():
                    parts[kind_of(url)] = parts.get(kind_of(url), 0) + size
                weights[path] = Weight(
                    path, len(sizes), sum(sizes.values()), has_diagram(site, path), parts
                )
        finally:
            browser.close()
    return weights


def search_index_kb(site: Path) -> float:
    return len(gzip_bytes((site / "search" / "search_index.json").read_bytes())) / 1024


def bench_weights(
    report: Report, site: Path, base: str, paths: list[str], stock: Path, stock_base: str
) -> None:
    ours = measure_weights(site, base, paths)
    theirs = measure_weights(stock, stock_base, paths)
    kinds = ("html", "css", "js", "search index", "diagrams", "other")
    report.say("Page weight, first visit (empty cache, gzip, until the network is idle), KB")
    report.say(
        f"  {'page':<38} {'handbook':>8} {'stock':>7} {'ratio':>6}  "
        + " ".join(f"{kind:>12}" for kind in kinds)
    )
    too_heavy, too_fat = [], []
    for path in sorted(paths, key=lambda p: -ours[p].gzip_bytes):
        mine, stock_page = ours[path], theirs[path]
        ratio = mine.gzip_bytes / stock_page.gzip_bytes
        report.say(
            f"  /{path:<37} {mine.gzip_bytes / 1024:8.1f} {stock_page.gzip_bytes / 1024:7.1f} "
            f"{ratio:6.2f}  " + " ".join(f"{mine.parts.get(k, 0) / 1024:12.1f}" for k in kinds)
        )
        if mine.gzip_bytes / 1024 > PAGE_KB_MAX:
            too_heavy.append(f"/{path} {mine.gzip_bytes / 1024:.1f} KB")
        if ratio > PAGE_RATIO_MAX:
            too_fat.append(f"/{path} {ratio:.2f}")
    heaviest = max(ours.values(), key=lambda w: w.gzip_bytes)
    worst = max(paths, key=lambda p: ours[p].gzip_bytes / theirs[p].gzip_bytes)
    report.judge(
        f"heaviest page (/{heaviest.path})",
        not too_heavy,
        f"{heaviest.gzip_bytes / 1024:.1f} KB",
        f"<= {PAGE_KB_MAX:.0f} KB",
    )
    report.judge(
        f"page / stock page, worst (/{worst})",
        not too_fat,
        f"{ours[worst].gzip_bytes / theirs[worst].gzip_bytes:.2f}",
        f"<= {PAGE_RATIO_MAX}",
    )
    for miss in too_heavy + too_fat:
        report.say(f"    {miss}")
    index, stock_index = search_index_kb(site), search_index_kb(stock)
    report.say(f"  search index: handbook {index:.1f} KB, stock {stock_index:.1f} KB (gzip)")
    report.judge(
        "search index",
        index <= SEARCH_INDEX_KB_MAX,
        f"{index:.1f} KB",
        f"<= {SEARCH_INDEX_KB_MAX:.0f} KB",
    )


# --- Lighthouse -------------------------------------------------------------------------------


def lighthouse(url: str, desktop: bool) -> dict[str, int]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
    ]
    if desktop:
        command.append("--preset=desktop")
    result = run(command, env={"CHROME_PATH": str(CHROMIUM)}, timeout=300)
    try:
        categories = json.loads(result.stdout)["categories"]
        return {name: round((categories[name]["score"] or 0) * 100) for name in CATEGORIES}
    except (ValueError, KeyError, TypeError) as error:
        tail = result.stderr.strip().splitlines()[-1:] or [str(error)]
        raise BenchError(f"lighthouse failed on {url}: {tail[0]}") from error


def bench_lighthouse(report: Report, site: Path, base: str, paths: list[str]) -> None:
    report.say("Lighthouse 12.2.3 (gzip server on 127.0.0.1): perf/a11y/best-practices/SEO")
    report.say(f"  {'page':<42} {'desktop':>16} {'mobile':>16}")
    desktop_misses, mobile_misses = [], []
    for path in paths:
        diagrams = has_diagram(site, path)
        desk = lighthouse(base + path, desktop=True)
        mobile = lighthouse(base + path, desktop=False)
        report.say(
            f"  /{path:<41} {'/'.join(str(desk[c]) for c in CATEGORIES):>16} "
            f"{'/'.join(str(mobile[c]) for c in CATEGORIES):>16}"
            + ("  (diagrams)" if diagrams else "")
        )
        if min(desk.values()) < DESKTOP_SCORE_MIN:
            desktop_misses.append(f"/{path} {desk}")
        floor = MOBILE_PERFORMANCE_MIN
        if mobile["performance"] < floor:
            mobile_misses.append(f"/{path} {mobile['performance']} < {floor}")
    report.judge(
        "desktop: 100 in all four, every page",
        not desktop_misses,
        f"{len(desktop_misses)} short",
        "0 short",
    )
    for miss in desktop_misses:
        report.say(f"    {miss}")
    report.judge(
        "mobile performance, every page",
        not mobile_misses,
        f"{len(mobile_misses)} short",
        f">={MOBILE_PERFORMANCE_MIN}",
    )
    for miss in mobile_misses:
        report.say(f"    {miss}")


# --- tests ------------------------------------------------------------------------------------


def bench_tests(report: Report) -> None:
    pytest = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:randomly"]
    without = timed_tests([*pytest, "-n", "2", "-m", "not browser"])
    browser = timed_tests([*pytest, "-m", "browser"])
    report.say("Test suite (wall time, one pass)")
    report.judge(
        "without browser tests, two workers",
        without <= TESTS_SECONDS_MAX,
        f"{without:.1f} s",
        f"<= {TESTS_SECONDS_MAX:.0f} s",
    )
    report.judge(
        "browser tests",
        browser <= BROWSER_TESTS_SECONDS_MAX,
        f"{browser:.1f} s",
        f"<= {BROWSER_TESTS_SECONDS_MAX:.0f} s",
    )


def timed_tests(command: list[str]) -> float:
    started = time.perf_counter()
    result = run(command)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        summary = (result.stdout.strip().splitlines() or ["no output"])[-1]
        print(f"  (the suite did not pass: {summary})", flush=True)
    return elapsed


# --- main -------------------------------------------------------------------------------------


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"bench: {message}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=5, help="build runs for the median (5)")
    parser.add_argument("--tests", action="store_true", help="also time the test suite (last)")
    parser.add_argument("--no-tests", action="store_true", help="do not time the suite (default)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    parser.add_argument("--no-weights", action="store_true", help="skip page weights")
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (all)")
    args = parser.parse_args(argv)
    if not 1 <= args.builds <= 50:
        parser.error("--builds must be between 1 and 50")
    if args.pages < 0:
        parser.error("--pages must be 0 (all) or more")
    return args


def check_tools(args: argparse.Namespace) -> None:
    if not (args.no_weights and args.no_lighthouse) and not CHROMIUM.is_file():
        raise BenchError(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-liberation")
    if not args.no_lighthouse and not LIGHTHOUSE.is_file():
        raise BenchError("Lighthouse is missing: run `npm ci` (package.json pins 12.2.3)")
    if not (BIN / "mkdocs").is_file():
        raise BenchError(f"mkdocs is missing from {BIN}: run `make setup`")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    try:
        check_tools(args)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        report.say(f"Handbook benchmark, {now}")
        report.say(f"Machine: {machine()}")
        report.say(f"Tools: {versions()}")
        report.say()
        bench_builds(report, args.builds)
        report.say()
        if not (args.no_weights and args.no_lighthouse):
            with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
                site = build_site(Path(tmp))
                stock = build_stock_site(Path(tmp))
                paths = page_paths(site)
                paths = paths[: args.pages] if args.pages else paths
                with serve(site) as base, serve(stock) as stock_base:
                    if not args.no_weights:
                        bench_weights(report, site, base, paths, stock, stock_base)
                        report.say()
                    if not args.no_lighthouse:
                        bench_lighthouse(report, site, base, paths)
                        report.say()
        if args.tests and not args.no_tests:
            bench_tests(report)
            report.say()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 2
    if report.missed:
        report.say(f"{len(report.missed)} target(s) missed:")
        for miss in report.missed:
            report.say(f"  - {miss}")
        return 1
    report.say("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
