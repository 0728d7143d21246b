"""Connect Git to CodeCommit four ways, encrypt a repository, react to pushes, share it.

Each way of authenticating ends up as a remote URL plus a little Git (or SSH)
configuration; the functions below produce exactly that configuration and apply it to a
local repository with the git CLI, so what the page shows is what Git reads back.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETUP_PAGE = "https://docs.aws.amazon.com/codecommit/latest/userguide/setting-up.html"
CROSS_ACCOUNT_PAGE = "https://docs.aws.amazon.com/codecommit/latest/userguide/cross-account.html"
ENCRYPTION_PAGE = "https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html"

REGION = "us-east-1"
REPOSITORY = "aws-cicd-handbook"
CREDENTIAL_HELPER = "!aws codecommit credential-helper $@"
METHODS = ("https-git-credentials", "ssh", "credential-helper", "git-remote-codecommit")

_REPOSITORY_NAME = re.compile(r"[\w.-]{1,100}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_PROFILE = re.compile(r"[\w.+-]{1,64}", re.ASCII)
_SSH_KEY_ID = re.compile(r"APKA[A-Z0-9]{16,124}")
_ACCOUNT = re.compile(r"\d{12}")


def _check(value: Any, pattern: re.Pattern[str], field: str, rule: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise ValueError(f"{field} {value!r}: {rule}")
    return value


def check_repository_name(name: Any) -> str:
    """CodeCommit's naming rule: 1-100 letters, digits, '.', '_' or '-', not ending in .git."""
    _check(name, _REPOSITORY_NAME, "repository",
           "must be 1-100 letters, digits, '.', '_' or '-'")
    if name.lower().endswith(".git") or name in (".", ".."):
        raise ValueError(f"repository {name!r}: must not end in .git or be '.' or '..'")
    return name


# --8<-- [start:urls]
def clone_url(method: str, repository: str = REPOSITORY, region: str = REGION,
              profile: str | None = None) -> str:
    """The remote URL for one way of connecting."""
    check_repository_name(repository)
    _check(region, _REGION, "region", "must look like us-east-1")
    if method not in METHODS:
        raise ValueError(f"method {method!r}: must be one of {', '.join(METHODS)}")
    host = f"git-codecommit.{region}.amazonaws.com"
    if method == "ssh":
        return f"ssh://{host}/v1/repos/{repository}"
    if method == "git-remote-codecommit":
        if profile is None:
            return f"codecommit::{region}://{repository}"
        _check(profile, _PROFILE, "profile", "must be an AWS CLI profile name")
        return f"codecommit::{region}://{profile}@{repository}"
    return f"https://{host}/v1/repos/{repository}"
# --8<-- [end:urls]


# --8<-- [start:setup]
@dataclass(frozen=True)
class GitSetup:
    """What one connection method changes in a repository's Git configuration."""

    method: str
    remote_url: str
    config: tuple[tuple[str, str], ...] = ()


def git_setup(method: str, repository: str = REPOSITORY, region: str = REGION,
              profile: str | None = None) -> GitSetup:
    """The remote URL and the ``git config`` entries each method needs."""
    url = clone_url(method, repository, region, profile)
    if method == "credential-helper":
        # AWS's setup guide sets these with --global; here they go in the repository only.
        config = (("credential.helper", CREDENTIAL_HELPER), ("credential.UseHttpPath", "true"))
        return GitSetup(method, url, config)
    # HTTPS Git credentials: Git prompts for the IAM-generated user name and password (or
    # your OS credential manager supplies them). SSH: ~/.ssh/config (ssh_config below).
    # git-remote-codecommit: `pip install git-remote-codecommit`, then the URL is enough.
    return GitSetup(method, url)


def ssh_config(ssh_key_id: str, identity_file: str = "~/.ssh/codecommit_rsa") -> str:
    """The ~/.ssh/config block: the user is the SSH key ID that IAM returned."""
    _check(ssh_key_id, _SSH_KEY_ID, "ssh_key_id", "must be an IAM SSH key ID (APKA...)")
    if not isinstance(identity_file, str) or not identity_file or "\n" in identity_file:
        raise ValueError("identity_file: must be a path on one line")
    return (
        "Host git-codecommit.*.amazonaws.com\n"
        f"  User {ssh_key_id}\n"
        f"  IdentityFile {identity_file}\n"
    )
# --8<-- [end:setup]


