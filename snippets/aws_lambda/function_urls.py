"""Lambda function URLs: address, target, CORS, the request a function receives and its reply.

A URL is ``https://<url-id>.lambda-url.<region>.on.aws`` and points at ``$LATEST`` or an
alias, never a numbered version. The function receives the API Gateway HTTP API payload
(format 2.0) and Lambda turns what it returns into the HTTP response.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

URLS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html"
INVOCATION_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html"
CORS_API_PAGE = "https://docs.aws.amazon.com/lambda/latest/api/API_Cors.html"

AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")

URL_HOST = re.compile(
    r"(?P<url_id>[a-z0-9]{1,63})\.lambda-url\."
    r"(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.on\.aws"
)


def parse_function_url(url: str) -> tuple[str, str]:
    """Return ``(url_id, region)`` of a function URL; ValueError says what is wrong."""
    if not isinstance(url, str):
        raise ValueError(f"url: must be a string, not {type(url).__name__}")
    if not url or len(url) > 8192 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("url: must be one non-empty line without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValueError(f"url: cannot be parsed ({error})") from None
    if parts.scheme.lower() != "https":
        raise ValueError(f"url: function URLs are https only, not {parts.scheme or 'no scheme'!r}")
    if parts.username is not None or port not in (None, 443):
        raise ValueError("url: a function URL has no user name and no port other than 443")
    host = (parts.hostname or "").rstrip(".")
    match = URL_HOST.fullmatch(host)
    if match is None:
        if host.startswith(".") or host.startswith("lambda-url."):
            raise ValueError("url: the <url-id> before .lambda-url. is missing")
        raise ValueError(
            f"url: host {host[:80]!r} is not <url-id>.lambda-url.<region>.on.aws"
        )
    return match.group("url_id"), match.group("region")


ALIAS_NAME = re.compile(r"(?!\d+$)[A-Za-z0-9_-]{1,128}")


def check_url_qualifier(qualifier: str | None) -> None:
    """A URL points at ``$LATEST`` (``None`` or ``"$LATEST"``) or an alias, never a version."""
    if qualifier is None or qualifier == "$LATEST":
        return
    if not isinstance(qualifier, str):
        raise ValueError(f"qualifier: must be a string or None, not {type(qualifier).__name__}")
    if qualifier.isascii() and qualifier.isdigit():
        raise ValueError(
            f"qualifier: {qualifier!r} is a version number; a function URL can point at "
            "$LATEST or an alias, never a published version"
        )
    if not ALIAS_NAME.fullmatch(qualifier):
        raise ValueError(
            f"qualifier: {qualifier[:80]!r} is not an alias name "
            "(1-128 letters, digits, hyphens or underscores, not only digits)"
        )


CORS_LIMITS: dict[str, dict[str, Any]] = {
    "AllowCredentials": {"type": "boolean", "rule": "true or false (default false)"},
    "AllowHeaders": {"type": "list", "max_items": 100, "max_length": 1024},
    "AllowMethods": {"type": "list", "max_items": 6, "max_length": 6,
                     "values": ("GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "*")},
    "AllowOrigins": {"type": "list", "max_items": 100, "min_length": 1, "max_length": 253},
    "ExposeHeaders": {"type": "list", "max_items": 100, "max_length": 1024},
    "MaxAge": {"type": "integer", "min": 0, "max": 86_400, "rule": "seconds (default 0)"},
}


def validate_cors(cors: Mapping[str, Any], *, include_risks: bool = True) -> list[str]:
    """Problems with a URL's ``Cors`` object, ``[]`` when clean. Never raises.

    Reports what the Lambda API rejects; with ``include_risks`` also the combination AWS
    accepts but should not: credentials with a wildcard origin.
    """
    if not isinstance(cors, Mapping):
        return [f"Cors: must be an object, not {type(cors).__name__}"]
    problems = [f"Cors: unknown field {str(key)[:60]!r}" for key in cors if key not in CORS_LIMITS]
    for name, value in cors.items():
        limits = CORS_LIMITS.get(name)
        if limits is None:
            continue
        if limits["type"] == "boolean":
            if not isinstance(value, bool):
                problems.append(f"Cors.{name}: must be true or false")
        elif limits["type"] == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"Cors.{name}: must be a whole number of seconds")
            elif not limits["min"] <= value <= limits["max"]:
                problems.append(
                    f"Cors.{name}: {value} is outside {limits['min']}-{limits['max']} seconds"
                )
        else:
            problems += _list_problems(name, value, limits)
    if include_risks and cors.get("AllowCredentials") is True:
        origins = cors.get("AllowOrigins")
        if isinstance(origins, list) and "*" in origins:
            problems.append(
                "Cors: AllowCredentials true with AllowOrigins \"*\" lets any web site send "
                "credentialed requests; list the origins you trust instead"
            )
    return problems


def _list_problems(name: str, value: object, limits: Mapping[str, Any]) -> list[str]:
    if not isinstance(value, list):
        return [f"Cors.{name}: must be a list of strings"]
    problems = []
    if len(value) > limits["max_items"]:
        problems.append(f"Cors.{name}: {len(value)} items, more than {limits['max_items']}")
    for index, item in enumerate(value[: limits["max_items"] + 1]):
        where = f"Cors.{name}[{index}]"
        if not isinstance(item, str):
            problems.append(f"{where}: must be a string")
        elif "values" in limits and item not in limits["values"]:
            problems.append(f"{where}: {item[:20]!r} is not one of {', '.join(limits['values'])}"
                            " (list the methods of the actual requests: for an OPTIONS preflight"
                            " request Lambda returns the URL's CORS headers)")
        elif not limits.get("min_length", 0) <= len(item) <= limits["max_length"]:
            problems.append(f"{where}: {len(item)} characters, allowed "
                            f"{limits.get('min_length', 0)}-{limits['max_length']}")
    return problems


FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def url_config_request(
    function_name: str,
    *,
    auth_type: str,
    qualifier: str | None = None,
    cors: Mapping[str, Any] | None = None,
    invoke_mode: str = "BUFFERED",
) -> dict[str, Any]:
    """The ``create_function_url_config`` request, checked before AWS sees it."""
    if not isinstance(function_name, str) or not FUNCTION_NAME.fullmatch(function_name):
        raise ValueError("function_name: 1-64 letters, digits, hyphens or underscores; "
                         "pass an alias as qualifier, not inside the name")
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type: must be NONE or AWS_IAM, not {str(auth_type)[:40]!r}")
    if invoke_mode not in INVOKE_MODES:
        raise ValueError(f"invoke_mode: must be BUFFERED or RESPONSE_STREAM, "
                         f"not {str(invoke_mode)[:40]!r}")
    check_url_qualifier(qualifier)
    request: dict[str, Any] = {
        "FunctionName": function_name, "AuthType": auth_type, "InvokeMode": invoke_mode,
    }
    if qualifier not in (None, "$LATEST"):  # $LATEST is the unqualified function
        request["Qualifier"] = qualifier
    if cors is not None:
        problems = validate_cors(cors)
        if problems:
            raise ValueError("; ".join(problems[:3]))
        request["Cors"] = dict(cors)
    return request


def demo_function(name: str, *, client: Any = None, iam: Any = None) -> str:
    """Deploy the page's example function with version 1 and the alias ``live``; its ARN.

    Set-up for the page's example only: a role Lambda can assume and a one-line handler.
    """
    if client is None or iam is None:
        import boto3

        client = client or boto3.client("lambda")
        iam = iam or boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"{name}-role",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'hi'\n")
    arn = client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                 Handler="app.handler",
                                 Code={"ZipFile": package.getvalue()})["FunctionArn"]
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return arn


SAMPLE_EVENT = Path(__file__).with_name("function-url-event-hello.json")


def sample_event() -> dict[str, Any]:
    """The page's sample event: a signed GET /hello through an AWS_IAM URL."""
    return json.loads(SAMPLE_EVENT.read_text())


