"""cicd_check.template: cfn-lint, duplicate keys, Lambda Code checks, and SAM's generated view.

The rule cases (tests/cicd_check/cases/CF*, SM*) and the real failures are tested by the
shared suites; this module tests the rest: what each check accepts and rejects, intrinsic
functions as unknown values, line numbers, cfn-lint's findings merged with ours, and real
templates from AWS's repositories.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import template as tpl
from cicd_check.findings import errors
from cicd_check.inline_code import inline_code_problems, inline_zip_size
from tests.support.fuzzing import FUZZ, JUNK

DATA = Path(__file__).with_name("data") / "template"
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
OURS = ("CF010", "CF011", "CF012", "CF014")


def function(code: object, runtime: object = "python3.13", handler: object = "index.handler",
             **extra: object) -> dict:
    properties = {"Runtime": runtime, "Handler": handler, "Role": ROLE, "Code": code, **extra}
    return {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": properties}}}


def problems(template: dict, *, lint: bool = False) -> list[str]:
    """Our Code findings (no cfn-lint unless asked), as their one-line messages."""
    found = tpl.check(json.dumps(template), lint=lint)
    return [str(f) for f in errors(found) if f.id in OURS or lint]


# ---------------------------------------------------------------- the Code checks


def test_a_missing_s3_key_is_caught_where_cfn_lint_is_silent() -> None:
    text = yaml.safe_dump(function({"S3Bucket": "handbook-releases"}))
    findings = tpl.check_text(text)
    assert [f.id for f in errors(findings)] == ["CF010"], findings
    assert "S3Key is missing" in findings[0]


@pytest.mark.parametrize(("code", "expected"), [
    ({"S3Key": "f.zip"}, "S3Key is set but S3Bucket is missing"),
    ({"ZipFile": "x", "S3Bucket": "b", "S3Key": "k"}, "give exactly one of"),
    ({}, "found nothing"),
    ({"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}, "PackageType must be"),
])
def test_malformed_code_blocks(code: dict, expected: str) -> None:
    found = problems(function(code))
    assert len(found) == 1 and expected in found[0], found


def test_image_functions() -> None:
    image = {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}
    assert problems(function(image, PackageType="Image")) == []
    assert "must be Image" in problems(function(image, PackageType="Zip"))[0]
    assert problems(function(image, PackageType={"Ref": "Kind"})) == [], "unknown: no finding"


@pytest.mark.parametrize("runtime", ["java21", "dotnet8", "ruby3.4", "provided.al2023"])
def test_inline_code_needs_a_node_or_python_runtime(runtime: str) -> None:
    (found,) = problems(function({"ZipFile": "x"}, runtime=runtime))
    assert f"The ZipFile attribute is not supported for the runtime '{runtime}'" in found


def test_inline_handler_must_start_with_index() -> None:
    (found,) = problems(function({"ZipFile": "def handler(e, c): pass"}, handler="app.h"))
    assert found == ("Resources.Fn.Properties.Handler: app.h must start with 'index.': "
                     "CloudFormation saves inline code as index.py or index.js")


def test_long_inline_code_is_fine() -> None:
    lines = "\n".join(f"VALUE_{i} = {i}" for i in range(1_000))
    source = f"{lines}\n\ndef handler(event, context):\n    return VALUE_1\n"
    assert len(source) > 4096, "the notes' old 4,096-character limit no longer applies"
    assert problems(function({"ZipFile": source})) == []
    assert inline_zip_size(source) < tpl.MAX_TEMPLATE_CHARS < 4 * 1024 * 1024


@pytest.mark.parametrize(("source", "expected"), [
    ("import requests\n", "imports requests"),
    ("from pydantic import BaseModel\n", "imports pydantic"),
    ("import numpy.linalg as la\n", "imports numpy"),
    ("from . import helpers\n", "relative import"),
    ("import helpers\n", "imports helpers"),  # inline code is one file: no sibling modules
    ("from cfnresponse import send\n", "write exactly 'import cfnresponse'"),
    ("import cfnresponse as cr\n", "write exactly 'import cfnresponse'"),
    ("def handler(:\n", "Python code does not parse"),
    ("import imp\n", "removed from the standard library in Python 3.12"),
])
def test_inline_python_that_cannot_load(source: str, expected: str) -> None:
    found = problems(function({"ZipFile": source}))
    assert len(found) == 1 and expected in found[0], found


def test_inline_python_with_stdlib_boto3_and_cfnresponse_is_fine() -> None:
    source = ("import json, os, urllib.request\nimport boto3\nimport cfnresponse\n"
              "from botocore.exceptions import ClientError\n\n"
              "def handler(event, context):\n"
              "    cfnresponse.send(event, context, cfnresponse.SUCCESS, {})\n")
    assert problems(function({"ZipFile": source})) == []


def test_packages_may_come_from_a_layer() -> None:
    layer = ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"]
    assert problems(function({"ZipFile": "import requests\n"}, Layers=layer)) == []
    assert problems(function({"ZipFile": "import imp\n"}, runtime="python3.12", Layers=layer))


@pytest.mark.parametrize(("source", "expected"), [
    ("const axios = require('axios');\n", "requires axios"),
    ("const AWS = require('aws-sdk');\n", "requires aws-sdk (SDK v2)"),
    ("export const handler = async () => 1;\n", "ES module syntax"),
])
def test_inline_node_that_cannot_load(source: str, expected: str) -> None:
    found = problems(function({"ZipFile": source}, runtime="nodejs22.x"))
    assert any(expected in problem for problem in found), found


def test_inline_node_with_builtins_sdk_v3_and_cfn_response_is_fine() -> None:
    source = ("const https = require('https');\nconst fs = require('node:fs');\n"
              "const { S3Client } = require('@aws-sdk/client-s3');\n"
              "const response = require('cfn-response');\n"
              "exports.handler = async (event) => ({ statusCode: 200 });\n")
    assert problems(function({"ZipFile": source}, runtime="nodejs22.x")) == []


def test_code_given_through_fn_sub_and_fn_join_is_still_checked() -> None:
    sub = {"Fn::Sub": "import requests\nBUCKET = '${Bucket}'\n"}
    join = {"Fn::Join": ["\n", ["import yaml", {"Ref": "X"}, "def handler(e, c): pass"]]}
    assert "imports requests" in problems(function({"ZipFile": sub}))[0]
    assert "imports yaml" in problems(function({"ZipFile": join}))[0]
    assert problems(function({"ZipFile": {"Fn::GetAtt": ["A", "B"]}})) == []


def test_runtime_and_handler_are_resolved_from_parameter_defaults() -> None:
    template = function({"ZipFile": "x = 1"}, runtime={"Ref": "Rt"}, handler={"Ref": "H"})
    template["Parameters"] = {"Rt": {"Type": "String", "Default": "java21"},
                              "H": {"Type": "String"}}
    (found,) = problems(template)
    assert found.startswith("Resources.Fn.Properties.Runtime: java21")


def test_inline_code_problems_rejects_wrong_arguments() -> None:
    assert inline_code_problems(b"import x", "python") != []  # type: ignore[arg-type]
    assert inline_code_problems("import x", "java") != []
    with pytest.raises(ValueError, match="expected text"):
        inline_zip_size(b"x")  # type: ignore[arg-type]


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
