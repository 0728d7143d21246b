"""Tests for snippets/source/codecommit.py.

The Git configuration of each method is applied to a real temporary repository with the
git CLI and read back; stand-in ``aws``, ``ssh`` and ``git-remote-codecommit`` programs on
PATH record how Git calls them, which proves the configuration does what the page says
without any network. The cross-account example runs in moto with IAM enforcement on.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.source import codecommit as cc
from tests.support.strict_model import validate

OTHER_ACCOUNT = "111122223333"
HOST = "git-codecommit.us-east-1.amazonaws.com"
FUZZ = settings(max_examples=50, deadline=None)
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=10,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git CLI")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh repository, with Git isolated from the machine's own configuration."""
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    home.mkdir()
    bin_dir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    work = tmp_path / "handbook"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    return work


def stand_in(bin_dir: Path, name: str, body: str) -> Path:
    """A tiny program that records how it was called (argv and stdin) in <name>.log."""
    log = bin_dir / f"{name}.log"
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


def git(work: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(work), *args], input=stdin, capture_output=True,
                          text=True, check=False, timeout=30)


# --- URLs and setups ---------------------------------------------------------------------


def test_clone_urls_for_each_method() -> None:
    assert cc.clone_url("https-git-credentials") == f"https://{HOST}/v1/repos/aws-cicd-handbook"
    assert cc.clone_url("credential-helper") == f"https://{HOST}/v1/repos/aws-cicd-handbook"
    assert cc.clone_url("ssh") == f"ssh://{HOST}/v1/repos/aws-cicd-handbook"
    assert cc.clone_url("git-remote-codecommit") == "codecommit::us-east-1://aws-cicd-handbook"
    assert cc.clone_url("git-remote-codecommit", profile="handbook-cross", region="eu-west-1") \
        == "codecommit::eu-west-1://handbook-cross@aws-cicd-handbook"


def test_urls_match_what_codecommit_returns(aws: None) -> None:
    created = cc.create_repository("aws-cicd-handbook")
    assert created["cloneUrlHttp"] == cc.clone_url("https-git-credentials")
    assert created["cloneUrlSsh"] == cc.clone_url("ssh")


