"""Best practices as code (snippets/aws_lambda/best_practices.py)."""

from __future__ import annotations

import contextlib
import io
import zipfile

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.aws_lambda import best_practices as bp
from tests.support.strict_model import StrictModelError, check_call

FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ENV = {"TABLE_NAME": "orders", "SECRET_ID": "payments/api-key", "LOG_LEVEL": "INFO"}
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80)
    | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


class AcceptingTable:
    """A DynamoDB stand-in that accepts every write (for fuzzing the argument checks)."""

    class exceptions:  # mirrors client.exceptions
        ConditionalCheckFailedException = type("ConditionalCheckFailed", (Exception,), {})

    def put_item(self, **request: object) -> None:
        assert str(request["TableName"]), request

    def update_item(self, **request: object) -> None:
        assert request["Key"], request


@pytest.fixture
def backend(aws: None) -> dict[str, str]:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("secretsmanager").create_secret(Name="payments/api-key",
                                                 SecretString="sk-test-123")
    return dict(ENV)


# --- settings and secrets -------------------------------------------------------------


def test_settings_from_environment() -> None:
    assert bp.load_settings(ENV) == bp.Settings("orders", "payments/api-key", "INFO")
    assert bp.load_settings({"TABLE_NAME": "t-1", "SECRET_ID": "/p"}).log_level == "INFO"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "TABLE_NAME: required"),
        ({**ENV, "TABLE_NAME": "a b"}, "TABLE_NAME: required, 3-255"),
        ({**ENV, "SECRET_ID": ""}, "SECRET_ID: required"),
        ({**ENV, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL: must be one of DEBUG, INFO"),
        ([("TABLE_NAME", "x")], "environment: must be a mapping"),
    ],
)
def test_bad_settings_name_the_variable(environ: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bp.load_settings(environ)  # type: ignore[arg-type]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"TABLE_NAME.*; SECRET_ID"):
        bp.load_settings({"LOG_LEVEL": "INFO"})


def test_read_secret_from_both_stores(aws: None) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/orders/api-key", Value="from-parameter-store", Type="SecureString")
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="orders/api-key", SecretString="from-secrets-manager")
    assert bp.read_secret("/orders/api-key") == "from-parameter-store"
    assert bp.read_secret("orders/api-key") == "from-secrets-manager"
    assert bp.read_secret("/orders/api-key", ssm=ssm) == "from-parameter-store"
    with pytest.raises(ValueError, match="secret_id"):
        bp.read_secret("")


# --- init once per execution environment --------------------------------------------------


def test_init_runs_once_per_execution_environment(backend: dict[str, str]) -> None:
    environment = bp.new_execution_environment(backend)
    secret_reads: list[str] = []
    environment.SECRETS.meta.events.register(
        "before-call.secrets-manager.GetSecretValue",
        lambda **kwargs: secret_reads.append("read"),
    )
    results = [environment.handler({"order_id": f"o-{n}", "amount": 100}) for n in range(3)]
    assert [r["invocation"] for r in results] == [1, 2, 3]
    assert {r["environment"] for r in results} == {environment.ENVIRONMENT_ID}
    assert secret_reads == ["read"], "the secret is fetched once, then reused"

    fresh = bp.new_execution_environment(backend)  # a cold start
    assert fresh.ENVIRONMENT_ID != environment.ENVIRONMENT_ID
    assert fresh.handler({"order_id": "o-9", "amount": 1})["invocation"] == 1
    assert fresh.SETTINGS.table_name == "orders"


def test_environment_is_restored_after_a_cold_start(backend: dict[str, str]) -> None:
    import os

    before = dict(os.environ)
    bp.new_execution_environment({**backend, "LOG_LEVEL": "DEBUG"})
    assert dict(os.environ) == before


def test_missing_settings_fail_the_init_phase(backend: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="TABLE_NAME"):
        bp.new_execution_environment({**backend, "TABLE_NAME": "!"})


# --- idempotency --------------------------------------------------------------------------


