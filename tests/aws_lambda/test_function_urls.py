"""Tests for snippets/aws_lambda/function_urls.py: addresses, targets, CORS, events, signing."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.aws_lambda.function_urls import (
    CORS_LIMITS,
    HttpResponse,
    check_url_qualifier,
    demo_function,
    handler,
    parse_function_url,
    parse_request,
    sample_event,
    signed_headers,
    to_http_response,
    url_config_request,
    validate_cors,
)
from snippets.aws_lambda.limits import quota
from tests.support.strict_model import StrictModelError, _compile

REPO = Path(__file__).resolve().parents[2]
EVENT = sample_event()
PAGE = REPO / "docs" / "lambda" / "function-urls.md"
URL = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
LAMBDA_MODEL = botocore.session.get_session().get_service_model("lambda")


# ----------------------------------------------------------------- the address


@pytest.mark.parametrize(
    "url, expected",
    [
        (URL, ("abcdefghijklmnopqrstuvwxyz012345", "us-east-1")),
        (URL + "/", ("abcdefghijklmnopqrstuvwxyz012345", "us-east-1")),
        (URL + "/hello?name=Ana", ("abcdefghijklmnopqrstuvwxyz012345", "us-east-1")),
        ("https://abcdefg.lambda-url.us-east-1.on.aws/?message=HelloWorld",
         ("abcdefg", "us-east-1")),  # AWS's own example
        ("HTTPS://ABCDEFG.LAMBDA-URL.EU-WEST-1.ON.AWS", ("abcdefg", "eu-west-1")),
        ("https://abc.lambda-url.us-gov-west-1.on.aws:443/x", ("abc", "us-gov-west-1")),
    ],
)
def test_parse_function_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_function_url(url) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://abcdefg.lambda-url.us-east-1.on.aws", "https only"),
        ("abcdefg.lambda-url.us-east-1.on.aws", "https only"),
        ("https://lambda-url.us-east-1.on.aws", "<url-id>"),
        ("https://.lambda-url.us-east-1.on.aws", "<url-id>"),
        ("https://abcdefg.execute-api.us-east-1.amazonaws.com", "is not <url-id>"),
        ("https://abcdefg.lambda-url.us-east-1.on.aws.evil.example", "is not <url-id>"),
        ("https://abcdefg.lambda-url.useast1.on.aws", "is not <url-id>"),
        ("https://ab_cd.lambda-url.us-east-1.on.aws", "is not <url-id>"),
        ("https://abcdefg.lambda-url.us-east-1.on.aws:8443", "port"),
        ("https://user@abcdefg.lambda-url.us-east-1.on.aws", "user name"),
        ("https://[::1", "cannot be parsed"),
        ("https://abcdefg.lambda-url.us-east-1.on.aws/ path", "without spaces"),
        ("", "non-empty"),
        ("https://" + "a" * 9000, "one non-empty line"),
        (None, "must be a string"),
        (b"https://abcdefg.lambda-url.us-east-1.on.aws", "must be a string"),
    ],
)
def test_parse_function_url_rejects(url: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_function_url(url)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80) | st.binary(max_size=20) | st.integers() | st.none()
       | st.builds(lambda a, b: f"https://{a}.lambda-url.{b}.on.aws", st.text(max_size=10),
                   st.text(max_size=12)))
def test_parse_function_url_only_returns_or_raises_value_error(url: Any) -> None:
    try:
        url_id, region = parse_function_url(url)
    except ValueError as error:
        assert str(error).startswith("url:")
    else:
        assert url_id and region and url_id in url.lower()


# ----------------------------------------------------------------- the qualifier


@pytest.mark.parametrize("qualifier", [None, "$LATEST", "live", "prod-2", "v1", "blue_green",
                                       "a" * 128, "1a"])
def test_latest_and_aliases_are_fine(qualifier: str | None) -> None:
    check_url_qualifier(qualifier)


@pytest.mark.parametrize("qualifier, message", [
    ("1", "version number"), ("42", "version number"), ("$LATEST.PUBLISHED", "not an alias"),
    ("live!", "not an alias"), ("", "not an alias"), ("a" * 129, "not an alias"),
    ("١٢", "not an alias"), (7, "must be a string"), (["live"], "must be a string"),
])
def test_versions_and_garbage_are_refused(qualifier: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_url_qualifier(qualifier)


def model_accepts_qualifier(value: str) -> bool:
    shape = LAMBDA_MODEL.operation_model("CreateFunctionUrlConfig").input_shape.members[
        "Qualifier"]
    length_ok = shape.metadata["min"] <= len(value) <= shape.metadata["max"]
    return length_ok and _compile(shape.metadata["pattern"]).fullmatch(value) is not None


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="0123456789abcXYZ-_$.! ", min_size=0, max_size=12)
       | st.text(alphabet="0123456789", min_size=1, max_size=5)
       | st.text(alphabet="abc", min_size=126, max_size=131))
def test_check_url_qualifier_agrees_with_the_botocore_model(qualifier: str) -> None:
    try:
        check_url_qualifier(qualifier)
        ours = True
    except ValueError:
        ours = False
    if qualifier == "$LATEST":
        # Not a Qualifier value at all: a $LATEST URL is created without one.
        assert ours and not model_accepts_qualifier(qualifier)
        assert "Qualifier" not in url_config_request("fn", auth_type="NONE", qualifier=qualifier)
    else:
        assert ours == model_accepts_qualifier(qualifier), qualifier


# ----------------------------------------------------------------- CORS

AWS_CORS_EXAMPLE = {  # origins as in the API_Cors reference; the rest a realistic setup
    "AllowCredentials": False,
    "AllowHeaders": ["date", "keep-alive", "x-custom-header"],
    "AllowMethods": ["GET", "POST", "DELETE"],
    "AllowOrigins": ["https://www.example.com", "http://localhost:60905"],
    "ExposeHeaders": ["date", "keep-alive"],
    "MaxAge": 86400,
}


@pytest.mark.parametrize("cors", [
    AWS_CORS_EXAMPLE,
    {"AllowOrigins": ["*"], "AllowMethods": ["*"]},
    {"AllowOrigins": ["https://app.example.com"], "AllowCredentials": True, "MaxAge": 0},
    {},
    {"AllowHeaders": [""] * 100, "AllowMethods": ["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE"]},
])
def test_valid_cors_is_clean(cors: dict) -> None:
    assert validate_cors(cors) == []


@pytest.mark.parametrize("cors, message", [
    ({"MaxAge": 86401}, "Cors.MaxAge: 86401 is outside 0-86400"),
    ({"MaxAge": -1}, "outside"),
    ({"MaxAge": "60"}, "whole number"),
    ({"MaxAge": True}, "whole number"),
    ({"AllowCredentials": "true"}, "true or false"),
    ({"AllowMethods": ["OPTIONS"]}, "Cors.AllowMethods[0]: 'OPTIONS' is not one of"),
    ({"AllowMethods": ["OPTIONS"]}, "for an OPTIONS preflight request Lambda returns the URL's"),
    ({"AllowMethods": ["get"]}, "is not one of"),
    ({"AllowMethods": ["GET"] * 7}, "7 items, more than 6"),
    ({"AllowMethods": "GET"}, "must be a list"),
    ({"AllowOrigins": [""]}, "0 characters, allowed 1-253"),
    ({"AllowOrigins": ["https://" + "a" * 250]}, "258 characters"),
    ({"AllowOrigins": ["https://x.example"] * 101}, "101 items, more than 100"),
    ({"AllowHeaders": ["x" * 1025]}, "1025 characters"),
    ({"ExposeHeaders": [7]}, "must be a string"),
    ({"AllowOrigin": ["*"]}, "unknown field 'AllowOrigin'"),
    ({"AllowCredentials": True, "AllowOrigins": ["*"]}, "credentialed requests"),
    (["*"], "Cors: must be an object"),
    (None, "Cors: must be an object"),
])
def test_cors_problems_are_named(cors: Any, message: str) -> None:
    problems = validate_cors(cors)
    assert any(message in problem for problem in problems), problems


def test_credentials_with_a_wildcard_is_a_risk_aws_accepts() -> None:
    risky = {"AllowCredentials": True, "AllowOrigins": ["*"]}
    assert validate_cors(risky, include_risks=False) == []  # the API takes it
    assert len(validate_cors(risky)) == 1


def test_cors_limits_agree_with_the_botocore_model() -> None:
    shape = LAMBDA_MODEL.shape_for("Cors")
    assert set(shape.members) == set(CORS_LIMITS)
    for name, limits in CORS_LIMITS.items():
        member = shape.members[name]
        if limits["type"] == "list":
            assert member.metadata["max"] == limits["max_items"], name
            assert member.member.metadata["max"] == limits["max_length"], name
            assert member.member.metadata.get("min", 0) == limits.get("min_length", 0), name
        elif limits["type"] == "integer":
            assert (member.metadata["min"], member.metadata["max"]) == (limits["min"],
                                                                        limits["max"])


def test_the_page_cors_table_matches_the_limits() -> None:
    text = PAGE.read_text()
    for name, limits in CORS_LIMITS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}`")), "")
        assert row, f"no table row for {name}"
        for number in ("max_items", "max_length", "max"):
            if number in limits:
                assert f"{limits[number]:,}" in row, (name, number, row)


@settings(max_examples=60, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(
        st.sampled_from(list(CORS_LIMITS)) | st.text(max_size=5), c, max_size=4),
    max_leaves=15))
def test_validate_cors_never_raises(cors: Any) -> None:
    problems = validate_cors(cors)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


# ----------------------------------------------------------------- creating URLs


def create_url(client: Any, function_name: str, **options: Any) -> dict[str, Any]:
    """Send the request the page's builder checked, as a reader would."""
    return client.create_function_url_config(**url_config_request(function_name, **options))


