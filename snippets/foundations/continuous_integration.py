"""Read and check GitHub Actions workflows: the CI page's examples use our own.

The handbook's pull-request workflow is the example of continuous integration: it
runs on every pull request and push, and it runs the same command a contributor
runs locally. These functions load a workflow the way GitHub reads it and check
it against the GitHub workflow schema that check-jsonschema ships (works offline).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from cicd_check.safe_yaml import YamlError, load_yaml

MAX_WORKFLOW_BYTES = 512 * 1024  # GitHub's limit for a workflow file is far lower in practice


class WorkflowError(ValueError):
    """A workflow file that cannot be read at all (not YAML, not a mapping, too big)."""




def load_workflow(source: str | Path) -> dict[str, Any]:
    """Parse a workflow from YAML text or a file path; raise WorkflowError if unusable."""
    if isinstance(source, Path):
        try:
            raw = source.read_bytes()
        except OSError as error:
            raise WorkflowError(f"{source}: cannot read the file ({error.strerror})") from None
        if len(raw) > MAX_WORKFLOW_BYTES:
            raise WorkflowError(f"{source}: larger than {MAX_WORKFLOW_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkflowError(f"{source}: not UTF-8 text") from None
    elif isinstance(source, str):
        text = source
    else:
        raise WorkflowError(f"workflow: expected YAML text or a Path, got {type(source).__name__}")
    try:
        # GitHub reads YAML 1.2: only true/false are booleans, so `on:` stays a key.
        document = load_yaml(text, flavor="yaml12", what="workflow")
    except YamlError as error:
        raise WorkflowError(str(error)) from None
    if not isinstance(document, dict):
        raise WorkflowError("workflow: the top level must be a mapping")
    return document


@lru_cache(maxsize=1)
def workflow_schema() -> dict[str, Any]:
    """The GitHub workflow JSON Schema vendored by check-jsonschema (no network)."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("github-workflows.json").read_text())


# --8<-- [start:validate]
def validate_workflow(source: str | Path | Mapping[str, Any]) -> list[str]:
    """One readable problem per schema violation, naming the key path; [] when valid."""
    try:
        workflow = source if isinstance(source, Mapping) else load_workflow(source)
    except WorkflowError as error:
        return [str(error)]
    validator = Draft7Validator(workflow_schema())
    problems = []
    for error in sorted(validator.iter_errors(workflow), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(part) for part in error.path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems
# --8<-- [end:validate]


# --8<-- [start:summary]
def triggers(workflow: Mapping[str, Any]) -> set[str]:
    """The events that start a workflow, whichever of the three forms ``on`` uses."""
    on = workflow.get("on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {event for event in on if isinstance(event, str)}
    if isinstance(on, Mapping):
        return {str(event) for event in on}
    return set()


def run_commands(workflow: Mapping[str, Any]) -> list[str]:
    """Every shell command the workflow's jobs run, in order."""
    commands = []
    jobs = workflow.get("jobs")
    for job in (jobs or {}).values() if isinstance(jobs, Mapping) else ():
        steps = job.get("steps") if isinstance(job, Mapping) else None
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, Mapping) and isinstance(step.get("run"), str):
                commands.append(step["run"].strip())
    return commands
# --8<-- [end:summary]
