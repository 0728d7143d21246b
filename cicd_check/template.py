"""CloudFormation and SAM templates: cfn-lint, our own checks, and what SAM generates.

For every template, :func:`check_text` reports duplicate keys (CF003), runs cfn-lint (CF001
errors, CF002 warnings), the Lambda ``Code`` checks of :mod:`cicd_check.inline_code` and
the ``template_findings`` of the domain modules (pipelines, function configuration, CodeBuild
projects, function URL permissions). For a SAM template it also runs the SAM rules on the
source (:mod:`cicd_check.sam_rules`) and then translates it with AWS's SAM translator and
checks what that generates; a finding on a generated resource names the source resource it
came from (``FnAliaslive (generated from Fn)``) and sits on that resource's line.

Where one of our rules and cfn-lint report the same place, ours (with the fix) is kept.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cicd_check import cfn_lint
from cicd_check.documents import Document, duplicate_findings, load_document
from cicd_check.findings import ERROR, Finding, dotted, rule
from cicd_check.inline_code import code_findings
from cicd_check.safe_yaml import YamlError
from cicd_check.sam import SamTranslationError, is_sam, origins, sam_resources, translate
from cicd_check.sam_rules import TRANSFORM_FAILED, sam_findings

TEMPLATE_ANATOMY = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html"
)
MAX_TEMPLATE_CHARS = 1_000_000  # CloudFormation's own limit is 1 MB (from S3)
# The modules whose template_findings(document) run on every template.
DOMAIN_MODULES = (
    "cicd_check.pipeline",
    "cicd_check.function_config",
    "cicd_check.project",
    "cicd_check.url_auth",
)

INVALID = rule(
    "CF004", "template-not-parseable", ERROR,
    "The template is not valid YAML or JSON, or its top level is not a mapping.",
    fix="fix the syntax at the line named; CloudFormation says \"Template format error\"",
    source=TEMPLATE_ANATOMY, page="template",
)
DUPLICATE = rule(
    "CF003", "duplicate-key", ERROR,
    "A mapping repeats a key: `aws cloudformation deploy` refuses such YAML (\"found "
    "duplicate key\"), and the CloudFormation service silently keeps only the last value.",
    fix="remove or rename one of the two keys",
    source=TEMPLATE_ANATOMY, page="template",
)


def domain_checks() -> list[Callable[..., list[Finding]]]:
    """The template_findings functions of the domain modules (imported when first needed)."""
    return [importlib.import_module(name).template_findings for name in DOMAIN_MODULES]


TEMPLATE_QUOTAS = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
)
# The sections a template may have (template anatomy) and CloudFormation's quotas on them.
SECTIONS = ("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
            "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks")
SECTION_QUOTAS = {"Resources": 500, "Parameters": 200, "Outputs": 200, "Mappings": 200}
OUT_OF_BOUNDS = rule(
    "CF005", "template-out-of-bounds", ERROR,
    "The template has sections CloudFormation does not know, or more resources, parameters, "
    "outputs or mappings than its quotas allow: CloudFormation refuses it.",
    fix="keep to the template's sections, and split a template past a quota into nested "
    "stacks",
    source=TEMPLATE_QUOTAS, page="template",
)


def _out_of_bounds(document: Document) -> list[Finding]:
    """What CloudFormation refuses before reading any resource; cfn-lint is not run on it
    (its matches are de-duplicated in quadratic time: 20,000 of them take minutes)."""
    data = document.data
    sections = (*SECTIONS, "Globals") if is_sam(data) else SECTIONS  # Globals is SAM's
    unknown = [str(key) for key in data if key not in sections]
    found = []
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5
                                          else "")
        found.append(OUT_OF_BOUNDS.at(
            unknown[0], f"not a template section ({shown}); CloudFormation says \"Template "
            f"format error: Invalid template property or properties [{unknown[0]}]\"",
            line=document.line((unknown[0],))))
    for section, quota in SECTION_QUOTAS.items():
        value = data.get(section)
        if isinstance(value, Mapping) and len(value) > quota:
            found.append(OUT_OF_BOUNDS.at(
                section, f"{len(value):,} entries, more than CloudFormation's quota of {quota}",
                line=document.line((section,))))
    return found


def check_text(text: str, *, file: str = "<text>", on: dt.date | None = None
               ) -> list[Finding]:
    """Every finding in a CloudFormation or SAM template (errors and warnings)."""
    return check(text, on=on)


def check(text: str, *, on: dt.date | None = None, lint: bool = True) -> list[Finding]:
    """:func:`check_text`, with cfn-lint optional (``lint=False`` is for fast fuzzing)."""
    document = _load(text)
    if isinstance(document, Finding):
        return [document]
    bounds = _out_of_bounds(document)
    if bounds:
        return duplicate_findings(document, DUPLICATE) + bounds
    found = duplicate_findings(document, DUPLICATE)
    own = _own(document, on)
    found += own
    if lint:
        lints = (cfn_lint.lint_data(document.data) if document.duplicates
                 else cfn_lint.lint_text(text))
        found += _lint_findings(document, lints, own)
    if is_sam(document.data) and sam_resources(document.data):
        found += _generated(document, on, found, lint=lint)
    return found


def _load(text: Any) -> Document | Finding:
    if not isinstance(text, str):
        return INVALID.at("template", f"expected text, got {type(text).__name__}")
    flavor = "json" if text.lstrip().startswith("{") else "cloudformation"
    try:
        document = load_document(text, flavor=flavor, what="template",
                                 max_chars=MAX_TEMPLATE_CHARS)
    except YamlError as error:
        language = "JSON" if flavor == "json" else "YAML"
        return INVALID.at("", f"{error}; CloudFormation says \"Template format error: "
                          f"{language} not well-formed.\"", line=getattr(error, "line", None))
    if not isinstance(document.data, Mapping):
        return INVALID.at("template", "the top level must be a mapping with Resources", line=1)
    return document


def _call(function: Callable[..., list[Finding]], document: Document, on: dt.date | None
          ) -> list[Finding]:
    try:
        takes_date = "on" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        takes_date = False
    return list(function(document, on=on) if takes_date else function(document))


def _own(document: Document, on: dt.date | None) -> list[Finding]:
    """Our rules on one document: inline code, the domain modules, and (source only) SAM."""
    found = code_findings(document)
    functions = domain_checks()
    for function in functions:
        found += _call(function, document, on)
    return found + sam_findings(document)


def _covered(field: str, own_fields: Iterable[str]) -> bool:
    return any(field == f or field.startswith(f + ".") or f.startswith(field + ".")
               for f in own_fields if f)


def _lint_findings(document: Document, lints: list[cfn_lint.LintMatch], own: list[Finding]
                   ) -> list[Finding]:
    own_fields = [f.field for f in own]
    found = []
    for match in lints:
        field = cfn_lint.path_text(match.path)
        if match.path and _covered(field, own_fields):
            continue  # our rule says it, with the fix
        if match.line is not None:
            line, column = match.line, match.column
        else:
            line, column = document.where(match.path)
        found.append(cfn_lint.finding(match, field=field, line=line, column=column))
    return found


def _generated(document: Document, on: dt.date | None, source_findings: list[Finding], *,
               lint: bool) -> list[Finding]:
    """Findings on what SAM generates, located at the source resource they came from."""
    try:
        translated = translate(document.data)
    except SamTranslationError as error:
        return [_translation_finding(document, logical, f"{error.summary} {message}".strip())
                for logical, message in error.causes]
    made_from = origins(document.data, translated)
    sam = sam_resources(document.data)
    generated = set(made_from) | set(sam)  # SAM resources keep their id (Fn -> a Lambda Fn)
    positions = dict(document.positions)
    for name, source in made_from.items():
        where = document.positions.get(("Resources", source))
        if where is not None:
            positions[("Resources", name)] = where
    view = Document(translated, document.text, "template (as SAM transforms it)", positions)
    candidates = code_findings(view)
    functions = domain_checks()
    for function in functions:
        candidates += _call(function, view, on)
    if lint:
        candidates += _lint_findings(view, cfn_lint.lint_data(translated), candidates)
    seen = {(f.id, f.line) for f in source_findings}
    found = []
    for finding in candidates:
        resource = _resource_of(finding.field)
        if resource not in generated or (finding.id, finding.line) in seen:
            continue
        seen.add((finding.id, finding.line))
        found.append(_renamed(finding, resource, made_from.get(resource)))
    return found


def _resource_of(field: str) -> str | None:
    parts = field.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "Resources" else None


def _renamed(finding: Finding, resource: str | None, source: str | None) -> Finding:
    """The finding with the generated resource named after its source resource."""
    if not resource or not source:
        return finding
    old = f"Resources.{resource}"
    new = f"Resources.{resource} (generated from {source})"
    field = new + finding.field[len(old):]
    message = str(finding)
    message = field + message[len(finding.field):] if message.startswith(finding.field) \
        else message
    return Finding(message, rule=finding.rule, field=field, line=finding.line,
                   column=finding.column, severity=finding.severity)


def _translation_finding(document: Document, logical: str | None, message: str) -> Finding:
    path: tuple[Any, ...] = ("Resources", logical) if logical else ("Transform",)
    line, column = document.where(path)
    return TRANSFORM_FAILED.at(
        dotted(path), f"Transform AWS::Serverless-2016-10-31 failed with: {message}",
        line=line, column=column)

