"""The strict service-model check rejects what AWS rejects, even where moto does not."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from tests.support.strict_model import StrictModelError, _compile, validate

ROLE = "arn:aws:iam::123456789012:role/handbook-lambda"
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


@pytest.fixture
def lambda_client(aws: None):
    iam = boto3.client("iam")
    iam.create_role(
        RoleName="handbook-lambda",
        AssumeRolePolicyDocument=LAMBDA_TRUST,
    )
    client = boto3.client("lambda")
    client.create_function(
        FunctionName="demo",
        Runtime="python3.13",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    return client


def test_rejects_an_auth_type_moto_accepts(lambda_client) -> None:
    with pytest.raises(StrictModelError, match="'BOGUS' is not one of NONE, AWS_IAM"):
        lambda_client.create_function_url_config(FunctionName="demo", AuthType="BOGUS")


def test_rejects_a_numeric_url_qualifier(lambda_client) -> None:
    with pytest.raises(StrictModelError, match=r"Qualifier: '1' does not match pattern"):
        lambda_client.create_function_url_config(
            FunctionName="demo", AuthType="NONE", Qualifier="1"
        )


def test_rejects_a_routing_weight_above_one(lambda_client) -> None:
    version = lambda_client.publish_version(FunctionName="demo")["Version"]
    with pytest.raises(StrictModelError, match=r"1\.5 is above the maximum 1"):
        lambda_client.create_alias(
            FunctionName="demo",
            Name="live",
            FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": {version: 1.5}},
        )


def test_rejects_a_runtime_that_does_not_exist(aws: None) -> None:
    with pytest.raises(StrictModelError, match=r"'python2\.1' is not one of"):
        boto3.client("lambda").create_function(
            FunctionName="old",
            Runtime="python2.1",
            Role=ROLE,
            Handler="index.handler",
            Code={"ZipFile": tiny_zip()},
        )


def test_moto_alone_would_have_accepted_it(aws: None) -> None:
    """Without the check moto creates a URL with AuthType BOGUS: the reason it exists."""
    from tests.support import strict_model

    iam = boto3.client("iam")
    iam.create_role(RoleName="handbook-lambda", AssumeRolePolicyDocument=LAMBDA_TRUST)
    client = boto3.client("lambda")
    client.create_function(
        FunctionName="demo", Runtime="python3.13", Role=ROLE, Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    unchecked = strict_model._original_make_api_call
    response = unchecked(client, "CreateFunctionUrlConfig",
                         {"FunctionName": "demo", "AuthType": "BOGUS"})
    assert response["AuthType"] == "BOGUS"


def test_accepts_a_valid_request(lambda_client) -> None:
    url = lambda_client.create_function_url_config(FunctionName="demo", AuthType="AWS_IAM")
    assert url["AuthType"] == "AWS_IAM"


def test_checks_maximum_memory(aws: None) -> None:
    model = boto3.client("lambda").meta.service_model
    shape = model.operation_model("CreateFunction").input_shape
    problems = validate(shape, {"MemorySize": 40_000})
    assert any("40000 is above the maximum 32768" in p for p in problems), problems
    assert any("missing required member 'FunctionName'" in p for p in problems), problems


def test_patterns_must_match_the_whole_value(aws: None) -> None:
    """The model writes "[\\w+=,.@-]*" and means the whole session name, as Java does."""
    model = boto3.client("sts").meta.service_model
    shape = model.operation_model("AssumeRole").input_shape
    assert validate(shape, {"RoleArn": ROLE, "RoleSessionName": "handbook-session"}) == []
    problems = validate(shape, {"RoleArn": ROLE, "RoleSessionName": "has space!"})
    assert any("RoleSessionName: 'has space!' does not match" in p for p in problems), problems


def test_reads_java_style_character_classes() -> None:
    """Some model patterns use \\p{L} classes that Python's re module cannot compile."""
    assert _compile(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*").fullmatch("Équipe 7: build")
    assert _compile(r"[\w-\/.@+=,]{1,10}").fullmatch("role/a-b")


def test_checks_list_and_map_lengths(aws: None) -> None:
    model = boto3.client("lambda").meta.service_model
    shape = model.operation_model("CreateFunction").input_shape
    shape = model.operation_model("CreateFunctionUrlConfig").input_shape
    methods = ["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
    problems = validate(shape, {"FunctionName": "f", "AuthType": "NONE",
                                "Cors": {"AllowMethods": methods, "MaxAge": 90_000}})
    assert "Cors.AllowMethods: 7 items, more than the maximum 6" in problems, problems
    assert "Cors.MaxAge: 90000 is above the maximum 86400" in problems, problems
