"""Lambda versions and aliases: publish, point, weight, and check what moto lets through.

AWS rules for a weighted alias (one extra version, weights 0.0-1.0, published versions only,
no alias-to-alias) are enforced by the Lambda service. moto accepts all of them, so
:func:`check_routing` states them in one place and :func:`point_alias` refuses to send a
routing configuration that breaks one.
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERSIONS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html"
ALIASES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html"
ROUTING_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html"
ROUTING_API_PAGE = "https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html"

LATEST = "$LATEST"
# The Lambda API's own patterns (botocore model, CreateAlias): a version is $LATEST or digits,
# an alias name is letters, digits, - and _ but never only digits.
VERSION_PATTERN = re.compile(r"[0-9]+")
ALIAS_PATTERN = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")
FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?"
)
FUNCTION_NAME = re.compile(
    r"(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}"
)
MAX_ADDITIONAL_VERSIONS = 1
MAX_SIMULATED_INVOCATIONS = 10_000_000

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _client(service: str, client: Any = None) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client(service)


def _name(field: str, value: object, pattern: re.Pattern[str], rule: str) -> str:
    """``value`` if it is a string matching ``pattern``; a ValueError naming the rule if not."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{field}: {str(value)[:60]!r} is not {rule}")
    return value


def zipped_handler(body: str) -> bytes:
    """A .zip holding app.py with ``handler`` returning ``body``: one distinct build per body."""
    if not isinstance(body, str) or len(body) > 1_000:
        raise ValueError("body: expected a string of at most 1,000 characters")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        source = f"def handler(event, context):\n    return {body!r}\n"
        archive.writestr(zipfile.ZipInfo("app.py", date_time=(2026, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()


def create_demo_function(
    name: str, *, lambda_client: Any = None, iam_client: Any = None
) -> str:
    """Create a role and a python3.13 function whose $LATEST returns "v1"; return its ARN."""
    _name("name", name, re.compile(r"[a-zA-Z0-9_-]{1,59}"), "a function name (1-59 of a-z0-9_-)")
    iam = _client("iam", iam_client)
    role = iam.create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    created = _client("lambda", lambda_client).create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zipped_handler("v1")},
    )
    return created["FunctionArn"]


# --8<-- [start:publish]
def publish_new_version(function_name: str, body: str, *, client: Any = None) -> dict[str, Any]:
    """Change $LATEST's code, then freeze it as the next numbered version."""
    _name("function_name", function_name, FUNCTION_NAME, "a function name or ARN")
    lam = _client("lambda", client)
    lam.update_function_code(FunctionName=function_name, ZipFile=zipped_handler(body))
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    return lam.publish_version(FunctionName=function_name, Description=f"returns {body}")
# --8<-- [end:publish]


def split_function_arn(arn: str) -> tuple[str, str | None]:
    """Return (function name, qualifier or None) from a function ARN; ValueError otherwise."""
    if not isinstance(arn, str):
        raise ValueError(f"arn: expected a string, got {type(arn).__name__}")
    match = FUNCTION_ARN.fullmatch(arn)
    if match is None:
        raise ValueError(
            f"arn: {arn[:80]!r} is not a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>])"
        )
    return match["name"], match["qualifier"]


def qualified_arn(function_arn: str, qualifier: str) -> str:
    """Add a version or alias to an unqualified function ARN."""
    _, existing = split_function_arn(function_arn)
    if existing is not None:
        raise ValueError(f"function_arn: already qualified with {existing!r}")
    if not isinstance(qualifier, str) or not (
        qualifier == LATEST
        or VERSION_PATTERN.fullmatch(qualifier)
        or ALIAS_PATTERN.fullmatch(qualifier)
    ):
        raise ValueError(f"qualifier: {qualifier!r} is not $LATEST, a version or an alias name")
    return f"{function_arn}:{qualifier}"


def _version_problem(field: str, value: object, *, allow_latest: bool) -> str | None:
    if not isinstance(value, str):
        return f"{field}: expected a version string such as '3', got {type(value).__name__}"
    if value == LATEST:
        if allow_latest:
            return None
        return f"{field}: $LATEST cannot take part in weighted routing; publish a version"
    if VERSION_PATTERN.fullmatch(value):
        if int(value) < 1:
            return f"{field}: version numbers start at 1, got {value!r}"
        return None
    if ALIAS_PATTERN.fullmatch(value):
        return f"{field}: {value!r} is an alias; an alias must point to a version, not an alias"
    return f"{field}: {value[:40]!r} is not a version ($LATEST or a number)"


def check_routing(function_version: object, routing_config: object = None) -> list[str]:
    """Every rule of AWS's alias routing that ``routing_config`` or the version breaks."""
    problems: list[str] = []
    weighted = isinstance(routing_config, Mapping) and bool(
        routing_config.get("AdditionalVersionWeights")
    )
    problem = _version_problem("FunctionVersion", function_version, allow_latest=not weighted)
    if problem:
        problems.append(problem)
    if routing_config is None:
        return problems
    if not isinstance(routing_config, Mapping):
        return [*problems, "RoutingConfig: expected a mapping with AdditionalVersionWeights"]
    unknown = sorted(str(key) for key in routing_config if key != "AdditionalVersionWeights")
    if unknown:
        problems.append(f"RoutingConfig: unknown keys {unknown}; only AdditionalVersionWeights")
    weights = routing_config.get("AdditionalVersionWeights", {})
    if not isinstance(weights, Mapping):
        return [*problems, "AdditionalVersionWeights: expected a mapping of version to weight"]
    if len(weights) > MAX_ADDITIONAL_VERSIONS:
        problems.append(
            f"AdditionalVersionWeights: {len(weights)} versions; an alias routes to at most "
            "2 versions (its own plus 1 additional)"
        )
    for version, weight in weights.items():
        field = f"AdditionalVersionWeights[{str(version)[:40]!r}]"
        problem = _version_problem(field, version, allow_latest=False)
        if problem:
            problems.append(problem)
        elif version == function_version:
            problems.append(f"{field}: the additional version must differ from FunctionVersion")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            problems.append(f"{field}: weight must be a number, got {type(weight).__name__}")
        elif not (math.isfinite(weight) and 0.0 <= weight <= 1.0):
            problems.append(f"{field}: weight {weight} is outside 0.0-1.0")
    return problems


def check_same_role_and_dlq(primary: object, additional: object) -> list[str]:
    """Two GetFunctionConfiguration results must share role and dead-letter queue to be weighted."""
    if not isinstance(primary, Mapping) or not isinstance(additional, Mapping):
        return ["configurations: expected two GetFunctionConfiguration mappings"]
    problems = []
    if primary.get("Role") != additional.get("Role"):
        problems.append("Role: both versions must use the same execution role")
    dlq_a = (primary.get("DeadLetterConfig") or {}).get("TargetArn")
    dlq_b = (additional.get("DeadLetterConfig") or {}).get("TargetArn")
    if dlq_a != dlq_b:
        problems.append("DeadLetterConfig: both versions need the same dead-letter queue (or none)")
    return problems


def point_alias(
    function_name: str,
    alias: str,
    version: str,
    *,
    additional: Mapping[str, float] | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """Create or move ``alias`` to ``version`` (optionally weighted); check first, then send."""
    _name("function_name", function_name, FUNCTION_NAME, "a function name or ARN")
    _name("alias", alias, ALIAS_PATTERN, "an alias name (letters, digits, - and _, not all digits)")
    if additional is not None and not isinstance(additional, Mapping):
        raise ValueError("additional: expected a mapping of version to weight")
    routing = {"AdditionalVersionWeights": dict(additional or {})}
    problems = check_routing(version, routing if additional else None)
    if problems:
        raise ValueError("; ".join(problems))
    lam = _client("lambda", client)
    request = {"FunctionName": function_name, "Name": alias, "FunctionVersion": version,
               "RoutingConfig": routing}
    try:
        return lam.update_alias(**request)
    except lam.exceptions.ResourceNotFoundException:
        return lam.create_alias(**request)


@dataclass(frozen=True)
class RoutingSample:
    """What N invocations of a weighted alias did, next to what was configured."""

    invocations: int
    configured_weight: float
    to_additional: int

    @property
    def observed_weight(self) -> float:
        return self.to_additional / self.invocations

    @property
    def standard_error(self) -> float:
        """Typical distance between observed and configured share at this N."""
        w = self.configured_weight
        return math.sqrt(w * (1 - w) / self.invocations)


def simulate_routing(weight: float, invocations: int, seed: int = 7) -> RoutingSample:
    """Send each invocation to the additional version with probability ``weight``, like Lambda."""
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"weight: expected a number between 0.0 and 1.0, got {weight!r:.40}")
    if not (math.isfinite(weight) and 0.0 <= weight <= 1.0):
        raise ValueError(f"weight: {weight} is outside 0.0-1.0")
    if isinstance(invocations, bool) or not isinstance(invocations, int):
        raise ValueError(f"invocations: expected a whole number, got {invocations!r:.40}")
    if not 1 <= invocations <= MAX_SIMULATED_INVOCATIONS:
        raise ValueError(f"invocations: must be 1-{MAX_SIMULATED_INVOCATIONS:,}, got {invocations}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an integer, got {seed!r:.40}")
    rng = random.Random(seed)
    hits = sum(rng.random() < weight for _ in range(invocations))
    return RoutingSample(invocations, float(weight), hits)


SAMPLE_SIZES = (10, 100, 1_000, 100_000)


def routing_table(weight: float = 0.1, seed: int = 7) -> str:
    """The page's table of observed versus configured split, generated here."""
    lines = [
        "| Invocations | To the new version | Observed share | Configured | Typical noise (±1 SE) "
        "|",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in SAMPLE_SIZES:
        sample = simulate_routing(weight, size, seed)
        lines.append(
            f"| {size:,} | {sample.to_additional:,} | {sample.observed_weight:.1%} "
            f"| {weight:.0%} | ±{sample.standard_error:.1%} |"
        )
    return "\n".join(lines)
