"""Lambda runtimes and their lifecycle dates: one table, from AWS's runtimes page.

``cicd_check/data/runtimes.json`` holds, per runtime identifier, the day Lambda deprecated
it (no more patches), the day ``CreateFunction`` starts refusing it and the day
``UpdateFunctionConfiguration`` does too. A test proves it agrees with the copy of AWS's
table that cfn-lint ships. Which identifiers exist at all comes from botocore's model.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


class Status(enum.StrEnum):
    SUPPORTED = "supported"
    DEPRECATED = "deprecated"  # still created and updated, no longer patched
    CREATE_BLOCKED = "create blocked"  # existing functions may still be updated
    UPDATE_BLOCKED = "update blocked"  # neither created nor updated
    UNKNOWN = "unknown"  # not a runtime identifier Lambda's API knows


@dataclass(frozen=True)
class Runtime:
    """One runtime's lifecycle, as AWS's runtimes page gives it (None: not announced)."""

    id: str
    deprecated: dt.date | None
    create_blocked: dt.date | None
    update_blocked: dt.date | None
    successor: str | None

    def status(self, on: dt.date) -> Status:
        """Where the runtime stands on the day ``on``."""
        if self.update_blocked is not None and self.update_blocked <= on:
            return Status.UPDATE_BLOCKED
        if self.create_blocked is not None and self.create_blocked <= on:
            return Status.CREATE_BLOCKED
        if self.deprecated is not None and self.deprecated <= on:
            return Status.DEPRECATED
        return Status.SUPPORTED


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def _data() -> dict[str, Any]:
    text = resources.files("cicd_check").joinpath("data/runtimes.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


RUNTIMES: dict[str, Runtime] = {
    key: Runtime(key, _date(value["deprecated"]), _date(value["create_blocked"]),
                 _date(value["update_blocked"]), value["successor"])
    for key, value in _data()["runtimes"].items()
}
RUNTIMES_PAGE: str = _data()["source"]
CHECKED: str = _data()["checked"]


@cache
def known_runtimes() -> frozenset[str]:
    """Every runtime identifier in botocore's Lambda model (the API's own enum)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return frozenset(model.shape_for("Runtime").enum)


def status(runtime: str, on: dt.date) -> Status:
    """A runtime identifier's status on ``on``; one the table does not list is supported."""
    if runtime in RUNTIMES:
        return RUNTIMES[runtime].status(on)
    return Status.SUPPORTED if runtime in known_runtimes() else Status.UNKNOWN


def deprecated_on(runtime: str) -> dt.date | None:
    """The day Lambda deprecated (or will deprecate) ``runtime``; None if none is announced."""
    found = RUNTIMES.get(runtime)
    return found.deprecated if found else None


def runtime_table_markdown(ids: list[str] | tuple[str, ...]) -> str:
    """A Markdown table of some runtimes' dates (a page's table, proved equal to the data)."""
    lines = ["| Runtime | Deprecated | Create blocked | Update blocked |", "|---|---|---|---|"]
    for key in ids:
        item = RUNTIMES[key]
        cells = [d.isoformat() if d else "not announced"
                 for d in (item.deprecated, item.create_blocked, item.update_blocked)]
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
