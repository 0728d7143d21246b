"""Lambda function configuration rules (LF001–LF011), on requests and on templates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import check_function_config
from cicd_check.documents import load_document
from cicd_check.function_config import (
    ENV_KEY,
    config_findings,
    merge_globals,
    request_problems,
    template_findings,
)
from tests.support.fuzzing import FUZZ, JUNK

ON = dt.date(2026, 12, 1)
CLEAN = {
    "FunctionName": "orders", "Runtime": "python3.13", "MemorySize": 512, "Timeout": 30,
    "EphemeralStorage": {"Size": 512},
    "Environment": {"Variables": {"TABLE_NAME": "orders", "LOG_LEVEL": "INFO"}},
    "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:common:3"],
    "Architectures": ["arm64"],
}
MANAGED = {"CapacityProviderConfig": {"LambdaManagedInstancesCapacityProviderConfig": {
    "CapacityProviderArn": "arn:aws:lambda:us-east-1:123456789012:capacity-provider:p"}}}


def ids(config: object, **kwargs: object) -> list[str]:
    return [f.id for f in config_findings(config, on=ON, **kwargs)]  # type: ignore[arg-type]


def test_clean_configs() -> None:
    assert check_function_config(CLEAN, on=ON) == []
    assert check_function_config({}, on=ON) == []
    # The AWS CLI reference's create-function example, and SAM's hello-world Globals.
    assert check_function_config({
        "FunctionName": "my-function", "Runtime": "nodejs22.x", "Handler": "index.handler",
        "Role": "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4",
        "Code": {"ZipFile": b"..."}}, on=ON) == []
    assert check_function_config({"Timeout": 3, "MemorySize": 128, "Runtime": "python3.13",
                                  "Architectures": ["x86_64"]}, on=ON) == []


@pytest.mark.parametrize(("change", "rule", "text"), [
    ({"FunctionName": "x" * 65}, "LF001", "65 characters, more than the 64"),
    ({"FunctionName": "has space"}, "LF001", "may use only letters"),
    ({"FunctionName": 5}, "LF001", "must be a string"),
    ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:" + "a" * 100},
     "LF001", "100 characters"),
    ({"Runtime": "python2.1"}, "LF002", "not a Lambda runtime identifier"),
    ({"Runtime": 3.13}, "LF002", "must be a runtime identifier string"),
    ({"Runtime": "python3.7"}, "LF003", "The runtime parameter of python3.7 is no longer"),
    ({"Runtime": "go1.x"}, "LF003", "use provided.al2023"),
    ({"MemorySize": 127}, "LF005", "127 is below the minimum 128 MB"),
    ({"MemorySize": 10_241}, "LF005", "10,241 is above the maximum 10,240 MB"),
    ({"MemorySize": "512"}, "LF005", "must be an integer, got str"),
    ({"MemorySize": True}, "LF005", "got a boolean"),
    ({"Timeout": 0}, "LF006", "below the minimum 1 seconds"),
    ({"Timeout": 901}, "LF006", "901 is above the maximum 900 seconds for a standard"),
    ({"Timeout": 3.5}, "LF006", "got float"),
    ({"EphemeralStorage": {"Size": 511}}, "LF007", "511 is below"),
    ({"EphemeralStorage": {"Size": 10_241}}, "LF007", "10,241 is above"),
    ({"EphemeralStorage": 1024}, "LF007", "must be a mapping"),
    ({"Environment": {"Variables": {"BIG": "x" * 4087}}}, "LF008",
     "exceeded the 4KB limit"),
    ({"Layers": ["arn"] * 6}, "LF009", "6 layers, more than the 5"),
    ({"Layers": "arn"}, "LF009", "must be a list"),
    ({"Layers": [3]}, "LF009", "Layers[0]: must be a layer version ARN string"),
    ({"Architectures": ["x86_64", "arm64"]}, "LF010", "exactly one"),
    ({"Architectures": ["arm"]}, "LF010", "'arm' is not one of"),
    ({"Environment": []}, "LF011", "must be a mapping with Variables"),
    ({"Environment": {"Variables": "A=1"}}, "LF011", "must be a mapping"),
    ({"Environment": {"Variables": {"A": "1"}}}, "LF011", "name 'A' must start"),
    ({"Environment": {"Variables": {"_X": "1"}}}, "LF011", "name '_X' must start"),
    ({"Environment": {"Variables": {"AB": 1}}}, "LF011", "AB: must be a string"),
])
def test_each_violation_is_one_finding(change: dict, rule: str, text: str) -> None:
    found = check_function_config({**CLEAN, **change}, on=ON)
    assert [f.id for f in found] == [rule], found
    assert text in found[0], found[0]


def test_environment_is_measured_as_lambda_does() -> None:
    assert check_function_config({"Environment": {"Variables": {"BIG": "x" * 4086}}}) == []
    assert check_function_config({"Environment": {"Variables": {"BIG": "é" * 2100}}}), (
        "UTF-8 bytes count, not characters")
    assert check_function_config({"Environment": {"Variables": None}}) == []
    assert check_function_config({"Environment": {"Variables": {"AB": "\ud800"}}}) == []


def test_runtime_dates() -> None:
    assert ids({"Runtime": "python3.10"}) == ["LF004"], "deprecated, still created"
    assert check_function_config({"Runtime": "python3.10"}, on=ON) == []
    assert ids({"Runtime": "python3.10"}, ) == ["LF004"]
    assert [f.id for f in config_findings({"Runtime": "python3.10"},
                                          on=dt.date(2027, 2, 1))] == ["LF003"]
    assert config_findings({"Runtime": "python3.10"}, on=dt.date(2026, 10, 30)) == []
    assert ids({"Runtime": "java17"}) == [], "Java 17 deprecation moved to 30 June 2027"
    assert ids({"Runtime": "nodejs24.x"}) == [] and ids({"Runtime": "python3.15"}) == []
    warning, = config_findings({"Runtime": "python3.9"}, on=ON)
    assert "2025-12-15" in warning and "2027-02-01" in warning and "2027-03-03" in warning


def test_updates_follow_the_update_block_date() -> None:
    day = dt.date(2027, 2, 15)  # python3.9: create blocked, update not yet
    assert [f.id for f in request_problems("CreateFunction", {"Runtime": "python3.9"},
                                           on=day)] == ["LF003"]
    assert request_problems("UpdateFunctionConfiguration", {"Runtime": "python3.9"},
                            on=day) == []
    assert [f.id for f in request_problems("UpdateFunctionConfiguration",
                                           {"Runtime": "python3.9"},
                                           on=dt.date(2027, 3, 3))] == ["LF003"]


def test_managed_instances_allow_larger_values() -> None:
    big = {"Timeout": 5400, "MemorySize": 32_768, "EphemeralStorage": {"Size": 32_768}}
    assert check_function_config({**big, **MANAGED}, on=ON) == []
    assert sorted(f.id for f in check_function_config(big, on=ON)) == ["LF005", "LF006", "LF007"]
    assert [f.id for f in check_function_config({"Timeout": 5401, **MANAGED})] == ["LF006"]
    assert check_function_config({"Timeout": 3600, "CapacityProviderConfig": {"Ref": "P"}},
                                 template=True) == []


def test_several_problems_and_wrong_top_level() -> None:
    config = {"MemorySize": 64, "Timeout": 1000, "Layers": ["a"] * 7, "Runtime": "nodejs14.x"}
    assert len(check_function_config(config, on=ON)) == 4
    assert check_function_config("MemorySize=128") == [  # type: ignore[arg-type]
        "configuration: must be a mapping, got str"]


def test_template_mode_accepts_what_cloudformation_accepts() -> None:
    config = {
        "FunctionName": {"Fn::Sub": "${AWS::StackName}-orders"},
        "MemorySize": "1024", "Timeout": {"Ref": "TimeoutParameter"},
        "Runtime": {"Fn::FindInMap": ["Runtimes", "py", "id"]},
        "Environment": {"Variables": {"TABLE": {"Ref": "Table"}, "RETRIES": 3, "ON": True}},
        "Layers": [{"Ref": "CommonLayer"}], "Architectures": [{"Ref": "Arch"}],
        "EphemeralStorage": {"Fn::If": ["Big", {"Size": 2048}, {"Size": 512}]},
    }
    assert check_function_config(config, on=ON, template=True) == []
    for value in ({"Environment": {"Ref": "Env"}}, {"Environment": {"Variables": {"Fn::If": []}}},
                  {"Layers": {"Ref": "L"}, "Architectures": {"Ref": "A"}}):
        assert check_function_config(value, template=True) == []
    assert check_function_config(config, on=ON) != [], "the API itself wants real integers"


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.10
    MemorySize: 20000
    Layers: [arn:aws:lambda:us-east-1:123456789012:layer:a:1,
             arn:aws:lambda:us-east-1:123456789012:layer:b:1,
             arn:aws:lambda:us-east-1:123456789012:layer:c:1]
Resources:
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:d:1,
               arn:aws:lambda:us-east-1:123456789012:layer:e:1,
               arn:aws:lambda:us-east-1:123456789012:layer:f:1]
  Override:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 512
      Runtime: python3.13
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: !Ref Seconds
      MemorySize: 128
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      MemorySize: 1
  Odd: [not, a, resource]
  NoProps:
    Type: AWS::Lambda::Function
    Properties: !If [C, {}, {}]
"""


