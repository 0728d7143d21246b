"""Lambda in CloudFormation: both templates check clean, deploy in moto and read back.

The checks of a function's Code moved to cicd_check (tests/cicd_check/test_template.py);
what stays here tests the page's examples.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest

from cicd_check.findings import errors
from cicd_check.inline_code import INLINE_ZIP_LIMIT, inline_zip_size
from cicd_check.template import check_text
from snippets.aws_lambda import cloudformation as cfn
from snippets.aws_lambda.dependencies import code_sha256

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/cloudformation.md"
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
def test_templates_pass_cicd_check_and_cfn_lint_with_no_findings(path: Path) -> None:
    assert check_text(path.read_text()) == []


@pytest.mark.parametrize("path", [cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE], ids=lambda p: p.name)
def test_the_page_includes_each_template(path: Path) -> None:
    assert f'--8<-- "aws_lambda/{path.name}"' in PAGE.read_text()


@pytest.mark.parametrize("path", [cfn.INLINE_TEMPLATE, cfn.S3_TEMPLATE], ids=lambda p: p.name)
def test_the_page_shows_the_function_resource_of_each_template(path: Path) -> None:
    # The page shows the resource that teaches (its Code) and folds the whole template.
    text = path.read_text()
    section = text.split("# --8<-- [start:function]\n")[1].split("  # --8<-- [end:function]")[0]
    assert section.startswith("  Function:\n    Type: AWS::Lambda::Function")
    assert "Code:" in section and len(section.splitlines()) <= 40
    assert f'--8<-- "aws_lambda/{path.name}:function"' in PAGE.read_text()


def test_release_code_accepts_injected_clients() -> None:
    class S3:
        def put_object(self, **kwargs):
            return {"VersionId": "null"}  # what an unversioned bucket answers

    with pytest.raises(ValueError, match="b is not versioned"):
        cfn.release_code("stack", "b", "k", b"PK", s3_client=S3(), cfn_client=object())


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
    assert inline_zip_size(source) < INLINE_ZIP_LIMIT // 1000


def test_the_pages_example_mistake_is_caught_where_cfn_lint_is_silent() -> None:
    (problem,) = errors(check_text(json.dumps(function({"ZipFile": "import requests\n"}))))
    assert problem.id == "CF014", problem


# ---------------------------------------------------------------- loading


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


def test_load_template_refuses_python_object_tags_and_lists() -> None:
    with pytest.raises(ValueError, match="template: not valid YAML"):
        cfn.load_template("a: !!python/object/apply:os.system ['echo unsafe']\n")
    with pytest.raises(ValueError, match="top level must be a mapping"):
        cfn.load_template("- a\n")


def test_inline_code_requires_literal_text() -> None:
    with pytest.raises(ValueError, match="not literal text"):
        cfn.inline_code(function({"ZipFile": {"Ref": "Code"}}), "Fn")
    with pytest.raises(ValueError, match="no inline code"):
        cfn.inline_code({}, "Fn")


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
    assert inline_zip_size(source) <= function_config["CodeSize"] < INLINE_ZIP_LIMIT


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
