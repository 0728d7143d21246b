"""Lambda's quotas, read from one data file that names AWS's page for each value.

Every checker and every page reads limits from here (``cicd_check/data/quotas.json``), so a
quota AWS changes is changed in one place, with its source and the day it was checked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

KB = 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class Quota:
    """One Lambda quota as AWS documents it."""

    key: str
    name: str
    value: int
    unit: str
    adjustable: bool
    source: str
    checked: str
    note: str = ""


@cache
def _data() -> dict[str, Any]:
    text = resources.files("cicd_check").joinpath("data/quotas.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _load() -> tuple[Quota, ...]:
    data = _data()
    return tuple(
        Quota(item["key"], item["name"], item["value"], item["unit"], item["adjustable"],
              item.get("source", data["source"]), data["checked"], item.get("note", ""))
        for item in data["quotas"]
    )


QUOTA_LIST: tuple[Quota, ...] = _load()
QUOTAS: dict[str, Quota] = {item.key: item for item in QUOTA_LIST}
QUOTAS_PAGE: str = _data()["source"]
CHECKED: str = _data()["checked"]


def quota(key: str) -> int:
    """The value of one quota; a clear ``KeyError`` names the known keys."""
    try:
        return QUOTAS[key].value
    except (KeyError, TypeError):
        known = ", ".join(sorted(QUOTAS))
        raise KeyError(f"unknown quota {key!r}; known quotas: {known}") from None


def human_value(item: Quota) -> str:
    """A quota's value as the docs write it: 50 MB, 4 KB, 10 GB, 900 seconds."""
    if item.unit != "bytes":
        return f"{item.value:,} {item.unit}"
    for size, unit in ((1024 * MB, "GB"), (MB, "MB"), (KB, "KB")):
        if item.value >= size and item.value % size == 0:
            return f"{item.value // size:,} {unit}"
    return f"{item.value:,} bytes"


def quota_table_markdown(quotas: Sequence[Quota] = QUOTA_LIST) -> str:
    """The Markdown table the limits page shows (a test proves the page holds exactly this)."""
    lines = [
        "| Quota | Value | Adjustable | Note | Source | Checked |",
        "|---|---|---|---|---|---|",
    ]
    for item in quotas:
        adjustable = "Yes" if item.adjustable else "No"
        lines.append(
            f"| {item.name} | {human_value(item)} | {adjustable} | {item.note} "
            f"| [AWS]({item.source}) | {item.checked} |"
        )
    return "\n".join(lines)
