"""Packaging a function with its dependencies: real .zip files, real limits, moto deploys."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.aws_lambda import dependencies as deps
from snippets.aws_lambda.limits import quota
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/dependencies.md"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A function and one 'installed' dependency, as pip --target would leave them."""
    source = tmp_path / "src"
    (source / "__pycache__").mkdir(parents=True)
    (source / "app.py").write_text(
        "import tinylib\n\n\ndef handler(event, context):\n    return tinylib.greet(event)\n"
    )
    (source / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"\x00cache")
    dependencies = tmp_path / "package"
    (dependencies / "tinylib").mkdir(parents=True)
    (dependencies / "tinylib" / "__init__.py").write_text(
        "def greet(event):\n    return {'hello': event.get('name', 'world')}\n"
    )
    (dependencies / "tinylib-1.0.dist-info").mkdir()
    (dependencies / "tinylib-1.0.dist-info" / "METADATA").write_text("Name: tinylib\n")
    return source, dependencies


@pytest.fixture
def role_arn(aws: None) -> str:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="packaging-demo", AssumeRolePolicyDocument=json.dumps(TRUST))
    return role["Role"]["Arn"]


# ---------------------------------------------------------------- building the .zip


def test_package_puts_code_at_the_root_and_dependencies_beside_it(project, tmp_path) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert "app.py" in names, "the handler file must be at the root, not in src/"
        assert "tinylib/__init__.py" in names
        assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
        mode = archive.getinfo("app.py").external_attr >> 16
        assert mode & 0o444 == 0o444, "Lambda runs as a non-root user and must read every file"


def test_the_package_imports_and_runs_like_lambda_would(project, tmp_path) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    extracted = tmp_path / "task"  # what Lambda unpacks into /var/task
    with zipfile.ZipFile(out) as archive:
        archive.extractall(extracted)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import app; "
        "print(app.handler({'name': 'Lambda'}, None))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(extracted)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "{'hello': 'Lambda'}"


def test_builds_are_reproducible(project, tmp_path) -> None:
    source, dependencies = project
    first = deps.build_package(source, dependencies, tmp_path / "a.zip").read_bytes()
    os.utime(source / "app.py", (0, 0))  # a touched file must not change the bytes
    second = deps.build_package(source, dependencies, tmp_path / "b.zip").read_bytes()
    assert deps.code_sha256(first) == deps.code_sha256(second)


def test_package_size_reports_zipped_and_unzipped_bytes(project, tmp_path) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    size = deps.package_size(out)
    expected_unzipped = sum(
        p.stat().st_size
        for tree in (source, dependencies)
        for p in tree.rglob("*")
        if p.is_file() and p.suffix != ".pyc"
    )
    assert size == deps.PackageSize(out.stat().st_size, expected_unzipped, 3)


def test_package_without_dependencies(project, tmp_path) -> None:
    source, _ = project
    out = deps.build_package(source, None, tmp_path / "code-only.zip")
    assert zipfile.ZipFile(out).namelist() == ["app.py"]


def test_same_file_in_both_trees_is_refused(project, tmp_path) -> None:
    source, dependencies = project
    (dependencies / "app.py").write_text("shadow = True\n")
    with pytest.raises(ValueError, match=r"'app.py' is in both"):
        deps.build_package(source, dependencies, tmp_path / "function.zip")


def test_the_zip_may_not_be_written_into_a_tree_it_packs(project) -> None:
    source, dependencies = project
    with pytest.raises(ValueError, match=r"out_zip: .* would pack itself"):
        deps.build_package(source, dependencies, source / "function.zip")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("missing", None, "out.zip"), "source_dir: .* is not a directory"),
        ((42, None, "out.zip"), "source_dir: must be a path"),
        (("SRC", "missing", "out.zip"), "dependencies_dir: .* is not a directory"),
        (("SRC", None, "no-such-dir/out.zip"), "out_zip: .* existing directory"),
        (("SRC", None, ""), "out_zip: must be a path"),
        (("EMPTY", None, "out.zip"), "source_dir: no files"),
    ],
)
def test_build_package_rejects_bad_paths(project, tmp_path, arguments, message) -> None:
    source, _ = project
    (tmp_path / "empty").mkdir()
    names = {"SRC": str(source), "EMPTY": str(tmp_path / "empty")}

    def place(value):
        if isinstance(value, str) and value in names:
            return names[value]
        if isinstance(value, str) and value:
            return str(tmp_path / value)
        return value

    with pytest.raises(ValueError, match=message):
        deps.build_package(*(place(value) for value in arguments))


def test_package_size_rejects_what_is_not_a_zip(tmp_path) -> None:
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match=r"zip_path: garbage\.zip is not a readable \.zip"):
        deps.package_size(garbage)
    with pytest.raises(ValueError, match="is not a file"):
        deps.package_size(tmp_path)