@dataclass(frozen=True)
class Request:
    """The parts of a payload-format-2.0 event a handler usually needs."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: tuple[str, ...]
    body: bytes
    caller_arn: str | None = None  # set for AWS_IAM URLs


def parse_request(event: Mapping[str, Any]) -> Request:
    """Read a function URL event; ValueError names the field that is missing or wrong."""
    if not isinstance(event, Mapping):
        raise ValueError("event: must be an object")
    if event.get("version") != "2.0":
        raise ValueError("event.version: a function URL sends payload format \"2.0\"")
    context = _field(event, "requestContext", Mapping)
    http = _field(context, "http", Mapping, "requestContext.")
    method = _field(http, "method", str, "requestContext.http.")
    path = _field(event, "rawPath", str)
    query = _string_map(event.get("queryStringParameters"), "queryStringParameters")
    headers = {k.lower(): v for k, v in _string_map(event.get("headers"), "headers").items()}
    cookies = event.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise ValueError("event.cookies: must be a list of strings")
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("event.body: must be a string")
    if event.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("event.body: isBase64Encoded is true but it is not base64") from None
    else:
        raw = body.encode()
    authorizer = context.get("authorizer")
    iam = authorizer.get("iam") if isinstance(authorizer, Mapping) else None
    caller = iam.get("userArn") if isinstance(iam, Mapping) else None
    return Request(method.upper(), path, query, headers, tuple(cookies), raw,
                   caller if isinstance(caller, str) else None)


def _field(source: Mapping[str, Any], name: str, kind: type, prefix: str = "") -> Any:
    value = source.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"event.{prefix}{name}: missing or not a {kind.__name__}")
    return value


def _string_map(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"event.{name}: must map strings to strings")
    return dict(value)


def _visits(request: Request) -> int:
    """The count in the request's ``visits`` cookie; 0 when it is missing or not a count."""
    seen = [c.partition("=")[2] for c in request.cookies if c.startswith("visits=")]
    return int(seen[0]) if seen and seen[0].isdigit() and len(seen[0]) < 9 else 0


