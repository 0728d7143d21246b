"""Read a YAML or JSON file into data *with* the line of every key, and its duplicate keys.

Checkers need three things a plain ``yaml.safe_load`` throws away: where each value is
(to print ``buildspec.yml:12:5``), which keys a mapping repeats (YAML and JSON parsers keep
the last one silently; CloudFormation rejects the file), and the reader's
``# cicd-check: ignore ID`` comments. :func:`load_document` keeps all three, through the
bounded loaders of :mod:`cicd_check.safe_yaml`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from cicd_check.safe_yaml import LOADERS, MAX_CHARS, Flavor, YamlError

Path = tuple[Any, ...]
IGNORE = re.compile(r"#\s*cicd-check:\s*ignore\b[ =:]*([A-Za-z0-9_, ]*)")


@dataclass(frozen=True)
class Duplicate:
    """A key that a mapping repeats: only the value at ``second_line`` is kept."""

    path: Path  # the mapping's path; the key is path + (key,)
    key: str
    first_line: int
    second_line: int


@dataclass
class Document:
    """Parsed data, plus where each path starts in the text (1-based lines and columns)."""

    data: Any
    text: str
    what: str
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)

    def where(self, path: Sequence[Any]) -> tuple[int | None, int | None]:
        """The line and column of ``path``, or of its nearest ancestor that has one."""
        parts = tuple(path)
        while True:
            if parts in self.positions:
                return self.positions[parts]
            if not parts:
                return None, None
            parts = parts[:-1]

    def line(self, path: Sequence[Any]) -> int | None:
        return self.where(path)[0]


def load_document(text: str, *, flavor: Flavor | str = "yaml11", what: str = "document",
                  max_chars: int = MAX_CHARS) -> Document:
    """Parse YAML (or JSON, with ``flavor="json"``); raise YamlError naming line and problem.

    JSON is parsed by Python's JSON parser, so what JSON rejects stays rejected; its
    positions and duplicate keys are read by composing the same text as YAML (a JSON file
    is YAML), where that works.
    """
    if not isinstance(text, str):
        raise YamlError(f"{what}: expected text, got {type(text).__name__}")
    if len(text) > max_chars:
        raise YamlError(f"{what}: {len(text):,} characters, more than {max_chars:,}")
    if flavor == "json":
        data = _json(text, what)
        try:
            node = _compose(text, "yaml11")
        except (YamlError, yaml.YAMLError, RecursionError, ValueError):
            return Document(data, text, what, duplicates=_json_duplicates(text))
        positions, duplicates = _walk(node)
        _remember(text, positions)
        return Document(data, text, what, positions, duplicates)
    loader = None
    try:
        loader = LOADERS[flavor](text)  # the reader rejects control characters here already
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlError as error:
        raise YamlError(f"{what}: {error}") from None
    except yaml.YAMLError as error:
        raise _yaml_error(error, what) from None
    except RecursionError:
        raise YamlError(f"{what}: not valid YAML: nested too deeply") from None
    except (ValueError, TypeError) as error:  # e.g. an integer of 5,000 digits
        raise YamlError(f"{what}: not valid YAML: {str(error)[:120]}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return Document(data, text, what)
    positions, duplicates = _walk(node)
    _remember(text, positions)
    return Document(data, text, what, positions, duplicates)


# The positions of the last few texts composed: a checker loads a file, then the command
# line places each finding's column (field_positions) in the same text; composing it once
# saves a second parse, the larger part of checking a big file. Positions do not depend on
# the flavour: every flavour composes the same nodes and only resolves their tags apart.
_RECENT: dict[str, dict[Path, tuple[int, int]]] = {}
_RECENT_SIZE = 4


def _remember(text: str, positions: dict[Path, tuple[int, int]]) -> None:
    _RECENT.pop(text, None)
    _RECENT[text] = positions
    while len(_RECENT) > _RECENT_SIZE:
        del _RECENT[next(iter(_RECENT))]


def _yaml_error(error: yaml.YAMLError, what: str) -> YamlError:
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    found = YamlError(f"{what}: not valid YAML: {problem}{where}")
    found.line = mark.line + 1 if mark else None  # type: ignore[attr-defined]
    return found


def _compose(text: str, flavor: str) -> yaml.Node | None:
    loader = LOADERS[flavor](text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        found = YamlError(f"{what}: not valid JSON: {error.msg} (line {error.lineno}, "
                          f"column {error.colno})")
        found.line = error.lineno  # type: ignore[attr-defined]
        raise found from None
    except RecursionError:
        raise YamlError(f"{what}: not valid JSON: nested too deeply") from None
    except ValueError as error:  # an integer past Python's digit limit
        raise YamlError(f"{what}: not valid JSON: {str(error)[:120]}") from None


def _json_duplicates(text: str) -> list[Duplicate]:
    """Duplicate keys when the text could not be composed as YAML: no lines known."""
    found: list[Duplicate] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                found.append(Duplicate((), key, 0, 0))
            seen.add(key)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return []
    return found


def _key_text(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return None


def _walk(root: yaml.Node) -> tuple[dict[Path, tuple[int, int]], list[Duplicate]]:
    """Positions of every path and the duplicate keys, without recursion (deep files)."""
    positions: dict[Path, tuple[int, int]] = {(): _mark(root)}
    duplicates: list[Duplicate] = []
    stack: list[tuple[Path, yaml.Node]] = [((), root)]
    seen_nodes: set[int] = set()
    while stack:
        path, node = stack.pop()
        if id(node) in seen_nodes:  # an alias: its content was walked where it was defined
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_lines: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                if key is None or key == "<<":
                    continue
                line = key_node.start_mark.line + 1
                if key in first_lines:
                    duplicates.append(Duplicate(path, str(key), first_lines[key], line))
                else:
                    first_lines[key] = line
                child = (*path, key)
                positions[child] = _mark(key_node)
                stack.append((child, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                positions[child] = _mark(item)
                stack.append((child, item))
    duplicates.sort(key=lambda d: d.second_line)
    return positions, duplicates


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def close_match(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed key a near-miss meant (``fail-fast`` -> ``fast-fail``), if any is close."""
    options = list(allowed)
    found = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    words = sorted(key.replace("_", "-").split("-"))
    for option in options:  # the same words in another order
        if sorted(option.replace("_", "-").split("-")) == words:
            return option
    return None