def test_code_sha256_is_base64_not_hex() -> None:
    # SHA-256 of b"" is e3b0c442...; Lambda reports it base64-encoded.
    assert deps.code_sha256(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    with pytest.raises(ValueError, match="zip_bytes: expected bytes"):
        deps.code_sha256("text")  # type: ignore[arg-type]


# ---------------------------------------------------------------- direct or S3


@pytest.mark.parametrize(
    ("zipped", "unzipped", "route"),
    [
        (1_000, 4_000, "direct"),
        (quota("zip_direct"), quota("zip_direct"), "direct"),  # exactly 50 MB is allowed
        (quota("zip_direct") + 1, quota("zip_direct") + 1, "s3"),
        (200 * 1024 * 1024, quota("unzipped_total"), "s3"),  # exactly 250 MB unzipped is allowed
    ],
)
def test_upload_route_follows_the_quotas(zipped, unzipped, route) -> None:
    assert deps.upload_route(zipped, unzipped) == route


def test_the_limits_are_the_documented_byte_counts() -> None:
    assert quota("zip_direct") == 52_428_800
    assert quota("unzipped_total") == 262_144_000


def test_over_250_mb_unzipped_has_no_upload_route() -> None:
    with pytest.raises(ValueError, match=r"262,144,000-byte \(250 MB\) quota"):
        deps.upload_route(10, quota("unzipped_total") + 1)


def test_layers_count_toward_the_unzipped_quota() -> None:
    code = 200 * 1024 * 1024
    assert deps.upload_route(1_000, code, layer_bytes=[50 * 1024 * 1024]) == "direct"
    with pytest.raises(ValueError, match="code and layers together"):
        deps.upload_route(1_000, code, layer_bytes=[50 * 1024 * 1024, 1])


def test_at_most_five_layers() -> None:
    assert deps.layer_problems(1, [1] * 5) == []
    assert deps.layer_problems(1, [1] * 6) == [
        "layers: 6 layers, more than the 5 Lambda allows per function"
    ]


@pytest.mark.parametrize(
    ("function", "layers", "message"),
    [
        ("1", [], "function_unzipped_bytes: must be a whole number"),
        (-1, [], "function_unzipped_bytes: must not be negative"),
        (1, "12", "layer_bytes: must be a list"),
        (1, [1, -2, True], "layer_bytes[1]: must be a whole, non-negative number of bytes"),
    ],
)
def test_layer_problems_names_the_bad_field(function, layers, message) -> None:
    problems = deps.layer_problems(function, layers)
    assert any(problem.startswith(message) for problem in problems), problems


@pytest.mark.parametrize(
    ("zipped", "unzipped", "message"),
    [
        ("10", 10, "zipped_bytes: must be a whole number of bytes, got str"),
        (10, 1.5, "unzipped_bytes: must be a whole number of bytes, got float"),
        (True, 10, "zipped_bytes: must be a whole number of bytes, got bool"),
        (-1, 10, "zipped_bytes: must not be negative"),
    ],
)
def test_upload_route_rejects_bad_sizes(zipped, unzipped, message) -> None:
    with pytest.raises(ValueError, match=message):
        deps.upload_route(zipped, unzipped)


# ---------------------------------------------------------------- layers


def test_layer_zip_puts_packages_under_python(project, tmp_path) -> None:
    _, dependencies = project
    layer = deps.build_layer(dependencies, tmp_path / "layer.zip")
    names = zipfile.ZipFile(layer).namelist()
    assert names and all(name.startswith("python/") for name in names)
    assert "python/tinylib/__init__.py" in names  # extracted to /opt/python, on sys.path


def test_layer_rejects_an_empty_directory(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="dependencies_dir: no files"):
        deps.build_layer(tmp_path / "empty", tmp_path / "layer.zip")


def test_layer_publishes_in_moto_with_the_same_hash(project, tmp_path, aws) -> None:
    _, dependencies = project
    layer = deps.build_layer(dependencies, tmp_path / "layer.zip")
    client = boto3.client("lambda")
    published = client.publish_layer_version(
        LayerName="tinylib",
        Content={"ZipFile": layer.read_bytes()},
        CompatibleRuntimes=["python3.13", "python3.14"],
        CompatibleArchitectures=["x86_64", "arm64"],
    )
    read_back = client.get_layer_version(LayerName="tinylib", VersionNumber=published["Version"])
    assert read_back["Content"]["CodeSha256"] == deps.code_sha256(layer.read_bytes())
    assert read_back["Content"]["CodeSize"] == layer.stat().st_size


# ---------------------------------------------------------------- native wheels


def test_pip_command_for_each_architecture() -> None:
    x86 = deps.pip_command("x86_64")
    arm = deps.pip_command("arm64", python_version="3.14")
    assert x86[x86.index("--platform") + 1] == "manylinux2014_x86_64"
    assert arm[arm.index("--platform") + 1] == "manylinux2014_aarch64"
    assert arm[arm.index("--python-version") + 1] == "3.14"
    assert "--only-binary=:all:" in x86, "without it pip may compile for the build machine"


def test_the_page_shows_the_command_the_function_builds() -> None:
    text = PAGE.read_text()
    for architecture in deps.ARCHITECTURES:
        line = deps.shell_line(deps.pip_command(architecture))
        assert line in text, f"the page should show: {line}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"architecture": "amd64"}, "architecture: 'amd64' is not one of x86_64, arm64"),
        ({"python_version": "3.9"}, "python_version: '3.9' is not one of"),
        ({"target": ""}, "target: must be a non-empty path"),
        ({"requirements": None}, "requirements: must be a non-empty path"),
    ],
)
def test_pip_command_rejects_bad_values(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        deps.pip_command(**kwargs)


# ---------------------------------------------------------------- deploying in moto


def test_deploy_directly_and_read_back_size_and_hash(project, tmp_path, role_arn) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    deps.deploy_direct(out, "direct-demo", role_arn)
    config = boto3.client("lambda").get_function(FunctionName="direct-demo")["Configuration"]
    assert config["CodeSize"] == out.stat().st_size
    assert config["CodeSha256"] == deps.code_sha256(out.read_bytes())
    assert config["Runtime"] == "python3.13"
    assert config["Handler"] == "app.handler"


def test_deploy_directly_refuses_a_package_over_50_mb(tmp_path, role_arn) -> None:
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("blob.bin", os.urandom(quota("zip_direct")))
    with pytest.raises(ValueError, match="too big to send directly"):
        deps.deploy_direct(big, "too-big", role_arn)


def test_deploy_through_a_versioned_bucket(project, tmp_path, role_arn) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="handbook-code")
    s3.put_bucket_versioning(
        Bucket="handbook-code", VersioningConfiguration={"Status": "Enabled"}
    )
    result = deps.deploy_from_s3(out, "handbook-code", "functions/demo.zip", "s3-demo", role_arn)
    sent = result["code"]
    # moto ignores S3ObjectVersion, so check the version we send is the one S3 stored.
    versions = s3.list_object_versions(Bucket="handbook-code", Prefix="functions/demo.zip")
    assert [v["VersionId"] for v in versions["Versions"]] == [sent["S3ObjectVersion"]]
    stored = s3.get_object(
        Bucket="handbook-code", Key="functions/demo.zip", VersionId=sent["S3ObjectVersion"]
    )["Body"].read()
    assert stored == out.read_bytes()
    config = boto3.client("lambda").get_function(FunctionName="s3-demo")["Configuration"]
    assert config["CodeSize"] == len(stored)
    assert config["CodeSha256"] == deps.code_sha256(stored)