def read_url(client: Any, function_name: str, qualifier: str | None = None) -> dict[str, Any]:
    request = {"FunctionName": function_name}
    if qualifier is not None:
        request["Qualifier"] = qualifier
    return client.get_function_url_config(**request)


def test_demo_function_is_deployed_with_its_alias(aws: None) -> None:
    arn = demo_function("demo")
    client = boto3.client("lambda")
    alias = client.get_alias(FunctionName="demo", Name="live")
    assert alias["FunctionVersion"] == "1" and alias["AliasArn"] == f"{arn}:live"
    assert client.get_function(FunctionName="demo")["Configuration"]["Handler"] == "app.handler"


def test_urls_for_latest_and_an_alias(aws: None) -> None:
    demo_function("site")
    demo_function("api")
    client = boto3.client("lambda")
    public = create_url(client, "site", auth_type="NONE", cors=AWS_CORS_EXAMPLE)
    private = create_url(client, "api", auth_type="AWS_IAM", qualifier="live",
                         invoke_mode="RESPONSE_STREAM")
    read_public = read_url(client, "site")
    read_private = read_url(client, "api", "live")
    assert read_public["AuthType"] == "NONE" and read_public["InvokeMode"] == "BUFFERED"
    assert read_public["Cors"] == AWS_CORS_EXAMPLE
    assert read_private["AuthType"] == "AWS_IAM"
    assert read_private["InvokeMode"] == "RESPONSE_STREAM"
    for created, read in ((public, read_public), (private, read_private)):
        assert created["FunctionUrl"] == read["FunctionUrl"]
        url_id, region = parse_function_url(read["FunctionUrl"])
        assert region == "us-east-1" and len(url_id) == 32
    assert public["FunctionUrl"] != private["FunctionUrl"]


