"""Lambda Dockerfiles: what makes an image fail on Lambda, or work against AWS's advice.

Read with dockerfile-parse (multi-stage builds, ``ARG`` before ``FROM``, ``--platform``
flags), judged on the stages that end up in the image Lambda runs: the final stage and
the stages it is built ``FROM``. Each finding carries the Dockerfile's line.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from dockerfile_parse import DockerfileParser

from cicd_check.findings import ERROR, WARNING, Finding, errors, rule

PAGE = "dockerfile"
IMAGES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html"
BEST_PRACTICES = "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html"
PYTHON_IMAGE_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/python-image.html"
MAX_DOCKERFILE_CHARS = 1024 * 1024

NO_FROM = rule("DF001", "no-from", ERROR, "A Dockerfile with no FROM: there is no image to build.",
               fix="start with FROM public.ecr.aws/lambda/<runtime>:<version>", source=IMAGES_PAGE,
               page=PAGE)
NO_RIC = rule("DF002", "no-runtime-interface-client", WARNING,
              "A final image on a non-AWS base image with no runtime interface client.",
              fix="start from public.ecr.aws/lambda/<runtime>, or install the runtime interface "
                  "client (Python: pip install awslambdaric)", source=IMAGES_PAGE, page=PAGE)
BUILD_TOOLS = rule("DF003", "build-tools-in-image", WARNING,
                   "Compilers and build tools installed in the image you ship.",
                   fix="build in an earlier stage and COPY --from it only what you need",
                   source=BEST_PRACTICES, page=PAGE)
CODE_FIRST = rule("DF004", "code-before-dependencies", WARNING,
                  "Application code copied before the dependencies are installed.",
                  fix="copy the dependency manifest, install, then copy the code",
                  source=PYTHON_IMAGE_PAGE, page=PAGE)
SECRET = rule("DF005", "secret-in-env", ERROR,
              "A secret in ENV: it is stored in the image for anyone who can pull it.",
              fix="read secrets at run time from Secrets Manager or Parameter Store",
              source=BEST_PRACTICES, page=PAGE)
SHELL_CMD = rule("DF006", "shell-form-cmd", ERROR,
                 "CMD in shell form: the entrypoint gets /bin/sh -c ... instead of the handler.",
                 fix='write the handler in exec form: CMD ["app.handler"]', source=IMAGES_PAGE,
                 page=PAGE)
NO_CMD = rule("DF007", "no-cmd", WARNING,
              "No CMD (and no ENTRYPOINT): the function has nothing to run unless every "
              "function sets ImageConfig.Command.",
              fix='name the handler: CMD ["app.handler"]', source=IMAGES_PAGE, page=PAGE)
PLATFORM = rule("DF008", "platform-not-pinned", WARNING,
                "The image's architecture is whatever machine builds it: on Apple silicon or "
                "Graviton that is arm64, which an x86_64 function cannot run.",
                fix="build with docker build --platform linux/amd64 (or linux/arm64) to match "
                    "the function's Architectures, and ignore DF008 for this file",
                source=IMAGES_PAGE, page=PAGE)

AWS_BASE_IMAGES = ("public.ecr.aws/lambda/", "amazon/aws-lambda-")
# Runtime interface clients and other Runtime API implementations, by how they are installed.
RUNTIME_API_CLIENTS = re.compile(
    r"awslambdaric|aws-lambda-ric|aws_lambda_ric|amazon\.lambda\.runtimesupport|"
    r"aws-lambda-java-runtime-interface-client|aws-lambda-go|lambda_runtime|cargo[- ]lambda|"
    r"aws-lambda-adapter|aws-lambda-rust-runtime|aws-lambda-cpp|bref/|/bootstrap\b",
    re.IGNORECASE,
)
TOOLS = re.compile(
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
    r"[\w.-]+\.csproj|\.npmrc|tsconfig\.json)$"
)
SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE
)
NOT_A_SECRET = re.compile(r"_(ARN|NAME|PATH|FILE|PARAMETER|PARAM|ID|URL|REGION)$", re.IGNORECASE)
SECRET_VALUE = re.compile(
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{30,}"
)
# Manifest names a glob such as ``package*.json`` or ``*.json`` may stand for.
MANIFEST_NAMES = ("requirements.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile",
                  "Pipfile.lock", "package.json", "package-lock.json", "yarn.lock",
                  "pnpm-lock.yaml", "Gemfile", "Gemfile.lock", "go.mod", "go.sum", "Cargo.toml",
                  "Cargo.lock", "pom.xml", "build.gradle", "tsconfig.json")
ARCH_TAG = re.compile(r"(?:^|[-_.:])(arm64|aarch64|x86_64|amd64)(?:$|[-_.])", re.IGNORECASE)


@dataclass
class Stage:
    """One FROM ... up to the next FROM."""

    base: str
    name: str | None
    line: int
    platform: str | None
    instructions: list[dict[str, Any]] = field(default_factory=list)


def _line(instruction: dict[str, Any]) -> int:
    return int(instruction["startline"]) + 1


def dockerfile_findings(text: Any) -> list[Finding]:
    """Every finding (errors and warnings) for one Dockerfile's text."""
    if not isinstance(text, str):
        return [NO_FROM.at("Dockerfile", f"expected text, got {type(text).__name__}")]
    if len(text) > MAX_DOCKERFILE_CHARS:
        return [NO_FROM.at("Dockerfile", f"over {MAX_DOCKERFILE_CHARS:,} characters, too large "
                                         "to be a Dockerfile")]
    stages = _stages(text.encode("utf-8", "replace"))
    if not stages:
        return [NO_FROM.at("Dockerfile", "no FROM instruction, so there is no image to build",
                           line=1)]
    chain = _chain(stages[-1], stages)  # the final stage and the stages it is built FROM
    found: list[Finding] = []
    found += _base_image(chain, stages)
    found += _build_tools(chain, single_stage=len(stages) == 1)
    for stage in stages:
        found += _order(stage)
        found += _secrets(stage)
    found += _command(chain)
    return found


