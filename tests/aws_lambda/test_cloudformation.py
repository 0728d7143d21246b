"""Lambda in CloudFormation: both templates lint clean, deploy in moto and read back."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.aws_lambda import cloudformation as cfn
from snippets.aws_lambda.dependencies import code_sha256
from tests.support.fuzzing import FUZZ

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/cloudformation.md"
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def function(code: dict, runtime: str = "python3.13", handler: str = "index.handler") -> dict:
    """A one-function template as a mapping."""
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": runtime, "Handler": handler, "Role": ROLE, "Code": code},
            }
        }
    }


def zip_of(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


@pytest.fixture
def code_bucket(aws: None) -> str:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="handbook-releases")
    s3.put_bucket_versioning(
        Bucket="handbook-releases", VersioningConfiguration={"Status": "Enabled"}
    )
    return "handbook-releases"


# ---------------------------------------------------------------- the two templates


@pytest.mark.parametrize("path", [cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE], ids=lambda p: p.name)
def test_templates_pass_cfn_lint_with_no_findings(path: Path) -> None:
    assert cfn.lint_template(path.read_text()) == []


@pytest.mark.parametrize("path", [cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE], ids=lambda p: p.name)
def test_templates_pass_the_code_checks(path: Path) -> None:
    assert cfn.check_template(path.read_text()) == []


@pytest.mark.parametrize("path", [cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE], ids=lambda p: p.name)
def test_the_page_includes_each_template(path: Path) -> None:
    assert f'--8<-- "aws_lambda/{path.name}"' in PAGE.read_text()


def test_templates_use_a_current_python_runtime() -> None:
    for path in (cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE):
        props = cfn.load_template(path.read_text())["Resources"]["Function"]["Properties"]
        assert props["Runtime"] in ("python3.12", "python3.13", "python3.14"), path.name


def test_the_inline_handler_works_as_plain_python() -> None:
    source = cfn.inline_code(cfn.load_template(cfn.INLINE_TEMPLATE.read_text()))
    namespace: dict = {}
    exec(compile(source, "index.py", "exec"), namespace)
    response = namespace["handler"]({"name": "exam"}, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["hello"] == "exam"


def test_the_inline_code_is_far_below_the_4_mb_limit() -> None:
    source = cfn.inline_code(cfn.load_template(cfn.INLINE_TEMPLATE.read_text()))
    assert cfn.inline_zip_size(source) < cfn.INLINE_ZIP_LIMIT // 1000


# ---------------------------------------------------------------- what cfn-lint misses


def test_cfn_lint_misses_a_missing_s3_key_and_the_check_catches_it() -> None:
    template = (
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Runtime: python3.13\n      Handler: app.handler\n"
        f"      Role: {ROLE}\n      Code:\n        S3Bucket: handbook-releases\n"
    )
    assert cfn.lint_template(template) == [], "cfn-lint 1.58 lets this through"
    assert cfn.check_template(template) == [
        "Fn.Code.S3Key: missing; CloudFormation needs the full key of the .zip in the bucket "
        "(cfn-lint does not report this)"
    ]


def test_s3_key_without_a_bucket() -> None:
    problems = cfn.check_template(function({"S3Key": "f.zip"}))
    assert problems == ["Fn.Code.S3Bucket: S3Key is set but the bucket is missing"]


@pytest.mark.parametrize("runtime", ["java21", "dotnet8", "ruby3.4", "provided.al2023"])
def test_inline_code_needs_a_node_or_python_runtime(runtime: str) -> None:
    problems = cfn.check_template(function({"ZipFile": "x"}, runtime=runtime))
    assert any(p.startswith(f"Fn.Runtime: {runtime} cannot use inline ZipFile") for p in problems)


def test_inline_handler_must_start_with_index() -> None:
    problems = cfn.check_template(function({"ZipFile": "def handler(e, c): pass"}, handler="app.h"))
    assert problems == [
        "Fn.Handler: app.h must start with 'index.': CloudFormation saves inline code as "
        "index.py or index.js"
    ]


def test_inline_code_over_4_mb_zipped() -> None:
    import base64
    import random

    # Incompressible text (6 bits of entropy a character), so the zip stays large.
    body = base64.b64encode(random.Random(5).randbytes(4_800_000)).decode()
    source = f"DATA = '{body}'\n\ndef handler(event, context):\n    return len(DATA)\n"
    assert cfn.inline_zip_size(source) > cfn.INLINE_ZIP_LIMIT
    problems = cfn.check_template(function({"ZipFile": source}))
    assert len(problems) == 1 and "over CloudFormation's 4,194,304-byte (4 MB) limit" in problems[0]


def test_inline_code_under_4_mb_zipped_but_over_4096_characters_is_fine() -> None:
    lines = "\n".join(f"VALUE_{i} = {i}" for i in range(1_000))
    source = f"{lines}\n\ndef handler(event, context):\n    return VALUE_1\n"
    assert len(source) > 4096, "the notes' old 4,096-character limit no longer applies"
    assert cfn.check_template(function({"ZipFile": source})) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import requests\n", "imports requests"),
        ("from pydantic import BaseModel\n", "imports pydantic"),
        ("import numpy.linalg as la\n", "imports numpy"),
        ("from . import helpers\n", "relative import"),
        ("import helpers\n", "imports helpers"),  # inline code is one file: no sibling modules
        ("from cfnresponse import send\n", "write exactly 'import cfnresponse'"),
        ("import cfnresponse as cr\n", "write exactly 'import cfnresponse'"),
        ("def handler(:\n", "Python code does not parse"),
    ],
)
def test_inline_python_that_cannot_run(source: str, expected: str) -> None:
    problems = cfn.check_template(function({"ZipFile": source}))
    assert len(problems) == 1 and expected in problems[0], problems


def test_inline_python_with_stdlib_boto3_and_cfnresponse_is_fine() -> None:
    source = (
        "import json, os, urllib.request\nimport boto3\nimport cfnresponse\n"
        "from botocore.exceptions import ClientError\n\n"
        "def handler(event, context):\n"
        "    cfnresponse.send(event, context, cfnresponse.SUCCESS, {})\n"
    )
    assert cfn.check_template(function({"ZipFile": source})) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("const axios = require('axios');\n", "requires axios"),
        ("const AWS = require('aws-sdk');\n", "requires aws-sdk (SDK v2)"),
        ("export const handler = async () => 1;\n", "ES module syntax"),
    ],
)
def test_inline_node_that_cannot_run(source: str, expected: str) -> None:
    problems = cfn.check_template(function({"ZipFile": source}, runtime="nodejs22.x"))
    assert any(expected in problem for problem in problems), problems


def test_inline_node_with_builtins_sdk_v3_and_cfn_response_is_fine() -> None:
    source = (
        "const https = require('https');\nconst fs = require('node:fs');\n"
        "const { S3Client } = require('@aws-sdk/client-s3');\n"
        "const response = require('cfn-response');\n"
        "exports.handler = async (event) => ({ statusCode: 200 });\n"
    )
    assert cfn.check_template(function({"ZipFile": source}, runtime="nodejs22.x")) == []


def test_code_given_through_fn_sub_and_fn_join_is_still_checked() -> None:
    sub = {"Fn::Sub": "import requests\nBUCKET = '${Bucket}'\n"}
    join = {"Fn::Join": ["\n", ["import yaml", {"Ref": "X"}, "def handler(e, c): pass"]]}
    assert "imports requests" in cfn.check_template(function({"ZipFile": sub}))[0]
    assert "imports yaml" in cfn.check_template(function({"ZipFile": join}))[0]


def test_runtime_and_handler_are_resolved_from_parameter_defaults() -> None:
    template = function({"ZipFile": "x = 1"}, runtime={"Ref": "Rt"}, handler={"Ref": "H"})
    template["Parameters"] = {
        "Rt": {"Type": "String", "Default": "java21"},
        "H": {"Type": "String"},
    }
    problems = cfn.check_template(template)
    assert len(problems) == 1 and problems[0].startswith("Fn.Runtime: java21")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ({"ZipFile": "x", "S3Bucket": "b", "S3Key": "k"}, "give exactly one of"),
        ({}, "found nothing"),
        ("s3://bucket/key.zip", "must be a mapping"),
        ({"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}, "must be Image"),
    ],
)
def test_malformed_code_blocks(code, expected) -> None:
    problems = cfn.check_template(function(code))
    assert any(expected in problem for problem in problems), problems


def test_an_image_function_needs_package_type_image() -> None:
    template = function({"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"})
    template["Resources"]["Fn"]["Properties"]["PackageType"] = "Image"
    assert cfn.check_template(template) == []


# AWS's own examples, in the shapes the CloudFormation reference and the cfn-response page
# show them: an inline Node.js function, an inline Python custom-resource handler with
# cfnresponse, a .zip from S3, and a container image.
AWS_STYLE_TEMPLATES = {
    "inline-nodejs": """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  primer:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Role: arn:aws:iam::123456789012:role/lambda-role
      Handler: index.handler
      Code:
        ZipFile: |
          var aws = require('aws-sdk')
          var response = require('cfn-response')
          exports.handler = function(event, context) {
              console.log("REQUEST RECEIVED:\\n" + JSON.stringify(event))
              response.send(event, context, response.SUCCESS, {})
          }
      Description: Invoke a function during stack creation.
      TracingConfig:
        Mode: Active