def test_moto_keeps_one_url_per_function(aws: None) -> None:
    """moto ignores the qualifier: AWS would keep both URLs and qualify the alias's ARN."""
    arn = demo_function("both")
    client = boto3.client("lambda")
    create_url(client, "both", auth_type="NONE")
    alias = create_url(client, "both", auth_type="AWS_IAM", qualifier="live")
    assert alias["FunctionArn"] == arn  # AWS: arn + ":live"
    assert read_url(client, "both")["AuthType"] == "AWS_IAM"  # overwritten


def test_the_strict_model_check_catches_what_moto_lets_through(aws: None) -> None:
    demo_function("strict")
    client = boto3.client("lambda")
    for bad in ({"Qualifier": "1"}, {"AuthType": "BOGUS"}, {"InvokeMode": "STREAM"},
                {"Cors": {"MaxAge": 86401}}, {"Cors": {"AllowMethods": ["GET"] * 7}}):
        request = {"FunctionName": "strict", "AuthType": "NONE", **bad}
        with pytest.raises(StrictModelError):
            client.create_function_url_config(**request)


def test_url_config_request_checks_before_aws_does() -> None:
    assert url_config_request("fn", auth_type="NONE") == {
        "FunctionName": "fn", "AuthType": "NONE", "InvokeMode": "BUFFERED"}
    assert url_config_request("fn", auth_type="AWS_IAM", qualifier="live")["Qualifier"] == "live"
    for kwargs, message in (
        ({"qualifier": "3"}, "version number"), ({"auth_type": "BOGUS"}, "auth_type"),
        ({"invoke_mode": "STREAM"}, "invoke_mode"), ({"cors": {"MaxAge": -5}}, "MaxAge"),
    ):
        with pytest.raises(ValueError, match=message):
            url_config_request("fn", **{"auth_type": "NONE", **kwargs})
    for name in ("fn:live", "", "x" * 65, 7):
        with pytest.raises(ValueError, match="function_name"):
            url_config_request(name, auth_type="NONE")


