"""The quota data file: sourced, dated, and read the way the pages print it."""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest

from cicd_check.quotas import QUOTA_LIST, QUOTAS, Quota, human_value, quota


def test_documented_values() -> None:
    assert (quota("memory_min"), quota("memory_max"), quota("timeout_max")) == (128, 10_240, 900)
    assert quota("env_vars_total") == 4096 and quota("layers_max") == 5
    assert quota("payload_async") == 1024 * 1024, "1 MB since October 2025"
    assert quota("function_name_max") == 64 and quota("managed_timeout_max") == 5400


def test_every_row_is_sourced_and_dated() -> None:
    assert len(QUOTAS) == len(QUOTA_LIST), "duplicate keys"
    for item in QUOTA_LIST:
        assert item.source.startswith("https://docs.aws.amazon.com/"), item.key
        assert dt.date.fromisoformat(item.checked) <= dt.date.today(), item.key
    assert [q.key for q in QUOTA_LIST if q.adjustable] == ["concurrency"]


def test_managed_instance_maxima_are_the_models() -> None:
    model = botocore.session.get_session().get_service_model("lambda")
    assert model.shape_for("MemorySize").metadata["max"] == quota("managed_memory_max")
    assert model.shape_for("Timeout").metadata["max"] == quota("managed_timeout_max")
    assert model.shape_for("EphemeralStorageSize").metadata["max"] == quota("managed_tmp_max")


def test_unknown_keys_and_human_values() -> None:
    with pytest.raises(KeyError, match=r"known quotas: .*zip_direct"):
        quota("zip")
    with pytest.raises(KeyError):
        quota(["x"])  # type: ignore[arg-type]
    assert human_value(QUOTAS["env_vars_total"]) == "4 KB"
    assert human_value(QUOTAS["image_size"]) == "10 GB"
    assert human_value(Quota("x", "x", 1500, "bytes", False, "", "")) == "1,500 bytes"
