"""AWS CodeArtifact: a domain, a repository with a public upstream, and the token and
endpoint that pip and npm use.

`aws codeartifact login` does what `pip_index_url` and `npm_settings` show: it asks for a
token (GetAuthorizationToken) and an endpoint (GetRepositoryEndpoint) and writes them into
the package manager's configuration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3

MAX_TOKEN_SECONDS = 12 * 60 * 60  # 43,200 s: the default, and the most AWS allows
MIN_TOKEN_SECONDS = 15 * 60       # 900 s; 0 means "as long as the caller's role session"


# --8<-- [start:setup]
def create_repositories(domain: str, *, client: Any = None) -> dict[str, Any]:
    """A domain, a `pypi-store` repository connected to PyPI, and `team` reading through it."""
    codeartifact = client or boto3.client("codeartifact")
    codeartifact.create_domain(domain=domain)
    codeartifact.create_repository(domain=domain, repository="pypi-store")
    codeartifact.associate_external_connection(
        domain=domain, repository="pypi-store", externalConnection="public:pypi")
    return codeartifact.create_repository(
        domain=domain, repository="team", upstreams=[{"repositoryName": "pypi-store"}])
# --8<-- [end:setup]


# --8<-- [start:token]
def token_and_endpoint(domain: str, owner: str, repository: str, package_format: str, *,
                       duration_seconds: int = MAX_TOKEN_SECONDS,
                       client: Any = None) -> tuple[str, str]:
    """What `aws codeartifact login` fetches: a token and the repository's endpoint."""
    if duration_seconds != 0 and not MIN_TOKEN_SECONDS <= duration_seconds <= MAX_TOKEN_SECONDS:
        raise ValueError(f"durationSeconds: {duration_seconds} must be 0 or 900-43200 "
                         "(15 minutes to 12 hours)")
    codeartifact = client or boto3.client("codeartifact")
    token = codeartifact.get_authorization_token(
        domain=domain, domainOwner=owner, durationSeconds=duration_seconds)
    endpoint = codeartifact.get_repository_endpoint(
        domain=domain, domainOwner=owner, repository=repository, format=package_format)
    return token["authorizationToken"], endpoint["repositoryEndpoint"]
# --8<-- [end:token]


def pip_index_url(token: str, endpoint: str) -> str:
    """pip's index-url: the endpoint plus `simple/`, with the token as the password."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://aws:{token}@{parts.netloc}{parts.path.rstrip('/')}/simple/"


def npm_settings(token: str, endpoint: str) -> dict[str, str]:
    """The two .npmrc settings: the registry, and the token for that registry's host."""
    parts = urlsplit(endpoint)
    return {"registry": endpoint, f"//{parts.netloc}{parts.path}:_authToken": token}
