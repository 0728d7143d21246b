"""Every command-line tool keeps the same contract with garbage input.

Exit 2 with exactly one line on stderr for unusable input, 0 or 1 otherwise, and
never a traceback. Each tool is called through its ``main(argv)``, as
``python -m snippets.<section>.<module>`` does.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# module, and how to call it with one input file (the others are fixed and valid).
FILE_COMMANDS: dict[str, Callable[[str, Path], list[str]]] = {
    "snippets.aws_lambda.dependencies route": lambda f, w: ["route", f],
}

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
# What goes in the input file; None means "no such file", "DIR" a directory.
GARBAGE: dict[str, bytes | str | None] = {
    "missing": None,
    "directory": "DIR",
    "binary": bytes(range(256)) * 4,
    "not utf-8": b"version: 0.2\n\xff\xfe\xfa\n",
    "alias bomb": ALIAS_BOMB.encode(),
    "deep json": b"[" * 3000 + b"]" * 3000,
    "empty": b"",
    "huge": b"a" * (6 * 1024 * 1024),
}
MUST_BE_UNUSABLE = {"missing", "directory", "binary", "not utf-8", "alias bomb"}


def test_every_command_line_tool_is_covered() -> None:
    modules = {
        ".".join(path.relative_to(REPO).with_suffix("").parts)
        for path in (REPO / "snippets").rglob("*.py")
        if '__name__ == "__main__"' in path.read_text()
    }
    covered = {name.split()[0] for name in FILE_COMMANDS}
    assert modules == covered, f"add the new tool to FILE_COMMANDS: {modules - covered}"


@pytest.mark.parametrize("garbage", GARBAGE, ids=list(GARBAGE))
@pytest.mark.parametrize("command", FILE_COMMANDS, ids=list(FILE_COMMANDS))
def test_garbage_input_is_a_one_line_error(
    command: str, garbage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module_name, _ = command.split()
    main = importlib.import_module(module_name).main
    target = tmp_path / "input"
    content = GARBAGE[garbage]
    if content == "DIR":
        target.mkdir()
    elif content is not None:
        target.write_bytes(content)  # type: ignore[arg-type]
    workdir = tmp_path / "work"
    workdir.mkdir()
    try:
        code = main(FILE_COMMANDS[command](str(target), workdir))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    assert code in (0, 1, 2), code
    if garbage in MUST_BE_UNUSABLE:
        assert code == 2, f"{command} with {garbage}: exit {code}, expected 2\n{out}\n{err}"
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, f"{command} with {garbage}: stderr should be one line:\n{err}"
        assert re.search(r"\w", lines[0]), lines
    assert sorted(path.name for path in tmp_path.iterdir()) == ["input", "work"] or (
        content is None and [p.name for p in tmp_path.iterdir()] == ["work"]
    ), "a tool wrote next to its input"
