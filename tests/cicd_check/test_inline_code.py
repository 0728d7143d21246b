"""Tests for cicd_check.inline_code: a Lambda function's Code block in a template (CF010-CF014),
and inline Python and Node.js code that cannot load (imports, runtimes, handlers)."""

from __future__ import annotations

import json

import pytest
import yaml

from cicd_check import template as tpl
from cicd_check.findings import errors
from cicd_check.inline_code import inline_code_problems, inline_zip_size
from tests.cicd_check.support import function

OURS = ("CF010", "CF011", "CF012", "CF014")


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