def test_repeated_event_is_handled_once(backend: dict[str, str]) -> None:
    environment = bp.new_execution_environment(backend)
    event = {"order_id": "o-42", "amount": 1250}
    assert environment.handler(event)["status"] == "recorded"
    assert environment.handler(event)["status"] == "duplicate"
    assert bp.new_execution_environment(backend).handler(event)["status"] == "duplicate"
    totals = boto3.client("dynamodb").get_item(TableName="orders", Key={"pk": {"S": "totals"}})
    assert totals["Item"]["revenue"] == {"N": "1250"}, "charged once, not three times"


def test_bad_events_are_rejected_without_side_effects(backend: dict[str, str]) -> None:
    environment = bp.new_execution_environment(backend)
    result = environment.handler({"order_id": "o-1", "amount": -5})
    assert result["status"] == "rejected" and "amount" in result["reason"]
    items = boto3.client("dynamodb").scan(TableName="orders")["Items"]
    assert items == []


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ("o-1", "event"),
        ({}, "order_id"),
        ({"order_id": "a" * 65, "amount": 1}, "order_id"),
        ({"order_id": "o 1", "amount": 1}, "order_id"),
        ({"order_id": "o-1", "amount": True}, "amount"),
        ({"order_id": "o-1", "amount": 1.5}, "amount"),
        ({"order_id": "o-1", "amount": 10**10}, "amount"),
    ],
)
def test_validate_order_names_the_field(event: object, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        bp.validate_order(event)


# --- small packages -----------------------------------------------------------------------


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
        archive.writestr("pkg/", "")  # a directory entry
    return buffer.getvalue()


def test_package_bloat() -> None:
    lean = make_zip({"app.py": "x", "requests/api.py": "y",
                     "requests-2.32.3.dist-info/METADATA": "z"})
    assert bp.package_bloat(lean) == []
    fat = make_zip({"app.py": "x", "tests/test_app.py": "t" * 100,
                    "__pycache__/app.cpython-313.pyc": "c" * 50, "lib/mod.pyc": "c",
                    "README.md": "r", "docs/index.html": "d", ".git/HEAD": "h"})
    assert bp.package_bloat(fat) == [
        "tests: 1 file(s), 100 bytes unzipped that never run",
        "compiled caches (Lambda compiles on import): 2 file(s), 51 bytes unzipped that never run",
        "text files: 1 file(s), 1 bytes unzipped that never run",
        "documentation and examples: 1 file(s), 1 bytes unzipped that never run",
        "tool folders: 1 file(s), 1 bytes unzipped that never run",
    ]


def test_package_bloat_bad_input() -> None:
    assert bp.package_bloat(b"not a zip") == ["package: not a readable .zip file"]
    assert bp.package_bloat(b"") == ["package: not a readable .zip file"]
    assert bp.package_bloat("app.zip") == ["package: must be the bytes of a .zip file, got str"]


# --- recursion ----------------------------------------------------------------------------


def test_loop_detection_covers_lambda_sqs_sns_s3_only() -> None:
    assert bp.loop_is_detected(["lambda", "s3"])
    assert bp.loop_is_detected(["Lambda", "SQS", "lambda"])
    assert bp.loop_is_detected(["lambda", "sns", "sqs"])
    assert not bp.loop_is_detected(["lambda", "dynamodb"]), "DynamoDB streams are not followed"
    for bad in ("lambda", [], [1], 7, None):
        with pytest.raises(ValueError, match="services"):
            bp.loop_is_detected(bad)  # type: ignore[arg-type]


def test_recursion_request_matches_the_model() -> None:
    client = boto3.client("lambda")
    for value in ("Terminate", "Allow"):
        check_call(client, "PutFunctionRecursionConfig", bp.recursion_config_request("f", value))
    with pytest.raises(StrictModelError, match="RecursiveLoop"):
        check_call(client, "PutFunctionRecursionConfig",
                   {"FunctionName": "f", "RecursiveLoop": "Stop"})
    model_values = client.meta.service_model.shape_for("RecursiveLoop").enum
    assert set(model_values) == set(bp.RECURSIVE_LOOP)
    for name, loop in (("", "Allow"), ("f", "Stop"), (None, "Allow"), ("f" * 141, "Allow")):
        with pytest.raises(ValueError):
            bp.recursion_config_request(name, loop)  # type: ignore[arg-type]


def test_set_recursion_config_sends_the_request() -> None:
    # moto has no PutFunctionRecursionConfig: a Stubber checks the request we send (and the
    # strict model check runs first, as for every call).
    client = boto3.client("lambda")
    with Stubber(client) as stub:
        stub.add_response("put_function_recursion_config", {"RecursiveLoop": "Allow"},
                          {"FunctionName": "thumbnails", "RecursiveLoop": "Allow"})
        assert bp.set_recursion_config("thumbnails", "Allow", client=client) == "Allow"
        stub.assert_no_pending_responses()


def test_simulated_loops() -> None:
    assert bp.simulate_s3_loop() == 16, "Lambda stops the chain after about 16 runs"
    assert bp.simulate_s3_loop(recursive_loop="Allow", limit=500) == 500, "nothing stops it"
    assert bp.simulate_s3_loop(guard=True) == 2, "the second run sees its own output and stops"
    assert bp.simulate_s3_loop(recursive_loop="Allow", guard=True) == 2
    assert bp.should_process("uploads/a.jpg") and not bp.should_process("thumbnails/a.jpg")
    for kwargs in ({"recursive_loop": "Never"}, {"limit": 0}, {"limit": True}):
        with pytest.raises(ValueError):
            bp.simulate_s3_loop(**kwargs)  # type: ignore[arg-type]


# --- fuzzing ------------------------------------------------------------------------------


@FUZZ
@given(st.dictionaries(st.sampled_from(["TABLE_NAME", "SECRET_ID", "LOG_LEVEL", "X"]), JUNK)
       | JUNK)
def test_fuzz_load_settings(environ: object) -> None:
    try:
        assert isinstance(bp.load_settings(environ), bp.Settings)  # type: ignore[arg-type]
    except ValueError as error:
        assert str(error)


@FUZZ
@given(st.dictionaries(st.sampled_from(["order_id", "amount", "x"]), JUNK) | JUNK)
def test_fuzz_validate_order(event: object) -> None:
    try:
        order_id, amount = bp.validate_order(event)
        assert isinstance(order_id, str) and amount > 0
    except ValueError as error:
        assert ":" in str(error)


@FUZZ
@given(JUNK | st.binary(max_size=200))
def test_fuzz_package_bloat(data: object) -> None:
    problems = bp.package_bloat(data)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(JUNK, JUNK)
def test_fuzz_recursion_helpers(first: object, second: object) -> None:
    for call in (
        lambda: bp.loop_is_detected(first),  # type: ignore[arg-type]
        lambda: bp.recursion_config_request(first, second),  # type: ignore[arg-type]
        lambda: bp.simulate_s3_loop(limit=first),  # type: ignore[arg-type]
        lambda: bp.read_secret(first) if not isinstance(first, str) or not first else None,
    ):
        with contextlib.suppress(ValueError):
            call()
    assert bp.should_process(first) in (True, False)


def test_record_once_and_cold_start_reject_bad_values() -> None:
    for table, order_id, amount in (("a b", "o-1", 1), ("orders", "", 1), ("orders", "o", 0)):
        with pytest.raises(ValueError):
            bp.record_once(table, order_id, amount)
    for variables in ([("A", "b")], {"A": 1}, {"": "x"}, {"A=B": "x"}, {"A": "\0"}):
        with pytest.raises(ValueError, match="variables: must map"):
            bp.new_execution_environment(variables)  # type: ignore[arg-type]


@FUZZ
@given(JUNK, JUNK, JUNK)
def test_fuzz_record_once_and_environment(table: object, order_id: object, amount: object) -> None:
    with contextlib.suppress(ValueError):
        bp.record_once(table, order_id, amount, client=AcceptingTable())  # type: ignore[arg-type]
    with contextlib.suppress(ValueError):
        bp.new_execution_environment(table)  # type: ignore[arg-type]
