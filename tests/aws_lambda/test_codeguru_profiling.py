"""Turning CodeGuru Profiler on and off (snippets/aws_lambda/codeguru_profiling.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import ANY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cicd_check.runtimes import RUNTIMES, runtime_table_markdown
from snippets.aws_lambda import codeguru_profiling as cg
from tests.support.strict_model import check_call

FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ROLE = "arn:aws:iam::123456789012:role/service-role/orders-role"
PY = {"FunctionName": "orders", "Runtime": "python3.9", "Role": ROLE,
      "Architectures": ["x86_64"],
      "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:common:1",
                  "CodeSize": 10}],
      "Environment": {"Variables": {"TABLE_NAME": "orders"}}}


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


VERSION = 3  # any layer version: the real one comes from AWS's page (see the page)


def stand_in_layer(client: Any, name: str, version: int) -> None:
    """Publish a layer with the profiler's name up to ``version`` in the moto account.

    moto resolves a layer ARN by name and version only and ignores the account, so the
    profiler's ARN (account 157417159150) resolves to this stand-in. It then reports the
    layer under the moto account's ARN: the tests compare name and version, not account.
    """
    for _ in range(version):
        client.publish_layer_version(LayerName=name, Content={"ZipFile": tiny_zip()})


@pytest.fixture
def function(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # moto knows AWS managed policies such as AmazonCodeGuruProfilerAgentAccess only when
    # asked to load them (before its IAM backend starts, i.e. before the first IAM call).
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="orders-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    client = boto3.client("lambda")
    common = client.publish_layer_version(LayerName="common", Content={"ZipFile": tiny_zip()})
    stand_in_layer(client, cg.LAYERS["python"], VERSION)
    # An existing python3.9 function, as it was before Lambda blocked updates to it.
    client.create_function(
        FunctionName="orders", Runtime="python3.9", Role=role, Handler="app.handler",
        Code={"ZipFile": tiny_zip()}, Layers=[common["LayerVersionArn"]],
        Environment={"Variables": {"TABLE_NAME": "orders"}},
    )
    return {"role": role, "common": common["LayerVersionArn"]}


class FakeProfiler:
    """Stands in for CodeGuru Profiler, which moto lacks.

    Each request is checked against botocore's model first, as every real call is. (A
    botocore Stubber would do the same, but the suite's cleanup would then try to delete
    the stubbed profiling group from moto.)
    """

    def __init__(self) -> None:
        self.model = boto3.client("codeguruprofiler")
        self.groups: list[dict[str, Any]] = []

    def create_profiling_group(self, **request: Any) -> dict[str, Any]:
        check_call(self.model, "CreateProfilingGroup", request)
        self.groups.append(request)
        return {"profilingGroup": {"name": request["profilingGroupName"]}}


def layer_names(config: dict[str, Any]) -> list[str]:
    return [":".join(layer["Arn"].split(":")[-2:]) for layer in config.get("Layers", [])]


def test_enable_profiling_changes_layer_variables_and_role(function: dict[str, Any]) -> None:
    lambda_client, iam = boto3.client("lambda"), boto3.client("iam")
    profiler = FakeProfiler()  # moto has no CodeGuru Profiler
    changes = cg.enable_profiling("orders", layer_version=VERSION, lambda_client=lambda_client,
                                  iam_client=iam, profiler_client=profiler)
    assert profiler.groups == [{"profilingGroupName": "aws-lambda-orders",
                                "computePlatform": "AWSLambda", "clientToken": ANY}]

    config = lambda_client.get_function_configuration(FunctionName="orders")
    assert layer_names(config) == ["common:1",
                                   f"AWSCodeGuruProfilerPythonAgentLambdaLayer:{VERSION}"]
    assert config["Environment"]["Variables"] == {
        "TABLE_NAME": "orders",  # kept: the update replaces the whole map
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/codeguru_profiler_lambda_exec",
        "AWS_CODEGURU_PROFILER_GROUP_NAME": "aws-lambda-orders",
    }
    attached = iam.list_attached_role_policies(RoleName="orders-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [cg.AGENT_POLICY_ARN]
    assert changes.attach_role_policy == {"RoleName": "orders-role",
                                          "PolicyArn": cg.AGENT_POLICY_ARN}

    # Turning it off takes the layer and variables away but leaves the policy attached.
    lambda_client.update_function_configuration(**cg.disable_profiling_request(config))
    config = lambda_client.get_function_configuration(FunctionName="orders")
    assert layer_names(config) == ["common:1"]
    assert config["Environment"]["Variables"] == {"TABLE_NAME": "orders"}
    attached = iam.list_attached_role_policies(RoleName="orders-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [cg.AGENT_POLICY_ARN], "the console keeps it"


def test_requests_match_botocore_models() -> None:
    changes = cg.profiling_changes(PY, "us-east-1", layer_version=VERSION)
    session = boto3.session.Session(region_name="us-east-1")
    check_call(session.client("lambda"), "UpdateFunctionConfiguration",
               changes.update_function_configuration)
    check_call(session.client("iam"), "AttachRolePolicy", changes.attach_role_policy)
    check_call(session.client("codeguruprofiler"), "CreateProfilingGroup",
               changes.create_profiling_group)


def test_java_functions_get_the_java_agent() -> None:
    java = {**PY, "Runtime": "java17", "Layers": [], "Environment": {}}
    update = cg.profiling_changes(java, "eu-west-1", layer_version=12).update_function_configuration
    assert update["Layers"] == [
        "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12"]
    assert update["Environment"]["Variables"] == {
        "JAVA_TOOL_OPTIONS": "-javaagent:/opt/codeguru-profiler-java-agent-standalone.jar",
        "AWS_CODEGURU_PROFILER_GROUP_NAME": "aws-lambda-orders",
        "AWS_CODEGURU_PROFILER_TARGET_REGION": "eu-west-1",
    }


def test_enabling_twice_does_not_add_the_layer_twice() -> None:
    once = cg.profiling_changes(PY, "us-east-1", layer_version=VERSION)
    twice = cg.profiling_changes({**PY, **once.update_function_configuration}, "us-east-1",
                                 layer_version=VERSION)
    assert twice.update_function_configuration["Layers"] == (
        once.update_function_configuration["Layers"])


def test_every_console_runtime_is_deprecated_by_mid_2027() -> None:
    assert cg.console_runtime_status(dt.date(2027, 6, 30)) == dict.fromkeys(
        cg.CONSOLE_RUNTIMES, "deprecated")
    assert cg.console_runtime_status(dt.date(2026, 12, 1))["java17"] == "supported", (
        "AWS moved Java 8/11/17 deprecation to 30 June 2027")
    assert cg.console_runtime_status(dt.date(2025, 6, 1))["python3.9"] == "supported"
    enum = botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum
    assert set(cg.CONSOLE_RUNTIMES) <= set(enum)


def test_status_of_the_codeguru_family_is_dated_and_sourced() -> None:
    products = {name: status for name, status, _ in cg.CODEGURU_STATUS}
    assert products["CodeGuru Profiler"] == "No end of support announced"
    assert "7 November 2025" in products["CodeGuru Reviewer"]
    assert cg.CHECKED == "2026-12-01"
    assert "20 November 2025" in products["CodeGuru Security"]
    assert all(url.startswith("https://docs.aws.amazon.com/") for *_, url in cg.CODEGURU_STATUS)
    assert dt.date.fromisoformat(cg.CHECKED) <= dt.date.today()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Runtime": "python3.13"}, "Runtime: 'python3.13' is not one the console"),
        ({"Architectures": ["arm64"]}, "Architectures: CodeGuru Profiler supports x86_64"),
        ({"Role": "orders-role"}, "Role: must be the execution role's ARN"),
        ({"FunctionName": "bad name"}, "function_name: must be a Lambda function name"),
        ({"Layers": [f"arn:aws:lambda:us-east-1:123456789012:layer:l{n}:1" for n in range(5)]},
         "Layers: 6 layers, more than the 5"),
        ({"Environment": {"Variables": {"BIG": "x" * 4000}}}, "Environment.Variables: 4,"),
        ({"Layers": "arn"}, "Layers: must be a list"),
        ({"Layers": [{"Name": "x"}]}, "Layers: each layer must be an ARN"),
        ({"Environment": {"Variables": {"N": 1}}}, "Environment.Variables: must map names"),
        ({"Environment": "TABLE=x"}, "Environment.Variables: must map names"),
    ],
)
def test_bad_configurations_raise_value_error(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        cg.profiling_changes({**PY, **change}, "us-east-1", layer_version=VERSION)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="config: must be a function configuration"):
        cg.profiling_changes(["orders"], "us-east-1", layer_version=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="region: 'mars-1'"):
        cg.profiling_changes(PY, "mars-1", layer_version=1)
    for version in (0, -1, True, "11", 1.5, None):
        with pytest.raises(ValueError, match=re.escape("layer_version: a layer version "
                                                       "number from https://docs.aws.amazon")):
            cg.profiling_changes(PY, "us-east-1", layer_version=version)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config: must be a function configuration"):
        cg.disable_profiling_request({"Layers": []})
    with pytest.raises(ValueError, match="function_name"):
        cg.enable_profiling("not a name", layer_version=1, lambda_client=object())
    assert cg.layer_arn("python3.9", "ap-southeast-2", 1).startswith(
        "arn:aws:lambda:ap-southeast-2:157417159150:layer:AWSCodeGuruProfilerPython")


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["FunctionName", "Runtime", "Role", "Layers", "Environment",
                          "Architectures"])


@FUZZ
@given(st.dictionaries(FIELDS, JUNK), st.text(max_size=20) | JUNK)
def test_fuzz_profiling_changes(junk: dict, region: object) -> None:
    config = {**PY, **junk}
    try:
        changes = cg.profiling_changes(config, region, layer_version=VERSION)  # type: ignore[arg-type]
    except ValueError as error:
        assert str(error)
    else:
        assert changes.update_function_configuration["FunctionName"] == config["FunctionName"]


@FUZZ
@given(JUNK | st.dictionaries(FIELDS, JUNK))
def test_fuzz_disable_and_names(junk: object) -> None:
    for call in (lambda: cg.disable_profiling_request(junk),  # type: ignore[arg-type]
                 lambda: cg.profiling_group_name(junk),  # type: ignore[arg-type]
                 lambda: cg.layer_arn("python3.9", junk, VERSION),  # type: ignore[arg-type]
                 lambda: cg.layer_arn("java17", "us-east-1", junk)):  # type: ignore[arg-type]
        try:
            call()
        except ValueError as error:
            assert str(error)


# --- the page: its dates, its status table and its request agree with the data -----------

PAGE = Path(__file__).parents[2] / "docs" / "lambda" / "codeguru-profiling.md"
UPDATE_JSON = Path(cg.__file__).with_name("codeguru-profiling-update.json")
DAY = re.compile(r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September"
                 r"|October|November|December) (20\d\d)\b")
MONTH = re.compile(r"\b(?<!\d )(January|February|March|April|May|June|July|August|September"
                   r"|October|November|December) (20\d\d)\b")


def long_day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def box(text: str, title: str) -> str:
    start = text.index(f'"{title}"')
    body = text[start:].split("\n\n", 1)[1]
    return body.split("\n\n## ", 1)[0]


def test_the_box_states_the_runtime_dates_of_the_runtime_table() -> None:
    """The "Changed since the notes" box names runtime dates: each one is cicd_check's."""
    text = box(PAGE.read_text(encoding="utf-8"), "Changed since the notes (Dec 2025)")
    r = RUNTIMES
    java = {r[k].deprecated for k in ("java8.al2", "java11", "java17")}
    java_blocked = {r[k].update_blocked for k in ("java8.al2", "java11", "java17")}
    python_blocked = {r[k].update_blocked for k in ("python3.8", "python3.9")}
    assert len(java) == len(java_blocked) == len(python_blocked) == 1
    (java_day,), (java_update,), (python_update,) = java, java_blocked, python_blocked
    assert r["python3.8"].deprecated and r["python3.9"].deprecated
    expected = {
        f"Python 3.8 in {r['python3.8'].deprecated:%B %Y}",
        f"Python 3.9 in {r['python3.9'].deprecated:%B %Y}",
        f"follow on **{long_day(java_day)}**",
        f"Python 3.8 and 3.9 from {long_day(python_update)}",
        f"Java 8/11/17\n    from {long_day(java_update)}",
    }
    for phrase in expected:
        assert phrase in text, f"the box should say {phrase!r} (cicd_check's runtime table)"
    # Every other date in the box is the one AWS moved the Java date from, not a table date.
    stated = {m.group(0) for m in DAY.finditer(text)} | {m.group(0) for m in MONTH.finditer(text)}
    known = {long_day(d) for d in (java_day, java_update, python_update)} | {
        f"{r[k].deprecated:%B %Y}" for k in ("python3.8", "python3.9")}  # type: ignore[str-format]
    assert stated - known == {"30 June 2026"}, stated - known