@pytest.mark.parametrize(("arguments", "message"), [
    (("svn",), "method 'svn'"),
    (("ssh", "my repo"), "repository 'my repo'"),
    (("ssh", "handbook.git"), "must not end in .git"),
    (("ssh", "x" * 101), "1-100"),
    (("ssh", ""), "repository ''"),
    (("ssh", "handbook", "US-EAST-1"), "region 'US-EAST-1'"),
    (("git-remote-codecommit", "handbook", "us-east-1", "bad profile"), "profile"),
    ((None,), "method None"),
])
def test_clone_url_rejects_bad_values(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cc.clone_url(*arguments)


def test_repository_name_rule_matches_the_api_model() -> None:
    model = botocore.session.get_session().get_service_model("codecommit")
    shape = model.operation_model("CreateRepository").input_shape
    for name in ("aws-cicd-handbook", "a.b_c-1", "x" * 100):
        assert cc.check_repository_name(name) == name
        assert validate(shape, {"repositoryName": name}) == []
    assert validate(shape, {"repositoryName": "my repo"}) != []


# --- the three ways, applied with the git CLI -----------------------------------------------


def test_credential_helper_configuration_is_used_by_git(repo: Path, tmp_path: Path) -> None:
    setup = cc.git_setup("credential-helper")
    read_back = cc.apply_git_setup(repo, setup)
    assert read_back == {
        "url": f"https://{HOST}/v1/repos/aws-cicd-handbook",
        "credential": {"credential.helper": "!aws codecommit credential-helper $@",
                       "credential.usehttppath": "true"},
    }
    # A stand-in `aws` answers like the real helper; git must call it with the repo path.
    log = stand_in(tmp_path / "bin", "aws",
                   'cat >> "$0.stdin"; echo username=AKIAIOSFODNN7EXAMPLE; echo password=sig')
    answer = git(repo, "credential", "fill",
                 stdin=f"url=https://{HOST}/v1/repos/aws-cicd-handbook\n\n")
    assert answer.returncode == 0, answer.stderr
    assert "username=AKIAIOSFODNN7EXAMPLE" in answer.stdout
    assert log.read_text().splitlines() == ["codecommit credential-helper get"]
    sent = (tmp_path / "bin" / "aws.stdin").read_text()
    assert f"host={HOST}" in sent
    assert "path=v1/repos/aws-cicd-handbook" in sent, "UseHttpPath sends the repository path"


def test_applying_twice_replaces_instead_of_duplicating(repo: Path) -> None:
    cc.apply_git_setup(repo, cc.git_setup("credential-helper"))
    read_back = cc.apply_git_setup(repo, cc.git_setup("credential-helper", region="eu-west-1"))
    assert read_back["url"] == "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/" \
        "aws-cicd-handbook"
    helpers = git(repo, "config", "--get-all", "credential.helper").stdout.splitlines()
    assert helpers == ["!aws codecommit credential-helper $@"]


def test_https_git_credentials_need_no_helper_and_git_asks_for_them(repo: Path) -> None:
    read_back = cc.apply_git_setup(repo, cc.git_setup("https-git-credentials"))
    assert read_back == {"url": f"https://{HOST}/v1/repos/aws-cicd-handbook", "credential": {}}
    answer = git(repo, "credential", "fill",
                 stdin=f"url=https://{HOST}/v1/repos/aws-cicd-handbook\n\n")
    assert answer.returncode != 0, "with no helper, Git must prompt for the Git credentials"
    assert "terminal prompts disabled" in answer.stderr


def test_git_credentials_request_is_one_aws_accepts() -> None:
    """moto has no CreateServiceSpecificCredential; check the request against the model."""
    model = botocore.session.get_session().get_service_model("iam")
    shape = model.operation_model("CreateServiceSpecificCredential").input_shape
    assert validate(shape, {"UserName": "alice",
                            "ServiceName": "codecommit.amazonaws.com"}) == []


def test_ssh_key_id_from_iam_drives_ssh_and_git(repo: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                aws: None) -> None:
    if shutil.which("ssh-keygen") is None or shutil.which("ssh") is None:
        pytest.skip("needs OpenSSH")
    key = tmp_path / "codecommit_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "alice",
                    "-f", str(key)], check=True)
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    uploaded = iam.upload_ssh_public_key(UserName="alice",
                                         SSHPublicKeyBody=key.with_suffix(".pub").read_text())
    key_id = uploaded["SSHPublicKey"]["SSHPublicKeyId"]
    listed = iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"]
    assert [k["SSHPublicKeyId"] for k in listed] == [key_id]

    config = tmp_path / "ssh_config"
    config.write_text(cc.ssh_config(key_id, str(key)))
    resolved = subprocess.run(["ssh", "-G", "-F", str(config), HOST], capture_output=True,
                              text=True, check=True).stdout.lower().splitlines()
    assert f"user {key_id.lower()}" in resolved, "ssh logs in as the SSH key ID"
    assert f"identityfile {str(key).lower()}" in resolved

    read_back = cc.apply_git_setup(repo, cc.git_setup("ssh"))
    assert read_back == {"url": f"ssh://{HOST}/v1/repos/aws-cicd-handbook", "credential": {}}
    log = stand_in(tmp_path / "bin", "fake-ssh", "exit 128")
    monkeypatch.setenv("GIT_SSH_COMMAND", f"fake-ssh -F {config}")
    git(repo, "ls-remote", "origin")
    called = log.read_text()
    assert HOST in called and "git-upload-pack '/v1/repos/aws-cicd-handbook'" in called


@pytest.mark.parametrize("profile", [None, "handbook-cross"])
def test_git_remote_codecommit_url_is_routed_to_the_helper(repo: Path, tmp_path: Path,
                                                            profile: str | None) -> None:
    read_back = cc.apply_git_setup(repo, cc.git_setup("git-remote-codecommit", profile=profile))
    assert read_back["credential"] == {}
    log = stand_in(tmp_path / "bin", "git-remote-codecommit", "exit 1")
    git(repo, "ls-remote", "origin")
    address = f"{profile}@aws-cicd-handbook" if profile else "aws-cicd-handbook"
    assert log.read_text().splitlines()[0] == f"origin us-east-1://{address}"