# --8<-- [start:apply]
def _git(repo_dir: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True,
                                text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ValueError(f"git {' '.join(args)} could not run: {error}") from None
    if result.returncode != 0:
        raise ValueError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def apply_git_setup(repo_dir: str | Path, setup: GitSetup, remote: str = "origin") -> dict:
    """Point ``remote`` at CodeCommit and write the config into this repository only."""
    repo_dir = Path(repo_dir)
    if not isinstance(setup, GitSetup):
        raise ValueError("setup: must come from git_setup()")
    if not isinstance(remote, str) or not re.fullmatch(r"[\w.-]+", remote) or remote[0] == "-":
        raise ValueError(f"remote {remote!r}: must be a remote name such as 'origin'")
    if not (repo_dir / ".git").is_dir():
        raise ValueError(f"repo_dir {str(repo_dir)!r}: not a Git working tree")
    existing = _git(repo_dir, "remote").split()
    _git(repo_dir, "remote", "set-url" if remote in existing else "add", remote,
         setup.remote_url)
    for key, value in setup.config:
        _git(repo_dir, "config", "--local", "--replace-all", key, value)
    return read_git_setup(repo_dir, remote)


def read_git_setup(repo_dir: str | Path, remote: str = "origin") -> dict:
    """What Git itself reports: the remote's URL and the credential settings."""
    repo_dir = Path(repo_dir)
    url = _git(repo_dir, "remote", "get-url", remote).strip()
    listed = _git(repo_dir, "config", "--local", "--list").splitlines()
    credential = dict(line.split("=", 1) for line in listed if line.startswith("credential."))
    return {"url": url, "credential": credential}
# --8<-- [end:apply]


# --8<-- [start:repository]
def create_repository(name: str, description: str = "", kms_key_id: str | None = None,
                      client=None) -> dict[str, Any]:
    """Create a repository; without ``kms_key_id`` CodeCommit uses the aws/codecommit key."""
    import boto3

    check_repository_name(name)
    client = client or boto3.client("codecommit")
    request: dict[str, Any] = {"repositoryName": name, "repositoryDescription": description}
    if kms_key_id is not None:
        request["kmsKeyId"] = kms_key_id  # a customer managed key (supported since 2024)
    return client.create_repository(**request)["repositoryMetadata"]
# --8<-- [end:repository]


# --8<-- [start:cross-account]
READ_ACTIONS = ("codecommit:GetRepository", "codecommit:GitPull", "codecommit:GetBranch",
                "codecommit:ListBranches")


def reader_trust_policy(trusted_account: str) -> dict[str, Any]:
    """Account A's role trusts account B (B then decides which of its users may assume it)."""
    _check(trusted_account, _ACCOUNT, "trusted_account", "must be a 12-digit AWS account ID")
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
        "Action": "sts:AssumeRole",
    }]}


def reader_role_policy(repository_arn: str) -> dict[str, Any]:
    """Read-only Git access to one repository."""
    if not isinstance(repository_arn, str) or not repository_arn.startswith("arn:aws:codecommit:"):
        raise ValueError(f"repository_arn {repository_arn!r}: must be a CodeCommit repository ARN")
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": repository_arn,
    }]}
# --8<-- [end:cross-account]


def may_assume_policy(role_arn: str) -> dict[str, Any]:
    """Identity policy in account B: these users may assume account A's role."""
    if not isinstance(role_arn, str) or not re.fullmatch(r"arn:aws:iam::\d{12}:role/.+", role_arn):
        raise ValueError(f"role_arn {role_arn!r}: must be an IAM role ARN")
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn,
    }]}


def cross_account_profile(profile: str, role_arn: str, source_profile: str = "default",
                          region: str = REGION) -> str:
    """The ~/.aws/config profile that git-remote-codecommit or the helper uses."""
    _check(profile, _PROFILE, "profile", "must be an AWS CLI profile name")
    _check(source_profile, _PROFILE, "source_profile", "must be an AWS CLI profile name")
    _check(region, _REGION, "region", "must look like us-east-1")
    may_assume_policy(role_arn)  # same ARN check
    return (f"[profile {profile}]\nrole_arn = {role_arn}\n"
            f"source_profile = {source_profile}\nregion = {region}\n")


def read_repository_as(role_arn: str, repository: str, session_name: str, sts=None,
                       region: str = REGION) -> dict[str, Any]:
    """Assume account A's role with the caller's credentials and read the repository."""
    import boto3

    may_assume_policy(role_arn)
    check_repository_name(repository)
    sts = sts or boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    codecommit = boto3.client(
        "codecommit", region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return codecommit.get_repository(repositoryName=repository)["repositoryMetadata"]


# --8<-- [start:triggers]
def notify_on_push(topic_arn: str, repository: str = REPOSITORY,
                   branches: tuple[str, ...] = ("main",), client=None) -> str:
    """One trigger: a message to the SNS topic for each push to, or creation of, a branch."""
    import boto3

    check_repository_name(repository)
    client = client or boto3.client("codecommit")
    response = client.put_repository_triggers(repositoryName=repository, triggers=[{
        "name": "notify-on-push", "destinationArn": topic_arn, "branches": list(branches),
        "events": ["updateReference", "createReference"]}])  # replaces every trigger
    return response["configurationId"]
# --8<-- [end:triggers]

