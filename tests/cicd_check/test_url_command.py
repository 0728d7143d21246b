"""Tests for cicd_check.url_command: ``cicd-check url-auth`` on policies, get-policy output,
inline JSON and templates, its fixes, its exit codes and one-line errors, and fuzzing."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.cli import main as cicd_main
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    invoke_permissions,
    rendered_policy,
)
from tests.cicd_check.support import (
    ALIAS,
    BAD_VALUES,
    BOTH,
    DATA,
    FUNCTION,
    OTHER_SESSION,
    SAME_SESSION,
    TEMPLATE_HALF,
    TEMPLATE_INVOKE,
    allow,
    policies,
    policy,
    with_one_bad_value,
)
from tests.support.fuzzing import FUZZ

# ----------------------------------------------------------------- cicd-check url-auth


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cicd_main(["url-auth", *argv])
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


CROSS_RESOURCE = str(DATA / "function-url-cross-account-resource-policy.json")
CROSS_IDENTITY = str(DATA / "function-url-cross-account-identity-policy.json")
PUBLIC = str(DATA / "function-url-public-policy.json")


def test_command_allowed_and_denied() -> None:
    code, out, _ = run("--auth-type", "AWS_IAM", CROSS_RESOURCE, "--caller", OTHER_SESSION,
                       "--identity-policy", CROSS_IDENTITY)
    assert code == 0 and out.startswith("ALLOWED")
    code, out, _ = run("--auth-type", "AWS_IAM", CROSS_RESOURCE, "--caller", OTHER_SESSION)
    assert code == 1 and "FU002" in out and "identity policy in the caller's account" in out
    assert run("--auth-type", "NONE", PUBLIC)[0] == 0
    code, out, _ = run("--auth-type", "NONE", "--function-arn", FUNCTION)
    assert code == 1 and "FU002" in out


def test_command_reads_get_policy_output_and_inline_json(tmp_path: Path) -> None:
    old = policy(allow(INVOKE_URL, "*"))
    wrapped = write(tmp_path, "get-policy.json", {"Policy": json.dumps(old), "RevisionId": "1"})
    code, out, _ = run("--auth-type", "NONE", wrapped, "--fix")
    assert code == 1 and "FU001" in out and sec.FORBIDDEN in out
    assert "--action lambda:InvokeFunction --principal \"*\" --invoked-via-function-url" in out
    assert "Type: AWS::Lambda::Permission" in out and "InvokedViaFunctionUrl: true" in out
    assert "--action lambda:InvokeFunctionUrl" not in out  # only what is missing
    both = json.dumps(policy(allow(BOTH, "*")))
    assert run("--auth-type", "NONE", "--resource-policy", both)[0] == 0


def test_command_fix_for_a_cross_account_caller() -> None:
    code, out, _ = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller",
                       OTHER_SESSION, "--identity-policy", CROSS_IDENTITY, "--fix")
    assert code == 1
    assert "--principal arn:aws:iam::444455556666:role/example" in out
    assert out.count("aws lambda add-permission") == 2


def test_command_fix_for_a_deny_says_permissions_cannot_help() -> None:
    deny = json.dumps(policy(allow(BOTH, "*"), {"Sid": "No", "Effect": "Deny", "Principal": "*",
                                                "Action": "lambda:*", "Resource": FUNCTION}))
    code, out, _ = run("--auth-type", "NONE", "--resource-policy", deny, "--fix")
    assert code == 1 and "explicitly denied" in out and "cannot help" in out


def test_command_several_identity_policies(tmp_path: Path) -> None:
    url_only = write(tmp_path, "a.json", policy(allow(INVOKE_URL)))
    invoke_only = write(tmp_path, "b.json", policy(allow(INVOKE)))
    base = ("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller", SAME_SESSION)
    assert run(*base, "--identity-policy", url_only, "--identity-policy", invoke_only)[0] == 0
    code, out, _ = run(*base, "--identity-policy", url_only)
    assert code == 1 and "FU001" in out


def test_command_without_a_caller_judges_every_named_principal(tmp_path: Path) -> None:
    distribution = "arn:aws:cloudfront::123456789012:distribution/E1"
    half = rendered_policy(invoke_permissions(
        "my-function", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
        source_arn=distribution)[:1], FUNCTION)
    code, out, _ = run("--auth-type", "AWS_IAM", write(tmp_path, "p.json", half), "--fix")
    assert code == 1 and "FU001" in out and "missing lambda:InvokeFunction" in out
    assert f"--source-arn {distribution}" in out
    assert run("--auth-type", "AWS_IAM", CROSS_RESOURCE)[0] == 0
    code, out, _ = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION)
    assert code == 0 and "names no principal" in out


def test_command_cloudfront_oac_post_needs_the_payload_hash(tmp_path: Path) -> None:
    distribution = "arn:aws:cloudfront::123456789012:distribution/E1"
    both = write(tmp_path, "p.json", rendered_policy(invoke_permissions(
        "my-function", auth_type="AWS_IAM", principal=sec.CLOUDFRONT,
        source_arn=distribution), FUNCTION))
    oac = ("--auth-type", "AWS_IAM", "--via", "cloudfront-oac", both)
    assert run(*oac)[0] == 0
    code, out, _ = run(*oac, "--method", "post")
    assert code == 1 and "FU005" in out and sec.SIGNATURE_MISMATCH in out
    assert run(*oac, "--method", "POST", "--content-sha256")[0] == 0
    other = ("--distribution-arn", "arn:aws:cloudfront::123456789012:distribution/E2")
    assert run(*oac, *other)[0] == 1
    code, _, err = run(*oac, "--caller", SAME_SESSION)
    assert code == 2 and err.count("\n") == 1


def test_command_checks_a_template(tmp_path: Path) -> None:
    template = write(tmp_path, "template.yaml", TEMPLATE_HALF)
    code, out, _ = run(template, "--fix")
    assert code == 1 and "FU001" in out and f"{template}:" in out
    assert "FunctionName: !GetAtt Web.Arn" in out
    fixed = write(tmp_path, "fixed.yaml", TEMPLATE_HALF + TEMPLATE_INVOKE)
    code, out, _ = run(fixed)
    assert code == 0 and "as intended" in out
    broken = write(tmp_path, "broken.yaml", "AWSTemplateFormatVersion: x\nResources: {a: [\n")
    assert run(broken)[0] == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("directory", "is a directory"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ("", "not valid JSON"),
        ('{"Statement": [{"Effect": "Allow"}]}', "statement 1"),
        ('{"Policy": "[1"}', "not valid JSON"),
        ("[" * 100_000, "not valid JSON"),
        (" " * 1_000_001, "larger than"),
    ],
)
def test_command_unusable_input_exits_2_with_one_line(
    tmp_path: Path, content: Any, message: str
) -> None:
    if content is None:
        path = str(tmp_path / "missing.json")
    elif content == "directory":
        path = str(tmp_path)
    else:
        path = write(tmp_path, "policy.json", content)
    code, _, err = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION,
                       "--resource-policy", path)
    assert code == 2 and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(
    "argv",
    [[], ["--auth-type", "PUBLIC"], ["--auth-type", "NONE", "--function-arn", "fn"],
     ["--auth-type", "NONE", "--function-arn", f"{FUNCTION}:7"],
     ["--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--caller", "alice"],
     ["--auth-type", "NONE", "--resource-policy", "{}", PUBLIC],
     ["--auth-type", "NONE", "--resource-policy", json.dumps(policy(allow(BOTH, "*"),
                                                                   {**allow(BOTH, "*"),
                                                                    "Resource": ALIAS}))],
     ["--auth-type", "AWS_IAM", "--via", "cloudfront-oac", "--function-arn", FUNCTION,
      "--distribution-arn", "nope"],
     ["--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--identity-policy", "{]"],
     ["--method", "TRACE"]],
)
def test_command_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2 and err.count("\n") == 1, err


def test_command_help() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "--via" in out and "Exit status" in out


@FUZZ
@given(document=policies, where=st.integers(0, 3), key=st.sampled_from(["Principal", "Condition",
                                                                          "Action"]),
       bad=BAD_VALUES, via=st.sampled_from(["direct", "cloudfront-oac"]),
       method=st.sampled_from(["GET", "POST"]))
def test_the_command_survives_well_formed_policies_with_one_bad_value(
    document: dict, where: int, key: str, bad: Any, via: str, method: str
) -> None:
    document = with_one_bad_value(document, where, key, bad)
    try:
        text = json.dumps(document)
    except (TypeError, ValueError, UnicodeEncodeError):
        return  # not expressible as JSON: cannot reach the command
    code, _, err = run("--auth-type", "AWS_IAM", "--function-arn", FUNCTION, "--via", via,
                       "--method", method, "--resource-policy", text)
    assert code in (0, 1, 2)
    assert "Traceback" not in err and (code != 2 or err.count("\n") == 1), err
