"""The Lambda limits page's examples: the quota table and where the API model disagrees.

The quotas themselves, the runtime dates and the configuration check ship with
``cicd-check`` (``cicd_check.quotas``, ``cicd_check.runtimes``,
``cicd_check.function_config``); this module only re-exports the quota table the pages read
and keeps the page's own record of how botocore's model differs from the quotas.
"""

from __future__ import annotations

from cicd_check.quotas import QUOTA_LIST, QUOTAS, Quota, human_value, quota, quota_table_markdown

__all__ = ["MODEL_DIFFERENCES", "QUOTAS", "QUOTA_LIST", "Quota", "human_value",
           "model_table_markdown", "quota", "quota_table_markdown"]

# What botocore's Lambda model allows is not what a standard function may use: since
# Lambda Managed Instances (announced at re:Invent 2025) the API accepts larger values, which
# Lambda then rejects for a standard function. Kept here so the difference is on record.
# --8<-- [start:model-differences]
MODEL_DIFFERENCES: dict[str, tuple[int, str, str]] = {
    # API member: (botocore model maximum, the quota that applies, why they differ)
    "MemorySize": (32_768, "memory_max", "Lambda Managed Instances run larger functions"),
    "Timeout": (5_400, "timeout_max", "Managed Instances run up to 90 minutes for async "
                                      "and event source mapping invocations"),
    "EphemeralStorage.Size": (32_768, "tmp_max", "The model's limit is shared with "
                                                 "Managed Instances"),
}
# --8<-- [end:model-differences]


def model_table_markdown() -> str:
    """The page's table of MODEL_DIFFERENCES (a test proves the page holds exactly this)."""
    lines = ["| Setting | The API model allows up to | A standard function's quota "
             "| Why they differ |", "|---|---|---|---|"]
    for member, (model_max, quota_key, why) in MODEL_DIFFERENCES.items():
        limit = QUOTAS[quota_key]
        lines.append(f"| `{member}` | {model_max:,} {limit.unit} | {human_value(limit)} | {why} |")
    return "\n".join(lines)