def check_dockerfile(text: Any) -> list[Finding]:
    """What in a Lambda Dockerfile makes the image fail or leak; ``[]`` if none (errors only).

    Warnings (AWS's advice: base image, build tools, layer order, platform) come from
    :func:`dockerfile_findings` and ``cicd-check``.
    """
    return errors(dockerfile_findings(text))


def check_text(text: str, *, file: str = "<text>", on: dt.date | None = None) -> list[Finding]:
    """``cicd-check``'s entry point for kind ``dockerfile``: every finding, with its line."""
    del on  # no rule here depends on the date
    return [finding.located(file=file) for finding in dockerfile_findings(text)]


def _base_image(chain: list[Stage], stages: list[Stage]) -> list[Finding]:
    root, final = chain[-1], chain[0]
    found = []
    if root.platform is None and not ARCH_TAG.search(root.base.rsplit("/", 1)[-1]):
        found.append(PLATFORM.at(
            "FROM", f"{root.base} has no --platform and no architecture in its tag, so the "
                    "image is built for the building machine; an arm64 image on an x86_64 "
                    "function fails with Runtime.InvalidEntrypoint: fork/exec "
                    "/lambda-entrypoint.sh: exec format error", line=root.line))
    if root.base.startswith(AWS_BASE_IMAGES) or "$" in root.base or root.base == "scratch":
        return found  # an AWS base image, or one only known at build time
    text = " ".join(i["value"] for stage in stages for i in stage.instructions)
    if RUNTIME_API_CLIENTS.search(text):
        return found
    found.append(NO_RIC.at(
        "FROM", f"the final image starts from {root.base}, not an AWS base image, and no "
                "runtime interface client is installed (for Python: pip install awslambdaric): "
                "nothing talks to the Lambda Runtime API, so every invocation fails unless "
                "your own program implements it", line=final.line))
    return found


