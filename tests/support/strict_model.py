"""Validate boto3 requests against botocore's service model, strictly.

botocore validates types, required members and ``min`` before it sends a request,
but never ``max``, ``enum`` or ``pattern``. moto is a wiring emulator and accepts
almost anything (``AuthType="BOGUS"``, ``MemorySize=40000``, a routing weight of 1.5).
So every call an example makes in the test suite is also checked here, against the
constraints AWS publishes in the model, before it reaches moto.

The service applies rules the model lacks, too (a standard function's 900-second timeout,
runtimes whose creation is blocked, 4 KB of environment variables, 64-character names):
every Lambda ``CreateFunction`` / ``UpdateFunctionConfiguration`` request also goes through
cicd-check's own ``check_function_config`` rules, so no example can teach a request AWS
would refuse.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any

import regex
from botocore.client import BaseClient
from botocore.exceptions import ParamValidationError
from botocore.model import Shape

from cicd_check import function_config
from tests.support import policy_lint

# Runtime deprecation is judged on this day, not the calendar's, so the suite does not
# change by surprise; move it forward when cicd_check/data/runtimes.json is refreshed.
STRICT_DATE = dt.date(2026, 12, 1)
SERVICE_RULES = {("lambda", "CreateFunction"), ("lambda", "UpdateFunctionConfiguration")}


class StrictModelError(ParamValidationError):
    """A request AWS would reject that botocore's own validation lets through."""

    def __init__(self, operation: str, problems: list[str]) -> None:
        report = f"{operation}: " + "; ".join(problems)
        super().__init__(report=report)
        self.operation = operation
        self.problems = problems


@cache
def _compile(pattern: str) -> regex.Pattern[str]:
    # The models' patterns are written for Java/ECMAScript engines (\p{L} classes,
    # a literal "-" after \w in a class); the `regex` module reads them as AWS does.
    return regex.compile(pattern)


def validate(shape: Shape | None, value: Any, path: str = "") -> list[str]:
    """Return one message per constraint of ``shape`` that ``value`` breaks."""
    if shape is None:
        return []
    problems: list[str] = []
    metadata = shape.metadata
    where = path or "request"
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            return []  # botocore reports wrong types itself
        for name in metadata.get("required", []):
            if name not in value:
                problems.append(f"{where}: missing required member {name!r}")
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is not None:
                child = f"{path}.{name}" if path else name
                problems.extend(validate(member, member_value, child))
        return problems
    if kind == "list":
        if not isinstance(value, list | tuple):
            return []
        problems.extend(_check_length(metadata, len(value), where, "items"))
        for index, item in enumerate(value):
            problems.extend(validate(shape.member, item, f"{where}[{index}]"))
        return problems
    if kind == "map":
        if not isinstance(value, Mapping):
            return []
        problems.extend(_check_length(metadata, len(value), where, "entries"))
        for key, item in value.items():
            problems.extend(validate(shape.key, key, f"{where} key {key!r}"))
            problems.extend(validate(shape.value, item, f"{where}[{key!r}]"))
        return problems
    if kind == "string":
        if not isinstance(value, str):
            return []
        if shape.enum and value not in shape.enum:
            allowed = ", ".join(shape.enum)
            problems.append(f"{where}: {value!r} is not one of {allowed}")
        problems.extend(_check_length(metadata, len(value), where, "characters"))
        pattern = metadata.get("pattern")
        # AWS's services check these patterns with Java's matches(): the whole value
        # must match, anchored or not (RoleSessionName is "[\\w+=,.@-]*").
        if pattern and _compile(pattern).fullmatch(value) is None:
            problems.append(f"{where}: {value!r} does not match pattern {pattern}")
        return problems
    if kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return []
        minimum, maximum = metadata.get("min"), metadata.get("max")
        if minimum is not None and value < minimum:
            problems.append(f"{where}: {value} is below the minimum {minimum}")
        if maximum is not None and value > maximum:
            problems.append(f"{where}: {value} is above the maximum {maximum}")
        return problems
    if kind == "blob":
        if isinstance(value, bytes | bytearray):
            problems.extend(_check_length(metadata, len(value), where, "bytes"))
        elif isinstance(value, str):
            problems.extend(_check_length(metadata, len(value.encode()), where, "bytes"))
        return problems
    if kind == "timestamp" and not isinstance(value, dt.datetime | str | int | float):
        return []
    return problems


def _check_length(metadata: Mapping[str, Any], size: int, where: str, unit: str) -> list[str]:
    problems = []
    minimum, maximum = metadata.get("min"), metadata.get("max")
    if minimum is not None and size < minimum:
        problems.append(f"{where}: {size} {unit}, fewer than the minimum {minimum}")
    if maximum is not None and size > maximum:
        problems.append(f"{where}: {size} {unit}, more than the maximum {maximum}")
    return problems


def check_call(client: BaseClient, operation_name: str, params: Mapping[str, Any]) -> None:
    """Raise :class:`StrictModelError` if ``params`` break the operation's input shape."""
    operation = client.meta.service_model.operation_model(operation_name)
    problems = validate(operation.input_shape, params)
    service = client.meta.service_model.service_name
    if (service, operation_name) in SERVICE_RULES:
        problems += [f"{finding} ({finding.id})" for finding in
                     function_config.request_problems(operation_name, params, on=STRICT_DATE)]
    if problems:
        raise StrictModelError(f"{service}.{operation_name}", problems)


_original_make_api_call = BaseClient._make_api_call


def _strict_make_api_call(self: BaseClient, operation_name: str, api_params: dict) -> Any:
    check_call(self, operation_name, api_params)
    policy_lint.check_call(self.meta.service_model.service_name, operation_name, api_params)
    return _original_make_api_call(self, operation_name, api_params)


def install(monkeypatch: Any) -> None:
    """Check every boto3 call made while the patch is active (used by conftest)."""
    monkeypatch.setattr(BaseClient, "_make_api_call", _strict_make_api_call)


def encode_blob(data: bytes) -> str:
    """Base64 text of ``data`` (handy when a test builds a blob by hand)."""
    return base64.b64encode(data).decode()