# --8<-- [start:handler]
def handler(event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
    """Route ``GET /hello`` and ``POST /echo``; anything else gets a JSON error."""
    try:
        request = parse_request(event)
    except ValueError as error:
        return _json(400, {"error": str(error)})
    routes = {"/hello": "GET", "/echo": "POST"}
    if request.path not in routes:
        return _json(404, {"error": f"no route for {request.path[:100]}"})
    if request.method != routes[request.path]:
        return _json(405, {"error": f"use {routes[request.path]}"},
                     {"allow": routes[request.path]})
    if request.path == "/hello":
        name = request.query.get("name", "world")[:100]
        response = _json(200, {"message": f"Hello, {name}!"})
        response["cookies"] = [f"visits={_visits(request) + 1}; Max-Age=3600; Secure; HttpOnly"]
        return response
    return {  # /echo: send the bytes back as they came, base64 on the wire
        "statusCode": 200,
        "headers": {"content-type": request.headers.get("content-type",
                                                        "application/octet-stream")},
        "body": base64.b64encode(request.body).decode(),
        "isBase64Encoded": True,
    }


def _json(status: int, payload: object, headers: Mapping[str, str] | None = None) -> dict:
    return {"statusCode": status,
            "headers": {"content-type": "application/json", **(headers or {})},
            "body": json.dumps(payload)}
# --8<-- [end:handler]


@dataclass(frozen=True)
class HttpResponse:
    """What the client of the URL receives."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def to_http_response(result: object) -> HttpResponse:
    """Apply Lambda's response rules to what a handler returned.

    A result with ``statusCode`` is used as it is; any other JSON value becomes a 200 with
    ``content-type: application/json`` and that value as the body. ``cookies`` become
    ``set-cookie`` headers. ValueError if Lambda could not turn it into a response.
    """
    try:
        encoded = json.dumps(result)
    except (TypeError, ValueError, RecursionError):
        raise ValueError("result: a handler must return a JSON-serialisable value") from None
    if not (isinstance(result, Mapping) and "statusCode" in result):
        return HttpResponse(200, [("content-type", "application/json")], encoded.encode())
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("result.statusCode: must be an HTTP status code, 100-599")
    headers = result.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError("result.headers: must map header names to strings")
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise ValueError("result.cookies: must be a list of strings")
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("result.body: must be a string (serialise JSON yourself)")
    if result.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("result.body: isBase64Encoded is true but it is not base64") from None
    else:
        raw = body.encode()
    lines = [(str(name).lower(), value) for name, value in headers.items()]
    lines += [("set-cookie", cookie) for cookie in cookies]
    return HttpResponse(status, lines, raw)


def _signing_input(url: str, method: str, body: bytes, credentials: Any) -> tuple[str, Any]:
    """The URL's Region and the credentials to sign with; ValueError for unusable input."""
    _url_id, region = parse_function_url(url)
    if method not in ("GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"):
        raise ValueError(f"method: {str(method)[:20]!r} is not an HTTP method a URL accepts")
    if not isinstance(body, bytes):
        raise ValueError("body: must be bytes")
    if credentials is None:
        import boto3

        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise ValueError("credentials: none found; configure AWS credentials first")
    return region, credentials


# --8<-- [start:sign]
def signed_headers(url: str, *, method: str = "GET", body: bytes = b"",
                   headers: Mapping[str, str] | None = None,
                   credentials: Any = None) -> dict[str, str]:
    """The headers a caller sends to an ``AWS_IAM`` URL (default: the session's credentials)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    region, credentials = _signing_input(url, method, body, credentials)
    host = {"host": url.split("/")[2].lower()}  # signed, and sent by every HTTP client
    request = AWSRequest(method=method, url=url, data=body, headers={**host, **(headers or {})})
    SigV4Auth(credentials, "lambda", region).add_auth(request)
    return dict(request.headers.items())
# --8<-- [end:sign]
