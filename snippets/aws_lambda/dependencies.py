"""Build a Lambda .zip package with its dependencies, pick the upload route, deploy it.

Lambda runs what is in the .zip and nothing else (apart from the runtime's own
libraries), so third-party packages travel beside the code. The size of that .zip
decides whether it may go straight to the Lambda API or must go through S3; the limits
come from the one quota table in ``snippets/aws_lambda/limits.py``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shlex
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cicd_check.contract import OneLineParser, unusable
from snippets.aws_lambda.limits import quota

PACKAGE_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html"
LAYERS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html"

# A fixed timestamp makes the same files give the same bytes (and the same CodeSha256).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SKIPPED_DIRS = {"__pycache__", ".git", ".venv", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
ARCHITECTURES = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
PYTHON_VERSIONS = ("3.12", "3.13", "3.14")  # the supported runtimes examples may target
LAYER_PREFIX = "python"


@dataclass(frozen=True)
class PackageSize:
    """What Lambda measures: the .zip as uploaded and its contents once extracted."""

    zipped_bytes: int
    unzipped_bytes: int
    files: int


def build_package(
    source_dir: str | os.PathLike[str],
    dependencies_dir: str | os.PathLike[str] | None,
    out_zip: str | os.PathLike[str],
) -> Path:
    """Zip the function code at the root and its dependencies beside it.

    The same input always gives the same bytes (sorted entries, fixed timestamps), so
    CodeSha256 only changes when the code or a dependency really changed.
    Raises ValueError for a missing directory or a file that both trees contain.
    """
    source = _directory(source_dir, "source_dir")
    trees = [source]
    if dependencies_dir is not None:
        trees.append(_directory(dependencies_dir, "dependencies_dir"))
    out = _output_path(out_zip, trees)
    entries: dict[str, Path] = {}
    for tree in trees:
        for name, path in _files(tree):
            if name in entries:
                raise ValueError(
                    f"{name!r} is in both source_dir and dependencies_dir: one would hide "
                    "the other inside the package"
                )
            entries[name] = path
    if not entries:
        raise ValueError("source_dir: no files to package")
    _write_zip(out, [(name, entries[name]) for name in sorted(entries)])
    return out


def build_layer(
    dependencies_dir: str | os.PathLike[str], out_zip: str | os.PathLike[str]
) -> Path:
    """Zip installed packages under ``python/``, where the Python runtimes look in /opt."""
    source = _directory(dependencies_dir, "dependencies_dir")
    out = _output_path(out_zip, [source])
    files = sorted(_files(source))
    if not files:
        raise ValueError("dependencies_dir: no files to package")
    _write_zip(out, [(f"{LAYER_PREFIX}/{name}", path) for name, path in files])
    return out


def _write_zip(out: Path, entries: list[tuple[str, Path]]) -> None:
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, path in entries:
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16  # readable by Lambda's non-root user
                archive.writestr(info, path.read_bytes())
    except OSError as error:
        raise ValueError(f"out_zip: cannot write {out} ({error.strerror or error})") from None


def package_size(zip_path: str | os.PathLike[str]) -> PackageSize:
    """Zipped and unzipped size of a .zip; ValueError if it is not a readable .zip."""
    path = _file(zip_path, "zip_path")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ValueError(f"zip_path: {path.name} is not a readable .zip file ({error})") from None
    return PackageSize(
        zipped_bytes=path.stat().st_size,
        unzipped_bytes=sum(info.file_size for info in infos),
        files=len(infos),
    )


def code_sha256(zip_bytes: bytes) -> str:
    """Lambda's CodeSha256: the base64 (not hex) SHA-256 of the .zip bytes."""
    if not isinstance(zip_bytes, bytes | bytearray):
        raise ValueError(f"zip_bytes: expected bytes, got {type(zip_bytes).__name__}")
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


