"""The shared command-line contract: one-line usage errors and bounded, safe reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable


def test_read_text_names_the_file_and_the_problem(tmp_path: Path) -> None:
    (tmp_path / "big.yml").write_bytes(b"a" * 101)
    (tmp_path / "latin1.yml").write_bytes(b"caf\xe9")
    cases = {
        tmp_path / "missing.yml": "no such file",
        tmp_path: "is a directory, not a file",
        tmp_path / "big.yml": "larger than 100 bytes",
        tmp_path / "latin1.yml": "not UTF-8 text",
    }
    for path, problem in cases.items():
        with pytest.raises(UnusableInput, match=problem) as raised:
            read_text(path, max_bytes=100)
        assert str(raised.value).startswith(str(path))
    assert read_text(tmp_path / "big.yml") == "a" * 101


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = OneLineParser(prog="tool")
    parser.add_argument("--n", type=int)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--n", "x"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: argument --n: invalid int value") and err.count("\n") == 1
    assert unusable("f.yml: no such file") == 2
    assert capsys.readouterr().err == "error: f.yml: no such file\n"
