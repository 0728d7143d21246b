"""Lambda container images: a Dockerfile check, the image URI rules, local tests, moto.

An image function starts from whatever the image holds, so the Dockerfile decides cold-start
time, image size, what an attacker finds inside and whether Lambda can run it at all.
``check_dockerfile`` flags the mistakes AWS's best practices warn about, each with the reason.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser

from snippets.aws_lambda.limits import quota
from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable

IMAGES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html"
PYTHON_IMAGE_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/python-image.html"
DOCKERFILE = Path(__file__).resolve().parent / "Dockerfile"
MAX_DOCKERFILE_BYTES = 1024 * 1024

AWS_BASE_IMAGES = ("public.ecr.aws/lambda/", "amazon/aws-lambda-")
# Runtime interface clients, by the name they are installed with.
RUNTIME_INTERFACE_CLIENTS = re.compile(
    r"awslambdaric|aws-lambda-ric|aws_lambda_ric|amazon\.lambda\.runtimesupport|"
    r"aws-lambda-java-runtime-interface-client",
    re.IGNORECASE,
)
BUILD_TOOLS = re.compile(
    r"(?<![\w.-])(gcc|gcc-c\+\+|g\+\+|clang|make|cmake|build-essential|git|cargo|rust|golang|"
    r"musl-dev|[\w.+-]+-devel|[\w.+-]+-dev)(?![\w.+-])"
)
OS_INSTALL = re.compile(r"\b(?:dnf|microdnf|yum|apt-get|apt|apk)\b[^;&|]*?\b(?:install|add)\b")
OS_REMOVE = re.compile(r"\b(?:remove|erase|purge|autoremove|del)\b")
DEPENDENCY_INSTALL = re.compile(
    r"\b(?:pip3?|uv|poetry|pipenv|npm|yarn|pnpm|bundle|gem|mvn|gradle|cargo)\b[^;&|]*?"
    r"\b(?:install|ci|sync|add|build|package|fetch)\b|\bgo\s+mod\s+download\b|"
    r"\bdotnet\s+(?:restore|publish)\b"
)
MANIFESTS = re.compile(
    r"(^|/)(requirements[\w.-]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|"
    r"setup\.(py|cfg)|package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|npm-shrinkwrap\.json|"
    r"Gemfile(\.lock)?|go\.(mod|sum)|Cargo\.(toml|lock)|pom\.xml|build\.gradle(\.kts)?|"
    r"[\w.-]+\.csproj)$"
)
SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE
)
NOT_A_SECRET = re.compile(r"_(ARN|NAME|PATH|FILE|PARAMETER|PARAM)$", re.IGNORECASE)
SECRET_VALUE = re.compile(
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{30,}"
)
IMAGE_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)"
    r"\.amazonaws\.com(?:\.cn)?/(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))$"
)


@dataclass
class Stage:
    """One FROM ... up to the next FROM."""

    base: str
    name: str | None
    line: int
    instructions: list[dict[str, Any]] = field(default_factory=list)


# --8<-- [start:check]
def check_dockerfile(text: Any) -> list[str]:
    """What in a Lambda Dockerfile works against AWS's advice, each with why ([] if clean)."""
    if not isinstance(text, str):
        return [f"Dockerfile: expected text, got {type(text).__name__}"]
    data = text.encode("utf-8", "replace")
    if len(data) > MAX_DOCKERFILE_BYTES:
        return [f"Dockerfile: over {MAX_DOCKERFILE_BYTES:,} bytes, too large to be a Dockerfile"]
    stages = _stages(data)
    if not stages:
        return ["Dockerfile: no FROM instruction, so there is no image to build"]
    final = stages[-1]
    chain = _chain(final, stages)  # the final stage and the stages it is built FROM
    problems: list[str] = []
    problems += _base_image_problems(final, chain, stages)
    problems += _build_tool_problems(chain, single_stage=len(stages) == 1)
    for stage in stages:
        problems += _order_problems(stage)
        problems += _secret_problems(stage)
    problems += _cmd_problems(chain)
    return problems


def _base_image_problems(final: Stage, chain: list[Stage], stages: list[Stage]) -> list[str]:
    root = chain[-1].base
    if root.startswith(AWS_BASE_IMAGES):
        return []
    text = " ".join(i["value"] for stage in stages for i in stage.instructions)
    if RUNTIME_INTERFACE_CLIENTS.search(text):
        return []
    return [
        f"line {final.line}: the final image starts from {root}, not an AWS base image, and no "
        "runtime interface client is installed (for Python: pip install awslambdaric). "
        "Without one nothing talks to the Lambda Runtime API, so every invocation fails, "
        "unless your own program implements that API. AWS base images include the client, "
        "are patched by AWS and are often already cached by Lambda."
    ]


