"""Lambda best practices as code: the core logic a handler calls, kept testable on its own.

- Settings come from environment variables, secrets from Parameter Store or Secrets
  Manager, fetched once per execution environment and cached.
- A repeated event is recognised and does nothing twice (idempotency).
- A package ships only what runs.
- A function never triggers itself without a guard; Lambda's recursive loop detection is
  the safety net, configured with ``PutFunctionRecursionConfig``.

The handler that uses all this is ``best_practices_handler.py``.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

BEST_PRACTICES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html"
RECURSION_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html"
HANDLER_FILE = Path(__file__).with_name("best_practices_handler.py")


@dataclass(frozen=True)
class Settings:
    """What the function needs to know, read once from its environment variables."""

    table_name: str
    secret_id: str
    log_level: str = "INFO"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")  # DynamoDB's rule for table names


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings, or raise ``ValueError`` naming every missing or bad variable."""
    if not isinstance(environ, Mapping):
        raise ValueError(f"environment: must be a mapping, got {type(environ).__name__}")
    problems = []
    table = environ.get("TABLE_NAME")
    if not isinstance(table, str) or not TABLE_NAME.fullmatch(table):
        problems.append("TABLE_NAME: required, 3-255 letters, digits, '_', '-' or '.'")
    secret = environ.get("SECRET_ID")
    if not isinstance(secret, str) or not 1 <= len(secret) <= 2048:
        problems.append("SECRET_ID: required, the name or ARN of a secret or parameter")
    level = environ.get("LOG_LEVEL", "INFO")
    if level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL: must be one of {', '.join(LOG_LEVELS)}")
    if problems:
        raise ValueError("; ".join(problems))
    return Settings(table_name=table, secret_id=secret, log_level=level)  # type: ignore[arg-type]


# --8<-- [start:secrets]
def read_secret(secret_id: str, *, ssm: Any = None, secretsmanager: Any = None) -> str:
    """A secret's value: Parameter Store for ``/paths``, Secrets Manager otherwise.

    Never put the value itself in an environment variable: anyone who can read the
    function's configuration could read it.
    """
    if not isinstance(secret_id, str) or not secret_id:
        raise ValueError("secret_id: must be a non-empty string")
    if secret_id.startswith("/"):
        ssm = ssm or boto3.client("ssm")
        return ssm.get_parameter(Name=secret_id, WithDecryption=True)["Parameter"]["Value"]
    secretsmanager = secretsmanager or boto3.client("secretsmanager")
    return secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"]
# --8<-- [end:secrets]


class DuplicateEvent(Exception):
    """The event was already handled; doing the work again would repeat its effect."""


def validate_order(event: Any) -> tuple[str, int]:
    """The order ID and amount of an event, or ``ValueError`` naming the bad field."""
    if not isinstance(event, Mapping):
        raise ValueError(f"event: must be a JSON object, got {type(event).__name__}")
    order_id = event.get("order_id")
    if not isinstance(order_id, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,64}", order_id):
        raise ValueError("order_id: required, 1-64 letters, digits or '-'")
    amount = event.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= 10**9:
        raise ValueError("amount: required, a whole number of cents from 1 to 1,000,000,000")
    return order_id, amount


