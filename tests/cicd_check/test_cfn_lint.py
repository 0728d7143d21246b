"""Tests for cicd_check.cfn_lint: cfn-lint run offline on a template, its matches as findings
(CF001 errors, CF002 warnings), the clock rules left out and our own findings preferred."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cicd_check import template as tpl
from cicd_check.cfn_lint import (
    MAX_MESSAGE,
    LintMatch,
    _config,
    _lint,
    _rules,
    finding,
    lint_data,
    lint_text,
    path_text,
)
from tests.cicd_check.support import function


def test_cfn_lint_ids_start_the_message_and_warnings_do_not_fail() -> None:
    text = (Path(__file__).parent / "cases/CF002/fail/template.yaml").read_text()
    (found,) = tpl.check_text(text)
    assert re.match(r"Parameters\.Unused: \[W2001\] ", found) and not found.is_error, found


def test_cfn_lint_clock_rules_are_left_out() -> None:
    text = yaml.safe_dump(function({"ZipFile": "x = 1"}, runtime="python2.7"))
    ids = {str(f).split("] ")[0] for f in tpl.check_text(text)}
    assert not any(rule in i for i in ids for rule in ("E2531", "E2533", "W2531")), ids


def test_our_finding_replaces_cfn_lint_at_the_same_place() -> None:
    text = (Path(__file__).parent / "cases/SM004/fail/template.yaml").read_text()
    found = tpl.check_text(text)
    assert [f.id for f in found] == ["SM004"], found  # cfn-lint's E3002 there is dropped
    assert "did you mean 'Alarms'?" in found[0]


# ---------------------------------------------------------------- the module's functions


QUEUE = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
         "    Properties:\n      VisibilityTimeout: soon\n")


def test_lint_text_gives_cfn_lints_matches_with_lines() -> None:
    (match,) = lint_text(QUEUE)
    assert match.rule_id.startswith("E3") and match.is_error, match
    assert match.path == ("Resources", "Q", "Properties", "VisibilityTimeout")
    assert (match.line, match.column) == (6, 7)
    assert lint_text(QUEUE.replace("soon", "30")) == []


def test_lint_data_gives_the_same_matches_without_lines() -> None:
    template = yaml.safe_load(QUEUE)
    (match,) = lint_data(template)
    assert (match.rule_id, match.path) == (lint_text(QUEUE)[0].rule_id, lint_text(QUEUE)[0].path)
    assert (match.line, match.column) == (None, None)


def test_findings_are_cf001_for_errors_and_cf002_for_warnings() -> None:
    error = LintMatch("E3012", "x is not of type integer", ("Resources",), 3, 5)
    found = finding(error, field="Resources.Q", line=3, column=5)
    assert (found.id, found.line, found.column) == ("CF001", 3, 5)
    assert found == "Resources.Q: [E3012] x is not of type integer"
    warning = LintMatch("W2001", "Parameter Unused not used", (), None, None)
    assert finding(warning, field="Parameters.Unused", line=None).id == "CF002"
    hint = LintMatch("E3703", "Prefer using Fn::Sub over Fn::Join with an empty delimiter", (),
                     None, None)
    assert not hint.is_error
    assert finding(error, field="f", line=1, message="other").endswith("[E3012] other")


def test_path_text_renders_a_path_and_messages_are_bounded() -> None:
    assert path_text(("Resources", "Q", "Properties", "Tags", 0, "Key")) == (
        "Resources.Q.Properties.Tags[0].Key")
    long = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  " + "Q" * 300 + ":\n" \
        "    Type: AWS::SQS::Queue\n    Properties: {VisibilityTimeout: soon}\n"
    assert all(len(m.message) <= MAX_MESSAGE for m in lint_text(long))


CASES = Path(__file__).parent / "cases"
SAME_AS_CFN_LINT = [  # errors, warnings, SAM, JSON, a clean file, again after the others
    CASES / "CF001/fail/template.yaml", CASES / "CF002/fail/template.yaml",
    CASES / "SM004/fail/template.yaml",
    Path(__file__).parent / "data/template/cfn-function-s3.json",
    CASES / "CF001/pass/template.yaml", CASES / "CF001/fail/template.yaml",
]
IN_TEMPLATE_CONFIG = (  # cfn-lint reads settings from the template itself
    "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3012]\n" + QUEUE)


def test_the_rules_loaded_once_give_what_cfn_lint_gives_with_fresh_rules() -> None:
    from cfnlint.api import lint

    def seen(matches: list) -> list[tuple]:
        return [(m.rule.id, m.message, m.linenumber, m.columnnumber,
                 tuple(getattr(m, "path", None) or ())) for m in matches]

    texts = [path.read_text() for path in SAME_AS_CFN_LINT]
    texts += [IN_TEMPLATE_CONFIG, QUEUE, "Resources: [\n", ""]
    for text in texts:
        assert seen(_lint(text)) == seen(lint(text, config=_config())), text[:200]
    assert lint_text(QUEUE) != []
    assert _rules() is _rules()
