"""Print findings for people (``text``), for scripts (``json``) and for GitHub (``github``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from cicd_check.findings import Finding

FORMATS = ("text", "json", "github")


def _position(finding: Finding) -> str:
    line = finding.line if finding.line is not None else 1
    column = finding.column if finding.column is not None else 1
    return f"{finding.file}:{line}:{column}"


def text(findings: Sequence[Finding], checked: Sequence[tuple[str, str]],
         skipped: Sequence[tuple[str, str]], out: TextIO, *, verbose: bool = False) -> None:
    for finding in findings:
        out.write(f"{_position(finding)}: {finding.id} [{finding.severity.value}] {finding}\n")
        out.write(f"    fix: {finding.fix}\n")
    if verbose:
        for path, kind in checked:
            out.write(f"checked {path} as {kind}\n")
        for path, why in skipped:
            out.write(f"skipped {path}: {why}\n")
    errors = sum(f.is_error for f in findings)
    warnings = len(findings) - errors
    files = len(checked)
    summary = (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
               f" in {files} file{'s' * (files != 1)} checked")
    if skipped:
        summary += f" ({len(skipped)} skipped{'' if verbose else '; --verbose lists them'})"
    out.write(summary + "\n")


def as_json(findings: Sequence[Finding], checked: Sequence[tuple[str, str]],
            skipped: Sequence[tuple[str, str]], out: TextIO, *, verbose: bool = False) -> None:
    document = {
        "findings": [finding.as_dict() for finding in findings],
        "checked": [{"file": path, "kind": kind} for path, kind in checked],
        "skipped": [{"file": path, "reason": why} for path, why in skipped],
        "errors": sum(f.is_error for f in findings),
        "warnings": sum(not f.is_error for f in findings),
    }
    json.dump(document, out, indent=2)
    out.write("\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], checked: Sequence[tuple[str, str]],
           skipped: Sequence[tuple[str, str]], out: TextIO, *, verbose: bool = False) -> None:
    """GitHub Actions workflow commands: each finding shows on its line of the diff."""
    for finding in findings:
        command = "error" if finding.is_error else "warning"
        properties = [f"file={_escape_property(finding.file or '')}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
        if finding.column is not None:
            properties.append(f"col={finding.column}")
        properties.append(f"title={_escape_property(finding.id)}")
        message = _escape_data(f"{finding} (fix: {finding.fix})")
        out.write(f"::{command} {','.join(properties)}::{message}\n")


WRITERS = {"text": text, "json": as_json, "github": github}
