"""Documents keep the line of every key, their duplicate keys and ignore comments."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check.documents import (
    close_match,
    duplicate_findings,
    field_positions,
    ignored,
    load_document,
)
from cicd_check.safe_yaml import YamlError
from tests.cicd_check.test_findings import TEST_WARNING
from tests.support.fuzzing import FUZZ


def test_positions_name_the_line_and_column_of_every_key_and_item() -> None:
    document = load_document("version: 0.2\nphases:\n  build:\n    commands:\n      - make\n")
    assert document.where(("phases", "build", "commands", 0)) == (5, 9)
    assert document.line(("phases", "build", "missing", "deeper")) == 3  # nearest ancestor


def test_duplicate_keys_name_both_lines_and_the_value_kept() -> None:
    document = load_document("env:\n  variables:\n    A: one\n    A: two\n")
    assert document.data == {"env": {"variables": {"A": "two"}}}
    [finding] = duplicate_findings(document, TEST_WARNING)
    assert finding == ("env.variables.A: key 'A' appears twice, on lines 3 and 4; "
                       "only the value on line 4 is used")
    assert finding.line == 4


def test_json_is_parsed_as_json_with_lines_for_duplicates() -> None:
    document = load_document('{\n  "name": "a",\n  "name": "b"\n}\n', flavor="json")
    assert document.data == {"name": "b"}
    assert [(d.key, d.first_line, d.second_line) for d in document.duplicates] == [("name", 2, 3)]
    with pytest.raises(YamlError, match=r"not valid JSON: .*line 1"):
        load_document("{'single': 'quotes'}", flavor="json")


def test_cloudformation_tags_are_data_not_errors() -> None:
    document = load_document("Resources:\n  A:\n    Properties:\n      X: !Ref B\n",
                             flavor="cloudformation")
    assert document.data["Resources"]["A"]["Properties"]["X"] == {"Ref": "B"}


@pytest.mark.parametrize("text, problem", [
    ("a: [1, 2", "not valid YAML"),
    ("a: " + "9" * 5000, "not valid YAML"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ("a: &a [*a]", "recursive"),
])
def test_bad_yaml_is_one_clear_error(text: str, problem: str) -> None:
    with pytest.raises(YamlError, match=problem):
        load_document(text, flavor="yaml11", what="x.yml")


def test_near_miss_keys_get_a_hint() -> None:
    assert close_match("fail-fast", ["fast-fail", "matrix"]) == "fast-fail"
    assert close_match("comands", ["commands", "finally"]) == "commands"
    assert close_match("zzz", ["commands"]) is None


def test_ignore_comments_cover_their_line_or_the_next() -> None:
    text = "a: 1 # cicd-check: ignore BS001, bs002\n# cicd-check: ignore\nb: 2\n"
    assert ignored(text) == {1: {"BS001", "BS002"}, 2: {"*"}, 3: {"*"}}


@FUZZ
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_with_a_yaml_error(text: str) -> None:
    for flavor in ("yaml11", "strings", "cloudformation", "json"):
        with contextlib.suppress(YamlError):
            load_document(text, flavor=flavor)


def test_field_positions_map_dotted_fields_to_where_they_start() -> None:
    text = "version: 0.2\nphases:\n  build:\n    comands:\n      - make\n"
    positions = field_positions(text)
    assert positions["phases.build.comands"] == (4, 5)
    assert positions["phases.build.comands[0]"] == (5, 9)
    assert field_positions("a: [\n") == {} and field_positions("") == {}


def test_field_positions_reuse_what_load_document_composed_and_agree_with_it() -> None:
    from cicd_check import documents

    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - on\n      - [a, {b: c}]\n"
    documents._RECENT.clear()
    fresh = field_positions(text)
    documents._RECENT.clear()
    load_document(text, flavor="strings")
    assert text in documents._RECENT, "load_document keeps the positions it composed"
    assert field_positions(text) == fresh
    for n in range(documents._RECENT_SIZE + 2):
        load_document(f"k: {n}\n")
    assert len(documents._RECENT) == documents._RECENT_SIZE and text not in documents._RECENT
