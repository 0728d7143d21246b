"""Load a reader's YAML safely, with bounds, in the flavour each file type needs.

Every tool in the handbook that reads YAML (buildspecs, workflows, AppSpec files,
CloudFormation and SAM templates) goes through :func:`load_yaml`:

- only plain data is built (a ``SafeLoader``: no Python objects from tags);
- anchors and aliases are allowed, but the document they expand to is bounded, so
  a "billion laughs" file is refused instead of exhausting memory or time;
- the size of the text is bounded;
- every failure is a :class:`YamlError` (a ``ValueError``) whose message names the
  document, the line and the problem.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import yaml

MAX_CHARS = 1_000_000
MAX_EXPANDED_NODES = 200_000
Flavor = Literal["yaml11", "yaml12", "strings", "cloudformation"]


class YamlError(ValueError):
    """YAML that cannot be used: malformed, too large, or expanding without bound."""


# Deeper than real files ever nest, and shallow enough that PyYAML's composer (two Python
# frames a level) stays clear of the recursion limit wherever it is called from.
MAX_NESTING = 200


class _Bounded(yaml.SafeLoader):
    """A SafeLoader that measures what the document would expand to, aliases included."""

    def get_single_node(self) -> yaml.Node | None:
        _refuse_deep_flow(self.buffer.removesuffix("\0"))  # the reader's end marker
        node = super().get_single_node()
        if node is not None:
            _expanded_size(node)
        return node


def _refuse_deep_flow(text: str) -> None:
    """Refuse collections nested more than MAX_NESTING deep before PyYAML's own parser reads
    them: its scanner slows down with every open ``[`` or ``{`` (3,000 of them took seconds
    before it failed on Python's recursion limit). Only text with that many brackets is
    measured, by libyaml's parser, which counts the depth in C and stops at 1,000 itself."""
    if text.count("[") + text.count("{") < MAX_NESTING or not yaml.__with_libyaml__:
        return
    events = yaml.CSafeLoader(text)
    depth = 0
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        if "nesting depth" not in str(error):
            return  # another mistake: PyYAML's parser reports it in its own words
        depth = MAX_NESTING + 1
    finally:
        events.dispose()
    if depth > MAX_NESTING:
        raise YamlError(f"not valid YAML: nested too deeply (more than {MAX_NESTING} levels)")


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the document with every alias expanded, counted without expanding it."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise YamlError("an alias refers to a node that contains it (recursive YAML)")
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        in_progress.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise YamlError(
                f"expands to more than {MAX_EXPANDED_NODES:,} values through aliases "
                "(refused: a file this large is almost certainly an alias bomb)"
            )
        sizes[key] = total
        return total

    return size(root)


def _without(tags: set[str]) -> dict[Any, list[tuple[str, Any]]]:
    return {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in tags]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class Yaml11Loader(_Bounded):
    """PyYAML's safe defaults (YAML 1.1: ``yes``/``on`` are booleans)."""


# --8<-- [start:yaml12]
class Yaml12Loader(_Bounded):
    """Only ``true``/``false`` are booleans, as in YAML 1.2 (GitHub reads ``on:`` as a key)."""


Yaml12Loader.yaml_implicit_resolvers = _without({"tag:yaml.org,2002:bool"})
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# --8<-- [end:yaml12]


class StringsLoader(_Bounded):
    """Every plain scalar stays a string (a buildspec's ``- true`` is a command)."""


StringsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:merge"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# --8<-- [start:cloudformation]
class CloudFormationLoader(_Bounded):
    """Reads CloudFormation's short forms: ``!Ref X`` is ``{"Ref": "X"}``, and so on."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)
# --8<-- [end:cloudformation]

LOADERS: dict[str, type[_Bounded]] = {
    "yaml11": Yaml11Loader,
    "yaml12": Yaml12Loader,
    "strings": StringsLoader,
    "cloudformation": CloudFormationLoader,
}


# --8<-- [start:load]
def load_yaml(text: str, *, flavor: Flavor = "yaml11", what: str = "document",
              max_chars: int = MAX_CHARS) -> Any:
    """Parse ``text`` safely; raise YamlError naming ``what``, the line and the problem."""
    if not isinstance(text, str):
        raise YamlError(f"{what}: expected YAML text, got {type(text).__name__}")
    if len(text) > max_chars:
        raise YamlError(f"{what}: {len(text):,} characters, more than {max_chars:,}")
    try:
        return yaml.load(text, Loader=LOADERS[flavor])  # all loaders are SafeLoaders
    except YamlError as error:
        raise YamlError(f"{what}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise YamlError(f"{what}: not valid YAML: {problem}{where}") from None
    except RecursionError:
        raise YamlError(f"{what}: not valid YAML: nested too deeply") from None
    except (ValueError, TypeError) as error:  # e.g. an integer of 5,000 digits
        raise YamlError(f"{what}: not valid YAML: {str(error)[:120]}") from None
# --8<-- [end:load]
