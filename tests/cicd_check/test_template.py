"""cicd_check.template: reading templates, duplicate keys, the domain checks, real templates.

The rule cases (tests/cicd_check/cases/CF*, SM*) and the real failures are tested by the
shared suites; cfn-lint's part is in test_cfn_lint.py, the Lambda Code checks in
test_inline_code.py. This module tests the rest: line numbers, unreadable templates, intrinsic
functions as unknown values, and real templates from AWS's repositories.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import template as tpl
from cicd_check.findings import errors
from tests.cicd_check.support import ROLE
from tests.support.fuzzing import FUZZ, JUNK

DATA = Path(__file__).with_name("data") / "template"


# ---------------------------------------------------------------- reading templates


def test_lines_and_columns_come_from_the_text() -> None:
    text = (Path(__file__).parent / "cases/CF011/fail/template.yaml").read_text()
    (found,) = errors(tpl.check_text(text))
    assert (found.id, found.line, found.column) == ("CF011", 6, 7), found


def test_duplicate_keys_name_both_lines_and_cfn_lint_still_runs() -> None:
    text = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
            "    Properties:\n      VisibilityTimeout: 30\n      VisibilityTimeout: soon\n")
    found = tpl.check_text(text)
    duplicate = next(f for f in found if f.id == "CF003")
    assert "on lines 6 and 7" in duplicate and duplicate.is_error, duplicate
    lint = next(f for f in found if f.id == "CF001")  # the last value ('soon') was linted
    assert lint.line == 7 and lint.field == "Resources.Q.Properties.VisibilityTimeout", lint


def test_duplicate_resources_in_json() -> None:
    text = ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"},\n'
            '"Q": {"Type": "AWS::SNS::Topic"}}}')
    (found,) = tpl.check_text(text)
    assert found.id == "CF003" and "'Q' appears twice, on lines 1 and 2" in found, found


@pytest.mark.parametrize(("text", "expected"), [
    ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"},}}', "JSON not well-formed"),
    ("Resources:\n  Q: [\n", "YAML not well-formed"),
    ("- a\n- b\n", "the top level must be a mapping"),
    (b"Resources: {}", "expected text"),
])
def test_unreadable_templates_are_one_finding(text: object, expected: str) -> None:
    (found,) = tpl.check_text(text)  # type: ignore[arg-type]
    assert found.id == "CF004" and expected in found, found


def test_the_domain_checks_are_the_four_modules() -> None:
    functions = tpl.domain_checks()
    assert [f.__module__ for f in functions] == [
        "cicd_check.pipeline", "cicd_check.function_config", "cicd_check.project",
        "cicd_check.url_auth"]


# ---------------------------------------------------------------- real templates


# Real files the checker rightly rejects: file name -> the rule it reports.
REJECTED = {"rejected-sam-api-backend.yaml": "SM001"}


def _real_files() -> list[Path]:
    return sorted(p for p in DATA.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def test_there_are_real_templates() -> None:
    assert len(_real_files()) >= 4
    assert set(REJECTED) <= {p.name for p in _real_files()}


@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.name)
def test_real_templates_aws_accepts_have_no_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"(github\.com|docs\.aws\.amazon\.com)/", text[:400]), (
        f"{path.name}: name the repository and path it came from")
    found = errors(tpl.check_text(text))
    if path.name in REJECTED:
        assert {f.id for f in found} == {REJECTED[path.name]}, found
        return
    assert found == [], [f"{f.line}: {f.id} {f}" for f in found]


# ---------------------------------------------------------------- hostile and fuzzed input

INTRINSIC = st.deferred(lambda: st.one_of(
    st.builds(lambda v: {"Ref": v}, st.text(max_size=8) | st.lists(st.text(max_size=4),
                                                                    max_size=2)),
    st.builds(lambda v: {"Fn::Sub": v}, st.text(max_size=20) | st.lists(VALUE, max_size=2)),
    st.builds(lambda v: {"Fn::GetAtt": v}, st.lists(VALUE, max_size=3) | st.text(max_size=8)),
    st.builds(lambda v: {"Fn::If": v}, st.lists(VALUE, max_size=4)),
    st.builds(lambda v: {"Fn::Join": v}, st.lists(VALUE, max_size=3)),
    st.dictionaries(st.sampled_from(["Ref", "Fn::If", "Fn::Sub", "Fn::Select"]), VALUE,
                    max_size=2),
))
VALUE = st.deferred(lambda: st.none() | st.booleans() | st.integers() | st.text(max_size=12)
                    | INTRINSIC | st.lists(VALUE, max_size=2))
FIELDS = ["Runtime", "Handler", "Role", "Code", "PackageType", "Layers", "Timeout",
          "FunctionName", "Policies", "AutoPublishAlias", "DeploymentPreference", "InlineCode",
          "CodeUri", "FunctionUrlConfig"]


@st.composite
def templates(draw: st.DrawFn) -> dict:
    """A well-formed Lambda or SAM template with one value replaced by junk or an intrinsic."""
    sam = draw(st.booleans())
    kind = "AWS::Serverless::Function" if sam else "AWS::Lambda::Function"
    properties: dict = {"Runtime": "python3.13", "Handler": "index.handler", "Role": ROLE}
    if sam:
        properties.update(InlineCode="def handler(e, c): pass", AutoPublishAlias="live",
                          DeploymentPreference={"Type": "AllAtOnce",
                                                "Hooks": {"PreTraffic": {"Ref": "Hook"}}})
    else:
        properties["Code"] = {"ZipFile": "import json\n"}
    field = draw(st.sampled_from(FIELDS))
    properties[field] = draw(VALUE | JUNK.filter(lambda v: not isinstance(v, bytes)))
    template = {"Resources": {"Fn": {"Type": kind, "Properties": properties}}}
    if sam:
        template["Transform"] = "AWS::Serverless-2016-10-31"
    return template


@FUZZ
@given(templates())
def test_fuzz_one_bad_value_never_crashes(template: dict) -> None:
    text = json.dumps(template, default=str)
    found = tpl.check(text, lint=False)
    assert all(isinstance(f, str) and f.id for f in found), found


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_any_text_is_findings(text: str) -> None:
    assert isinstance(tpl.check(text, lint=False), list)


@pytest.mark.parametrize("text", [
    "Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: " + "9" * 5000 + "}}\n",
    "Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {QueueName: \"\\ud800\"}}\n",
    "a: &a [" + ",".join(["*a"] * 2) + "]\n",
    "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "Resources: {" + "a: {" * 3000 + "}" * 3001 + "\n",
])
def test_hostile_templates_never_crash(text: str) -> None:
    assert isinstance(tpl.check_text(text), list)


def test_an_informational_hint_cfn_lint_reports_as_an_error_is_a_warning() -> None:
    # cfn-lint 1.58's E3703 carries I1022 on CDK Pipelines templates (tests/tooling/test_cdk.py
    # checks the real one); CloudFormation deploys them.
    from cicd_check.cfn_lint import CFN_LINT_WARNING, LintMatch, finding

    hint = LintMatch("E3703", "Prefer using Fn::Sub over Fn::Join with an empty delimiter",
                     ("Resources",), 3, 1)
    assert not hint.is_error
    assert finding(hint, field="Resources", line=3).rule is CFN_LINT_WARNING
    assert LintMatch("E3703", "'x' is not one of ['a']", (), 1, 1).is_error


def test_a_template_past_cloudformations_quotas_is_refused_quickly() -> None:
    resources = "".join(f"  Q{i}:\n    Type: AWS::SQS::Queue\n" for i in range(501))
    found = tpl.check_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n" + resources)
    assert [(f.id, f.field) for f in found] == [("CF005", "Resources")]
    assert "501 entries, more than CloudFormation's quota of 500" in found[0]
    many = "\n".join(f"k{i}: {i}" for i in range(20_000))
    [unknown] = tpl.check_text(many)
    assert unknown.id == "CF005" and "k0, k1, k2, k3, k4 and 19995 more" in unknown


def test_globals_is_a_section_only_under_the_serverless_transform() -> None:
    globals_ = ("Globals:\n  Function:\n    Timeout: 10\n"
                "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    assert "CF005" not in {f.id for f in tpl.check_text(
        "Transform: AWS::Serverless-2016-10-31\n" + globals_)}
    assert "CF005" in {f.id for f in tpl.check_text(globals_)}
