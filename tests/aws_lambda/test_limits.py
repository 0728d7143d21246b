"""The quota table, the configuration checker and the template CLI (aws_lambda/limits.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import boto3
import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.aws_lambda import limits
from snippets.aws_lambda.limits import (
    MODEL_DIFFERENCES,
    QUOTA_LIST,
    QUOTAS,
    check_function_config,
    check_template,
    human_value,
    main,
    quota,
    quota_table_markdown,
)
from cicd_check.safe_yaml import load_yaml
from tests.support.strict_model import StrictModelError

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "lambda" / "limits.md"
TEMPLATE = REPO / "snippets" / "aws_lambda" / "limits_template.yaml"
ON = dt.date(2026, 11, 26)
MODEL = botocore.session.get_session().get_service_model("lambda")
FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


# --- the table -------------------------------------------------------------------------


def test_packaging_chapter_keys_keep_their_values() -> None:
    assert quota("zip_direct") == 50 * 1024 * 1024
    assert quota("unzipped_total") == 250 * 1024 * 1024
    assert quota("layers_max") == 5
    assert quota("image_size") == 10 * 1024**3


def test_documented_values() -> None:
    assert (quota("memory_min"), quota("memory_max")) == (128, 10_240)
    assert quota("timeout_max") == 900
    assert quota("env_vars_total") == 4096
    assert (quota("tmp_min"), quota("tmp_max")) == (512, 10_240)
    assert quota("concurrency") == 1_000 and QUOTAS["concurrency"].adjustable
    assert quota("payload_sync") == 6 * 1024 * 1024
    assert quota("payload_async") == 1024 * 1024, "1 MB since October 2025, not 256 KB"
    assert quota("payload_streamed") == 200 * 1024 * 1024, "200 MB, not 20 MB"
    assert quota("resource_policy") == 20 * 1024
    assert quota("scaling_rate") == 1_000


def test_every_row_is_sourced_and_dated() -> None:
    keys = [item.key for item in QUOTA_LIST]
    assert len(keys) == len(set(keys)), "duplicate quota keys"
    for item in QUOTA_LIST:
        assert item.source.startswith("https://docs.aws.amazon.com/"), item.key
        assert dt.date.fromisoformat(item.checked) <= dt.date.today(), item.key
        assert item.value > 0, item.key
    assert [q.key for q in QUOTA_LIST if q.adjustable] == ["concurrency"]


def test_unknown_quota_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"known quotas: .*zip_direct"):
        quota("zip")
    with pytest.raises(KeyError):
        quota(["not", "hashable"])  # type: ignore[arg-type]


def test_human_values() -> None:
    assert human_value(QUOTAS["env_vars_total"]) == "4 KB"
    assert human_value(QUOTAS["image_size"]) == "10 GB"
    assert human_value(QUOTAS["timeout_max"]) == "900 seconds"
    odd = limits.Quota("x", "x", 1500, "bytes", False)
    assert human_value(odd) == "1,500 bytes"


def test_the_page_shows_exactly_the_generated_table() -> None:
    text = PAGE.read_text()
    match = re.search(r"<!-- quota-table:start -->\n(.*?)\n<!-- quota-table:end -->", text, re.S)
    assert match, "the limits page lost its quota-table markers"
    assert match.group(1).strip() == quota_table_markdown(), (
        "docs/lambda/limits.md is out of date: paste quota_table_markdown() between the markers"
    )


# --- botocore's model, where it overlaps ------------------------------------------------


def test_runtime_table_uses_real_identifiers() -> None:
    enum = set(MODEL.shape_for("Runtime").enum)
    assert set(limits.RUNTIME_DEPRECATED_ON) <= enum
    assert limits.known_runtimes() == enum


def test_weight_and_url_auth_types_match_the_model() -> None:
    weight = MODEL.shape_for("Weight").metadata
    assert (weight["min"], weight["max"]) == (0.0, 1.0)
    assert MODEL.shape_for("FunctionUrlAuthType").enum == ["NONE", "AWS_IAM"]
    assert MODEL.shape_for("RecursiveLoop").enum == ["Allow", "Terminate"]


def test_minima_match_the_model() -> None:
    assert MODEL.shape_for("MemorySize").metadata["min"] == quota("memory_min")
    assert MODEL.shape_for("Timeout").metadata["min"] == 1
    assert MODEL.shape_for("EphemeralStorageSize").metadata["min"] == quota("tmp_min")
    assert MODEL.shape_for("ArchitecturesList").metadata == {"min": 1, "max": 1}
    assert tuple(MODEL.shape_for("Architecture").enum) == limits.ARCHITECTURES
    key_pattern = MODEL.shape_for("EnvironmentVariableName").metadata["pattern"]
    assert key_pattern == limits.ENV_KEY.pattern


def test_model_maxima_are_above_the_quotas_for_managed_instances() -> None:
    """The model is what the API accepts (Managed Instances included), not the quota.

    botocore: MemorySize ≤ 32,768, Timeout ≤ 5,400, EphemeralStorage ≤ 32,768. A standard
    function is held to 10,240 MB, 900 s and 10,240 MB. So a request that passes the model
    can still break a quota, which is why check_function_config exists.
    """
    shapes = {"MemorySize": "MemorySize", "Timeout": "Timeout",
              "EphemeralStorage.Size": "EphemeralStorageSize"}
    for member, (model_max, quota_key, why) in MODEL_DIFFERENCES.items():
        assert MODEL.shape_for(shapes[member]).metadata["max"] == model_max, member
        assert model_max > quota(quota_key), f"{member}: {why}"


@pytest.mark.usefixtures("aws")
def test_model_lets_through_what_the_quota_forbids() -> None:
    client = boto3.client("lambda")
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="limits-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    request = {
        "FunctionName": "big", "Runtime": "python3.13", "Role": role,
        "Handler": "app.handler", "Code": {"ZipFile": buffer.getvalue()},
        "MemorySize": 20_000, "Timeout": 3_600, "EphemeralStorage": {"Size": 512},
    }
    client.create_function(**request)  # the model allows it (and moto accepts it) ...
    stored = client.get_function_configuration(FunctionName="big")
    assert stored["MemorySize"] == 20_000
    problems = check_function_config(stored, on=ON)  # ... the quotas do not
    assert problems == [
        "MemorySize: 20,000 is above the maximum 10,240 MB",
        "Timeout: 3,600 is above the maximum 900 seconds",
    ]
    with pytest.raises(StrictModelError, match="MemorySize"):
        client.create_function(**{**request, "FunctionName": "huge", "MemorySize": 40_000})


# --- check_function_config --------------------------------------------------------------

CLEAN = {
    "FunctionName": "orders",
    "Runtime": "python3.13",
    "MemorySize": 512,
    "Timeout": 30,
    "EphemeralStorage": {"Size": 512},
    "Environment": {"Variables": {"TABLE_NAME": "orders", "LOG_LEVEL": "INFO"}},
    "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:common:3"],
    "Architectures": ["arm64"],
}


def test_clean_config_has_no_problems() -> None:
    assert check_function_config(CLEAN, on=ON) == []
    assert check_function_config({}, on=ON) == []


def test_aws_reference_create_function_example() -> None:
    # The CreateFunction example in the AWS CLI reference (create-function), as a request.
    request = {
        "FunctionName": "my-function", "Runtime": "nodejs22.x", "Handler": "my-function.handler",
        "Role": "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4",
        "Code": {"ZipFile": b"..."},
    }
    assert check_function_config(request, on=ON) == []
    # The SAM "Hello World" starter's Globals: 3 s timeout, 128 MB, x86_64.
    assert check_function_config(
        {"Timeout": 3, "MemorySize": 128, "Runtime": "python3.13",
         "Architectures": ["x86_64"]}, on=ON) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"MemorySize": 127}, "MemorySize: 127 is below the minimum 128 MB"),
        ({"MemorySize": 10_241}, "MemorySize: 10,241 is above the maximum 10,240 MB"),
        ({"Timeout": 0}, "Timeout: 0 is below the minimum 1 seconds"),
        ({"Timeout": 901}, "Timeout: 901 is above the maximum 900 seconds"),
        ({"EphemeralStorage": {"Size": 511}}, "EphemeralStorage.Size: 511 is below"),
        ({"EphemeralStorage": {"Size": 10_241}}, "EphemeralStorage.Size: 10,241 is above"),
        ({"EphemeralStorage": 1024}, "EphemeralStorage: must be a mapping"),
        ({"Layers": ["arn"] * 6}, "Layers: 6 layers, more than the 5"),
        ({"Layers": "arn"}, "Layers: must be a list"),
        ({"Layers": [3]}, "Layers[0]: must be a layer version ARN string"),
        ({"Runtime": "python3.9"}, "Runtime: python3.9 is deprecated since 2025-12-15"),
        ({"Runtime": "python3.10"}, "Runtime: python3.10 is deprecated since 2026-10-31"),
        ({"Runtime": "java17"}, "Runtime: java17 is deprecated since 2026-06-30"),
        ({"Runtime": "python2.1"}, "Runtime: 'python2.1' is not a Lambda runtime"),
        ({"Runtime": 3.13}, "Runtime: must be a runtime identifier string, got float"),
        ({"Architectures": ["x86_64", "arm64"]}, "Architectures: must be a list with exactly"),
        ({"Architectures": ["arm"]}, "Architectures: 'arm' is not one of"),
        ({"MemorySize": "512"}, "MemorySize: must be an integer, got str"),
        ({"MemorySize": True}, "MemorySize: must be an integer, got a boolean"),
        ({"Timeout": 3.5}, "Timeout: must be an integer, got float"),
        ({"Environment": []}, "Environment: must be a mapping"),
        ({"Environment": {"Variables": "A=1"}}, "Environment.Variables: must be a mapping"),
        ({"Environment": {"Variables": {"A": "1"}}}, "Environment.Variables: name 'A' must start"),
        ({"Environment": {"Variables": {"_X": "1"}}},
         "Environment.Variables: name '_X' must start"),
        ({"Environment": {"Variables": {"AB": 1}}}, "Environment.Variables.AB: must be a string"),
    ],
)
def test_each_violation_is_one_readable_problem(change: dict, expected: str) -> None:
    problems = check_function_config({**CLEAN, **change}, on=ON)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_environment_is_measured_as_json_up_to_4_kb() -> None:
    # {"BIG":"…"} is 10 bytes of JSON around the value.
    at_limit = {"Environment": {"Variables": {"BIG": "x" * (4096 - 10)}}}
    assert check_function_config(at_limit, on=ON) == []
    over = {"Environment": {"Variables": {"BIG": "x" * (4096 - 9)}}}
    assert check_function_config(over, on=ON) == [
        "Environment.Variables: 4,097 bytes in total, more than the 4,096-byte (4 KB) quota; "
        "keep large values in Parameter Store or Secrets Manager"
    ]
    multibyte = {"Environment": {"Variables": {"GREETING": "é" * 2100}}}
    assert check_function_config(multibyte, on=ON), "UTF-8 bytes count, not characters"


def test_several_violations_give_several_problems() -> None:
    config = {"MemorySize": 64, "Timeout": 1000, "Layers": ["a"] * 7, "Runtime": "nodejs18.x"}
    assert len(check_function_config(config, on=ON)) == 4


def test_runtime_judged_on_the_given_day() -> None:
    assert check_function_config({"Runtime": "python3.10"}, on=dt.date(2026, 10, 30)) == []
    assert check_function_config({"Runtime": "python3.10"}, on=dt.date(2026, 10, 31))
    assert limits.runtime_is_deprecated("python3.14", dt.date(2030, 1, 1)) is False


def test_wrong_top_level_type_is_a_problem() -> None:
    assert check_function_config("MemorySize=128") == [  # type: ignore[arg-type]
        "configuration: must be a mapping, got str"
    ]


def test_template_mode_accepts_what_cloudformation_accepts() -> None:
    config = {
        "MemorySize": "1024",  # CloudFormation converts numeric text
        "Timeout": {"Ref": "TimeoutParameter"},  # unknown until deploy: not judged
        "Runtime": {"Fn::FindInMap": ["Runtimes", "py", "id"]},
        "Environment": {"Variables": {"TABLE": {"Ref": "Table"}, "RETRIES": 3, "ON": True}},
        "Layers": [{"Ref": "CommonLayer"}],
        "Architectures": [{"Ref": "Arch"}],
        "EphemeralStorage": {"Fn::If": ["Big", {"Size": 2048}, {"Size": 512}]},
    }
    assert check_function_config(config, on=ON, template=True) == []
    assert check_function_config({"Environment": {"Ref": "Env"}}, template=True) == []
    assert check_function_config({"Environment": {"Variables": {"Fn::If": []}}},
                                 template=True) == []
    assert check_function_config({"Layers": {"Ref": "L"}, "Architectures": {"Ref": "A"}},
                                 template=True) == []
    assert check_function_config(config, on=ON) != [], "the API itself wants real integers"


# --- templates and the CLI --------------------------------------------------------------


def test_shipped_template_is_clean_and_lints() -> None:
    code, out, err = run_cli("check", str(TEMPLATE))
    assert (code, err) == (0, "")
    assert "2 function(s) within Lambda's quotas" in out
    from cfnlint.api import ManualArgs, lint

    matches = lint(TEMPLATE.read_text(), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_globals_are_merged_into_serverless_functions_only() -> None:
    template = {
        "Globals": {"Function": {"MemorySize": 20_000, "Layers": ["a", "b", "c"],
                                 "Environment": {"Variables": {"BIG": "x" * 3000}}}},
        "Resources": {
            "Sam": {"Type": "AWS::Serverless::Function",
                    "Properties": {"Layers": ["d", "e", "f"],
                                   "Environment": {"Variables": {"MORE": "y" * 1500}}}},
            "Plain": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128}},
            "Override": {"Type": "AWS::Serverless::Function",
                         "Properties": {"MemorySize": 512}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"MemorySize": 1}},
        },
    }
    problems = check_template(template, on=ON)
    assert "Sam: MemorySize: 20,000 is above the maximum 10,240 MB" in problems
    assert "Sam: Layers: 6 layers, more than the 5 a function may use" in problems
    assert any(p.startswith("Sam: Environment.Variables: 4,") for p in problems)
    assert not any(p.startswith(("Plain", "Table")) for p in problems)
    assert not any(p.startswith("Override: MemorySize") for p in problems)


def test_template_shape_problems() -> None:
    assert check_template([]) == ["template: must be a mapping, got list"]
    assert check_template({"Resources": []}) == [
        "template: Resources must be a mapping of logical IDs to resources"]
    assert check_template({"Globals": {"Function": []}, "Resources": {}}) == [
        "template: Globals.Function must be a mapping"]
    bad_props = {"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": []}}}
    assert check_template(bad_props) == ["F: Properties must be a mapping"]


def test_cli_reports_problems_by_resource(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Slow:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.9\n"
        "      Timeout: 1200\n"
        "      Role: !GetAtt Role.Arn\n"
        "      Environment:\n"
        "        Variables:\n"
        "          NAME: !Sub '${AWS::StackName}-x'\n"
    )
    code, out, err = run_cli("check", str(path))
    assert code == 1 and err == ""
    assert "Slow: Timeout: 1,200 is above the maximum 900 seconds" in out
    assert "Slow: Runtime: python3.9 is deprecated" in out


def test_cli_reads_json_templates(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"Resources": {"F": {"Type": "AWS::Lambda::Function",
                                                    "Properties": {"MemorySize": 128}}}}))
    assert run_cli("check", str(path))[0] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"Resources: [unclosed", "not valid YAML: expected ',' or ']'"),
        (b"- a list\n", "not a template"),
        (b"", "not a template"),
        (b"Resources: 3\n", "not a template"),
        (b"[" * 5000, "nested too deeply"),
    ],
)
def test_cli_unusable_input_is_one_line_exit_2(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "template.yaml"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli("check", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_cli_directory_and_usage_errors(tmp_path: Path) -> None:
    code, _, err = run_cli("check", str(tmp_path))
    assert code == 2 and "is a directory" in err and err.count("\n") == 1
    code, _, err = run_cli()
    assert code == 2 and err.count("\n") == 1
    code, _, err = run_cli("lint", "x")
    assert code == 2 and err.count("\n") == 1
    code, out, _ = run_cli("--help")
    assert code == 0 and "check" in out


def test_cli_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources: {}\n")

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    code, _, err = run_cli("check", str(path))
    assert code == 2 and "cannot be read (Permission denied)" in err


def test_cli_as_a_module_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"\x00\x01\x02")
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.limits", "check", str(path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


# --- fuzzing ------------------------------------------------------------------------------

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=50) | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=12) | st.integers(), children, max_size=5),
    max_leaves=20,
)
FIELDS = st.sampled_from(["MemorySize", "Timeout", "EphemeralStorage", "Environment",
                          "Layers", "Runtime", "Architectures", "Other"])


@FUZZ
@given(st.dictionaries(FIELDS, JUNK, max_size=8), st.booleans())
def test_fuzz_check_function_config_returns_problems(config: dict, template: bool) -> None:
    problems = check_function_config(config, on=ON, template=template)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(JUNK)
def test_fuzz_any_value_is_a_problem_list(value: object) -> None:
    assert isinstance(check_function_config(value, on=ON), list)  # type: ignore[arg-type]
    assert isinstance(check_template(value, on=ON), list)


@FUZZ
@given(st.dictionaries(st.text(max_size=8), JUNK, max_size=4), JUNK)
def test_fuzz_templates(resources: dict, global_function: object) -> None:
    functions = {name: {"Type": "AWS::Serverless::Function", "Properties": props}
                 for name, props in resources.items()}
    template = {"Globals": {"Function": global_function}, "Resources": functions}
    assert all(isinstance(p, str) for p in check_template(template, on=ON))


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_fuzz_cli_files(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    code, _, err = run_cli("check", str(path))
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1


@FUZZ
@given(st.text(max_size=30))
def test_fuzz_quota_keys(key: str) -> None:
    if key in QUOTAS:
        assert quota(key) == QUOTAS[key].value
    else:
        with pytest.raises(KeyError):
            quota(key)


def test_yaml_helpers_round_trip_short_forms() -> None:
    text = "A: !GetAtt Role.Arn\nB: !Join ['', [a, b]]\nC: !If {x: 1}\n"
    data = load_yaml(text, flavor="cloudformation")
    assert data == {"A": {"Fn::GetAtt": ["Role", "Arn"]},
                    "B": {"Fn::Join": ["", ["a", "b"]]}, "C": {"Fn::If": {"x": 1}}}
    assert limits.count_functions({"Resources": []}) == 0


# The shape of `sam init`'s hello-world template and of real templates seen in public
# repositories: Parameters referenced from Globals, Tracing, Events, Outputs with !Sub.
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


def test_realistic_sam_templates(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(SAM_HELLO_WORLD)
    code, out, err = run_cli("check", str(path))
    assert (code, err) == (0, ""), out
    from cfnlint.api import ManualArgs, lint

    assert [str(m) for m in lint(SAM_HELLO_WORLD, config=ManualArgs(regions=["us-east-1"]))] == []
    # An older template of the same shape on nodejs16.x: only the runtime is a problem.
    old = SAM_HELLO_WORLD.replace("python3.13", "nodejs16.x")
    assert check_template(load_yaml(old, flavor="cloudformation"), on=ON) == [
        "HelloWorldFunction: Runtime: nodejs16.x is deprecated since 2024-06-12; "
        "use a supported runtime"
    ]
