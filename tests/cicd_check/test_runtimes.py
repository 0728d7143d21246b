"""The runtime lifecycle table: one table, equal to AWS's (cfn-lint's copy), botocore's ids."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import botocore.session
import pytest

from cicd_check import runtimes
from cicd_check.runtimes import RUNTIMES, Status, known_runtimes, runtime_table_markdown


def cfn_lint_table() -> dict:
    text = resources.files("cfnlint").joinpath(
        "data/AdditionalSpecs/LmbdRuntimeLifecycle.json").read_text("utf-8")
    return json.loads(text)


def test_our_table_equals_aws_table_as_cfn_lint_ships_it() -> None:
    theirs = cfn_lint_table()
    assert set(RUNTIMES) == set(theirs)
    for key, item in RUNTIMES.items():
        row = theirs[key]
        assert (str(item.deprecated), str(item.create_blocked or None),
                str(item.update_blocked or None), item.successor) == (
            row["deprecated"], str(row["create-block"]), str(row["update-block"]),
            row["successor"]), key


def test_the_2026_moves() -> None:
    for java in ("java8.al2", "java11", "java17"):
        assert RUNTIMES[java].deprecated == dt.date(2027, 6, 30), java
    for python in ("python3.9", "python3.10"):
        assert RUNTIMES[python].create_blocked == dt.date(2027, 2, 1), python


def test_ids_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("lambda")
    assert known_runtimes() == frozenset(model.shape_for("Runtime").enum)
    # dotnet9 exists only as a container base image, so the API enum does not list it.
    assert set(RUNTIMES) - known_runtimes() == {"dotnet9"}


@pytest.mark.parametrize(("runtime", "day", "status"), [
    ("python3.13", dt.date(2026, 12, 1), Status.SUPPORTED),
    ("python3.10", dt.date(2026, 12, 1), Status.DEPRECATED),
    ("python3.10", dt.date(2027, 2, 1), Status.CREATE_BLOCKED),
    ("python3.10", dt.date(2027, 3, 3), Status.UPDATE_BLOCKED),
    ("dotnet9", dt.date(2030, 1, 1), Status.DEPRECATED),  # no block dates announced
    ("python3.15", dt.date(2026, 12, 1), Status.SUPPORTED),  # in the API, not the table
    ("python2.1", dt.date(2026, 12, 1), Status.UNKNOWN),
])
def test_status(runtime: str, day: dt.date, status: Status) -> None:
    assert runtimes.status(runtime, day) is status


def test_deprecated_on_and_table() -> None:
    assert runtimes.deprecated_on("python3.9") == dt.date(2025, 12, 15)
    assert runtimes.deprecated_on("python3.15") is None
    assert runtime_table_markdown(("dotnet9",)).splitlines()[-1] == (
        "| `dotnet9` | 2026-11-10 | not announced | not announced |")
    assert runtimes.RUNTIMES_PAGE.startswith("https://docs.aws.amazon.com/lambda/")