def test_limits_of_the_invoke_modes_come_from_the_quota_table() -> None:
    text = PAGE.read_text()
    assert quota("payload_sync") == 6 * 1024 * 1024 and "6 MB" in text
    assert quota("payload_streamed") == 200 * 1024 * 1024 and "200 MB" in text


# ----------------------------------------------------------------- the event and the handler


def event(method: str = "GET", path: str = "/hello", **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(EVENT)
    copied["rawPath"] = copied["requestContext"]["http"]["path"] = path
    copied["requestContext"]["http"]["method"] = method
    copied.update(changes)
    return copied


def test_parse_request_reads_the_sample_event() -> None:
    request = parse_request(EVENT)
    assert (request.method, request.path, request.query) == ("GET", "/hello", {"name": "Ana"})
    assert request.cookies == ("visits=2",) and request.body == b""
    assert request.headers["user-agent"] == "curl/8.5.0"
    assert request.caller_arn == "arn:aws:sts::444455556666:assumed-role/example/session-1"


def test_hello_greets_and_sets_a_cookie() -> None:
    response = handler(EVENT, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"message": "Hello, Ana!"}
    assert response["cookies"] == ["visits=3; Max-Age=3600; Secure; HttpOnly"]
    http = to_http_response(response)
    assert ("set-cookie", "visits=3; Max-Age=3600; Secure; HttpOnly") in http.headers
    first = handler(event(queryStringParameters=None, cookies=None), None)
    assert json.loads(first["body"])["message"] == "Hello, world!"
    assert first["cookies"][0].startswith("visits=1;")


def test_echo_returns_binary_bodies_intact() -> None:
    payload = bytes(range(256))
    response = handler(event("POST", "/echo", body=base64.b64encode(payload).decode(),
                             isBase64Encoded=True,
                             headers={"Content-Type": "application/octet-stream"}), None)
    http = to_http_response(response)
    assert http.status == 200 and http.body == payload
    text = handler(event("POST", "/echo", body='{"a": 1}',
                         headers={"content-type": "application/json"}), None)
    assert to_http_response(text).body == b'{"a": 1}'
    assert ("content-type", "application/json") in to_http_response(text).headers


@pytest.mark.parametrize("method, path, status", [
    ("POST", "/hello", 405), ("GET", "/echo", 405), ("GET", "/", 404), ("DELETE", "/x", 404),
])
def test_other_routes_get_json_errors(method: str, path: str, status: int) -> None:
    response = handler(event(method, path), None)
    assert response["statusCode"] == status and "error" in json.loads(response["body"])
    if status == 405:
        assert response["headers"]["allow"] in ("GET", "POST")


@pytest.mark.parametrize("changes, field", [
    ({"version": "1.0"}, "event.version"),
    ({"requestContext": None}, "event.requestContext"),
    ({"rawPath": 5}, "event.rawPath"),
    ({"headers": {"a": 1}}, "event.headers"),
    ({"queryStringParameters": ["a"]}, "event.queryStringParameters"),
    ({"cookies": "a=b"}, "event.cookies"),
    ({"body": {"a": 1}}, "event.body"),
    ({"body": "%%%", "isBase64Encoded": True}, "not base64"),
])
def test_malformed_events_are_named(changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=re.escape(field)):
        parse_request(event(**changes))
    response = handler(event(**changes), None)
    assert response["statusCode"] == 400 and field in json.loads(response["body"])["error"]


def test_non_object_events() -> None:
    with pytest.raises(ValueError, match="event: must be an object"):
        parse_request(["not", "an", "event"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"requestContext\.http\.method"):
        parse_request(event(requestContext={"http": {"method": 1}}))


# ----------------------------------------------------------------- response inference


@pytest.mark.parametrize("result, status, content_type, body", [
    ("Hello, world!", 200, "application/json", b'"Hello, world!"'),  # AWS's string example
    ({"message": "Hello, world!"}, 200, "application/json", b'{"message": "Hello, world!"}'),
    ([1, 2], 200, "application/json", b"[1, 2]"),
    (42, 200, "application/json", b"42"),
    (None, 200, "application/json", b"null"),
    ({"body": "no status code"}, 200, "application/json", b'{"body": "no status code"}'),
])
def test_a_bare_json_value_becomes_a_200(result: Any, status: int, content_type: str,
                                         body: bytes) -> None:
    assert to_http_response(result) == HttpResponse(status, [("content-type", content_type)],
                                                    body)


def test_a_custom_response_is_used_as_given() -> None:
    custom = {  # AWS's custom-response example, cookies included
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "My-Custom-Header": "Custom Value"},
        "body": json.dumps({"message": "Hello, world!"}),
        "cookies": ["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT",
                    "Cookie_2=Value2; Max-Age=78000"],
        "isBase64Encoded": False,
    }
    http = to_http_response(custom)
    assert http.status == 201 and json.loads(http.body) == {"message": "Hello, world!"}
    assert http.headers == [
        ("content-type", "application/json"), ("my-custom-header", "Custom Value"),
        ("set-cookie", "Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT"),
        ("set-cookie", "Cookie_2=Value2; Max-Age=78000"),
    ]
    assert to_http_response({"statusCode": 204}) == HttpResponse(204, [], b"")


@pytest.mark.parametrize("result, message", [
    ({"statusCode": "200"}, "statusCode"), ({"statusCode": 99}, "statusCode"),
    ({"statusCode": True}, "statusCode"), ({"statusCode": 200, "headers": {"a": 1}}, "headers"),
    ({"statusCode": 200, "cookies": "a=b"}, "cookies"),
    ({"statusCode": 200, "body": {"a": 1}}, "body"),
    ({"statusCode": 200, "body": "%%", "isBase64Encoded": True}, "not base64"),
    ({1, 2}, "JSON-serialisable"), (object(), "JSON-serialisable"),
])
def test_results_lambda_cannot_map_raise(result: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_http_response(result)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.sampled_from(["statusCode", "headers", "body", "cookies", "isBase64Encoded",
                         "version", "rawPath", "requestContext", "http", "method"])
        | st.text(max_size=6), c, max_size=5),
    max_leaves=25)


