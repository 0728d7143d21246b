"""Container images: the Dockerfile rules, image URIs, local-test commands, moto functions."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check.dockerfile import _stages, dockerfile_findings
from cicd_check.quotas import quota
from snippets.aws_lambda import container_images as ci
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/container-images.md"
ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# ---------------------------------------------------------------- the page's Dockerfile


def test_the_page_dockerfile_has_only_the_platform_reminder() -> None:
    found = dockerfile_findings(ci.DOCKERFILE.read_text())
    assert [f.id for f in found] == ["DF008"], found
    assert "--platform" in " ".join(ci.local_test_commands()), "the page builds with --platform"


def test_the_page_includes_the_dockerfile() -> None:
    assert '--8<-- "aws_lambda/Dockerfile"' in PAGE.read_text()


def test_the_page_dockerfile_uses_a_current_aws_python_base_image() -> None:
    stages = _stages(ci.DOCKERFILE.read_bytes())
    assert len(stages) == 2, "multi-stage: build, then a clean final image"
    for stage in stages:
        assert stage.base.startswith("public.ecr.aws/lambda/python:")
        version = tuple(int(p) for p in stage.base.rsplit(":", 1)[1].split("."))
        assert version >= (3, 13)


def test_the_page_dockerfile_goes_from_stable_to_frequently_changing() -> None:
    lines = [line.split()[0] for line in ci.DOCKERFILE.read_text().splitlines()
             if line and not line.startswith("#")]
    text = ci.DOCKERFILE.read_text()
    assert text.index("dnf install") < text.index("COPY requirements.txt")
    assert text.index("pip install") < text.index("COPY app/"), "code is copied last"
    assert lines[-1] == "CMD"


def test_the_page_shows_what_cicd_check_prints_for_the_first_attempt(tmp_path, capsys) -> None:
    """The page's console lines are cicd-check's own, cut short at a '…'."""
    from cicd_check.cli import main

    text = PAGE.read_text()
    block = re.search(r"<!-- first-attempt:start -->\n```dockerfile[^\n]*\n(.*?)```", text, re.S)
    (tmp_path / "Dockerfile").write_text(block.group(1))
    assert main(["--date", "2026-11-26", str(tmp_path / "Dockerfile")]) == 1
    printed = [line.replace(f"{tmp_path}/", "")
               for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    shown = re.search(r"```console[^\n]*\n\$ cicd-check Dockerfile\n(.*?)```", text, re.S)
    shown_lines = shown.group(1).rstrip("\n").splitlines()
    assert len(shown_lines) == len(printed), printed
    for page_line, real in zip(shown_lines, printed, strict=True):
        assert real.startswith(page_line.removesuffix(" …")), (page_line, real)


# ---------------------------------------------------------------- image URIs and limits


@pytest.mark.parametrize(
    "uri",
    [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/greeter:1.0.0",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/greeter@sha256:" + "a" * 64,
    ],
)
def test_valid_image_uris(uri: str) -> None:
    assert ci.check_image_uri(uri, "us-east-1") == []


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("public.ecr.aws/lambda/python:3.13", "not in a private Amazon ECR repository"),
        ("python:3.13", "not in a private Amazon ECR repository"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/greeter:1", "must be in the function's"),
        ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/greeter:1", "FIPS"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/Greeter", "expected ACCOUNT.dkr.ecr"),
    ],
)
def test_image_uris_lambda_refuses(uri: str, expected: str) -> None:
    problems = ci.check_image_uri(uri, "us-east-1")
    assert any(expected in problem for problem in problems), problems


def test_image_size_quota_is_10_gb() -> None:
    assert quota("image_size") == 10 * 1024**3
    assert ci.fits_image_quota(quota("image_size"))
    assert not ci.fits_image_quota(quota("image_size") + 1)
    assert f"{quota('image_size'):,}" in PAGE.read_text(), "the page states the byte count"


@pytest.mark.parametrize(("value", "message"), [("1", "whole number"), (-1, "negative")])
def test_fits_image_quota_rejects_bad_sizes(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        ci.fits_image_quota(value)


# ---------------------------------------------------------------- local testing with the RIE


def test_local_test_commands_are_on_the_page() -> None:
    text = PAGE.read_text()
    for architecture in ("x86_64", "arm64"):
        for command in ci.local_test_commands(architecture=architecture):
            assert command in text, f"the page should show: {command}"


def test_local_test_commands_build_single_architecture_images() -> None:
    build, run, invoke = ci.local_test_commands(architecture="arm64", port=9100)
    assert "--platform linux/arm64 --provenance=false" in build
    assert "-p 9100:8080" in run, "the emulator listens on 8080 inside the container"
    assert "/2015-03-31/functions/function/invocations" in invoke


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"architecture": "amd64"}, "architecture"),
        ({"image": "Bad Name"}, "image"),
        ({"port": 0}, "port"),
        ({"port": True}, "port"),
    ],
)
def test_local_test_commands_reject_bad_values(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        ci.local_test_commands(**kwargs)


# ---------------------------------------------------------------- moto


def test_image_function_in_moto(aws) -> None:
    role = boto3.client("iam").create_role(
        RoleName="image-demo", AssumeRolePolicyDocument=json.dumps(ROLE_TRUST)
    )["Role"]["Arn"]
    ecr = boto3.client("ecr")
    repository = ecr.create_repository(repositoryName="greeter")["repository"]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1024,
            "digest": "sha256:" + "c" * 64,
        },
        "layers": [],
    }
    ecr.put_image(repositoryName="greeter", imageManifest=json.dumps(manifest), imageTag="1.0.0")
    uri = f"{repository['repositoryUri']}:1.0.0"
    # moto does not check that the tag exists; AWS does, so check it here.
    images = ecr.describe_images(repositoryName="greeter", imageIds=[{"imageTag": "1.0.0"}])
    assert images["imageDetails"][0]["imageTags"] == ["1.0.0"]

    ci.create_image_function("image-demo", uri, role, command=["app.other_handler"])
    function = boto3.client("lambda").get_function(FunctionName="image-demo")
    config = function["Configuration"]
    assert config["PackageType"] == "Image"
    assert "Runtime" not in config and "Handler" not in config, "the image brings both"
    assert config["ImageConfigResponse"]["ImageConfig"]["Command"] == ["app.other_handler"]
    assert function["Code"]["RepositoryType"] == "ECR"
    assert function["Code"]["ImageUri"] == uri
    assert "@sha256:" in function["Code"]["ResolvedImageUri"], "Lambda pins a digest"


def test_create_image_function_refuses_a_public_image(aws) -> None:
    with pytest.raises(ValueError, match="not in a private Amazon ECR repository"):
        ci.create_image_function(
            "nope", "public.ecr.aws/lambda/python:3.13", "arn:aws:iam::123456789012:role/r"
        )


@FUZZ
@given(uri=JUNK | st.text(max_size=80), region=JUNK | st.just("us-east-1"))
def test_fuzz_check_image_uri(uri, region) -> None:
    assert all(isinstance(p, str) for p in ci.check_image_uri(uri, region))


@FUZZ
@given(size=JUNK)
def test_fuzz_fits_image_quota(size) -> None:
    with contextlib.suppress(ValueError):
        assert ci.fits_image_quota(size) in (True, False)


@FUZZ
@given(image=JUNK, architecture=JUNK, port=JUNK)
def test_fuzz_local_test_commands(image, architecture, port) -> None:
    with contextlib.suppress(ValueError):
        assert len(ci.local_test_commands(image, architecture, port)) == 3
