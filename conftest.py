"""Test harness shared by the snippet tests and the fences in docs/.

- Every test runs with fake AWS credentials and a fixed Region, so nothing can
  reach a real account even if a mock is forgotten (pytest-socket also blocks
  every host but loopback; see pyproject.toml).
- ``aws`` runs a test (or a fence marked ``{.python fixture:aws}``) against AWS as
  chosen by ``HANDBOOK_AWS_MODE`` (docs/how-examples-run.md):
  ``inprocess`` (default) moto patched into botocore; ``server`` moto's HTTP server
  on 127.0.0.1, reached through ``AWS_ENDPOINT_URL`` like any endpoint; ``endpoint``
  an emulator you run (``HANDBOOK_ENDPOINT_URL``, for example LocalStack); ``account``
  a real sandbox account (opt-in: costs money, see the page).
- Every boto3 call is checked against botocore's service model first, including
  the ``max``, ``enum`` and ``pattern`` rules that botocore and moto skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import cleanup, strict_model
from tests.support.fences import HandbookMarkdownParser

REPO_ROOT = Path(__file__).resolve().parent

# The AWS documentation's example key pair: obviously fake, accepted by moto.
FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "handbook-fake-session-token",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_MKDOCS_2_WARNING": "1",
}


AWS_MODES = ("inprocess", "server", "endpoint", "account")
AWS_MODE = os.environ.get("HANDBOOK_AWS_MODE", "inprocess")


def pytest_configure(config: pytest.Config) -> None:
    if AWS_MODE not in AWS_MODES:
        raise pytest.UsageError(f"HANDBOOK_AWS_MODE must be one of {AWS_MODES}, not {AWS_MODE!r}")
    if AWS_MODE == "account":
        _configure_real_account(config)
        return
    # Set before any test module is imported, so import-time clients see them too.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    if AWS_MODE == "endpoint":
        endpoint = os.environ.get("HANDBOOK_ENDPOINT_URL", "")
        if not endpoint.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise pytest.UsageError(
                "HANDBOOK_AWS_MODE=endpoint needs HANDBOOK_ENDPOINT_URL on loopback, "
                "for example http://localhost:4566 for LocalStack"
            )
        # LocalStack uses a 12-digit access key id as the account id: match moto's.
        os.environ["AWS_ACCESS_KEY_ID"] = "123456789012"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--aws-examples-only", action="store_true",
        help="run only the tests and fences that use the aws fixture: the rest does not "
             "depend on HANDBOOK_AWS_MODE (make test's pass through moto's server)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist (``--dist loadgroup``), keep the tests of the built site on one worker, so
    the site is built once and every page is visited once; with ``--aws-examples-only``,
    deselect what does not use the ``aws`` fixture."""
    for item in items:
        if "built_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("built_site"))
    if config.getoption("--aws-examples-only"):
        keep = [item for item in items if "aws" in getattr(item, "fixturenames", ())]
        dropped = [item for item in items if "aws" not in getattr(item, "fixturenames", ())]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep


def _configure_real_account(config: pytest.Config) -> None:
    """A real sandbox account: only with a named profile, accepted costs and open sockets."""
    profile = os.environ.get("HANDBOOK_AWS_PROFILE")
    if not profile or os.environ.get("HANDBOOK_ACCEPT_AWS_COSTS") != "yes":
        raise pytest.UsageError(
            "HANDBOOK_AWS_MODE=account runs the examples in a real AWS account and costs "
            "money: set HANDBOOK_AWS_PROFILE to a sandbox profile and "
            "HANDBOOK_ACCEPT_AWS_COSTS=yes (see docs/how-examples-run.md)"
        )
    if not config.getoption("--force-enable-socket"):
        raise pytest.UsageError("HANDBOOK_AWS_MODE=account also needs --force-enable-socket")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ["AWS_PROFILE"] = profile
    os.environ["NO_MKDOCS_2_WARNING"] = "1"


def _untracked_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--directory"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    return set(listed.stdout.splitlines()) if listed.returncode == 0 else set()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_UNTRACKED_BEFORE] = _untracked_files()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tests write only into temporary folders: fail the run if one left a file here."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker; the controller checks once for all of them
    before = session.config.stash.get(_UNTRACKED_BEFORE, set())
    left = sorted(_untracked_files() - before)
    if left:
        session.config.get_terminal_writer().line(
            "tests left files in the repository: " + ", ".join(left), red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_UNTRACKED_BEFORE = pytest.StashKey[set[str]]()


def pytest_markdown_docs_markdown_it() -> HandbookMarkdownParser:
    """Collect fences inside admonitions, details and tabs too (see tests/support/fences.py)."""
    return HandbookMarkdownParser()


@pytest.fixture(autouse=True)
def _strict_service_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reject any boto3 request that breaks botocore's model, before moto sees it."""
    strict_model.install(monkeypatch)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's HTTP server on a free loopback port, for the wire-API mode."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _reset_moto_server(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture
def aws(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test body against moto, in process or through its server (see above).

    Whatever the test creates is deleted when it ends, and the suite proves that
    deletion is complete, so the same examples are safe to point at a real endpoint
    (see docs/how-examples-run.md).
    """
    context: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if AWS_MODE == "server":
        url = request.getfixturevalue("moto_server")
        _reset_moto_server(url)
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    elif AWS_MODE == "endpoint":
        monkeypatch.setenv("AWS_ENDPOINT_URL", os.environ["HANDBOOK_ENDPOINT_URL"])
    elif AWS_MODE == "inprocess":
        from moto import mock_aws

        context = mock_aws()
    with context, cleanup.recording(monkeypatch) as recorder:
        yield
        created = list(recorder.created)
        failures = recorder.clean_up()
        # Only moto's accounts start empty, so only there can leftovers be listed.
        moto = AWS_MODE in ("inprocess", "server")
        remaining = cleanup.leftovers(created) if moto else []
    if AWS_MODE == "server":
        _reset_moto_server(url)
    problems = failures + remaining + [
        f"{operation} creates something the cleanup does not know how to delete "
        "(add it to tests/support/cleanup.py)"
        for operation in sorted(recorder.unknown)
    ]
    if problems:
        pytest.fail("after the example, cleanup left:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once per session with ``mkdocs build --strict`` (never with -q)."""
    out = tmp_path_factory.mktemp("site")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log}", pytrace=False)
    out.joinpath(".build-log").write_text(log)
    return out