def ignored(text: str) -> dict[int, frozenset[str]]:
    """``# cicd-check: ignore ID[, ID]`` comments: line -> ids ignored there.

    A comment at the end of a line covers that line; a comment alone on its line also covers
    the next line (hadolint's way). ``ignore`` with no id covers every rule.
    """
    lines = text.splitlines()
    found: dict[int, set[str]] = {}
    for number, line in enumerate(lines, start=1):
        match = IGNORE.search(line)
        if not match:
            continue
        ids = {part.strip().upper() for part in re.split(r"[ ,]+", match.group(1)) if part.strip()}
        ids = ids or {"*"}
        found.setdefault(number, set()).update(ids)
        if line.strip().startswith("#"):
            found.setdefault(number + 1, set()).update(ids)
    return {line: frozenset(ids) for line, ids in found.items()}


def duplicate_findings(document: Document, rule: Any) -> list[Any]:
    """One finding of ``rule`` per repeated key, naming both lines (the last value wins)."""
    from cicd_check.findings import dotted

    found = []
    for duplicate in document.duplicates:
        path = dotted((*duplicate.path, duplicate.key))
        if duplicate.first_line:
            problem = (f"key {duplicate.key!r} appears twice, on lines {duplicate.first_line} "
                       f"and {duplicate.second_line}; only the value on line "
                       f"{duplicate.second_line} is used")
        else:
            problem = f"key {duplicate.key!r} appears twice; only the last value is used"
        found.append(rule.at(path, problem, line=duplicate.second_line or None))
    return found


def field_positions(text: str) -> dict[str, tuple[int, int]]:
    """``"phases.build.commands[0]"`` -> (line, column) for every key and item in YAML or
    JSON text; empty when the text does not compose. Scalars are not built, so this works
    for every flavour of file the same way."""
    from cicd_check.findings import dotted

    positions = _RECENT.get(text)
    if positions is None:
        try:
            node = _compose(text, "cloudformation")
        except (YamlError, yaml.YAMLError, RecursionError, ValueError, TypeError):
            return {}
        if node is None:
            return {}
        positions, _ = _walk(node)
        _remember(text, positions)
    return {dotted(path): where for path, where in positions.items() if path}