@pytest.mark.parametrize(("key_id", "identity", "message"), [
    ("AKIAIOSFODNN7EXAMPLE", "~/.ssh/id", "APKA"),
    ("APKA", "~/.ssh/id", "ssh_key_id"),
    (None, "~/.ssh/id", "ssh_key_id"),
    ("APKAEIBAERJR2EXAMPLE", "a\nHost *", "identity_file"),
    ("APKAEIBAERJR2EXAMPLE", "", "identity_file"),
])
def test_ssh_config_rejects_bad_values(key_id: Any, identity: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cc.ssh_config(key_id, identity)


def test_apply_rejects_what_is_not_a_repository(tmp_path: Path, repo: Path) -> None:
    with pytest.raises(ValueError, match="not a Git working tree"):
        cc.apply_git_setup(tmp_path / "nowhere", cc.git_setup("ssh"))
    with pytest.raises(ValueError, match="setup: must come from git_setup"):
        cc.apply_git_setup(repo, {"url": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="git remote get-url upstream failed"):
        cc.read_git_setup(repo, "upstream")


# --- encryption --------------------------------------------------------------------------------


def test_repository_with_a_customer_managed_key(aws: None) -> None:
    key = boto3.client("kms").create_key(Description="handbook repository")["KeyMetadata"]
    created = cc.create_repository("aws-cicd-handbook", "The handbook", kms_key_id=key["KeyId"])
    read = boto3.client("codecommit").get_repository(repositoryName="aws-cicd-handbook")
    assert read["repositoryMetadata"]["Arn"] == created["Arn"]
    assert read["repositoryMetadata"]["repositoryDescription"] == "The handbook"
    # moto drops kmsKeyId (AWS returns it); what we send is checked against the model.
    model = botocore.session.get_session().get_service_model("codecommit")
    shape = model.operation_model("CreateRepository").input_shape
    for key_id in (key["KeyId"], key["Arn"], "alias/aws-cicd-handbook"):
        assert validate(shape, {"repositoryName": "r", "kmsKeyId": key_id}) == []


def test_create_repository_checks_the_name_before_calling_aws() -> None:
    with pytest.raises(ValueError, match="repository 'bad name'"):
        cc.create_repository("bad name", client=object())


# --- cross-account access, end to end with IAM enforcement -------------------------------------


# moto checks identity policies for CodeCommit calls against Resource "*" only, so a policy
# scoped to the repository ARN (what AWS needs, reader_role_policy) is never matched there.
# In the fake, the role gets AWS's managed read-only policy instead.
READ_ONLY_MANAGED = "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly"


def session_from(credentials: dict[str, Any]) -> boto3.Session:
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"],
                         region_name="us-east-1")


@pytest.mark.slow  # moto loads AWS's managed policies for this one
def test_cross_account_read_through_an_assumed_role(monkeypatch: pytest.MonkeyPatch,
                                                  aws: None) -> None:
    from moto.core import set_initial_no_auth_action_count

    # Read when moto creates this test's IAM backend (at the first IAM call below).
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    # Account A (123456789012) owns the repository and a role that trusts account B.
    repository = cc.create_repository("aws-cicd-handbook")
    assert cc.reader_role_policy(repository["Arn"])["Statement"][0]["Resource"] == (
        repository["Arn"]), "on AWS the role reads this repository only"
    iam = boto3.client("iam")
    role_arn = iam.create_role(
        RoleName="HandbookRepoReader",
        AssumeRolePolicyDocument=json.dumps(cc.reader_trust_policy(OTHER_ACCOUNT)),
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="HandbookRepoReader", PolicyArn=READ_ONLY_MANAGED)
    trust = iam.get_role(RoleName="HandbookRepoReader")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}

    # Account B: a developer role allowed only to assume A's role.
    admin_b = session_from(boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/OrganizationAccountAccessRole",
        RoleSessionName="setup")["Credentials"])
    iam_b = admin_b.client("iam")
    iam_b.create_role(RoleName="Developer", AssumeRolePolicyDocument=json.dumps(
        cc.reader_trust_policy(OTHER_ACCOUNT)))
    iam_b.put_role_policy(RoleName="Developer", PolicyName="may-assume-handbook-reader",
                          PolicyDocument=json.dumps(cc.may_assume_policy(role_arn)))
    developer = session_from(admin_b.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/Developer",
        RoleSessionName="dev")["Credentials"])

    @set_initial_no_auth_action_count(0)  # IAM is enforced from here to the end of enforced()
    def enforced() -> None:
        identity = developer.client("sts").get_caller_identity()
        assert identity["Account"] == OTHER_ACCOUNT
        with pytest.raises(ClientError) as refused:
            developer.client("codecommit").get_repository(repositoryName="aws-cicd-handbook")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "AccessDenied" in str(refused.value), "B's own credentials are refused"

        read = cc.read_repository_as(role_arn, "aws-cicd-handbook", "dev-reads-handbook",
                                     sts=developer.client("sts"))
        assert read["Arn"] == repository["Arn"]
        assert read["accountId"] == "123456789012", "the repository stays in account A"

        reader = session_from(developer.client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName="dev-tries-delete")["Credentials"])
        with pytest.raises(ClientError) as no_delete:
            reader.client("codecommit").delete_repository(repositoryName="aws-cicd-handbook")
        assert no_delete.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    enforced()
    # Enforcement is off again: the default credentials work as before.
    assert boto3.client("codecommit").get_repository(
        repositoryName="aws-cicd-handbook")["repositoryMetadata"]["Arn"] == repository["Arn"]


