"""What a CodePipeline declaration may hold, read from botocore's CodePipeline service model.

Names, lengths, patterns and enums (pipeline, stage, action and artifact names, role ARNs,
action versions, categories, owners...) are the API's own: this module reads them from
``botocore``'s model instead of copying them, so a new botocore brings new rules with it.
The one thing the model does not say, which providers exist per category and how many
artifacts each takes, ships in ``data/pipeline_actions.json`` with its AWS sources.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

Path = tuple[Any, ...]
# Request wrappers around a declaration: get-pipeline output, create/update-pipeline input,
# and what boto3 returns (ResponseMetadata).
WRAPPER_KEYS = frozenset({"pipeline", "metadata", "tags", "ResponseMetadata"})
MAX_PATTERN_CHARS = 10_000


class Unknown:
    """A value only CloudFormation knows (``!Ref``, ``!Sub``, ``!If``...): never an error."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown until deploy>"


UNKNOWN = Unknown()


@functools.cache
def service_model() -> Any:
    """botocore's CodePipeline model (read once; no credentials, Region or network)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("codepipeline")


def shape(name: str) -> Any:
    return service_model().shape_for(name)


def declaration_shape() -> Any:
    return shape("PipelineDeclaration")


def enum(name: str) -> tuple[str, ...]:
    """The values of an enum shape, e.g. ``enum("ActionCategory")``."""
    return tuple(shape(name).enum)


def bounds(name: str) -> tuple[int | None, int | None]:
    """(min, max) of a shape: a length for strings and lists, a range for integers."""
    metadata = shape(name).metadata
    return metadata.get("min"), metadata.get("max")


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@functools.cache
def actions_table() -> dict[str, Any]:
    """The AWS-owned action types, from ``data/pipeline_actions.json``."""
    text = resources.files("cicd_check").joinpath("data/pipeline_actions.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def aws_providers() -> dict[str, dict[str, dict[str, Any]]]:
    """Category -> provider -> what the table knows about it (AWS-owned actions)."""
    return actions_table()["aws"]  # type: ignore[no-any-return]


def unwrap(declaration: Any) -> Any:
    """The declaration inside get-pipeline output or create-pipeline input, or itself."""
    if is_wrapped(declaration):
        return declaration["pipeline"]
    return declaration


def is_wrapped(declaration: Any) -> bool:
    return (isinstance(declaration, Mapping) and "stages" not in declaration
            and isinstance(declaration.get("pipeline"), Mapping))


@dataclass(frozen=True)
class Problem:
    """One way a value breaks the model: ``kind`` is unknown, missing, type or value."""

    kind: str
    path: Path
    message: str


def _type_name(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "integer",
             float: "number", type(None): "null"}
    for python_type, name in names.items():
        if type(value) is python_type:
            return name
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def render(value: Any, limit: int = 60) -> str:
    """A short, printable rendering of a value a reader wrote."""
    try:
        text = repr(value)
    except ValueError:  # an integer past Python's digit limit
        text = "<a very long number>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_shape(value: Any, model_shape: Any, path: Path = ()) -> Iterator[Problem]:
    """Every way ``value`` breaks ``model_shape``, as botocore and the service would say.

    Recursion follows the model's shape (a few levels), never the data's depth.
    """
    if value is UNKNOWN:
        return
    kind = model_shape.type_name
    if kind == "structure":
        yield from _check_structure(value, model_shape, path)
    elif kind == "list":
        if not isinstance(value, list):
            yield Problem("type", path, f"must be a list, got {_type_name(value)}")
            return
        yield from _check_size(len(value), model_shape, path, "items")
        for index, item in enumerate(value):
            yield from check_shape(item, model_shape.member, (*path, index))
    elif kind == "map":
        if not isinstance(value, Mapping):
            yield Problem("type", path, f"must be an object, got {_type_name(value)}")
            return
        yield from _check_size(len(value), model_shape, path, "entries")
        for key, item in value.items():
            yield from check_shape(key, model_shape.key, (*path, key))
            yield from check_shape(item, model_shape.value, (*path, key))
    elif kind == "string":
        yield from _check_string(value, model_shape, path)
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            yield Problem("type", path, f"must be an integer, got {_type_name(value)} "
                          f"{render(value)}")
            return
        low, high = model_shape.metadata.get("min"), model_shape.metadata.get("max")
        if low is not None and value < low:
            yield Problem("value", path, f"value {render(value)} failed to satisfy constraint: "
                          f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            yield Problem("value", path, f"value {render(value)} failed to satisfy constraint: "
                          f"Member must have value less than or equal to {high}")
    elif kind == "boolean" and not isinstance(value, bool):
        yield Problem("type", path, f"must be true or false, got {_type_name(value)}")


def _check_structure(value: Any, model_shape: Any, path: Path) -> Iterator[Problem]:
    if not isinstance(value, Mapping):
        yield Problem("type", path, f"must be an object, got {_type_name(value)}")
        return
    members = model_shape.members
    for key in value:
        if key not in members:
            yield Problem("unknown", (*path, key),
                          f"unknown parameter {render(key)}, must be one of: "
                          f"{', '.join(members)}")
    for required in model_shape.required_members:
        if required not in value:
            yield Problem("missing", path, f"missing required parameter {required!r}")
    for key, item in value.items():
        if key in members:
            yield from check_shape(item, members[key], (*path, key))


def _check_size(size: int, model_shape: Any, path: Path, what: str) -> Iterator[Problem]:
    low, high = model_shape.metadata.get("min"), model_shape.metadata.get("max")
    if low is not None and size < low:
        yield Problem("value", path, f"has {size} {what}; Member must have length greater "
                      f"than or equal to {low}")
    if high is not None and size > high:
        yield Problem("value", path, f"has {size} {what}; Member must have length less than "
                      f"or equal to {high}")


def _check_string(value: Any, model_shape: Any, path: Path) -> Iterator[Problem]:
    if value is UNKNOWN:
        return
    if not isinstance(value, str):
        yield Problem("type", path, f"must be a string, got {_type_name(value)} {render(value)}")
        return
    shown = render(value)
    if model_shape.enum and value not in model_shape.enum:
        yield Problem("value", path, f"value {shown} failed to satisfy constraint: Member must "
                      f"satisfy enum value set: [{', '.join(model_shape.enum)}]")
        return
    low, high = model_shape.metadata.get("min"), model_shape.metadata.get("max")
    if low is not None and len(value) < low:
        yield Problem("value", path, f"value {shown} failed to satisfy constraint: Member must "
                      f"have length greater than or equal to {low}")
    if high is not None and len(value) > high:
        yield Problem("value", path, f"value {shown} failed to satisfy constraint: Member must "
                      f"have length less than or equal to {high}")
        return
    pattern = model_shape.metadata.get("pattern")
    if (pattern and value and len(value) <= MAX_PATTERN_CHARS
            and not _compiled(pattern).fullmatch(value)):
        yield Problem("value", path, f"value {shown} failed to satisfy constraint: Member must "
                      f"satisfy regular expression pattern: {pattern}")
