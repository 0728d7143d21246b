"""An ``AWS::CodePipeline::Pipeline`` resource, read as the API declaration it becomes.

CloudFormation spells the declaration in PascalCase (``Stages``, ``ActionTypeId``,
``RoleArn``), lists ``ArtifactStores`` as ``{Region, ArtifactStore}`` items where the API
has a map, and lets any value be an intrinsic function. :func:`declaration` turns the
properties into the API's shape, with every intrinsic function replaced by
:data:`~cicd_check.pipeline_model.UNKNOWN`, and remembers where each API path came from in
the template, so a finding points at the template's own line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cicd_check.pipeline_model import UNKNOWN, Path

RESOURCE_TYPE = "AWS::CodePipeline::Pipeline"
# Template-only properties: CloudFormation's, not part of the API declaration.
TEMPLATE_ONLY = frozenset({"DisableInboundStageTransitions", "RestartExecutionOnUpdate",
                           "Tags"})
# Maps whose keys are the user's own (kept as written, never renamed).
VERBATIM = frozenset({"Configuration"})


def is_intrinsic(value: Any) -> bool:
    """``{"Ref": ..}``, ``{"Fn::Sub": ..}``, ``{"Condition": ..}``: known only at deploy."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def camel(key: Any) -> Any:
    return key[:1].lower() + key[1:] if isinstance(key, str) else key


def declaration(properties: Any, where: Path) -> tuple[Any, dict[Path, Path]]:
    """(the API-shaped declaration, API path -> template path) for a resource's Properties."""
    paths: dict[Path, Path] = {(): where}
    if is_intrinsic(properties) or not isinstance(properties, Mapping):
        return UNKNOWN if is_intrinsic(properties) else properties, paths
    result: dict[Any, Any] = {}
    for key, value in properties.items():
        if key in TEMPLATE_ONLY:
            continue
        if key == "ArtifactStores" and isinstance(value, list):
            result["artifactStores"] = _stores(value, (*where, key), paths)
            continue
        api_key = camel(key)
        result[api_key] = _convert(value, (api_key,), (*where, key), paths, verbatim=False)
    return result, paths


def _stores(items: list[Any], where: Path, paths: dict[Path, Path]) -> Any:
    """``[{Region: r, ArtifactStore: s}]`` -> ``{r: s}`` (unknown if a Region is unknown)."""
    paths[("artifactStores",)] = where
    stores: dict[Any, Any] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or is_intrinsic(item):
            return UNKNOWN
        region = item.get("Region")
        if not isinstance(region, str):
            return UNKNOWN
        api_path = ("artifactStores", region)
        stores[region] = _convert(item.get("ArtifactStore"), api_path,
                                  (*where, index, "ArtifactStore"), paths, verbatim=False)
    return stores


def _convert(value: Any, api_path: Path, where: Path, paths: dict[Path, Path], *,
             verbatim: bool) -> Any:
    """Rename keys to camelCase (iteratively: templates can nest deeply).

    Inside ``Configuration`` the keys are the action's own and stay as written, and its
    scalar values become strings, as CloudFormation sends them.
    """
    root: list[Any] = [None]
    first = "config" if verbatim else "normal"
    stack: list[tuple[Any, Any, Any, Path, Path, str]] = [
        (value, root, 0, api_path, where, first)]
    while stack:
        item, parent, slot, api, doc, mode = stack.pop()
        paths[api] = doc
        if is_intrinsic(item):
            parent[slot] = UNKNOWN
        elif isinstance(item, Mapping):
            converted: dict[Any, Any] = {}
            parent[slot] = converted
            for key, child in item.items():
                name = key if mode == "config" else camel(key)
                converted[name] = None
                if mode == "config":
                    child_mode = "value"
                elif key in VERBATIM:
                    child_mode = "config"
                else:
                    child_mode = "normal"
                stack.append((child, converted, name, (*api, name), (*doc, key), child_mode))
        elif isinstance(item, list):
            items: list[Any] = [None] * len(item)
            parent[slot] = items
            for index, child in enumerate(item):
                stack.append((child, items, index, (*api, index), (*doc, index), "normal"))
        elif mode == "value" and isinstance(item, bool):
            parent[slot] = "true" if item else "false"
        elif mode == "value" and isinstance(item, int | float):
            try:
                parent[slot] = str(item)
            except ValueError:  # an integer past Python's digit limit: leave it as it is
                parent[slot] = item
        else:
            parent[slot] = item
    return root[0]
