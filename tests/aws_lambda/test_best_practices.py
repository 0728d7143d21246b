"""Best practices as code (snippets/aws_lambda/best_practices.py)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import py_compile
import sys
import zipfile
from pathlib import Path

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
        "tests: 1 file(s), 100 bytes unzipped, not needed at run time",
        "compiled files Python may ignore: 2 file(s), 51 bytes unzipped, not needed at run time",
        "text files: 1 file(s), 1 bytes unzipped, not needed at run time",
        "documentation and examples: 1 file(s), 1 bytes unzipped, not needed at run time",
        "tool folders: 1 file(s), 1 bytes unzipped, not needed at run time",
    ]


THIS_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
THIS_TAG = sys.implementation.cache_tag
SOURCE = "def handler(event, context):\n    return 'ok'\n"


def compiled(tmp_path: Path, mode: str, source: str = SOURCE) -> bytes:
    """A real .pyc of ``source``, built by this Python in the given invalidation mode."""
    path = tmp_path / f"app-{mode}.py"
    path.write_text(source)
    out = tmp_path / f"app-{mode}.pyc"
    py_compile.compile(str(path), cfile=str(out),
                       invalidation_mode=py_compile.PycInvalidationMode[mode], doraise=True)
    return out.read_bytes()


def cache_zip(pyc: bytes, *, name: str = f"__pycache__/app.{THIS_TAG}.pyc",
              source: str | None = SOURCE, folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if source is not None:
            archive.writestr(f"{folder}app.py", source)
        archive.writestr(folder + name, pyc)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["CHECKED_HASH", "UNCHECKED_HASH"])
def test_a_hash_based_pyc_for_the_runtime_is_kept(tmp_path: Path, mode: str) -> None:
    pyc = compiled(tmp_path, mode)
    assert bp.package_bloat(cache_zip(pyc), runtime=THIS_RUNTIME) == []
    assert bp.package_bloat(cache_zip(pyc, folder="lib/"), runtime=THIS_RUNTIME) == []
    # Python itself agrees: the flags word says hash-based, and the hash is the source's.
    flags = int.from_bytes(pyc[4:8], "little")
    assert flags & 0b01 and pyc[8:16] == importlib.util.source_hash(SOURCE.encode())


def test_a_pyc_that_would_not_be_used_is_reported(tmp_path: Path) -> None:
    hashed = compiled(tmp_path, "CHECKED_HASH")
    unchecked = compiled(tmp_path, "UNCHECKED_HASH")
    stamped = compiled(tmp_path, "TIMESTAMP")
    other = "python3.9" if THIS_RUNTIME != "python3.9" else "python3.10"
    not_used = [
        cache_zip(stamped),  # timestamp-based: the zip keeps mtimes to 2 seconds only
        cache_zip(hashed, source=None),  # no source: Python does not look at the cache
        cache_zip(hashed, source=SOURCE + "# edited\n"),  # checked, and out of date
        cache_zip(b"\x00" * 4 + hashed[4:]),  # another magic number under this tag
        cache_zip(hashed[:10]),  # a truncated header
        cache_zip(hashed, name=f"__pycache__/app.{THIS_TAG}.opt-1.pyc"),  # python -O only
        cache_zip(hashed, name="app.pyc"),  # not a __pycache__ file
    ]
    for package in not_used:
        assert bp.package_bloat(package, runtime=THIS_RUNTIME) == [
            f"compiled files Python may ignore: 1 file(s), {_cached_size(package)} bytes "
            "unzipped, not needed at run time"]
    # An unchecked-hash file is used even when the source changed: Python does not look.
    assert bp.package_bloat(cache_zip(unchecked, source=SOURCE + "#\n"),
                            runtime=THIS_RUNTIME) == []
    # Built for another Python: its tag is not the runtime's, whatever the header says.
    assert bp.package_bloat(cache_zip(hashed), runtime=other) != []
    tagged = cache_zip(hashed, name=f"__pycache__/app.cpython-3{other[8:]}.pyc")
    assert bp.package_bloat(tagged, runtime=other) == [], "hash-based, for that Python"
    assert bp.package_bloat(cache_zip(hashed)) != [], "without a runtime, nothing is known"


def _cached_size(package: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return sum(i.file_size for i in archive.infolist() if not i.filename.endswith(".py"))


def test_a_cache_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    package = bytearray(cache_zip(compiled(tmp_path, "CHECKED_HASH")))
    with zipfile.ZipFile(io.BytesIO(bytes(package))) as archive:
        info = archive.getinfo(f"__pycache__/app.{THIS_TAG}.pyc")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    package[data_start:data_start + 4] = b"\xff\xff\xff\xff"  # corrupt the deflate stream
    result = bp.package_bloat(bytes(package), runtime=THIS_RUNTIME)
    assert result and result[0].startswith("compiled files Python may ignore")


@pytest.mark.parametrize("runtime", ["python3", "nodejs22.x", "3.13", "", 313, None])
def test_package_bloat_runtime_must_be_a_python_runtime(runtime: object) -> None:
    result = bp.package_bloat(make_zip({"app.py": "x"}), runtime=runtime)  # type: ignore[arg-type]
    if runtime is None:
        assert result == []
    else:
        assert result == [f"runtime: {str(runtime)[:40]!r} is not a Python runtime such as "
                          "'python3.13'"]


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
@given(header=st.binary(max_size=40), source=st.booleans(),
       runtime=st.sampled_from([THIS_RUNTIME, "python3.13", "python3.9"]),
       folder=st.sampled_from(["", "lib/", "a/b/"]))
def test_fuzz_package_bloat_with_any_pyc_header(header: bytes, source: bool, runtime: str,
                                                folder: str) -> None:
    """A well-formed package whose cached file has any header: a finding, never a crash."""
    package = cache_zip(header, source=SOURCE if source else None, folder=folder)
    problems = bp.package_bloat(package, runtime=runtime)
    assert problems in ([], [f"compiled files Python may ignore: 1 file(s), {len(header)} "
                             "bytes unzipped, not needed at run time"])
    if not source or len(header) < 16:
        assert problems, "no source or no full header: Python would not use it"


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
