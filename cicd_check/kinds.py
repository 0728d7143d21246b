"""The kinds of file ``cicd-check`` knows, and how it tells them apart.

Each kind is checked by one module that defines::

    def check_text(text: str, *, file: str = "<text>", on: datetime.date | None = None
                   ) -> list[Finding]

returning every finding (errors and warnings), each with its line where there is one.
A kind is told by the file's name first (``buildspec*.yml``, ``appspec.*``, ``Dockerfile``)
and then by its content, so a buildspec under any name is still found.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from cicd_check.safe_yaml import YamlError, load_yaml

CHECKERS: dict[str, str] = {
    "buildspec": "cicd_check.buildspec",
    "appspec": "cicd_check.appspec",
    "pipeline": "cicd_check.pipeline",
    "template": "cicd_check.template",
    "dockerfile": "cicd_check.dockerfile",
}
KIND_NAMES = tuple(CHECKERS)
DATA_SUFFIXES = (".yml", ".yaml", ".json", ".template")
DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile",
                    "Containerfile", "Containerfile.*")
MAX_SNIFF_CHARS = 5_000_000


def checker(kind: str) -> Callable[..., list[Any]]:
    """The ``check_text`` function of a kind's module."""
    if kind not in CHECKERS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KIND_NAMES)}")
    module = importlib.import_module(CHECKERS[kind])
    return module.check_text  # type: ignore[no-any-return]


def kind_by_name(path: str | PurePath) -> str | None:
    """The kind a file's name alone says, or None."""
    name = PurePath(path).name
    lower = name.lower()
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in DOCKERFILE_NAMES):
        return "dockerfile"
    if lower.startswith("buildspec") and lower.endswith((".yml", ".yaml")):
        return "buildspec"
    if lower in ("appspec.yml", "appspec.yaml", "appspec.json"):
        return "appspec"
    return None


def kind_by_content(data: Any) -> str | None:
    """The kind parsed YAML or JSON content has the shape of, or None."""
    if not isinstance(data, Mapping):
        return None
    keys = {str(key) for key in data}
    lower = {key.lower() for key in keys}
    if _is_template(data):
        return "template"
    pipeline = data.get("pipeline")
    if isinstance(pipeline, Mapping) and isinstance(pipeline.get("stages"), list):
        return "pipeline"
    if isinstance(data.get("stages"), list) and keys & {"roleArn", "artifactStore",
                                                         "artifactStores"}:
        return "pipeline"
    if "version" in keys and ("phases" in keys or "batch" in keys):
        return "buildspec"
    if "version" in lower and lower & {"resources", "hooks", "files", "os", "permissions"}:
        return "appspec"
    return None


def _is_template(data: Mapping[Any, Any]) -> bool:
    if "AWSTemplateFormatVersion" in data:
        return True
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms):
        return True
    resources = data.get("Resources")
    return (isinstance(resources, Mapping) and bool(resources)
            and all(isinstance(r, Mapping) and isinstance(r.get("Type"), str)
                    for r in resources.values()))


def sniff(path: str | PurePath, text: str) -> str | None:
    """The kind of a file, by name, then by content; None when it is none of ours."""
    by_name = kind_by_name(path)
    if by_name:
        return by_name
    if not str(path).lower().endswith(DATA_SUFFIXES) and not text.lstrip().startswith("{"):
        return None
    if len(text) > MAX_SNIFF_CHARS:
        return None
    try:
        data = load_yaml(text, flavor="cloudformation", what=str(path))
    except YamlError:
        # JSON that YAML cannot read: a tab before a key (AWS's own AppSpec examples have
        # them) is JSON whitespace but not YAML indentation.
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
    return kind_by_content(data)