def test_deploy_from_s3_needs_a_versioned_bucket(project, tmp_path, role_arn) -> None:
    source, _ = project
    out = deps.build_package(source, None, tmp_path / "function.zip")
    boto3.client("s3").create_bucket(Bucket="unversioned-code")
    with pytest.raises(ValueError, match="bucket: unversioned-code is not versioned"):
        deps.deploy_from_s3(out, "unversioned-code", "f.zip", "nope", role_arn)


# ---------------------------------------------------------------- the command-line tool


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = deps.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_route_direct(project, tmp_path, capsys) -> None:
    source, dependencies = project
    out = deps.build_package(source, dependencies, tmp_path / "function.zip")
    code, stdout, stderr = run_cli(["route", str(out)], capsys)
    assert (code, stderr) == (0, "")
    assert stdout.startswith("direct: ") and "bytes unzipped" in stdout


def test_cli_route_s3(tmp_path, capsys) -> None:
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("blob.bin", os.urandom(quota("zip_direct")))
    code, stdout, _ = run_cli(["route", str(big)], capsys)
    assert code == 0
    assert stdout.startswith("s3: ")


def test_cli_too_big_unzipped_exits_1(tmp_path, capsys) -> None:
    bomb = tmp_path / "huge.zip"
    chunk = bytes(8 * 1024 * 1024)
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as entry,
    ):
        for _ in range(quota("unzipped_total") // len(chunk) + 1):
            entry.write(chunk)
    code, stdout, _ = run_cli(["route", str(bomb)], capsys)
    assert code == 1
    assert "250 MB" in stdout


@pytest.mark.parametrize("kind", ["missing", "directory", "garbage", "empty"])
def test_cli_unusable_input_exits_2_with_one_line(tmp_path, capsys, kind) -> None:
    target = tmp_path / "input.zip"
    if kind == "directory":
        target.mkdir()
    elif kind == "garbage":
        target.write_bytes(b"\xff\xfe not a zip")
    elif kind == "empty":
        target.write_bytes(b"")
    code, stdout, stderr = run_cli(["route", str(target)], capsys)
    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error: zip_path")


def test_cli_runs_as_a_module_with_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.dependencies", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "route" in result.stdout


# ---------------------------------------------------------------- fuzzing


@FUZZ
@given(zipped=JUNK, unzipped=JUNK, layers=JUNK)
def test_fuzz_upload_route_returns_a_route_or_raises_value_error(zipped, unzipped, layers):
    try:
        assert deps.upload_route(zipped, unzipped, layer_bytes=layers) in ("direct", "s3")
    except ValueError as error:
        assert str(error)


@FUZZ
@given(
    zipped=st.integers(min_value=0, max_value=2**40),
    unzipped=st.integers(min_value=0, max_value=2**40),
)
def test_fuzz_upload_route_agrees_with_the_quotas(zipped, unzipped):
    if unzipped > quota("unzipped_total"):
        with pytest.raises(ValueError):
            deps.upload_route(zipped, unzipped)
    else:
        expected = "direct" if zipped <= quota("zip_direct") else "s3"
        assert deps.upload_route(zipped, unzipped) == expected


@FUZZ
@given(function=JUNK, layers=JUNK)
def test_fuzz_layer_problems_never_raises(function, layers):
    problems = deps.layer_problems(function, layers)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(architecture=JUNK, version=JUNK, target=JUNK, requirements=JUNK)
def test_fuzz_pip_command(architecture, version, target, requirements):
    try:
        command = deps.pip_command(
            architecture, python_version=version, target=target, requirements=requirements
        )
    except ValueError:
        return
    assert command[:2] == ["pip", "install"]


NAMES = st.sampled_from(["src", "package", "missing", "out.zip", "src/out.zip", ".", ""])


@FUZZ
@given(source=JUNK | NAMES, dependencies=JUNK | NAMES, out=JUNK | NAMES)
def test_fuzz_build_package_raises_only_value_error(
    project, tmp_path, monkeypatch, source, dependencies, out
):
    monkeypatch.chdir(tmp_path)  # relative names land in tmp_path, never in the repository
    try:
        result = deps.build_package(source, dependencies, out)
    except ValueError as error:
        assert str(error)
    else:
        assert zipfile.is_zipfile(result)


@FUZZ
@given(content=st.binary(max_size=2048))
def test_fuzz_cli_with_any_file(tmp_path, capsys, content):
    target = tmp_path / "fuzz.zip"
    target.write_bytes(content)
    code = deps.main(["route", str(target)])
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert len(captured.err.strip().splitlines()) == 1


@FUZZ
@given(
    entries=st.dictionaries(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
        st.binary(max_size=200),
    )
)
def test_fuzz_cli_with_any_small_zip(tmp_path, capsys, entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    target = tmp_path / "fuzz.zip"
    target.write_bytes(buffer.getvalue())
    assert deps.main(["route", str(target)]) == 0
    assert capsys.readouterr().out.startswith("direct: ")


def test_the_page_table_matches_the_quota_table() -> None:
    text = PAGE.read_text()
    for key in ("zip_direct", "unzipped_total"):
        assert f"| {quota(key):,} |" in text, f"the page should show {key} = {quota(key):,}"


def test_an_unwritable_output_is_a_value_error(project, tmp_path) -> None:
    source, _ = project
    dangling = tmp_path / "out.zip"
    dangling.symlink_to(tmp_path / "no-such-dir" / "out.zip")
    with pytest.raises(ValueError, match="out_zip: cannot write"):
        deps.build_package(source, None, dangling)


@FUZZ
@given(value=JUNK | NAMES)
def test_fuzz_path_and_bytes_helpers_raise_only_value_error(project, tmp_path, monkeypatch, value):
    monkeypatch.chdir(tmp_path)
    for call in (deps.package_size, deps.code_sha256, deps.shell_line):
        try:
            call(value)
        except ValueError as error:
            assert str(error)
    try:
        deps.build_layer(value, "layer.zip")
    except ValueError as error:
        assert str(error)


def test_the_page_says_what_best_practices_says_about_pycache() -> None:
    # One fact, two pages: a shipped .pyc is used on the read-only /var/task only if it still
    # validates; otherwise Python compiles in memory on every cold start (Python's docs).
    text = " ".join(PAGE.read_text().split())
    assert "only if it still validates against its source" in text
    assert "compiles the module in memory on every cold start" in text
    assert "import.html#cached-bytecode-invalidation" in text
    assert "best-practices.md#ship-only-what-runs" in text
    practices = " ".join((REPO / "docs/lambda/best-practices.md").read_text().split())
    assert "compiled **in memory on every cold start**" in practices
    assert "still validates against its source" in practices
