"""Container images: the Dockerfile rules, image URIs, local-test commands, moto functions."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.aws_lambda import container_images as ci
from snippets.aws_lambda.limits import quota
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/container-images.md"
DOCKER_WORDS = st.sampled_from(
    [
        "FROM", "RUN", "COPY", "ADD", "ENV", "CMD", "ENTRYPOINT", "ARG", "AS", "--from=build",
        "public.ecr.aws/lambda/python:3.13", "python:3.13", "build", ".", "app/", "[", "]",
        '"app.handler"', "pip install -r requirements.txt", "dnf install -y gcc", "\\\n",
        "SECRET_TOKEN=abc", "=", "${X}", "\n", "#", "'", '"',
    ]
)
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


def findings(text: str, needle: str) -> list[str]:
    return [problem for problem in ci.check_dockerfile(text) if needle in problem]


# ---------------------------------------------------------------- the page's Dockerfile


def test_the_page_dockerfile_is_clean() -> None:
    assert ci.check_dockerfile(ci.DOCKERFILE.read_text()) == []


def test_the_page_includes_the_dockerfile() -> None:
    assert '--8<-- "aws_lambda/Dockerfile"' in PAGE.read_text()


def test_the_page_dockerfile_uses_a_current_aws_python_base_image() -> None:
    stages = ci._stages(ci.DOCKERFILE.read_bytes())
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


# ---------------------------------------------------------------- rule: AWS base image or RIC


def test_non_aws_base_without_runtime_interface_client() -> None:
    text = 'FROM python:3.13-slim\nCOPY app.py .\nCMD ["app.handler"]\n'
    (problem,) = ci.check_dockerfile(text)
    assert "not an AWS base image" in problem and "awslambdaric" in problem


def test_non_aws_base_with_the_python_ric_is_fine() -> None:
    text = (
        "FROM python:3.13-slim\nWORKDIR /function\n"
        "COPY requirements.txt .\nRUN pip install --no-cache-dir awslambdaric -r requirements.txt\n"
        "COPY app.py .\n"
        'ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]\nCMD ["app.handler"]\n'
    )
    assert ci.check_dockerfile(text) == []


def test_os_only_aws_base_image_counts_as_aws() -> None:
    text = (
        "FROM public.ecr.aws/lambda/provided:al2023\n"
        'COPY bootstrap ${LAMBDA_RUNTIME_DIR}\nCMD ["handler"]\n'
    )
    assert ci.check_dockerfile(text) == []


def test_final_stage_built_from_an_earlier_stage_is_followed() -> None:
    text = (
        "FROM public.ecr.aws/lambda/python:3.13 AS base\n"
        "FROM base AS final\nCOPY app.py ${LAMBDA_TASK_ROOT}\nCMD [\"app.handler\"]\n"
    )
    assert ci.check_dockerfile(text) == []


def test_arg_in_from_is_resolved() -> None:
    text = "ARG PY=3.13\nFROM public.ecr.aws/lambda/python:${PY}\nCMD [\"app.handler\"]\n"
    assert ci.check_dockerfile(text) == []


# ---------------------------------------------------------------- rule: build tools left behind


def test_single_stage_build_with_compilers() -> None:
    text = (
        "FROM public.ecr.aws/lambda/python:3.13\n"
        "RUN dnf install -y gcc python3-devel && dnf clean all\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt --target ${LAMBDA_TASK_ROOT}\n"
        'COPY app.py ${LAMBDA_TASK_ROOT}\nCMD ["app.handler"]\n'
    )
    (problem,) = ci.check_dockerfile(text)
    assert problem.startswith("line 2: a single-stage build installs build tools")
    assert "gcc, python3-devel" in problem


def test_build_tools_in_the_final_stage_of_a_multi_stage_build() -> None:
    text = (
        "FROM public.ecr.aws/lambda/python:3.13 AS build\nRUN echo build\n"
        "FROM public.ecr.aws/lambda/python:3.13\nRUN apt-get install -y build-essential\n"
        'CMD ["app.handler"]\n'
    )
    assert findings(text, "the final stage installs build tools (build-essential)")


def test_build_tools_in_the_build_stage_only_are_fine() -> None:
    text = ci.DOCKERFILE.read_text()
    assert "gcc" in text and ci.check_dockerfile(text) == []


def test_tools_removed_in_the_same_layer_are_not_flagged() -> None:
    text = (
        "FROM public.ecr.aws/lambda/python:3.13\n"
        "RUN dnf install -y gcc && pip install x && dnf remove -y gcc\n"
        'CMD ["app.handler"]\n'
    )
    assert ci.check_dockerfile(text) == []


def test_installing_runtime_libraries_is_not_a_build_tool() -> None:
    text = (
        "FROM public.ecr.aws/lambda/python:3.13\n"
        'RUN dnf install -y libpq\nCMD ["app.handler"]\n'
    )
    assert ci.check_dockerfile(text) == []


# ---------------------------------------------------------------- rule: code before dependencies


@pytest.mark.parametrize(
    "copy",
    ["COPY . .", "COPY app/ ${LAMBDA_TASK_ROOT}/", 'COPY ["app.py", "./"]', "ADD src /var/task"],
)
def test_code_copied_before_pip_install(copy: str) -> None:
    text = (
        f"FROM public.ecr.aws/lambda/python:3.13\n{copy}\n"
        "RUN pip install -r requirements.txt --target ${LAMBDA_TASK_ROOT}\nCMD [\"app.handler\"]\n"
    )
    (problem,) = ci.check_dockerfile(text)
    assert problem.startswith("line 2: application code is copied before the dependencies")
    assert "(line 3)" in problem


@pytest.mark.parametrize(
    "manifest",
    [
        "COPY requirements.txt .",
        "COPY pyproject.toml uv.lock ./",
        "COPY package.json package-lock.json ./",
        "COPY --chown=1000 requirements-prod.txt ${LAMBDA_TASK_ROOT}/",
    ],
)
def test_copying_only_the_manifest_first_is_right(manifest: str) -> None:
    text = (
        f"FROM public.ecr.aws/lambda/python:3.13\n{manifest}\n"
        "RUN pip install -r requirements.txt\nCOPY . .\nCMD [\"app.handler\"]\n"
    )
    assert ci.check_dockerfile(text) == []


def test_node_npm_ci_counts_as_dependency_install() -> None:
    text = (
        "FROM public.ecr.aws/lambda/nodejs:22\nCOPY . ${LAMBDA_TASK_ROOT}\n"
        "RUN npm ci --omit=dev\nCMD [\"index.handler\"]\n"
    )
    assert findings(text, "copied before the dependencies")


# ---------------------------------------------------------------- rule: secrets in ENV


@pytest.mark.parametrize(
    "env",
    [
        "ENV DB_PASSWORD=hunter2",
        "ENV API_KEY secret-value",
        'ENV STRIPE_SECRET_KEY="sk_live_x" LOG_LEVEL=INFO',
        "ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "ENV DEPLOY_NOTE=AKIAIOSFODNN7EXAMPLE",  # an access key ID under an innocent name
        "ENV GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ],
)
def test_secrets_in_env(env: str) -> None:
    text = f'FROM public.ecr.aws/lambda/python:3.13\n{env}\nCMD ["app.handler"]\n'
    (problem,) = ci.check_dockerfile(text)
    assert problem.startswith("line 2: ENV ") and "docker inspect" in problem


@pytest.mark.parametrize(
    "env",
    [
        "ENV DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        "ENV TOKEN_PARAMETER_NAME=/prod/token",
        "ENV LOG_LEVEL=INFO POWERTOOLS_SERVICE_NAME=greeter",
    ],
)
def test_pointers_to_secrets_are_fine(env: str) -> None:
    text = f'FROM public.ecr.aws/lambda/python:3.13\n{env}\nCMD ["app.handler"]\n'
    assert ci.check_dockerfile(text) == []


# ---------------------------------------------------------------- rule: CMD


def test_no_cmd() -> None:
    text = "FROM public.ecr.aws/lambda/python:3.13\nCOPY app.py ${LAMBDA_TASK_ROOT}\n"
    (problem,) = ci.check_dockerfile(text)
    assert problem.startswith("Dockerfile: no CMD") and "ImageConfig.Command" in problem


def test_shell_form_cmd() -> None:
    text = "FROM public.ecr.aws/lambda/python:3.13\nCMD app.handler\n"
    assert findings(text, "CMD is in shell form")


def test_cmd_inherited_from_an_earlier_stage() -> None:
    text = (
        'FROM public.ecr.aws/lambda/python:3.13 AS base\nCMD ["app.handler"]\n'
        "FROM base\nCOPY app.py ${LAMBDA_TASK_ROOT}\n"
    )
    assert ci.check_dockerfile(text) == []


# ---------------------------------------------------------------- AWS's own examples


# The Dockerfiles in AWS's "Deploy Python Lambda functions with container images" guide:
# an AWS base image, and a non-AWS base image with the runtime interface client.
AWS_PYTHON_BASE = """FROM public.ecr.aws/lambda/python:3.12