""",
    "inline-python-cfnresponse": """
Resources:
  AMIInfoFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !GetAtt LambdaExecutionRole.Arn
      Timeout: 30
      Code:
        ZipFile: |
          import json
          import cfnresponse
          def handler(event, context):
              responseData = {}
              responseData['Data'] = 120
              cfnresponse.send(event, context, cfnresponse.SUCCESS, responseData,
                               "CustomResourcePhysicalID")
  LambdaExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: [lambda.amazonaws.com]}
            Action: ['sts:AssumeRole']
""",
    "s3": """
{
  "Resources": {
    "Function": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Handler": "index.handler",
        "Role": "arn:aws:iam::123456789012:role/lambda-role",
        "Code": {"S3Bucket": "amzn-s3-demo-bucket", "S3Key": "function.zip"},
        "Runtime": "nodejs22.x",
        "Timeout": 5,
        "TracingConfig": {"Mode": "Active"}
      }
    }
  }
}
""",
    "image": """
Resources:
  Function:
    Type: AWS::Lambda::Function
    Properties:
      PackageType: Image
      Role: arn:aws:iam::123456789012:role/lambda-role
      Code:
        ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-world:latest
""",
}


def test_aws_style_templates_only_flag_the_v2_sdk() -> None:
    results = {name: cfn.check_template(text) for name, text in AWS_STYLE_TEMPLATES.items()}
    # The older Node.js example requires aws-sdk (v2), which current runtimes do not include.
    assert len(results.pop("inline-nodejs")) == 1
    assert results == {name: [] for name in results}


# ---------------------------------------------------------------- loading and bad input


def test_load_template_reads_short_form_intrinsics() -> None:
    data = cfn.load_template(
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      B: !Ref P\n      C: !GetAtt R.Arn\n      D: !Sub '${AWS::Region}'\n"
        "      E: !Join [',', [a, b]]\n      F: !If [Cond, !Ref A, !Ref B]\n"
        "    Condition: !Condition IsProd\n"
    )
    props = data["Resources"]["A"]["Properties"]
    assert props["B"] == {"Ref": "P"}
    assert props["C"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert props["D"] == {"Fn::Sub": "${AWS::Region}"}
    assert props["E"] == {"Fn::Join": [",", ["a", "b"]]}
    assert props["F"] == {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "B"}]}
    assert data["Resources"]["A"]["Condition"] == {"Condition": "IsProd"}


def test_load_template_refuses_python_object_tags() -> None:
    with pytest.raises(ValueError, match="template: not valid YAML"):
        cfn.load_template("a: !!python/object/apply:os.system ['echo unsafe']\n")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42, "template: expected a mapping or template text, got int"),
        ("[1, 2", "template: not valid YAML"),
        ("- just\n- a list\n", "template: the top level must be a mapping"),
        ("Resources: []\n", "Resources: the template needs a Resources mapping"),
        ({"Resources": {"Fn": "not a mapping"}}, "Fn: a resource must be a mapping"),
        ("x" * (cfn.MAX_TEMPLATE_BYTES + 1), "more than 1,048,576"),
    ],
)
def test_check_template_reports_bad_input(value, expected) -> None:
    problems = cfn.check_template(value)
    assert len(problems) == 1 and expected in problems[0], problems


def test_properties_missing() -> None:
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}
    assert cfn.check_template(template) == [
        "Fn.Properties: a function needs Properties with Code"
    ]


def test_inline_code_problems_rejects_wrong_arguments() -> None:
    assert cfn.inline_code_problems(b"import x", "python") != []
    assert cfn.inline_code_problems("import x", "java") != []


def test_inline_code_requires_literal_text() -> None:
    with pytest.raises(ValueError, match="not literal text"):
        cfn.inline_code(function({"ZipFile": {"Ref": "Code"}}), "Fn")


# ---------------------------------------------------------------- deploying in moto


def test_deploy_the_inline_stack_and_read_the_function_back(aws) -> None:
    status = cfn.deploy_stack(cfn.INLINE_TEMPLATE.read_text(), "inline-demo", {"MemorySize": "512"})
    assert status == "CREATE_COMPLETE"
    function_config = cfn.read_function("inline-greeter")
    assert function_config["Runtime"] == "python3.13"
    assert function_config["Handler"] == "index.handler"
    assert function_config["MemorySize"] == 512, "the parameter reached the function"
    assert function_config["PackageType"] == "Zip"
    source = cfn.inline_code(cfn.load_template(cfn.INLINE_TEMPLATE.read_text()))
    # CloudFormation zips the inline code itself (moto also adds cfnresponse.py), so the
    # size is what such a zip weighs: more than index.py alone, far below 4 MB.
    assert cfn.inline_zip_size(source) <= function_config["CodeSize"] < cfn.INLINE_ZIP_LIMIT


def test_deploy_the_s3_stack_and_read_the_function_back(code_bucket) -> None:
    s3 = boto3.client("s3")
    package = zip_of("def handler(event, context):\n    return 'v1'\n")
    version = s3.put_object(Bucket=code_bucket, Key="greeter.zip", Body=package)["VersionId"]
    parameters = {"CodeBucket": code_bucket, "CodeKey": "greeter.zip", "CodeObjectVersion": version}
    assert cfn.deploy_stack(cfn.S3_TEMPLATE.read_text(), "s3-demo", parameters) == (
        "CREATE_COMPLETE"
    )
    function_config = cfn.read_function("s3-greeter")
    assert function_config["Runtime"] == "python3.13"
    assert function_config["Handler"] == "app.handler"
    assert function_config["MemorySize"] == 512, "the template's default"
    assert function_config["CodeSize"] == len(package)
    assert function_config["CodeSha256"] == code_sha256(package)
    stack = boto3.client("cloudformation").describe_stacks(StackName="s3-demo")["Stacks"][0]
    sent = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert sent["CodeObjectVersion"] == version, "the stack pins the exact object version"


def test_new_code_at_the_same_key_needs_a_new_version_parameter(code_bucket) -> None:
    s3 = boto3.client("s3")
    cloudformation = boto3.client("cloudformation")
    v1 = zip_of("def handler(event, context):\n    return 'v1'\n")
    v2 = zip_of("def handler(event, context):\n    return 'version two'\n")
    first = s3.put_object(Bucket=code_bucket, Key="greeter.zip", Body=v1)["VersionId"]
    parameters = {"CodeBucket": code_bucket, "CodeKey": "greeter.zip", "CodeObjectVersion": first}
    cfn.deploy_stack(cfn.S3_TEMPLATE.read_text(), "release-demo", parameters)

    # 1. Upload v2 to the same key and update with the same parameters: nothing changed in
    #    the template, so the function keeps v1. (Real CloudFormation refuses the update
    #    with "No updates are to be performed"; moto accepts it and also changes nothing.)
    s3.put_object(Bucket=code_bucket, Key="greeter.zip", Body=v2)
    cloudformation.update_stack(
        StackName="release-demo",
        TemplateBody=cfn.S3_TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    assert cfn.read_function("s3-greeter")["CodeSha256"] == code_sha256(v1)

    # 2. Pass the new object version: now the template changed and the code follows.
    new_version = cfn.release_code("release-demo", code_bucket, "greeter.zip", v2)
    assert new_version != first
    assert cfn.read_function("s3-greeter")["CodeSha256"] == code_sha256(v2)
    stack = cloudformation.describe_stacks(StackName="release-demo")["Stacks"][0]
    sent = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert sent["CodeObjectVersion"] == new_version
    assert sent["CodeKey"] == "greeter.zip", "the other parameters are kept"


def test_release_code_needs_a_versioned_bucket(aws) -> None:
    boto3.client("s3").create_bucket(Bucket="plain-bucket")
    with pytest.raises(ValueError, match="plain-bucket is not versioned"):
        cfn.release_code("any-stack", "plain-bucket", "f.zip", b"PK")


# ---------------------------------------------------------------- command line


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = cfn.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_clean_template_exits_0(capsys) -> None:
    assert run_cli(["check", str(cfn.S3_TEMPLATE)], capsys) == (0, "", "")


def test_cli_problems_exit_1(tmp_path, capsys) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(AWS_STYLE_TEMPLATES["inline-nodejs"])
    code, out, err = run_cli(["check", str(path)], capsys)
    assert code == 1 and "aws-sdk" in out and err == ""


def test_cli_reports_cfn_lint_findings_too(tmp_path, capsys) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        f"      Runtime: python3.13\n      Handler: index.handler\n      Role: {ROLE}\n"
        "      Timeout: 9000\n      Code:\n        ZipFile: 'x = 1'\n"
    )
    code, out, _ = run_cli(["check", str(path)], capsys)
    assert code == 1 and "line 8" in out, out
    assert run_cli(["check", "--skip-cfn-lint", str(path)], capsys)[0] == 0


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "not-yaml", "list"])
def test_cli_unusable_input_exits_2(tmp_path, capsys, kind) -> None:
    path = tmp_path / "template.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01")
    elif kind == "not-yaml":
        path.write_text("Resources: [unclosed\n")
    elif kind == "list":
        path.write_text("- a\n- b\n")
    code, out, err = run_cli(["check", str(path)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_cli_help_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.cloudformation", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "check" in result.stdout


# ---------------------------------------------------------------- fuzzing


@FUZZ
@given(template=JUNK)
def test_fuzz_check_template_never_raises(template) -> None:
    problems = cfn.check_template(template)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(code=JUNK, runtime=JUNK, handler=JUNK, parameters=JUNK)
def test_fuzz_function_shapes_never_raise(code, runtime, handler, parameters) -> None:
    template = function(code, runtime=runtime, handler=handler)
    template["Parameters"] = parameters
    problems = cfn.check_template(template)
    assert all(isinstance(p, str) for p in problems)


@FUZZ
@given(source=st.text(max_size=300), language=st.sampled_from(["python", "nodejs"]))
def test_fuzz_inline_code_problems(source, language) -> None:
    problems = cfn.inline_code_problems(source, language)
    assert all(isinstance(p, str) for p in problems)


@FUZZ
@given(text=st.text(max_size=500))
def test_fuzz_load_template_raises_only_value_error(text) -> None:
    try:
        assert isinstance(cfn.load_template(text), dict)
    except ValueError as error:
        assert str(error).startswith("template:")


@FUZZ
@given(content=st.binary(max_size=500))
def test_fuzz_cli_with_any_file(tmp_path, capsys, content) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(content)
    code = cfn.main(["check", "--skip-cfn-lint", str(path)])
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert len(captured.err.strip().splitlines()) == 1


@FUZZ
@given(value=JUNK)
def test_fuzz_helpers_raise_only_value_error(value) -> None:
    for call in (cfn.inline_zip_size, cfn.inline_code):
        try:
            call(value)
        except ValueError as error:
            assert str(error)


@settings(max_examples=10, deadline=None)
@given(value=JUNK | st.text(max_size=200))
def test_fuzz_lint_template(value) -> None:
    try:
        findings = cfn.lint_template(value)
    except ValueError as error:
        assert str(error).startswith("template:")
    else:
        assert all(isinstance(finding, str) for finding in findings)


@pytest.mark.parametrize(
    ("runtime", "module", "removed"),
    [
        ("python3.13", "cgi", "3.13"),
        ("python3.12", "distutils", "3.12"),
        ("python3.14", "imp", "3.12"),
    ],
)
def test_inline_python_importing_a_removed_stdlib_module(runtime, module, removed) -> None:
    problems = cfn.check_template(function({"ZipFile": f"import {module}\n"}, runtime=runtime))
    assert problems == [
        f"Fn.Code.ZipFile: line 1: imports {module}, which was removed from the standard "
        f"library in Python {removed}"
    ]


def test_a_module_removed_later_is_fine_on_an_older_runtime() -> None:
    assert cfn.check_template(function({"ZipFile": "import cgi\n"}, runtime="python3.12")) == []


def test_an_alias_bomb_is_refused_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("Resources: *a8")
    (problem,) = cfn.check_template("\n".join(lines))
    assert problem.startswith("template: ") and "alias" in problem