@settings(max_examples=60, deadline=None)
@given(json_like)
def test_handler_always_answers_and_responses_only_raise_value_error(value: Any) -> None:
    response = handler(value, None)
    assert to_http_response(response).status in (200, 400, 404, 405)
    with contextlib.suppress(ValueError):
        to_http_response(value)


# ----------------------------------------------------------------- SigV4 for AWS_IAM URLs

FAKE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                   "handbook-fake-session-token")


def verify_sigv4(method: str, url: str, headers: dict[str, str], body: bytes,
                 secret: str) -> dict[str, str]:
    """Recompute the signature from the AWS SigV4 spec, independently of botocore."""
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
        r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
        r"Signature=(?P<signature>[0-9a-f]{64})", headers["Authorization"])
    assert match, headers["Authorization"]
    parts = urlsplit(url)
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    signed = match["signed"].split(";")
    canonical_headers = "".join(f"{name}:{lower[name]}\n" for name in signed)
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    canonical = "\n".join([method, parts.path or "/", query, canonical_headers,
                           match["signed"], hashlib.sha256(body).hexdigest()])
    scope = f"{match['date']}/{match['region']}/{match['service']}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", lower["x-amz-date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (match["date"], match["region"], match["service"], "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert expected == match["signature"], "signature does not verify"
    return match.groupdict()


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/hello?name=Ana", b""),
    ("POST", "/echo", b'{"example": "test"}'),
])
def test_signed_headers_verify_and_name_lambda(method: str, path: str, body: bytes) -> None:
    url = URL + path
    headers = signed_headers(url, method=method, body=body, credentials=FAKE,
                             headers={"content-type": "application/json"})
    parts = verify_sigv4(method, url, headers, body, FAKE.secret_key)
    assert parts["service"] == "lambda" and parts["region"] == "us-east-1"
    assert parts["key"] == FAKE.access_key
    assert {"host", "x-amz-date", "x-amz-security-token"} <= set(parts["signed"].split(";"))
    assert headers["X-Amz-Security-Token"] == FAKE.token