# Copy requirements.txt
COPY requirements.txt ${LAMBDA_TASK_ROOT}

# Install the specified packages
RUN pip install -r requirements.txt

# Copy function code
COPY lambda_function.py ${LAMBDA_TASK_ROOT}

# Set the CMD to your handler (could also be done as a parameter override outside of the Dockerfile)
CMD [ "lambda_function.handler" ]
"""
AWS_PYTHON_RIC = """# Define custom function directory
ARG FUNCTION_DIR="/function"

FROM python:3.12 AS build-image

# Include global arg in this stage of the build
ARG FUNCTION_DIR

# Copy function code
RUN mkdir -p ${FUNCTION_DIR}
COPY . ${FUNCTION_DIR}

# Install the function's dependencies
RUN pip install \\
    --target ${FUNCTION_DIR} \\
        awslambdaric

# Use a slim version of the base Python image to reduce the final image size
FROM python:3.12-slim

# Include global arg in this stage of the build
ARG FUNCTION_DIR
# Set working directory to function root directory
WORKDIR ${FUNCTION_DIR}

# Copy in the built dependencies
COPY --from=build-image ${FUNCTION_DIR} ${FUNCTION_DIR}

# Set runtime interface client as default command for the container runtime
ENTRYPOINT [ "/usr/local/bin/python", "-m", "awslambdaric" ]
# Pass the name of the function handler as an argument to the runtime
CMD [ "lambda_function.handler" ]
"""


def test_aws_base_image_example_is_clean() -> None:
    assert ci.check_dockerfile(AWS_PYTHON_BASE) == []


def test_aws_ric_example_only_gets_the_ordering_note() -> None:
    # AWS's example copies all the code before installing awslambdaric; harmless for a
    # demo, but every code change re-runs the install. That is the one finding.
    (problem,) = ci.check_dockerfile(AWS_PYTHON_RIC)
    assert problem.startswith("line 11: application code is copied before the dependencies")


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


# ---------------------------------------------------------------- command line


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = ci.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_clean(capsys) -> None:
    assert run_cli(["check", str(ci.DOCKERFILE)], capsys) == (0, "", "")


def test_cli_findings_exit_1(tmp_path, capsys) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3.13\nCOPY . .\nRUN pip install -r requirements.txt\n")
    code, out, err = run_cli(["check", str(path)], capsys)
    assert code == 1 and err == ""
    assert len(out.strip().splitlines()) == 3


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "empty", "no-from", "huge"])
def test_cli_unusable_input_exits_2(tmp_path, capsys, kind) -> None:
    path = tmp_path / "Dockerfile"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "no-from":
        path.write_text("RUN echo hello\n")
    elif kind == "huge":
        path.write_text("# x\n" * 300_000)
    code, out, err = run_cli(["check", str(path)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_cli_help_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.container_images", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "check" in result.stdout


# ---------------------------------------------------------------- fuzzing


@FUZZ
@given(text=JUNK)
def test_fuzz_check_dockerfile_with_junk(text) -> None:
    problems = ci.check_dockerfile(text)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(words=st.lists(DOCKER_WORDS | st.text(max_size=10), max_size=40))
def test_fuzz_check_dockerfile_with_dockerish_text(words) -> None:
    problems = ci.check_dockerfile(" ".join(words))
    assert all(isinstance(p, str) and p for p in problems)


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


@FUZZ
@given(content=st.binary(max_size=400))
def test_fuzz_cli_with_any_file(tmp_path, capsys, content) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    code = ci.main(["check", str(path)])
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert len(captured.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text",
    [
        # COPY --from an earlier stage is not code from the build context
        "FROM public.ecr.aws/lambda/python:3.13 AS b\nFROM b\nCOPY --from=b /x /y\n"
        'RUN pip install x\nCMD ["a.h"]\n',
        # broken JSON form and a one-word COPY are not code copies
        'FROM public.ecr.aws/lambda/python:3.13\nCOPY ["a.py", \nCOPY lonely\n'
        'RUN pip install x\nCMD ["a.h"]\n',
        # a FROM with only a flag, a stage built FROM itself, odd ENV lines
        'FROM --platform=linux/arm64\nFROM public.ecr.aws/lambda/python:3.13 AS a\nFROM a AS a\n'
        "ENV\nENV NOTE='unbalanced\nCMD [\"a.h\"]\n",
    ],
)
def test_odd_but_harmless_dockerfiles(text: str) -> None:
    assert ci.check_dockerfile(text) == []


def test_a_huge_text_is_not_parsed() -> None:
    (problem,) = ci.check_dockerfile("#" * (ci.MAX_DOCKERFILE_BYTES + 1))
    assert "too large" in problem
