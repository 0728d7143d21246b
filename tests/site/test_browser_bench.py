"""scripts/bench.py's own parts: argument handling, the gzip-serving server it points
Lighthouse at, and the stock configuration it compares the build with. The benchmark
itself only prints figures (``make bench``); it never runs as a test."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("handbook_bench", REPO / "scripts/bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@given(st.lists(st.text(max_size=30) | st.sampled_from(["--builds", "--pages", "-1", "0"])))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arguments_parse_or_exit_2_with_one_line(argv: list[str]) -> None:
    try:
        args = bench.parse_args(argv)
    except SystemExit as stop:
        assert stop.code in (0, 2), f"exit {stop.code} for {argv!r}"
        return
    assert 1 <= args.builds <= 50 and args.pages >= 0


def test_bad_argument_prints_one_line_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/bench.py"), "--builds", "many"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_stock_configuration_has_our_markdown_and_nothing_else_of_ours(tmp_path: Path) -> None:
    """Same Markdown (extensions, navigation), stock theme: the comparison is fair."""
    text = bench.stock_config(tmp_path).read_text()
    assert "nav:" in text and "index.md" in text
    ours = bench.top_level_sections((REPO / "mkdocs.yml").read_text())
    assert ours["markdown_extensions"] in text, "the stock build must use our extensions"
    assert "plugins:\n  - search\n" in text
    for setting in ("custom_dir", "features", "htmlproofer", "extra_css", "palette"):
        assert setting not in text, f"the stock build should not use {setting}"


@pytest.fixture
def fake_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "guide").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Home</title>" + "x" * 5000)
    (site / "guide" / "index.html").write_text("<!doctype html><title>Guide</title>")
    (site / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    published = bench.published_site_url()
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{published}</loc></url><url><loc>{published}guide/</loc></url></urlset>"
    )
    return site


def fetch(url: str, gzip_ok: bool = True) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def test_server_compresses_text_under_the_published_path(fake_site: Path) -> None:
    assert bench.page_paths(fake_site) == ["", "guide/"]
    with bench.serve(fake_site) as base:
        assert base.startswith("http://127.0.0.1:")
        status, headers, body = fetch(base)
        assert status == 200 and headers.get("Content-Encoding") == "gzip"
        assert gzip.decompress(body) == (fake_site / "index.html").read_bytes()
        assert len(body) < (fake_site / "index.html").stat().st_size

        status, headers, body = fetch(base, gzip_ok=False)
        assert "Content-Encoding" not in headers
        assert body == (fake_site / "index.html").read_bytes()

        status, headers, body = fetch(base + "logo.png")
        assert status == 200 and "Content-Encoding" not in headers, "PNG is not recompressed"

        status, _, body = fetch(base + "sitemap.xml")
        sitemap = gzip.decompress(body).decode()
        assert base in sitemap and bench.published_site_url() not in sitemap

        assert fetch(base + "missing/")[0] == 404
        assert fetch(base.replace(base.split("/", 3)[3], "") + "elsewhere/")[0] == 404


def test_missing_lighthouse_is_unusable_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "LIGHTHOUSE", Path("/nonexistent/lighthouse"))
    args = bench.parse_args(["--no-tests"])
    with pytest.raises(bench.BenchError, match="Lighthouse is missing"):
        bench.check_tools(args)