# --8<-- [start:route]
def upload_route(
    zipped_bytes: int, unzipped_bytes: int, *, layer_bytes: Sequence[int] = ()
) -> str:
    """``"direct"`` if the .zip may go straight to Lambda, ``"s3"`` if it must go via S3.

    Raises ValueError when the code plus its layers unzip to more than Lambda allows:
    no upload route helps then (use a container image instead).
    """
    zipped = _size(zipped_bytes, "zipped_bytes")
    unzipped = _size(unzipped_bytes, "unzipped_bytes")
    problems = layer_problems(unzipped, layer_bytes)
    if problems:
        raise ValueError("; ".join(problems))
    return "direct" if zipped <= quota("zip_direct") else "s3"
# --8<-- [end:route]


def layer_problems(function_unzipped_bytes: Any, layer_bytes: Any = ()) -> list[str]:
    """Why a function plus its layers would be refused: too many layers, or too big.

    Lambda extracts every layer into /opt of the same execution environment, so the
    250 MB unzipped quota covers the function code and all its layers together.
    """
    problems: list[str] = []
    if isinstance(function_unzipped_bytes, bool) or not isinstance(function_unzipped_bytes, int):
        return ["function_unzipped_bytes: must be a whole number of bytes"]
    if function_unzipped_bytes < 0:
        return ["function_unzipped_bytes: must not be negative"]
    if isinstance(layer_bytes, str | bytes) or not isinstance(layer_bytes, Sequence):
        return ["layer_bytes: must be a list of unzipped layer sizes in bytes"]
    sizes = []
    for index, size in enumerate(layer_bytes):
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            problems.append(f"layer_bytes[{index}]: must be a whole, non-negative number of bytes")
        else:
            sizes.append(size)
    if problems:
        return problems
    if len(sizes) > quota("layers_max"):
        problems.append(
            f"layers: {len(sizes)} layers, more than the {quota('layers_max')} Lambda allows "
            "per function"
        )
    total = function_unzipped_bytes + sum(sizes)
    if total > quota("unzipped_total"):
        problems.append(
            f"unzipped size: {total:,} bytes of code and layers, over the "
            f"{quota('unzipped_total'):,}-byte (250 MB) quota for code and layers together"
        )
    return problems


def pip_command(
    architecture: str = "x86_64",
    *,
    python_version: str = "3.13",
    target: str = "package",
    requirements: str = "requirements.txt",
) -> list[str]:
    """pip arguments that fetch Linux wheels for Lambda's architecture, whatever your OS.

    ``--only-binary=:all:`` refuses source builds, which would compile for your machine.
    """
    if not isinstance(architecture, str) or architecture not in ARCHITECTURES:
        raise ValueError(f"architecture: {architecture!r} is not one of x86_64, arm64")
    if not isinstance(python_version, str) or python_version not in PYTHON_VERSIONS:
        raise ValueError(
            f"python_version: {python_version!r} is not one of {', '.join(PYTHON_VERSIONS)}"
        )
    for field, value in (("target", target), ("requirements", requirements)):
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise ValueError(f"{field}: must be a non-empty path")
    return [
        "pip", "install",
        "--platform", ARCHITECTURES[architecture],
        "--implementation", "cp",
        "--python-version", python_version,
        "--only-binary=:all:",
        "--target", target,
        "-r", requirements,
    ]


def shell_line(arguments: Sequence[str]) -> str:
    """The command as you would type it in a POSIX shell."""
    if isinstance(arguments, str | bytes) or not isinstance(arguments, Sequence):
        raise ValueError("arguments: must be a list of strings")
    if not all(isinstance(argument, str) for argument in arguments):
        raise ValueError("arguments: every argument must be a string")
    return shlex.join(arguments)


# --8<-- [start:deploy]
def deploy_direct(zip_path: str | os.PathLike[str], function_name: str, role_arn: str,
                  handler: str = "app.handler", client: Any = None) -> dict[str, Any]:
    """Create a function from a small .zip sent in the request itself."""
    size = package_size(zip_path)
    if upload_route(size.zipped_bytes, size.unzipped_bytes) != "direct":
        raise ValueError(f"zip_path: {size.zipped_bytes:,} bytes is too big to send directly")
    code = {"ZipFile": Path(zip_path).read_bytes()}
    return _create_function(client or _client("lambda"), function_name, role_arn, handler, code)


