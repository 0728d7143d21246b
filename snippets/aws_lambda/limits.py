"""Lambda quotas: the one table every page and test reads limits from."""

from __future__ import annotations

from dataclasses import dataclass

QUOTAS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
INVOKE_API_PAGE = "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html"
CHECKED = "2026-11-26"

MB = 1024 * 1024


# --8<-- [start:quota]
@dataclass(frozen=True)
class Quota:
    """One Lambda quota as AWS documents it."""

    key: str
    name: str
    value: int
    unit: str
    adjustable: bool
    source: str = QUOTAS_PAGE
    checked: str = CHECKED
    note: str = ""
# --8<-- [end:quota]


# --8<-- [start:table]
QUOTA_LIST: tuple[Quota, ...] = (
    Quota("memory_min", "Memory, minimum", 128, "MB", False),
    Quota("memory_max", "Memory, maximum (1 MB steps)", 10_240, "MB", False),
    Quota("timeout_max", "Timeout", 900, "seconds", False),
    Quota("env_vars_total", "Environment variables, all together", 4 * 1024, "bytes", False),
    Quota("tmp_min", "Ephemeral storage (/tmp), minimum", 512, "MB", False),
    Quota("tmp_max", "Ephemeral storage (/tmp), maximum", 10_240, "MB", False),
    Quota(
        "concurrency",
        "Concurrent executions per Region",
        1_000,
        "executions",
        True,
        note="New accounts may start lower; AWS raises it automatically with use.",
    ),
    Quota("scaling_rate", "Scaling rate per function", 1_000, "environments per 10 s", False),
    Quota("payload_sync", "Invocation payload, synchronous (request and response)", 6 * MB,
          "bytes", False),
    Quota("payload_async", "Invocation payload, asynchronous", 1 * MB, "bytes", False,
          source=INVOKE_API_PAGE, note="Raised from 256 KB in October 2025."),
    Quota("payload_streamed", "Streamed response", 200 * MB, "bytes", False),
    Quota("zip_direct", ".zip uploaded directly (zipped)", 50 * MB, "bytes", False),
    Quota("unzipped_total", "Unzipped code and layers together", 250 * MB, "bytes", False),
    Quota("image_size", "Container image, uncompressed with all layers", 10 * 1024 * MB,
          "bytes", False),
    Quota("layers_max", "Layers per function", 5, "layers", False),
    Quota("resource_policy", "Resource-based policy size", 20 * 1024, "bytes", False),
)
# --8<-- [end:table]

QUOTAS: dict[str, Quota] = {quota.key: quota for quota in QUOTA_LIST}


def quota(key: str) -> int:
    """The value of one quota; a clear ``KeyError`` names the known keys."""
    try:
        return QUOTAS[key].value
    except KeyError:
        known = ", ".join(sorted(QUOTAS))
        raise KeyError(f"unknown quota {key!r}; known quotas: {known}") from None