# --8<-- [start:record]
def record_once(table_name: str, order_id: str, amount: int, *, client: Any = None) -> None:
    """Store the order unless it is already there; raise :class:`DuplicateEvent` if it is.

    The condition makes DynamoDB do the check and the write as one step, so two copies of
    an event arriving at the same moment cannot both get through.
    """
    if not isinstance(table_name, str) or not TABLE_NAME.fullmatch(table_name):
        raise ValueError("table_name: must be a DynamoDB table name")
    order_id, amount = validate_order({"order_id": order_id, "amount": amount})
    client = client or boto3.client("dynamodb")
    try:
        client.put_item(
            TableName=table_name,
            Item={"pk": {"S": f"order#{order_id}"}, "amount": {"N": str(amount)}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        raise DuplicateEvent(order_id) from None
    client.update_item(
        TableName=table_name,
        Key={"pk": {"S": "totals"}},
        UpdateExpression="ADD revenue :amount",
        ExpressionAttributeValues={":amount": {"N": str(amount)}},
    )
# --8<-- [end:record]


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def new_execution_environment(variables: Mapping[str, str]) -> ModuleType:
    """Load the handler module afresh, as Lambda does in each new execution environment.

    Everything at module level (settings, SDK clients) runs now, once; every later call
    of the module's ``handler`` reuses it, just as warm invocations do.
    """
    if not isinstance(variables, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) and "\0" not in key + value and key
        and "=" not in key for key, value in variables.items()
    ):
        raise ValueError("variables: must map environment variable names to string values")
    spec = importlib.util.spec_from_file_location("best_practices_handler", HANDLER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with _environment(variables):
        spec.loader.exec_module(module)
    return module


NOT_NEEDED_AT_RUN_TIME = (
    (re.compile(r"(^|/)__pycache__/|\.py[co]$"), "compiled files Python may ignore"),
    (re.compile(r"(^|/)(tests?|testing)/"), "tests"),
    (re.compile(r"(^|/)\.(git|github|venv|tox|pytest_cache|mypy_cache)/"), "tool folders"),
    (re.compile(r"(^|/)(docs?|examples?)/"), "documentation and examples"),
    (re.compile(r"\.(md|rst)$|(^|/)(LICENSE|README|CHANGELOG)[^/]*$"), "text files"),
)
PYTHON_RUNTIME = re.compile(r"python3\.(\d{1,2})")
CACHED = re.compile(
    r"(?:(?P<folder>.+)/)?__pycache__/(?P<module>[^/.]+)\.(?P<tag>cpython-3\d+)\.pyc")
HASH_BASED, CHECK_SOURCE = 0b01, 0b10  # the .pyc header's flags word (PEP 552)


def _cache_is_used(archive: zipfile.ZipFile, info: zipfile.ZipInfo, names: set[str],
                   tag: str | None) -> bool:
    """Whether the runtime's Python would load this ``__pycache__`` file from ``/var/task``.

    Only a hash-based ``.pyc`` for the runtime's Python, beside its source, qualifies: a
    timestamp-based one records the source's mtime, which a zip keeps only to 2 seconds.
    A checked-hash file is also verified against its source when this Python is the
    runtime's (the hash key is the interpreter's magic number).
    """
    match = CACHED.fullmatch(info.filename)
    if tag is None or match is None or match["tag"] != tag:
        return False
    folder = f"{match['folder']}/" if match["folder"] else ""
    source = f"{folder}{match['module']}.py"
    if source not in names:
        return False  # Python ignores a __pycache__ file whose source is missing
    try:
        with archive.open(info) as cached:
            header = cached.read(16)
        flags = int.from_bytes(header[4:8], "little") if len(header) == 16 else 0
        if not flags & HASH_BASED:
            return False
        if tag == sys.implementation.cache_tag:
            if header[:4] != importlib.util.MAGIC_NUMBER:
                return False
            if flags & CHECK_SOURCE:
                return header[8:16] == importlib.util.source_hash(archive.read(source))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError, ValueError):
        return False
    return True


def package_bloat(zip_bytes: Any, *, runtime: str | None = None) -> list[str]:
    """Files in a .zip package that never run, grouped by kind; ``[]`` when it is lean.

    Give the function's ``runtime`` (``"python3.13"``) to keep the hash-based ``.pyc``
    files its Python would use; without it every compiled file is reported.
    """
    if not isinstance(zip_bytes, bytes | bytearray):
        return [f"package: must be the bytes of a .zip file, got {type(zip_bytes).__name__}"]
    tag = None
    if runtime is not None:
        version = PYTHON_RUNTIME.fullmatch(runtime) if isinstance(runtime, str) else None
        if version is None:
            return [f"runtime: {str(runtime)[:40]!r} is not a Python runtime such as "
                    "'python3.13'"]
        tag = f"cpython-3{version[1]}"
    found: dict[str, list[int]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            for info in infos:
                if info.is_dir() or _cache_is_used(archive, info, names, tag):
                    continue
                for pattern, kind in NOT_NEEDED_AT_RUN_TIME:
                    if pattern.search(info.filename):
                        found.setdefault(kind, []).append(info.file_size)
                        break
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        return ["package: not a readable .zip file"]
    return [
        f"{kind}: {len(sizes)} file(s), {sum(sizes):,} bytes unzipped, not needed at run time"
        for kind, sizes in found.items()
    ]


LOOP_SERVICES = frozenset({"lambda", "sqs", "sns", "s3"})  # what loop detection follows
LOOP_THRESHOLD = 16  # "about 16" invocations of the same event chain, per the Lambda docs
RECURSIVE_LOOP = ("Terminate", "Allow")


def loop_is_detected(services: Iterable[str]) -> bool:
    """Whether Lambda's recursive loop detection can see a loop through these services."""
    if isinstance(services, str | bytes) or not isinstance(services, Iterable):
        raise ValueError("services: must be a list of service names such as ['lambda', 's3']")
    names = list(services)
    if not names or not all(isinstance(name, str) for name in names):
        raise ValueError("services: must be a non-empty list of service names")
    return {name.lower() for name in names} <= LOOP_SERVICES


def recursion_config_request(function_name: str, recursive_loop: str = "Terminate") -> dict:
    """The ``PutFunctionRecursionConfig`` request; ``ValueError`` for values AWS rejects."""
    if not isinstance(function_name, str) or not 1 <= len(function_name) <= 140:
        raise ValueError("function_name: must be a function name or ARN, 1-140 characters")
    if recursive_loop not in RECURSIVE_LOOP:
        raise ValueError("recursive_loop: must be 'Terminate' (the default) or 'Allow'")
    return {"FunctionName": function_name, "RecursiveLoop": recursive_loop}


def set_recursion_config(
    function_name: str, recursive_loop: str = "Terminate", *, client: Any = None
) -> str:
    """Apply the setting and return the value Lambda reports back."""
    client = client or boto3.client("lambda")
    request = recursion_config_request(function_name, recursive_loop)
    return client.put_function_recursion_config(**request)["RecursiveLoop"]


# --8<-- [start:guard]
OUTPUT_PREFIX = "thumbnails/"


def should_process(s3_key: str) -> bool:
    """The function's own guard: never handle the objects it writes itself."""
    return isinstance(s3_key, str) and bool(s3_key) and not s3_key.startswith(OUTPUT_PREFIX)
# --8<-- [end:guard]


def simulate_s3_loop(*, recursive_loop: str = "Terminate", guard: bool = False,
                     limit: int = 100) -> int:
    """How many times a function that writes back to its own trigger bucket runs.

    A teaching model: each run writes one object, S3 invokes the function again, and Lambda
    counts the chain. With ``Terminate`` it stops the chain after about 16 runs.
    """
    if recursive_loop not in RECURSIVE_LOOP:
        raise ValueError("recursive_loop: must be 'Terminate' or 'Allow'")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise ValueError("limit: must be a whole number from 1 to 10,000")
    key, runs = "uploads/cat.jpg", 0
    while runs < limit:
        if recursive_loop == "Terminate" and runs >= LOOP_THRESHOLD:
            break  # Lambda drops the invocation (metric RecursiveInvocationsDropped)
        runs += 1
        if guard and not should_process(key):
            break  # the function ignores its own output: the chain ends here
        key = OUTPUT_PREFIX + key.rsplit("/", 1)[-1] if guard else f"uploads/{runs}.jpg"
    return runs
