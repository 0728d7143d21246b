"""Lambda Dockerfile rules (DF001–DF008), on hand-made shapes and on AWS's own Dockerfiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import check_dockerfile
from cicd_check.dockerfile import check_text, dockerfile_findings
from tests.support.fuzzing import FUZZ, JUNK

REAL = Path(__file__).with_name("data") / "dockerfile"
BASE = "FROM public.ecr.aws/lambda/python:3.13\n"
CMD = 'CMD ["app.handler"]\n'


def rules(text: str, *, platform: bool = False) -> list[str]:
    return sorted(f.id for f in dockerfile_findings(text) if platform or f.id != "DF008")


@pytest.mark.parametrize(("text", "expected"), [
    # base images and the runtime interface client
    ('FROM python:3.13-slim\nCOPY app.py .\n' + CMD, ["DF002"]),
    ("FROM python:3.13-slim\nWORKDIR /function\nCOPY requirements.txt .\n"
     "RUN pip install --no-cache-dir awslambdaric -r requirements.txt\nCOPY app.py .\n"
     'ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]\n' + CMD, []),
    ('FROM public.ecr.aws/lambda/provided:al2023\nCOPY bootstrap ${LAMBDA_RUNTIME_DIR}\n'
     'CMD ["handler"]\n', []),
    ("FROM golang:1.23 AS build\nRUN go build -tags lambda.norpc -o bootstrap .\n"
     "FROM alpine:3.20\nCOPY --from=build /src/bootstrap /bootstrap\n"
     'RUN echo uses github.com/aws/aws-lambda-go\nENTRYPOINT ["/bootstrap"]\n', []),
    ("ARG BASE\nFROM ${BASE}\n" + CMD, []),  # only known at build time
    ("FROM scratch\nCOPY bootstrap /\n" 'ENTRYPOINT ["/bootstrap"]\n', []),
    (BASE.replace("\n", " AS base\n") + "FROM base AS final\nCOPY app.py .\n" + CMD, []),
    ("ARG PY=3.13\nFROM public.ecr.aws/lambda/python:${PY}\n" + CMD, []),
    ('ARG PY="3.13"\nFROM --platform=$BUILDPLATFORM public.ecr.aws/lambda/python:${PY}\n' + CMD,
     []),
    # build tools
    (BASE + "RUN dnf install -y gcc python3-devel && dnf clean all\nCOPY requirements.txt .\n"
     "RUN pip install -r requirements.txt\nCOPY app.py .\n" + CMD, ["DF003"]),
    (BASE.replace("\n", " AS build\n") + "RUN echo build\n" + BASE
     + "RUN apt-get install -y build-essential\n" + CMD, ["DF003"]),
    (BASE + "RUN dnf install -y gcc && pip install x && dnf remove -y gcc\n" + CMD, []),
    (BASE + "RUN dnf install -y libpq\n" + CMD, []),
    # layer order
    (BASE + "COPY . .\nRUN pip install -r requirements.txt\n" + CMD, ["DF004"]),
    (BASE + 'COPY ["app.py", "./"]\nRUN pip install -r requirements.txt\n' + CMD, ["DF004"]),
    (BASE + 'COPY ["app.py", \nRUN pip install -r requirements.txt\n' + CMD, []),
    (BASE + "ADD src /var/task\nRUN npm ci --omit=dev\n" + CMD, ["DF004"]),
    (BASE + "COPY pyproject.toml uv.lock ./\nRUN uv sync\nCOPY . .\n" + CMD, []),
    (BASE + "COPY package*.json ./\nRUN npm ci\nCOPY . .\n" + CMD, []),
    (BASE + "COPY *.json ./\nRUN npm ci\nCOPY . .\n" + CMD, []),
    (BASE + "COPY --from=build /asset .\nRUN pip install x\n" + CMD, []),
    (BASE + "COPY app.py\nRUN pip install x\n" + CMD, []),
    # secrets
    (BASE + "ENV DB_PASSWORD=hunter2\n" + CMD, ["DF005"]),
    (BASE + "ENV API_KEY secret-value\n" + CMD, ["DF005"]),
    (BASE + "ENV DEPLOY_NOTE=AKIAIOSFODNN7EXAMPLE\n" + CMD, ["DF005"]),
    (BASE + "ENV GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n" + CMD, ["DF005"]),
    (BASE + "ENV DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:db\n" + CMD, []),
    (BASE + "ENV TOKEN_PARAMETER_NAME=/prod/token LOG_LEVEL=INFO\n" + CMD, []),
    (BASE + "ARG API_TOKEN\nENV API_TOKEN=${API_TOKEN}\n" + CMD, []),
    (BASE + "ENV\n" + CMD, []),
    # CMD and ENTRYPOINT
    (BASE + "COPY app.py .\n", ["DF007"]),
    (BASE + "CMD app.handler\n", ["DF006"]),
    (BASE.replace("\n", " AS base\n") + CMD + "FROM base\nCOPY app.py .\n", []),
    (BASE + "ENTRYPOINT ./lambda-handler\n", []),
])
def test_shapes(text: str, expected: list[str]) -> None:
    assert rules(text) == expected, dockerfile_findings(text)


def test_platform() -> None:
    assert rules(BASE + CMD, platform=True) == ["DF008"]
    for pinned in ("FROM --platform=linux/arm64 public.ecr.aws/lambda/python:3.13\n",
                   "FROM public.ecr.aws/lambda/python:3.12-arm64\n",
                   "FROM public.ecr.aws/lambda/python:3.12-x86_64\n"):
        assert rules(pinned + CMD, platform=True) == [], pinned
    found, = dockerfile_findings(BASE + CMD)
    assert "exec format error" in found and found.line == 1


def test_errors_only_from_the_public_function() -> None:
    text = BASE + "ENV DB_PASSWORD=x\nRUN dnf install -y gcc\nCMD app.handler\n"
    assert [f.id for f in check_dockerfile(text)] == ["DF005", "DF006"]
    assert [f.line for f in check_dockerfile(text)] == [2, 4]


def test_unusable_text_is_a_finding() -> None:
    assert [f.id for f in check_dockerfile("# only a comment\nRUN echo hi\n")] == ["DF001"]
    assert [f.id for f in check_dockerfile(b"FROM x")] == ["DF001"]  # type: ignore[arg-type]
    assert "too large" in check_dockerfile("#" * (1024 * 1024 + 1))[0]
    assert [f.id for f in check_dockerfile("FROM --platform=linux/amd64\n")] == ["DF001"]


def test_check_text_names_the_file() -> None:
    found = check_text(BASE + "CMD x\n", file="app/Dockerfile")
    assert {f.file for f in found} == {"app/Dockerfile"}


@pytest.mark.parametrize("path", sorted(REAL.glob("*")), ids=lambda p: p.name)
def test_real_dockerfiles_aws_accepts_have_no_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "Excerpt" in text, f"{path.name}: say where the excerpt comes from"
    assert check_dockerfile(text) == [], path.name


def test_what_the_real_files_teach() -> None:
    def ids(name: str) -> list[str]:
        return rules((REAL / name).read_text(encoding="utf-8"), platform=True)

    assert ids("aws-sam-go-hello-img.Dockerfile") == ["DF008"], "shell-form ENTRYPOINT is fine"
    assert ids("aws-sam-python-scikit.Dockerfile") == ["DF003", "DF004", "DF008"]
    assert ids("aws-samples-bedrock-gateway-arm64.Dockerfile") == []
    assert ids("aws-docs-nodejs-multistage-arg.Dockerfile") == []


# --- fuzzing: well-formed Dockerfiles with one bad line inside ---------------------------

LINES = st.sampled_from([
    "FROM public.ecr.aws/lambda/python:3.13", "FROM --platform=$X ${BASE} AS b", "ARG A=",
    "COPY . .", 'COPY ["a", ', "RUN pip install -r requirements.txt", "RUN dnf install gcc",
    "ENV A", "ENV TOKEN=\"unterminated", 'CMD ["x"', "CMD", "ENTRYPOINT", "FROM", "FROM b",
    "RUN \\", "ONBUILD RUN x", "# comment",
])


@FUZZ
@given(before=st.lists(LINES, max_size=6), bad=st.text(max_size=80) | LINES,
       after=st.lists(LINES, max_size=6))
def test_fuzz_dockerfiles(before: list[str], bad: str, after: list[str]) -> None:
    text = "\n".join([*before, bad, *after]) + "\n"
    for finding in dockerfile_findings(text):
        assert finding.id.startswith("DF") and isinstance(str(finding), str)


@FUZZ
@given(value=JUNK)
def test_fuzz_any_value(value: object) -> None:
    assert isinstance(check_dockerfile(value), list)
