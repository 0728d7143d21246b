"""cicd-check on hostile input: never a traceback, never a hang, never an internal error.

Each kind of file gets the same garbage, both under its natural name (so the kind is told
by name) and forced with ``--kind``. What must come out: exit 0, 1 or 2; for 2, one line per
unusable file on stderr; and never "cicd-check failed on this file" (a checker bug that the
command caught), within a time bound.
"""

from __future__ import annotations

import contextlib
import io
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cicd_check.cli import main

NAMES = {"buildspec": "buildspec.yml", "appspec": "appspec.yml", "pipeline": "pipeline.json",
         "template": "template.yaml", "dockerfile": "Dockerfile"}
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
INTRINSICS = (
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F:\n    Type: !If [C, [1], {a: b}]\n"
    "    Properties:\n      Runtime: !Sub [x, {y: !GetAtt [A, B]}]\n      Code: !Ref [1, 2]\n"
)
GARBAGE: dict[str, bytes] = {
    "binary": bytes(range(256)) * 4,
    "not utf-8": b"version: 0.2\n\xff\xfe\xfa\n",
    "nul bytes": b"version: 0.2\x00\nphases: {}\n",
    "alias bomb": ALIAS_BOMB.encode(),
    "deep json": b"[" * 3000 + b"]" * 3000,
    "deep yaml": ("a:\n" + "".join("  " * i + "- b:\n" for i in range(1, 400))).encode(),
    "empty": b"",
    "only a comment": b"# nothing here\n",
    "a scalar": b"42\n",
    "a list": b"- 1\n- 2\n",
    "huge integer": b"version: " + b"9" * 5000 + b"\nphases: {}\n",
    "huge json integer": b'{"pipeline": {"name": ' + b"9" * 5000 + b', "stages": []}}',
    "lone surrogate": b'{"pipeline": {"name": "\\ud800", "stages": [{"name": "\\udfff"}]}}',
    "control characters": b"version: 0.2\nphases:\n  build:\n    commands: ['\x1b[31m\x07']\n",
    "intrinsics with lists and maps": INTRINSICS.encode(),
    "tabs": b"version: 0.2\nphases:\n\tbuild:\n\t\tcommands: [x]\n",
    "huge file": b"a" * (6 * 1024 * 1024),
    "many keys": ("\n".join(f"k{i}: {i}" for i in range(20000)) + "\n").encode(),
}
# A guard against a hang, not a speed target (those live in `make bench`): the slowest case,
# 20,000 keys, takes about 9 s under coverage on the 2-core machine.
SECONDS = 60


class _Hang(BaseException):
    """Raised by the alarm inside cicd-check; a BaseException so no ``except`` in it hides it."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Stop cicd-check after ``seconds`` and fail the test with a plain message.

    The alarm raises wherever the interpreter happens to be, sometimes at an instruction with
    no line number; pytest cannot draw that traceback (an INTERNALERROR that ends the whole
    run), so the test fails outside the ``except`` block, with no traceback attached."""
    def stop(signum: int, frame: object) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    hung = False
    try:
        yield
    except _Hang:
        hung = True
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if hung:
        raise pytest.fail.Exception(f"cicd-check took more than {seconds} s: a hang",
                                    pytrace=False) from None


def test_a_hang_fails_the_test_plainly() -> None:
    with (pytest.raises(pytest.fail.Exception, match="more than 1 s: a hang") as failed,
          time_limit(1)):
        while True:
            pass
    assert not failed.value.pytrace and failed.value.__suppress_context__


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_limit(SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    return status, out.getvalue(), err.getvalue()


def assert_contract(status: int, out: str, err: str, what: str) -> None:
    assert status in (0, 1, 2), f"{what}: exit {status}"
    assert "Traceback" not in out + err, f"{what}: a traceback\n{err}"
    assert "cicd-check failed on this file" not in err, f"{what}: a checker crashed\n{err}"
    if status == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, f"{what}: {err!r}"
    # Every line printed must survive being written to a real, UTF-8 terminal.
    (out + err).encode("utf-8")


@pytest.mark.parametrize("garbage", sorted(GARBAGE))
@pytest.mark.parametrize("kind", sorted(NAMES))
def test_garbage_under_the_kinds_own_name(tmp_path: Path, kind: str, garbage: str) -> None:
    path = tmp_path / NAMES[kind]
    path.write_bytes(GARBAGE[garbage])
    assert_contract(*run([str(path)]), f"{kind} / {garbage}")
    assert_contract(*run(["--kind", kind, "--format", "json", str(path)]),
                    f"--kind {kind} / {garbage}")


@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_garbage_in_a_walked_directory_is_never_dropped_silently(tmp_path: Path,
                                                                 garbage: str) -> None:
    (tmp_path / "buildspec.yml").write_bytes(GARBAGE[garbage])
    status, out, err = run(["--verbose", str(tmp_path)])
    assert_contract(status, out, err, f"directory / {garbage}")
    assert "buildspec.yml" in out + err, f"{garbage}: the file vanished from the report"


def test_a_missing_file_and_a_directory_named_as_a_file(tmp_path: Path) -> None:
    assert_contract(*run([str(tmp_path / "buildspec.yml")]), "missing")
    status, out, err = run(["--kind", "buildspec", str(tmp_path)])
    assert_contract(status, out, err, "empty directory")