def test_cross_account_profile_is_read_by_the_sdk(tmp_path: Path) -> None:
    role_arn = "arn:aws:iam::123456789012:role/HandbookRepoReader"
    config = tmp_path / "config"
    config.write_text(cc.cross_account_profile("handbook-cross", role_arn))
    session = botocore.session.Session()
    session.set_config_variable("config_file", str(config))
    profile = session.full_config["profiles"]["handbook-cross"]
    assert profile == {"role_arn": role_arn, "source_profile": "default", "region": "us-east-1"}


@pytest.mark.parametrize(("function", "arguments", "message"), [
    (cc.reader_trust_policy, ("1111",), "12-digit"),
    (cc.reader_role_policy, ("arn:aws:s3:::bucket",), "CodeCommit repository ARN"),
    (cc.may_assume_policy, ("arn:aws:iam::123:role/x",), "IAM role ARN"),
    (cc.cross_account_profile, ("p", "arn:aws:iam::123456789012:role/x", "default", "moon"),
     "region"),
    (cc.cross_account_profile, ("[p]", "arn:aws:iam::123456789012:role/x"), "profile"),
    (cc.read_repository_as, ("arn:aws:iam::123456789012:role/x", "bad name", "s"),
     "repository"),
])
def test_cross_account_helpers_reject_bad_values(function: Any, arguments: tuple[Any, ...],
                                                 message: str) -> None:
    with pytest.raises(ValueError, match=message):
        function(*arguments)


# --- fuzzing --------------------------------------------------------------------------------------


@FUZZ
@given(method=JSON_LIKE | st.sampled_from(cc.METHODS), repository=JSON_LIKE | st.text(),
       region=JSON_LIKE, profile=JSON_LIKE)
def test_fuzz_urls_and_setups_raise_only_value_error(method: Any, repository: Any,
                                                     region: Any, profile: Any) -> None:
    try:
        setup = cc.git_setup(method, repository, region, profile)
    except ValueError:
        return
    assert setup.remote_url.endswith(repository)


@FUZZ
@given(key_id=JSON_LIKE | st.from_regex(r"APKA[A-Z0-9]{16}", fullmatch=True),
       identity=JSON_LIKE)
def test_fuzz_ssh_config_raises_only_value_error(key_id: Any, identity: Any) -> None:
    try:
        block = cc.ssh_config(key_id, identity)
    except ValueError:
        return
    assert block.count("\n") == 3


@FUZZ
@given(value=JSON_LIKE | st.text(max_size=300))
def test_fuzz_policy_builders_raise_only_value_error(value: Any) -> None:
    for function in (cc.reader_trust_policy, cc.reader_role_policy, cc.may_assume_policy,
                     cc.check_repository_name):
        try:
            function(value)
        except ValueError:
            continue
    for arguments in ((value, "arn:aws:iam::123456789012:role/x"), ("p", value),
                      ("p", "arn:aws:iam::123456789012:role/x", value)):
        try:
            profile = cc.cross_account_profile(*arguments)
        except ValueError:
            continue
        assert profile.startswith("[profile ")


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(remote=JSON_LIKE | st.text(max_size=20))
def test_fuzz_apply_with_any_remote_name(repo: Path, remote: Any) -> None:
    try:
        read_back = cc.apply_git_setup(repo, cc.git_setup("ssh"), remote)
    except ValueError:
        return
    assert read_back["url"] == cc.clone_url("ssh")


def test_apply_when_git_cannot_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ValueError, match="could not run"):
        cc.apply_git_setup(repo, cc.git_setup("ssh"))


# --- triggers (moto has no PutRepositoryTriggers: a Stubber and the strict model check) --------


def test_notify_on_push_replaces_the_triggers_with_one_for_main() -> None:
    from botocore.stub import Stubber

    client = boto3.client("codecommit")
    topic = "arn:aws:sns:us-east-1:123456789012:handbook-pushes"
    with Stubber(client) as stub:
        stub.add_response("put_repository_triggers", {"configurationId": "6fa51cd8-EXAMPLE"}, {
            "repositoryName": "aws-cicd-handbook", "triggers": [{
                "name": "notify-on-push", "destinationArn": topic, "branches": ["main"],
                "events": ["updateReference", "createReference"]}]})
        assert cc.notify_on_push(topic, client=client) == "6fa51cd8-EXAMPLE"
        stub.assert_no_pending_responses()


def test_the_model_refuses_an_unknown_trigger_event() -> None:
    from botocore.stub import Stubber

    from tests.support.strict_model import StrictModelError

    client = boto3.client("codecommit")
    with Stubber(client), pytest.raises(StrictModelError, match="events"):
        client.put_repository_triggers(repositoryName="r", triggers=[{
            "name": "t", "destinationArn": "arn:aws:sns:us-east-1:123456789012:t",
            "events": ["push"]}])
    with pytest.raises(ValueError, match="repository"):
        cc.notify_on_push("arn:aws:sns:us-east-1:123456789012:t", "bad name", client=client)
