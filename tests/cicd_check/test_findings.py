"""Rules and findings: stable ids, one-line messages, errors kept apart from warnings."""

from __future__ import annotations

import pickle

import pytest

from cicd_check.findings import (
    ERROR,
    RULES,
    WARNING,
    dotted,
    errors,
    ordered,
    rule,
    warnings,
)

SOURCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
TEST_ERROR = rule("ZZ901", "test-error", ERROR, "A rule for these tests.", fix="Fix it.",
                  source=SOURCE, page="buildspec")
TEST_WARNING = rule("ZZ902", "test-warning", WARNING, "A warning for these tests.",
                    fix="Maybe fix it.", source=SOURCE, page="buildspec")


def test_a_finding_is_its_one_line_message() -> None:
    finding = TEST_ERROR.at("phases.build", "unknown key 'comands'", line=4, column=5)
    assert finding == "phases.build: unknown key 'comands'"
    assert (finding.id, finding.line, finding.column, finding.fix) == ("ZZ901", 4, 5, "Fix it.")
    assert finding.is_error and not TEST_WARNING.at("x", "y").is_error


def test_errors_and_warnings_are_kept_apart() -> None:
    found = [TEST_ERROR.at("a", "bad"), TEST_WARNING.at("b", "odd")]
    assert errors(found) == ["a: bad"] and warnings(found) == ["b: odd"]


def test_ids_are_stable_and_well_formed() -> None:
    with pytest.raises(ValueError, match="two capital letters"):
        rule("bs1", "x", ERROR, "x", fix="x", source=SOURCE, page="x")
    with pytest.raises(ValueError, match="already registered"):
        rule("ZZ901", "another-meaning", ERROR, "x", fix="x", source=SOURCE, page="x")
    assert rule("ZZ901", "test-error", ERROR, "A rule for these tests.", fix="Fix it.",
                source=SOURCE, page="buildspec") is not None  # the same rule again is fine
    assert RULES["ZZ901"].url.endswith("/tools/buildspec/#zz901")


def test_located_fills_in_only_what_is_missing() -> None:
    finding = TEST_ERROR.at("a", "bad", line=3).located(file="x.yml", line=9, column=2)
    assert (finding.file, finding.line, finding.column) == ("x.yml", 3, 2)


def test_findings_survive_pickling_for_parallel_test_workers() -> None:
    finding = TEST_WARNING.at("a", "odd", line=2).located(file="f.yml")
    again = pickle.loads(pickle.dumps(finding))
    assert again == finding and again.id == "ZZ902" and again.line == 2 and not again.is_error


def test_dotted_paths_and_stable_order() -> None:
    assert dotted(("phases", "build", "commands", 0)) == "phases.build.commands[0]"
    b, a = TEST_ERROR.at("b", "x", line=9).located(file="f"), TEST_ERROR.at("a", "x", line=2)
    assert ordered([b, a.located(file="f"), b]) == ["a: x", "b: x"]


def test_as_dict_has_what_a_script_needs() -> None:
    record = TEST_ERROR.at("a", "bad", line=1).located(file="f.yml").as_dict()
    assert set(record) == {"file", "line", "column", "code", "severity", "field", "message",
                           "fix", "url"}
    assert record["severity"] == "error" and record["code"] == "ZZ901"
