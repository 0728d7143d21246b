"""Every CloudFormation and SAM template in the repository passes cfn-lint with no findings.

cicd-check's own test inputs (``tests/cicd_check/``: rule cases, real failures, excerpts of
real files) are left out: many are broken on purpose, and their tests say what cicd-check,
cfn-lint included, must report on each.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from cicd_check.safe_yaml import YamlError, load_yaml

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    return [REPO / name for name in listed if name and (REPO / name).is_file()]


def templates() -> list[Path]:
    found = []
    for path in tracked_files():
        if path.suffix not in TEMPLATE_SUFFIXES or "node_modules" in path.parts:
            continue
        if path.is_relative_to(REPO / "tests" / "cicd_check"):
            continue
        try:
            document = load_yaml(path.read_text(), flavor="cloudformation", what=path.name)
        except (YamlError, UnicodeDecodeError):
            continue
        # An AppSpec file has Resources too, but as a list and with a version key.
        if isinstance(document, dict) and (
            "AWSTemplateFormatVersion" in document
            or ("Resources" in document and isinstance(document["Resources"], dict)
                and "version" not in document)
        ):
            found.append(path)
    return found


TEMPLATES = templates()
# Findings accepted for one file, with the reason. The CDK template is synthesised output
# (tests/tooling/test_cdk.py proves it equal to a fresh synth), so it cannot be edited: the
# CDK always adds a DependsOn on the function's role next to the GetAtt of its ARN.
ACCEPTED = {"snippets/tooling/cdk-orders.template.json": {"W3005"}}


def test_the_repository_has_templates() -> None:
    assert len(TEMPLATES) >= 3, TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(REPO)))
def test_template_passes_cfn_lint(template: Path) -> None:
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    accepted = ACCEPTED.get(template.relative_to(REPO).as_posix(), set())
    findings = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches
                if m.rule.id not in accepted]
    assert not findings, f"{template.name}:\n" + "\n".join(findings)