def deploy_from_s3(zip_path: str | os.PathLike[str], bucket: str, key: str, function_name: str,
                   role_arn: str, handler: str = "app.handler", s3_client: Any = None,
                   lambda_client: Any = None) -> dict[str, Any]:
    """Upload the .zip to a versioned bucket, then point Lambda at that exact version."""
    size = package_size(zip_path)
    upload_route(size.zipped_bytes, size.unzipped_bytes)  # refuses what Lambda would
    with open(zip_path, "rb") as body:
        put = (s3_client or _client("s3")).put_object(Bucket=bucket, Key=key, Body=body)
    version = put.get("VersionId")
    if not version or version == "null":
        raise ValueError(f"bucket: {bucket} is not versioned; pin code by object version")
    code = {"S3Bucket": bucket, "S3Key": key, "S3ObjectVersion": version}
    lam = lambda_client or _client("lambda")
    return {"code": code, "function": _create_function(lam, function_name, role_arn, handler, code)}


def _create_function(client: Any, name: str, role_arn: str, handler: str, code: dict) -> Any:
    return client.create_function(FunctionName=name, Runtime="python3.13", Role=role_arn,
                                  Handler=handler, Code=code, Architectures=["x86_64"])
# --8<-- [end:deploy]


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def _directory(value: Any, field: str) -> Path:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValueError(f"{field}: must be a path to a directory")
    path = Path(value)
    if "\x00" in str(value) or not path.is_dir():
        raise ValueError(f"{field}: {value!s} is not a directory")
    return path


def _file(value: Any, field: str) -> Path:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValueError(f"{field}: must be a path to a file")
    path = Path(value)
    if "\x00" in str(value) or not path.is_file():
        raise ValueError(f"{field}: {value!s} is not a file")
    return path


def _output_path(value: Any, trees: list[Path]) -> Path:
    if not isinstance(value, str | os.PathLike) or not str(value).strip() or "\x00" in str(value):
        raise ValueError("out_zip: must be a path for the new .zip file")
    out = Path(value)
    if out.is_dir() or not out.parent.is_dir():
        raise ValueError(f"out_zip: {value!s} must be a file in an existing directory")
    resolved = out.resolve()
    for tree in trees:
        if resolved.is_relative_to(tree.resolve()):
            raise ValueError(f"out_zip: {value!s} is inside {tree}; the .zip would pack itself")
    return out


def _files(tree: Path) -> Iterator[tuple[str, Path]]:
    """(name inside the .zip, file) for every regular file, caches left out."""
    for folder, dirs, names in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(folder, name)
            if path.suffix in SKIPPED_SUFFIXES or not path.is_file():
                continue
            yield path.relative_to(tree).as_posix(), path


def _size(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: must be a whole number of bytes, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{field}: must not be negative")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """``route ZIPFILE``: say direct or S3, with the sizes that decide it."""
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.dependencies",
        description="Check how a Lambda .zip package can be uploaded.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    route = commands.add_parser("route", help="direct upload or via S3? (exit 1: too big)")
    route.add_argument("zipfile", help="the deployment package (.zip)")
    args = parser.parse_args(argv)
    try:
        size = package_size(args.zipfile)
    except ValueError as error:
        return unusable(error)
    sizes = f"{size.zipped_bytes:,} bytes zipped, {size.unzipped_bytes:,} bytes unzipped"
    try:
        answer = upload_route(size.zipped_bytes, size.unzipped_bytes)
    except ValueError as error:
        print(f"too big: {sizes}: {error}")
        return 1
    where = "upload directly to Lambda" if answer == "direct" else "upload to S3 first"
    print(f"{answer}: {sizes} ({where}; direct limit {quota('zip_direct'):,} bytes zipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