def test_template_findings_merge_globals_and_carry_lines() -> None:
    document = load_document(TEMPLATE, flavor="cloudformation")
    found = {(f.field, f.id, f.line) for f in template_findings(document, on=ON)}
    assert found == {
        ("Resources.Sam.Properties.Runtime", "LF004", 5),  # from Globals: its line there
        ("Resources.Sam.Properties.MemorySize", "LF005", 6),
        ("Resources.Sam.Properties.Layers", "LF009", 15),
    }, found


def test_template_findings_on_odd_documents() -> None:
    for text in ("[1, 2]", "Resources: []", "Globals: {Function: [1]}\nResources: {}",
                 "Globals: []\nResources: {F: {Type: AWS::Lambda::Function}}"):
        assert template_findings(load_document(text, flavor="cloudformation")) == []
    as_json = json.dumps({"Resources": {"F": {"Type": "AWS::Lambda::Function",
                                              "Properties": {"Timeout": 901}}}})
    found, = template_findings(load_document(as_json, flavor="json"))
    assert (found.id, found.line) == ("LF006", 1)


def test_merge_globals_follows_sam() -> None:
    merged = merge_globals({"Environment": {"Variables": {"A1": "1"}}, "Layers": ["a"],
                            "Timeout": 3, "Tags": {"Ref": "T"}},
                           {"Environment": {"Variables": {"B1": "2"}}, "Layers": ["b"],
                            "Timeout": 9, "Tags": {"x": "y"}})
    assert merged == {"Environment": {"Variables": {"A1": "1", "B1": "2"}},
                      "Layers": ["a", "b"], "Timeout": 9, "Tags": {"x": "y"}}


