"""The limits page: its quota and runtime tables, and where botocore's model disagrees.

The checker itself is cicd-check's (tests/cicd_check/test_function_config.py); here we test
what the page shows and the page's own record in snippets/aws_lambda/limits.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import boto3
import botocore.session
import pytest

from cicd_check import check_function_config
from cicd_check.documents import load_document
from cicd_check.function_config import template_findings
from cicd_check.runtimes import RUNTIMES, runtime_table_markdown
from snippets.aws_lambda.limits import (
    MODEL_DIFFERENCES,
    model_table_markdown,
    quota,
    quota_table_markdown,
)
from tests.support.strict_model import StrictModelError

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "lambda" / "limits.md"
TEMPLATE = REPO / "snippets" / "aws_lambda" / "limits_template.yaml"
ON = dt.date(2026, 11, 26)
MODEL = botocore.session.get_session().get_service_model("lambda")


def between(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", PAGE.read_text(),
                      re.S)
    assert match, f"the limits page lost its {name} markers"
    return match.group(1).strip()


def test_the_page_shows_exactly_the_generated_quota_table() -> None:
    assert between("quota-table") == quota_table_markdown(), (
        "docs/lambda/limits.md is out of date: paste quota_table_markdown() between the markers")


def test_the_page_shows_exactly_the_runtime_data() -> None:
    rows = re.findall(r"^\| `([\w.]+)` \|", between("runtime-table"), re.M)
    assert rows and between("runtime-table") == runtime_table_markdown(rows)


def test_the_page_shows_the_java_rows_aws_moved_in_2026() -> None:
    rows = re.findall(r"^\| `([\w.]+)` \|", between("runtime-table"), re.M)
    assert {"java8.al2", "java11", "java17", "python3.9", "python3.10"} <= set(rows)


def test_runtime_dates_appear_only_in_the_generated_table() -> None:
    """Dates are read from cicd_check/data/runtimes.json, never copied into the prose."""
    text = PAGE.read_text()
    outside = text.replace(between("runtime-table"), "").replace("Serverless-2016-10-31", "")
    dates = {d for item in RUNTIMES.values()
             for d in (item.deprecated, item.create_blocked, item.update_blocked) if d}
    copied = [written for date in sorted(dates)
              for written in (date.isoformat(), f"{date.day} {date:%B %Y}",
                              f"{date:%B} {date.day}, {date.year}", f"{date.day} {date:%b %Y}")
              if written in outside]
    assert not copied, f"runtime dates copied into the prose: {copied}"


def test_the_page_shows_exactly_the_generated_model_table() -> None:
    assert between("model-table") == model_table_markdown()


def test_model_maxima_are_above_the_quotas_for_managed_instances() -> None:
    """The model is what the API accepts (Managed Instances included), not the quota."""
    shapes = {"MemorySize": "MemorySize", "Timeout": "Timeout",
              "EphemeralStorage.Size": "EphemeralStorageSize"}
    for member, (model_max, quota_key, why) in MODEL_DIFFERENCES.items():
        assert MODEL.shape_for(shapes[member]).metadata["max"] == model_max, member
        assert model_max > quota(quota_key), f"{member}: {why}"


def test_where_the_model_and_the_quotas_agree() -> None:
    weight = MODEL.shape_for("Weight").metadata
    assert (weight["min"], weight["max"]) == (0.0, 1.0)
    assert MODEL.shape_for("FunctionUrlAuthType").enum == ["NONE", "AWS_IAM"]
    assert MODEL.shape_for("ArchitecturesList").metadata == {"min": 1, "max": 1}
    assert MODEL.shape_for("MemorySize").metadata["min"] == quota("memory_min")


@pytest.mark.usefixtures("aws")
def test_the_strict_check_refuses_what_the_model_lets_through() -> None:
    role = boto3.client("iam").create_role(
        RoleName="limits-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    request = {"FunctionName": "big", "Runtime": "python3.13", "Role": role,
               "Handler": "app.handler", "Code": {"ZipFile": buffer.getvalue()},
               "MemorySize": 20_000, "Timeout": 3_600}
    assert [f.id for f in check_function_config(request, on=ON)] == ["LF005", "LF006"]
    client = boto3.client("lambda")
    with pytest.raises(StrictModelError, match=r"MemorySize: 20,000 .*\(LF005\)"):
        client.create_function(**request)  # botocore's model alone would allow it
    client.create_function(**{**request, "MemorySize": 1024, "Timeout": 900})
    with pytest.raises(StrictModelError, match="LF003"):
        client.update_function_configuration(FunctionName="big", Runtime="python2.7")
    with pytest.raises(StrictModelError, match="LF001"):
        client.create_function(**{**request, "FunctionName": "f" * 65, "MemorySize": 128,
                                  "Timeout": 3})


def test_the_layers_example_has_one_layer_too_many(tmp_path: Path, capsys) -> None:
    """The page's six-layer template (inline: a snippet file must pass cfn-lint)."""
    from cicd_check.cli import main

    text = re.search(r"```yaml[^\n]*\n(.*?)```", between("layers-example"), re.S).group(1)
    (tmp_path / "template.yaml").write_text(text)
    assert main(["--date", ON.isoformat(), str(tmp_path / "template.yaml")]) == 1
    printed = capsys.readouterr().out.replace(f"{tmp_path}/", "")
    shown = re.search(r"```console[^\n]*\n\$ cicd-check template.yaml\n(.*?)```", PAGE.read_text(),
                      re.S).group(1)
    assert printed.startswith(shown), f"the page shows the output:\n{printed}"
    assert "LF009" in shown and ":16:7:" in shown
    from cfnlint.api import ManualArgs, lint

    linted = [m.rule.id for m in lint(text, config=ManualArgs(regions=["us-east-1"]))]
    assert linted == ["E3032"], "cfn-lint agrees once SAM has merged the Globals"


def test_shipped_template_is_clean_and_lints() -> None:
    text = TEMPLATE.read_text()
    assert template_findings(load_document(text, flavor="cloudformation"), on=ON) == []
    from cfnlint.api import ManualArgs, lint

    assert [str(m) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))] == []


# The shape of `sam init`'s hello-world template: Parameters referenced from Globals.
SAM_HELLO_WORLD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

  Sample SAM Template for sam-app
Parameters:
  Timeout:
    Type: Number
    Default: 3
Globals:
  Function:
    Timeout: !Ref Timeout
    MemorySize: 128
    Tracing: Active
    PropagateTags: true
  Api:
    TracingEnabled: true
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
        - x86_64
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
Outputs:
  HelloWorldApi:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Value: !GetAtt HelloWorldFunction.Arn
"""


def test_realistic_sam_templates() -> None:
    document = load_document(SAM_HELLO_WORLD, flavor="cloudformation")
    assert template_findings(document, on=ON) == []
    old = load_document(SAM_HELLO_WORLD.replace("python3.13", "nodejs16.x"),
                        flavor="cloudformation")
    found, = template_findings(old, on=ON)
    assert (found.id, found.line) == ("LF004", 25), "deprecated, creation blocked in Feb 2027"