def _build_tools(chain: list[Stage], single_stage: bool) -> list[Finding]:
    found = []
    for stage in chain:
        for instruction in stage.instructions:
            command = instruction["value"]
            if instruction["instruction"] != "RUN" or not OS_INSTALL.search(command):
                continue
            tools = sorted(set(TOOLS.findall(command)))
            if not tools or OS_REMOVE.search(command):
                continue
            where = "a single-stage build" if single_stage else "the final stage"
            found.append(BUILD_TOOLS.at(
                "RUN", f"{where} installs build tools ({', '.join(tools)}) that stay in the "
                       "image you ship: a bigger image (slower cold starts) and a compiler for "
                       "an attacker", line=_line(instruction)))
    return found


def _order(stage: Stage) -> list[Finding]:
    install = next((i for i in stage.instructions
                    if i["instruction"] == "RUN" and DEPENDENCY_INSTALL.search(i["value"])), None)
    if install is None:
        return []
    for instruction in stage.instructions:
        if instruction is install:
            return []
        if instruction["instruction"] in ("COPY", "ADD") and _copies_code(instruction["value"]):
            return [CODE_FIRST.at(
                instruction["instruction"],
                f"application code is copied before the dependencies are installed (line "
                f"{_line(install)}): every code change rebuilds the install layer",
                line=_line(instruction))]
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
    return not all(_is_manifest(source.rstrip("/")) for source in paths[:-1])


def _is_manifest(source: str) -> bool:
    if MANIFESTS.search(source):
        return True
    name = source.rsplit("/", 1)[-1]
    return any(ch in name for ch in "*?[") and any(
        fnmatch.fnmatchcase(known, name) for known in MANIFEST_NAMES)


def _secrets(stage: Stage) -> list[Finding]:
    found = []
    for instruction in stage.instructions:
        if instruction["instruction"] != "ENV":
            continue
        for key, value in _env_pairs(instruction["value"]):
            named = SECRET_NAME.search(key) and not NOT_A_SECRET.search(key)
            if (named and value and not value.startswith("$")) or SECRET_VALUE.search(value):
                found.append(SECRET.at(
                    f"ENV {key[:60]}", "looks like a secret; ENV values are stored in the "
                                       "image, and anyone who can pull it reads them with "
                                       "docker inspect", line=_line(instruction)))
    return found


def _command(chain: list[Stage]) -> list[Finding]:
    for stage in chain:  # the nearest CMD or ENTRYPOINT wins
        for instruction in reversed(stage.instructions):
            kind = instruction["instruction"]
            if kind == "ENTRYPOINT":
                return []
            if kind == "CMD":
                if instruction["value"].lstrip().startswith("["):
                    return []
                return [SHELL_CMD.at("CMD", "shell form, so the entrypoint gets '/bin/sh -c "
                                            "...' instead of the handler; write "
                                            'CMD ["module.handler"]', line=_line(instruction))]
    return [NO_CMD.at("CMD", 'missing: on an AWS base image CMD names the handler (for example '
                             'CMD ["app.handler"])', line=chain[0].line)]


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
            words = _split(instruction["value"])
            flags = [w for w in words if w.startswith("--")]
            words = [w for w in words if not w.startswith("--")]
            if not words:
                continue
            platform = next((f.split("=", 1)[1] for f in flags
                             if f.startswith("--platform=")), None)
            base = _substitute(words[0], arguments)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name, _line(instruction), platform))
        elif stages:
            stages[-1].instructions.append(instruction)
        elif kind == "ARG":  # ARGs before the first FROM may appear in FROM lines
            key, _, default = instruction["value"].partition("=")
            if default:
                arguments[key.strip()] = default.strip().strip('"').strip("'")
    return stages


def _chain(stage: Stage, stages: list[Stage]) -> list[Stage]:
    """The stage, then the earlier stage it is built FROM, and so on to a real image."""
    chain = [stage]
    while True:
        index = next(i for i, s in enumerate(stages) if s is chain[-1])
        base = chain[-1].base.lower()
        parent = next((s for s in reversed(stages[:index]) if (s.name or "").lower() == base),
                      None)
        if parent is None:
            return chain
        chain.append(parent)


def _substitute(word: str, arguments: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)), word)


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