def test_env_key_is_the_models_pattern() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    assert model.shape_for("EnvironmentVariableName").metadata["pattern"] == ENV_KEY.pattern


# --- fuzzing: well-formed configurations and templates with one bad value inside -----

MEMBERS = ("FunctionName", "Runtime", "MemorySize", "Timeout", "EphemeralStorage",
           "Environment", "Layers", "Architectures", "CapacityProviderConfig")
INTRINSIC = st.sampled_from([{"Ref": "P"}, {"Fn::Sub": ["${A}", {"A": [1]}]},
                             {"Fn::If": ["C", {"Size": 1}, {"Ref": "AWS::NoValue"}]},
                             {"Fn::GetAtt": ["R", "Arn"]}])
BAD = (JUNK | INTRINSIC | st.integers(min_value=-(10**40), max_value=10**40)
       | st.text(alphabet=st.characters(codec="utf-16", categories=("Cs", "L", "N"))))


@FUZZ
@given(member=st.sampled_from(MEMBERS), bad=BAD, template=st.booleans(),
       nested=st.sampled_from(["", "Size", "Variables"]))
def test_fuzz_one_bad_value_in_a_clean_config(member: str, bad: object, template: bool,
                                              nested: str) -> None:
    value: object = {nested: bad} if nested else bad
    found = config_findings({**CLEAN, member: value}, on=ON, template=template)
    assert all(isinstance(str(f), str) and f.id.startswith("LF") for f in found)


@FUZZ
@given(member=st.sampled_from(MEMBERS), bad=BAD, sam=st.booleans())
def test_fuzz_templates(member: str, bad: object, sam: bool) -> None:
    kind = "AWS::Serverless::Function" if sam else "AWS::Lambda::Function"
    template = {"Globals": {"Function": {member: bad}},
                "Resources": {"F": {"Type": kind, "Properties": {**CLEAN, member: bad}}}}
    try:
        text = json.dumps(template)
    except (TypeError, ValueError):
        return  # bytes and other non-JSON junk cannot be in a template file
    document = load_document(text, flavor="json")
    for finding in template_findings(document, on=ON):
        assert finding.line is not None, finding
