"""What every cicd-check command shares: one-line errors and safe reading of files.

The tools' contract: exit 0 when the input is clean, 1 when it has problems, 2 when
it cannot be used at all (missing, a directory, not UTF-8, too large, not the
right kind of file), with exactly one line on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class UnusableInput(ValueError):
    """Input a tool cannot use at all: the tool prints the message and exits 2."""


# --8<-- [start:contract]
class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def read_text(path: str | Path, *, what: str = "file", max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, or UnusableInput naming the file and what is wrong with it."""
    file = Path(path)
    try:
        if not file.exists():
            raise UnusableInput(f"{path}: no such file")
        if file.is_dir():
            raise UnusableInput(f"{path}: is a directory, not a {what}")
        if not file.is_file():
            raise UnusableInput(f"{path}: not a regular file; not a {what}")
        if file.stat().st_size > max_bytes:
            raise UnusableInput(f"{path}: larger than {max_bytes:,} bytes; not a {what}")
        return file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInput(f"{path}: not UTF-8 text; not a {what}") from None
    except OSError as error:
        raise UnusableInput(f"{path}: cannot be read ({error.strerror})") from None


def unusable(message: object) -> int:
    """Print the one-line error for unusable input; the exit code to return."""
    print(f"error: {message}", file=sys.stderr)
    return 2
# --8<-- [end:contract]