def test_signing_uses_the_region_of_the_url_and_default_credentials() -> None:
    headers = signed_headers("https://abc.lambda-url.eu-west-1.on.aws/")
    assert "/eu-west-1/lambda/aws4_request" in headers["Authorization"]


@pytest.mark.parametrize("kwargs, message", [
    ({"url": "https://example.com"}, "url:"), ({"method": "FETCH"}, "method"),
    ({"body": "text"}, "body"),
])
def test_signing_rejects_bad_input(kwargs: dict, message: str) -> None:
    arguments = {"url": URL, "credentials": FAKE, **kwargs}
    with pytest.raises(ValueError, match=message):
        signed_headers(**arguments)


def test_signing_without_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3.Session, "get_credentials", lambda self: None)
    with pytest.raises(ValueError, match="credentials: none found"):
        signed_headers(URL)


anything = st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.binary(
    max_size=10) | st.lists(st.text(max_size=5), max_size=3) | st.dictionaries(
    st.text(max_size=5), st.integers(), max_size=2)


@settings(max_examples=60, deadline=None)
@given(name=anything | st.sampled_from(["fn", "my-function"]),
       auth=anything | st.sampled_from(["NONE", "AWS_IAM"]),
       qualifier=anything | st.sampled_from(["live", "$LATEST", "7"]),
       cors=anything, mode=anything | st.sampled_from(["BUFFERED", "RESPONSE_STREAM"]))
def test_url_config_request_only_builds_or_raises_value_error(
    name: Any, auth: Any, qualifier: Any, cors: Any, mode: Any
) -> None:
    try:
        request = url_config_request(name, auth_type=auth, qualifier=qualifier, cors=cors,
                                     invoke_mode=mode)
    except ValueError as error:
        assert str(error)
        return
    assert request["AuthType"] in ("NONE", "AWS_IAM") and request["FunctionName"] == name
    check_url_qualifier(request.get("Qualifier"))


@settings(max_examples=40, deadline=None)
@given(url=anything | st.just(URL + "/x"), method=anything | st.sampled_from(["GET", "POST"]),
       body=anything)
def test_signed_headers_only_signs_or_raises_value_error(url: Any, method: Any,
                                                         body: Any) -> None:
    try:
        headers = signed_headers(url, method=method, body=body, credentials=FAKE)
    except ValueError:
        return
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")


@settings(max_examples=40, deadline=None)
@given(anything)
def test_check_url_qualifier_only_passes_or_raises_value_error(qualifier: Any) -> None:
    try:
        check_url_qualifier(qualifier)
    except ValueError as error:
        assert str(error).startswith("qualifier:")
