"""The cicd-check command's own behaviour: discovery, ignores, formats and exit codes.

The checkers themselves are tested in their own modules; here a stand-in checker (this
module's ``check_text``) replaces them so the command's mechanics are tested alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cicd_check import cli, kinds
from tests.cicd_check.test_findings import TEST_ERROR, TEST_WARNING


def check_text(text: str, *, file: str = "<text>", on: object = None) -> list:
    """Stand-in checker: an error on each line saying 'bad', a warning on each 'odd'."""
    if "explode" in text:
        raise RuntimeError("a bug in a checker")
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "bad" in line:
            found.append(TEST_ERROR.at(f"line{number}", "is bad", line=number, column=3))
        if "odd" in line:
            found.append(TEST_WARNING.at(f"line{number}", "is odd", line=number))
    return found


@pytest.fixture(autouse=True)
def stand_in_checkers(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in kinds.CHECKERS:
        monkeypatch.setitem(kinds.CHECKERS, kind, __name__)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(args))
    return status, out.getvalue(), err.getvalue()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_files_exit_0_and_errors_exit_1(tmp_path: Path) -> None:
    good = write(tmp_path, "buildspec.yml", "version: 0.2\nphases: {}\n")
    bad = write(tmp_path, "appspec.yml", "version: 0.0\nbad: 1\n")
    assert run(str(good))[0] == 0
    status, out, err = run(str(bad))
    assert status == 1 and not err
    assert f"{bad}:2:3: ZZ901 [error] line2: is bad\n    fix: Fix it.\n" in out
    assert out.endswith("1 error, 0 warnings in 1 file checked\n")


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    odd = write(tmp_path, "buildspec.yml", "version: 0.2\nodd: 1\n")
    assert run(str(odd))[0] == 0
    assert run("--strict", str(odd))[0] == 1


def test_a_directory_is_walked_and_other_yaml_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "ci/build.yaml", "version: 0.2\nphases:\n  build: bad\n")  # by content
    write(tmp_path, "docker/Dockerfile", "FROM x\n")
    write(tmp_path, "config/settings.yml", "debug: true\n")
    write(tmp_path, "node_modules/pkg/buildspec.yml", "bad\n")  # never walked
    write(tmp_path, ".git/buildspec.yml", "bad\n")
    status, out, _ = run("--verbose", str(tmp_path))
    assert status == 1
    assert f"checked {tmp_path / 'ci/build.yaml'} as buildspec" in out
    assert f"checked {tmp_path / 'docker/Dockerfile'} as dockerfile" in out
    assert f"skipped {tmp_path / 'config/settings.yml'}: not a kind cicd-check checks" in out
    assert "node_modules" not in out and ".git" not in out


def test_a_named_file_of_no_known_kind_is_unusable(tmp_path: Path) -> None:
    other = write(tmp_path, "settings.yml", "debug: true\n")
    status, _out, err = run(str(other))
    assert status == 2 and err.count("\n") == 1
    assert "cannot tell what kind of file this is; name it with --kind" in err
    assert run("--skip-unknown", str(other))[0] == 0
    assert run("--kind", "buildspec", str(other))[0] == 0


@pytest.mark.parametrize("content, problem", [
    (None, "no such file"),
    (b"\xff\xfe bad", "not UTF-8"),
])
def test_unusable_files_are_one_line_and_exit_2(tmp_path: Path, content: bytes | None,
                                                problem: str) -> None:
    path = tmp_path / "buildspec.yml"
    if content is not None:
        path.write_bytes(content)
    status, _, err = run(str(path))
    assert status == 2 and problem in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_checker_bug_is_reported_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "buildspec.yml", "explode\n")
    status, _, err = run(str(path))
    assert status == 2
    assert "cicd-check failed on this file (RuntimeError: a bug in a checker); please report" in err


def test_ignore_by_option_prefix_and_inline_comment(tmp_path: Path) -> None:
    path = write(tmp_path, "buildspec.yml",
                 "bad\nbad # cicd-check: ignore ZZ901\n# cicd-check: ignore zz901\nbad\n")
    status, out, _ = run(str(path))
    assert status == 1 and out.count("ZZ901") == 1 and ":1:3:" in out
    assert run("--ignore", "ZZ9", str(path))[0] == 0
    assert run("--ignore", "AB123,ZZ901", str(path))[0] == 0


def test_json_output_for_scripts(tmp_path: Path) -> None:
    path = write(tmp_path, "buildspec.yml", "bad\nodd\n")
    status, out, _ = run("--format", "json", str(path))
    report = json.loads(out)
    assert status == 1 and (report["errors"], report["warnings"]) == (1, 1)
    assert report["findings"][0] == {
        "file": str(path), "line": 1, "column": 3, "code": "ZZ901", "severity": "error",
        "field": "line1", "message": "line1: is bad", "fix": "Fix it.",
        "url": "https://aws-cicd-handbook.github.io/aws-cicd-handbook/tools/buildspec/#zz901"}
    assert report["checked"] == [{"file": str(path), "kind": "buildspec"}]


def test_github_annotations_land_on_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "buildspec.yml", "bad\nodd\n")
    _, out, _ = run("--format", "github", str(path))
    lines = out.splitlines()
    assert lines[0] == f"::error file={path},line=1,col=3,title=ZZ901::line1: is bad (fix: Fix it.)"
    assert lines[1].startswith(f"::warning file={path},line=2,title=ZZ902::")


def test_usage_errors_are_one_line_exit_2() -> None:
    for args in (["--format", "xml"], ["--date", "tomorrow"], ["--kind", "terraform"]):
        status, _, err = run(*args)
        assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, (args, err)


def test_rule_prints_its_documentation() -> None:
    status, out, _ = run("rule", "zz901")
    assert status == 0 and out.startswith("ZZ901 (test-error, error)") and "Fix: Fix it." in out
    assert run("rule", "XX000")[0] == 2


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run([sys.executable, "-m", "cicd_check", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and "usage: cicd-check" in done.stdout


def test_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    for number in range(300):
        write(tmp_path, f"d/buildspec-{number}.yml", "bad\n" * 20)
    code = ("import sys; sys.path.insert(0, '.'); from tests.cicd_check import test_cli as t; "
            "from cicd_check import cli, kinds\n"
            "for k in kinds.CHECKERS: kinds.CHECKERS[k] = 'tests.cicd_check.test_cli'\n"
            f"sys.exit(cli.main([{str(tmp_path / 'd')!r}]))")
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(100)
    reader.stdout.close()  # like `| head`
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err
