"""Find every Python fence in a page, including those inside containers.

pytest-markdown-docs parses pages as CommonMark, where the body of an indented
container (``!!! note``, ``??? tip``, ``=== "Tab"``) is an indented code block, so
fences in there would silently never run. :class:`HandbookMarkdownParser` lifts
container bodies out (same line numbers, so tracebacks still point at the page)
before parsing, and drops fences whose body is only a ``--8<--`` include: the
included file lives in ``snippets/`` and is tested by its own test module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

CONTAINER_OPENER = re.compile(r'^(?P<indent> *)(?:!!!|\?\?\?\+?|===\+?)\s')
INCLUDE_LINE = re.compile(r"^\s*-{1,}8<-{1,}")
PYTHON_LANGUAGES = {"python", "py", "python3"}
# Any line that opens a Python fence, in either the plain or the brace form.
RAW_PYTHON_FENCE = re.compile(
    r"^\s*(?P<fence>`{3,}|~{3,})\s*(?:\{\s*\.?)?(?P<lang>python3?|py)\b(?P<rest>[^\n]*)$"
)


def unwrap_containers(text: str) -> str:
    """Dedent the bodies of indented containers, keeping every line in place."""
    lines = text.split("\n")
    out: list[str] = []
    openers: list[int] = []  # indentation of each enclosing container's opener
    in_fence: str | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped and in_fence is None:
            while openers and indent < openers[-1] + 4:
                openers.pop()
        depth = len(openers)
        body = line[4 * depth :] if line[: 4 * depth].strip() == "" else line.lstrip(" ")
        if in_fence is None and CONTAINER_OPENER.match(line):
            openers.append(indent)
            out.append("")
            continue
        fence_match = re.match(r"^\s*(`{3,}|~{3,})", body)
        if fence_match:
            marker = fence_match.group(1)
            if in_fence is None:
                in_fence = marker
            elif marker.startswith(in_fence) and body.strip() == marker:
                in_fence = None
        out.append(body)
    return "\n".join(out)


def is_include_only(content: str) -> bool:
    """True when a fence's body only pulls in a file with ``--8<--``."""
    lines = [line for line in content.splitlines() if line.strip()]
    return bool(lines) and all(INCLUDE_LINE.match(line) for line in lines)


class HandbookMarkdownParser:
    """What pytest-markdown-docs calls ``parse`` on (see conftest)."""

    def __init__(self) -> None:
        self._markdown = MarkdownIt("commonmark")

    def parse(self, text: str) -> list[Token]:
        tokens = self._markdown.parse(unwrap_containers(text))
        return [
            token
            for token in tokens
            if not (token.type == "fence" and is_include_only(token.content))
        ]


@dataclass(frozen=True)
class RawFence:
    line: int  # 1-based line of the opening fence
    language: str
    options: str
    include_only: bool


def raw_python_fences(text: str) -> Iterator[RawFence]:
    """Every Python fence found by plain line scanning, wherever it is nested."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        match = RAW_PYTHON_FENCE.match(lines[index])
        if not match:
            other = re.match(r"^\s*(`{3,}|~{3,})", lines[index])
            if other:  # skip a non-Python fence so its body is not scanned
                index = _fence_end(lines, index, other.group(1)) + 1
                continue
            index += 1
            continue
        end = _fence_end(lines, index, match.group("fence"))
        body = "\n".join(lines[index + 1 : end])
        yield RawFence(index + 1, match.group("lang"), match.group("rest"), is_include_only(body))
        index = end + 1


def _fence_end(lines: list[str], start: int, marker: str) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == marker or (
            lines[index].strip().startswith(marker) and set(lines[index].strip()) == {marker[0]}
        ):
            return index
    return len(lines)
