"""Every YAML the handbook reads is loaded safely and with bounds (snippets/safe_yaml.py)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cicd_check.safe_yaml import MAX_EXPANDED_NODES, MAX_NESTING, YamlError, load_yaml

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
)


def test_plain_documents_load() -> None:
    assert load_yaml("a: [1, 2]\nb: {c: yes}\n") == {"a": [1, 2], "b": {"c": True}}


def test_flavours() -> None:
    assert load_yaml("on: push\nx: yes\ny: true\n", flavor="yaml12") == {
        "on": "push",
        "x": "yes",
        "y": True,
    }
    assert load_yaml("version: 0.2\ncmds: [true, 3]\n", flavor="strings") == {
        "version": "0.2",
        "cmds": ["true", "3"],
    }
    template = load_yaml(
        "A: !Ref B\nC: !GetAtt D.Arn\nE: !Sub '${F}'\nG: !If [H, 1, 2]\nI: !Condition J\n",
        flavor="cloudformation",
    )
    assert template == {
        "A": {"Ref": "B"},
        "C": {"Fn::GetAtt": ["D", "Arn"]},
        "E": {"Fn::Sub": "${F}"},
        "G": {"Fn::If": ["H", 1, 2]},
        "I": {"Condition": "J"},
    }
    assert load_yaml("K: !Join {a: b}\n", flavor="cloudformation") == {
        "K": {"Fn::Join": {"a": "b"}}
    }


def test_a_few_aliases_are_fine() -> None:
    assert load_yaml("base: &b [x]\nuse: *b\nagain: *b\n") == {
        "base": ["x"],
        "use": ["x"],
        "again": ["x"],
    }


def test_an_alias_bomb_is_refused_quickly() -> None:
    with pytest.raises(YamlError, match=f"more than {MAX_EXPANDED_NODES:,} values"):
        load_yaml(BILLION_LAUGHS, what="buildspec")


def test_python_object_tags_are_refused() -> None:
    with pytest.raises(YamlError, match="not valid YAML"):
        load_yaml("!!python/object/apply:os.system ['echo pwned']")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2", "line"),
        ("a: *missing", "not valid YAML"),
        ("x" * 2_000_001, "more than 1,000,000"),
        ("&a [*a]", "not valid YAML|recursive"),
        ("[" * 1500 + "]" * 1500, "nested too deeply|not valid"),
    ],
)
def test_unusable_text_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(YamlError, match=message):
        load_yaml(text, what="appspec")


def test_wrong_types_are_errors() -> None:
    with pytest.raises(YamlError, match="expected YAML text, got bytes"):
        load_yaml(b"a: 1")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["yaml11", "yaml12", "strings", "cloudformation"]))
def test_any_text_loads_or_raises_yaml_error(text: str, flavor: str) -> None:
    with contextlib.suppress(YamlError):
        load_yaml(text, flavor=flavor)  # type: ignore[arg-type]


def test_an_integer_past_pythons_digit_limit_is_a_yaml_error() -> None:
    with pytest.raises(YamlError, match="not valid YAML: Exceeds the limit"):
        load_yaml("version: " + "9" * 5000, what="buildspec.yml")


def test_nesting_past_the_limit_is_refused_before_pyyaml_reads_it() -> None:
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    with pytest.raises(YamlError, match=f"nested too deeply \\(more than {MAX_NESTING} levels"):
        load_yaml(deep)
    assert load_yaml("[" * MAX_NESTING + "]" * MAX_NESTING) is not None
    mapping = "{a: " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1)
    with pytest.raises(YamlError, match="nested too deeply"):
        load_yaml(mapping, flavor="cloudformation")


def test_many_shallow_brackets_are_fine() -> None:
    text = "".join(f"k{i}: [1, {{a: [2]}}]\n" for i in range(MAX_NESTING))
    assert load_yaml(text)["k7"] == [1, {"a": [2]}]


def test_a_bracket_heavy_mistake_keeps_pyyamls_own_words() -> None:
    text = "a: [" + "[1], " * MAX_NESTING + "\n b: c: d\n"
    with pytest.raises(YamlError, match="not valid YAML") as error:
        load_yaml(text)
    assert "nested" not in str(error.value)