def _build_tool_problems(chain: list[Stage], single_stage: bool) -> list[str]:
    problems = []
    for stage in chain:
        for instruction in stage.instructions:
            command = instruction["value"]
            if instruction["instruction"] != "RUN" or not OS_INSTALL.search(command):
                continue
            tools = sorted(set(BUILD_TOOLS.findall(command)))
            if not tools or OS_REMOVE.search(command):
                continue
            where = "a single-stage build" if single_stage else "the final stage"
            problems.append(
                f"line {instruction['startline'] + 1}: {where} installs build tools "
                f"({', '.join(tools)}) that stay in the image you ship. They make it bigger "
                "(slower cold starts) and give an attacker a compiler; build in an earlier "
                "stage and COPY --from it only what you need."
            )
    return problems


def _order_problems(stage: Stage) -> list[str]:
    install = next(
        (
            i
            for i in stage.instructions
            if i["instruction"] == "RUN" and DEPENDENCY_INSTALL.search(i["value"])
        ),
        None,
    )
    if install is None:
        return []
    for instruction in stage.instructions:
        if instruction is install:
            return []
        if instruction["instruction"] in ("COPY", "ADD") and _copies_code(instruction["value"]):
            return [
                f"line {instruction['startline'] + 1}: application code is copied before the "
                f"dependencies are installed (line {install['startline'] + 1}). Every code "
                "change then invalidates the install layer and everything after it; copy the "
                "dependency manifest, install, and copy the code last."
            ]
    return []  # pragma: no cover - the install instruction is always reached


def _copies_code(value: str) -> bool:
    """True for a COPY/ADD from the build context of anything but dependency manifests."""
    words = _split(value)
    if any(word.startswith("--from") for word in words):
        return False
    if value.lstrip().startswith("["):  # JSON form: COPY ["src", "dest"]
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        words = [str(w) for w in parsed] if isinstance(parsed, list) else []
    paths = [word for word in words if not word.startswith("--")]
    if len(paths) < 2:
        return False
    return not all(MANIFESTS.search(source.rstrip("/")) for source in paths[:-1])


def _secret_problems(stage: Stage) -> list[str]:
    problems = []
    for instruction in stage.instructions:
        if instruction["instruction"] != "ENV":
            continue
        for key, value in _env_pairs(instruction["value"]):
            named = SECRET_NAME.search(key) and not NOT_A_SECRET.search(key)
            if named or SECRET_VALUE.search(value):
                problems.append(
                    f"line {instruction['startline'] + 1}: ENV {key} looks like a secret. ENV "
                    "values are stored in the image: anyone who can pull it reads them with "
                    "docker inspect. Read secrets at run time from Secrets Manager or "
                    "Parameter Store instead."
                )
    return problems


def _cmd_problems(chain: list[Stage]) -> list[str]:
    for stage in chain:  # the nearest CMD wins
        cmds = [i for i in stage.instructions if i["instruction"] == "CMD"]
        if cmds:
            cmd = cmds[-1]
            if not cmd["value"].lstrip().startswith("["):
                return [
                    f"line {cmd['startline'] + 1}: CMD is in shell form, so the entrypoint "
                    "gets '/bin/sh -c ...' instead of the handler; write "
                    'CMD ["module.handler"].'
                ]
            return []
    return [
        "Dockerfile: no CMD. On an AWS base image CMD names the handler (for example "
        'CMD ["app.handler"]); without it the function has nothing to run unless every '
        "function sets ImageConfig.Command."
    ]
# --8<-- [end:check]


def _stages(data: bytes) -> list[Stage]:
    try:
        parser = DockerfileParser(fileobj=io.BytesIO(data), env_replace=False)
        structure = parser.structure
    except Exception:  # dockerfile-parse raises plain errors on some garbage
        return []
    stages: list[Stage] = []
    arguments: dict[str, str] = {}
    for instruction in structure:
        kind = instruction["instruction"]
        if kind == "COMMENT":
            continue
        if kind == "FROM":
            words = [w for w in _split(instruction["value"]) if not w.startswith("--")]
            if not words:
                continue
            base = _substitute(words[0], arguments)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name, instruction["startline"] + 1))
        elif stages:
            stages[-1].instructions.append(instruction)
        elif kind == "ARG":  # ARGs before the first FROM may appear in FROM lines
            key, _, default = instruction["value"].partition("=")
            arguments[key.strip()] = default.strip().strip('"')
    return stages


def _chain(stage: Stage, stages: list[Stage]) -> list[Stage]:
    """The stage, then the earlier stage it is built FROM, and so on to a real image."""
    chain = [stage]
    while True:
        index = next(i for i, s in enumerate(stages) if s is chain[-1])
        base = chain[-1].base.lower()
        parent = next((s for s in reversed(stages[:index]) if (s.name or "").lower() == base), None)
        if parent is None:
            return chain
        chain.append(parent)