def test_the_runtime_table_on_the_page_is_generated_from_the_data() -> None:
    assert runtime_table_markdown(cg.CONSOLE_RUNTIMES) in PAGE.read_text(encoding="utf-8")


def test_the_status_table_agrees_with_codeguru_status() -> None:
    text = PAGE.read_text(encoding="utf-8")
    checked = dt.date.fromisoformat(cg.CHECKED)
    assert f"Status (checked {checked.day} {checked:%b %Y})" in text
    rows = {line.split("|")[1].strip().replace("**", ""): line for line in text.splitlines()
            if line.startswith("| CodeGuru **")}
    assert set(rows) == {name for name, *_ in cg.CODEGURU_STATUS}
    for name, status, url in cg.CODEGURU_STATUS:
        row = rows[name].replace("**", "")
        assert url in row, name
        assert status.lower() in row.lower(), (name, status)


def test_the_pages_update_request_is_what_profiling_changes_sends() -> None:
    """The JSON on the page, with <version> filled in, is exactly the request we build."""
    shown = UPDATE_JSON.read_text(encoding="utf-8")
    assert shown.count("<version>") == 1, "the page must not pin a layer version"
    current = {**PY, "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:common:4"}]}
    for version in (1, 11, 12, 40):
        built = cg.profiling_changes(current, "us-east-1", layer_version=version)
        assert json.loads(shown.replace("<version>", str(version))) == (
            built.update_function_configuration)
    check_call(boto3.session.Session(region_name="us-east-1").client("lambda"),
               "UpdateFunctionConfiguration", json.loads(shown.replace("<version>", "11")))


def test_no_layer_version_is_pinned_on_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    pinned = re.findall(r"AWSCodeGuruProfiler\w+Layer:\d+", text)
    assert pinned == [], pinned
    assert cg.PYTHON_PAGE in text and cg.JAVA_PAGE in text
