"""CodeArtifact through a Stubber (moto has no CodeArtifact): the requests the setup and
`aws codeartifact login` send, and the pip and npm settings made from their answers."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from cicd_check import validate_buildspec
from snippets.tooling import codeartifact as page
from tests.support.strict_model import StrictModelError

BUILDSPEC = Path(page.__file__).with_name("buildspec-codeartifact.yml")
ENDPOINT = "https://acme-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/team/"
NPM_ENDPOINT = "https://acme-123456789012.d.codeartifact.us-east-1.amazonaws.com/npm/team-npm/"
REPOSITORY = {"name": "team", "domainName": "acme", "domainOwner": "123456789012",
              "upstreams": [{"repositoryName": "pypi-store"}]}


def test_the_setup_connects_one_repository_to_pypi_and_reads_through_it() -> None:
    client = boto3.client("codeartifact")
    with Stubber(client) as stub:
        stub.add_response("create_domain", {"domain": {"name": "acme"}}, {"domain": "acme"})
        stub.add_response("create_repository", {"repository": {"name": "pypi-store"}},
                          {"domain": "acme", "repository": "pypi-store"})
        stub.add_response("associate_external_connection", {"repository": {
            "name": "pypi-store", "externalConnections": [{
                "externalConnectionName": "public:pypi", "packageFormat": "pypi",
                "status": "Available"}]}},
            {"domain": "acme", "repository": "pypi-store", "externalConnection": "public:pypi"})
        stub.add_response("create_repository", {"repository": REPOSITORY},
                          {"domain": "acme", "repository": "team",
                           "upstreams": [{"repositoryName": "pypi-store"}]})
        made = page.create_repositories("acme", client=client)
        stub.assert_no_pending_responses()
    assert made["repository"]["upstreams"] == [{"repositoryName": "pypi-store"}]


def test_aws_refuses_a_token_longer_than_twelve_hours() -> None:
    client = boto3.client("codeartifact")
    with Stubber(client), pytest.raises(StrictModelError, match="durationSeconds"):
        client.get_authorization_token(domain="acme", durationSeconds=43_201)


def _login(client: object, duration: int) -> Stubber:
    stub = Stubber(client)
    stub.add_response("get_authorization_token", {"authorizationToken": "TOKEN"},
                      {"domain": "acme", "domainOwner": "123456789012",
                       "durationSeconds": duration})
    stub.add_response("get_repository_endpoint", {"repositoryEndpoint": ENDPOINT},
                      {"domain": "acme", "domainOwner": "123456789012", "repository": "team",
                       "format": "pypi"})
    return stub


@pytest.mark.parametrize("duration", [43_200, 900, 0])
def test_login_asks_for_a_token_then_the_endpoint(duration: int) -> None:
    client = boto3.client("codeartifact")
    with _login(client, duration) as stub:
        token, endpoint = page.token_and_endpoint("acme", "123456789012", "team", "pypi",
                                                  duration_seconds=duration, client=client)
        stub.assert_no_pending_responses()
    assert (token, endpoint) == ("TOKEN", ENDPOINT)


def test_the_default_token_lasts_twelve_hours_the_most_aws_allows() -> None:
    client = boto3.client("codeartifact")
    with _login(client, 43_200):
        page.token_and_endpoint("acme", "123456789012", "team", "pypi", client=client)
    model = client.meta.service_model.operation_model("GetAuthorizationToken").input_shape
    assert model.members["durationSeconds"].metadata["max"] == page.MAX_TOKEN_SECONDS


@pytest.mark.parametrize("duration", [60, 899, 43_201])
def test_a_lifetime_aws_refuses_is_refused_before_any_call(duration: int) -> None:
    with pytest.raises(ValueError, match="0 or 900-43200"):
        page.token_and_endpoint("acme", "123456789012", "team", "pypi",
                                duration_seconds=duration, client=object())


def test_pip_and_npm_settings_are_what_login_writes() -> None:
    assert page.pip_index_url("TOKEN", ENDPOINT) == (
        "https://aws:TOKEN@acme-123456789012.d.codeartifact.us-east-1.amazonaws.com"
        "/pypi/team/simple/")
    assert page.npm_settings("TOKEN", NPM_ENDPOINT) == {
        "registry": NPM_ENDPOINT,
        "//acme-123456789012.d.codeartifact.us-east-1.amazonaws.com/npm/team-npm/:_authToken":
            "TOKEN"}


def test_the_buildspec_logs_in_for_pip_and_npm_before_the_build() -> None:
    from cicd_check.safe_yaml import load_yaml

    assert validate_buildspec(BUILDSPEC.read_text()) == []
    phases = load_yaml(BUILDSPEC.read_text(), flavor="strings", what="buildspec")["phases"]
    logins = [c for c in phases["pre_build"]["commands"] if "codeartifact login" in c]
    assert [c.split("--tool ")[1].split()[0] for c in logins] == ["pip", "npm"]
    assert all("codeartifact" not in c for c in phases["build"]["commands"])