def _substitute(word: str, arguments: dict[str, str]) -> str:
    return re.sub(
        r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)), word
    )


def _split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _env_pairs(value: str) -> list[tuple[str, str]]:
    words = _split(value)
    if not words:
        return []
    if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        return [(words[0], " ".join(words[1:]))]
    return [tuple(word.split("=", 1)) for word in words if "=" in word]  # type: ignore[misc]


# --8<-- [start:uri]
def check_image_uri(uri: Any, function_region: Any) -> list[str]:
    """Why Lambda would refuse this ImageUri for a function in ``function_region``."""
    if not isinstance(uri, str) or not isinstance(function_region, str):
        return ["ImageUri and Region must be text"]
    if uri.startswith("public.ecr.aws/") or "docker.io" in uri or "/" not in uri:
        return [
            f"ImageUri: {uri[:200]} is not in a private Amazon ECR repository; Lambda pulls "
            "only from ECR (copy public images into your own repository)"
        ]
    match = IMAGE_URI.match(uri)
    if match is None:
        return [
            "ImageUri: expected ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG "
            "(or @sha256:DIGEST)"
        ]
    problems = []
    if match["fips"]:
        problems.append("ImageUri: ECR FIPS endpoints are not supported for Lambda images")
    if match["region"] != function_region:
        problems.append(
            f"ImageUri: the repository is in {match['region']} but the function is in "
            f"{function_region}; the image must be in the function's Region"
        )
    return problems
# --8<-- [end:uri]


def fits_image_quota(uncompressed_bytes: int) -> bool:
    """True if an image of this uncompressed size (all layers) is within Lambda's 10 GB."""
    if isinstance(uncompressed_bytes, bool) or not isinstance(uncompressed_bytes, int):
        raise ValueError("uncompressed_bytes: must be a whole number of bytes")
    if uncompressed_bytes < 0:
        raise ValueError("uncompressed_bytes: must not be negative")
    return uncompressed_bytes <= quota("image_size")


# --8<-- [start:local]
def local_test_commands(
    image: str = "greeter:local", architecture: str = "x86_64", port: int = 9000
) -> list[str]:
    """Build for Lambda's architecture, run with the emulator, invoke it with curl."""
    platforms = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
    if not isinstance(architecture, str) or architecture not in platforms:
        raise ValueError(f"architecture: {architecture!r} is not one of x86_64, arm64")
    if not isinstance(image, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._/:-]{0,254}", image):
        raise ValueError("image: must be a lower-case image name such as greeter:local")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("port: must be a TCP port number (1-65535)")
    platform = platforms[architecture]
    return [
        # --provenance=false: a single-architecture image manifest, the kind Lambda accepts
        f"docker buildx build --platform {platform} --provenance=false -t {image} .",
        f"docker run --platform {platform} -p {port}:8080 {image}",
        f"curl \"http://localhost:{port}/2015-03-31/functions/function/invocations\" "
        "-d '{\"name\": \"RIE\"}'",
    ]
# --8<-- [end:local]


# --8<-- [start:create]
def create_image_function(
    function_name: str,
    image_uri: str,
    role_arn: str,
    command: Sequence[str] | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """Create a function from an ECR image; ``command`` overrides the image's CMD."""
    if client is None:
        import boto3

        client = boto3.client("lambda")
    problems = check_image_uri(image_uri, client.meta.region_name)
    if problems:
        raise ValueError("; ".join(problems))
    options: dict[str, Any] = {}
    if command:
        options["ImageConfig"] = {"Command": list(command)}
    return client.create_function(
        FunctionName=function_name,
        PackageType="Image",
        Code={"ImageUri": image_uri},
        Role=role_arn,
        Architectures=["x86_64"],
        **options,
    )
# --8<-- [end:create]


def main(argv: Sequence[str] | None = None) -> int:
    """``check Dockerfile``: exit 0 clean, 1 findings, 2 unusable input."""
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.container_images",
        description="Check a Lambda function's Dockerfile against AWS's best practices.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check a Dockerfile")
    check.add_argument("dockerfile", help="path to the Dockerfile")
    args = parser.parse_args(argv)
    path = Path(args.dockerfile)
    try:
        text = read_text(path, what="Dockerfile", max_bytes=MAX_DOCKERFILE_BYTES)
    except UnusableInput as error:
        return unusable(error)
    problems = check_dockerfile(text)
    if problems and problems[0].startswith("Dockerfile: no FROM"):
        return unusable(f"{path}: no FROM instruction; not a Dockerfile")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
