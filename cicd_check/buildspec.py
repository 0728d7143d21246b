"""Check a CodeBuild buildspec offline, the way CodeBuild reads it.

AWS documents no JSON Schema for buildspec files, so ``data/buildspec.schema.json`` is
written from the buildspec reference; the rules the schema cannot say (a buildspec needs
``phases`` unless it is a batch buildspec, keys renamed between versions, ``RETRY-<regex>``
patterns that do not compile or backtrack without end, runtimes no current image has) are
checked here. Every finding carries the line it is about, and where CodeBuild prints its own
``YAML_FILE_ERROR`` text for the same mistake, the finding prints that text too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import regex
import yaml

from cicd_check.documents import Document, close_match, duplicate_findings, load_document
from cicd_check.findings import ERROR, WARNING, Finding, dotted, errors, rule
from cicd_check.safe_yaml import LOADERS, YamlError

REFERENCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
BATCH_REFERENCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/batch-build-buildspec.html"
RUNTIMES_REFERENCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html"
SCHEMA_PATH = Path(__file__).parent / "data" / "buildspec.schema.json"
MAX_SOURCE_CHARS = 1_000_000  # a buildspec is a few KB; refuse megabytes of YAML
MAX_DEPTH = 50
PHASES = ("install", "pre_build", "build", "post_build")
BATCH_TYPES = ("build-list", "build-graph", "build-matrix", "build-fanout")
# The runtime names of CodeBuild's managed Linux images (Available runtimes); `docker` was
# dropped with Ubuntu standard 5.0 and Amazon Linux 2 standard 3.0.
RUNTIMES = ("android", "dotnet", "golang", "java", "nodejs", "php", "python", "ruby")
CURRENT_RUNTIMES = "dotnet, golang, java, nodejs, php, python, ruby"
RETRY = r"RETRY-(?:(\d+)(?:-(.+))?|(.+))"  # RETRY-<count>, -<count>-<regex>, -<regex>
REGEX_PROBE_SECONDS = 0.2
# A cd, export or pushd as a statement of its own: shell state the next command needs.
_SHELL_STATE = re.compile(r"(?:^|&&|;|\|\|)\s*(cd|export|pushd)\s")
PAGE = "buildspec"

INVALID_YAML = rule(
    "BS001", "invalid-yaml", ERROR,
    "The file is not YAML CodeBuild can read, or its top level is not a mapping.",
    fix="fix the YAML at the line given (spaces, not tabs; close every [ and {)",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
MISSING_KEY = rule(
    "BS002", "missing-key", ERROR,
    "A key the buildspec needs is missing (version; phases unless there is a batch section; "
    "files in artifacts and reports).",
    fix="add the key named in the message",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
UNKNOWN_KEY = rule(
    "BS003", "unknown-key", ERROR,
    "A key the buildspec reference does not define, often a near-miss of one it does.",
    fix="use the key the hint names, or remove it",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
RUNTIME_OUTSIDE_INSTALL = rule(
    "BS004", "runtime-versions-outside-install", ERROR,
    "runtime-versions is allowed only in the install phase.",
    fix="move runtime-versions under phases.install",
    source=REFERENCE + "#build-spec.phases.install.runtime-versions", page=PAGE)
INVALID_VALUE = rule(
    "BS005", "invalid-value", ERROR,
    "A value of the wrong type or outside what the reference allows.",
    fix="use a value the message lists",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
COMMAND_NOT_STRING = rule(
    "BS006", "command-not-a-string", ERROR,
    "A command YAML reads as a mapping or a list: an unquoted ': ' (colon and space), or a "
    "leading { [ or -, turns the command into data.",
    fix="quote the whole command: - \"echo Version: 1\"",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
BAD_RETRY_REGEX = rule(
    "BS007", "invalid-retry-regex", ERROR,
    "The regular expression of on-failure RETRY-<regex> does not compile.",
    fix="fix the regular expression after RETRY- (or RETRY-<count>-)",
    source=REFERENCE + "#build-spec.phases.on-failure", page=PAGE)
SLOW_RETRY_REGEX = rule(
    "BS008", "slow-retry-regex", WARNING,
    "The RETRY-<regex> pattern backtracks catastrophically: matching it can take forever.",
    fix="remove the nested or overlapping repetition, e.g. (a|a)* or (a+)+",
    source=REFERENCE + "#build-spec.phases.on-failure", page=PAGE)
DUPLICATE_KEY = rule(
    "BS009", "duplicate-key", WARNING,
    "A mapping repeats a key: CodeBuild keeps one value and the other is silently lost.",
    fix="merge the two entries into one key",
    source=REFERENCE + "#build-spec-ref-syntax", page=PAGE)
EMPTY_COMMANDS = rule(
    "BS010", "empty-commands", WARNING,
    "A phase, or its commands or finally key, has no value: CodeBuild runs nothing there.",
    fix="list the commands under the key, or remove the empty key",
    source=REFERENCE + "#build-spec.phases", page=PAGE)
VERSION_KEYS = rule(
    "BS011", "version-keys", ERROR,
    "A key of the other buildspec version: 0.2 renamed environment_variables to env "
    "(plaintext to variables).",
    fix="version 0.2: use env.variables; version 0.1: use environment_variables.plaintext",
    source=REFERENCE + "#build-spec-ref-versions", page=PAGE)
SEVERAL_BATCH_TYPES = rule(
    "BS012", "several-batch-types", ERROR,
    "A batch section names more than one batch type; a batch build has exactly one.",
    fix="keep one of build-list, build-graph, build-matrix, build-fanout",
    source=BATCH_REFERENCE, page=PAGE)
UNKNOWN_RUNTIME = rule(
    "BS013", "unknown-runtime", WARNING,
    "A runtime-versions name that no current CodeBuild managed image has (docker, "
    "python3.12 as a name).",
    fix=f"use one of {CURRENT_RUNTIMES} (docker needs no runtime-versions entry)",
    source=RUNTIMES_REFERENCE, page=PAGE)
SEPARATE_SHELLS = rule(
    "BS014", "version-0.1-separate-shells", WARNING,
    "In version 0.1 every command runs in its own shell: a cd or export is forgotten by the "
    "next command.",
    fix="use version: 0.2 (one shell for the whole build), or join the commands with &&",
    source=REFERENCE + "#build-spec-ref-versions", page=PAGE)


# ---------------------------------------------------------------------------------------
# Loading


def parse_buildspec(text: str) -> Any:
    """Parse buildspec YAML text safely; raise ``ValueError`` (YamlError) with a reason.

    Every plain scalar stays a string, as a buildspec means it: ``yaml.safe_load`` would
    turn the command ``- true`` into a boolean and ``version: 0.2`` into a float.
    """
    return load_document(text, flavor="strings", what="buildspec",
                         max_chars=MAX_SOURCE_CHARS).data


# go-yaml's wording (CodeBuild's parser) for the PyYAML problems it shares, and whether
# go-yaml counts the line from 1 (scanner errors) or reports the line before (parser).
_CODEBUILD_YAML = (
    (re.compile(r"found character .* that cannot start any token"),
     "found character that cannot start any token", True),
    (re.compile(r"expected ',' or '\]', but got"), "did not find expected ',' or ']'", False),
    (re.compile(r"expected ',' or '\}', but got"), "did not find expected ',' or '}'", False),
    (re.compile(r"mapping values are not allowed here"),
     "mapping values are not allowed in this context", True),
)


def codebuild_yaml_error(text: str) -> str | None:
    """CodeBuild's own YAML_FILE_ERROR text for a YAML mistake, where its wording is known."""
    try:
        loader = LOADERS["strings"](text)
    except yaml.YAMLError:  # unprintable characters: no CodeBuild wording known
        return None
    try:
        loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        for pattern, wording, scanner in _CODEBUILD_YAML:
            if mark is not None and pattern.search(error.problem or ""):
                line = mark.line + 1 if scanner else max(mark.line, 1)
                return f"YAML_FILE_ERROR Message: {wording} at line {line}"
    except Exception:  # anything else: no CodeBuild wording to offer
        return None
    finally:
        loader.dispose()
    return None


def _plain(value: Any, path: tuple[Any, ...], found: list[Finding], depth: int = 0) -> Any:
    """Copy ``value`` into JSON-like data, reporting keys that are not strings."""
    if depth > MAX_DEPTH:
        found.append(INVALID_VALUE.at(dotted(path) or "buildspec",
                                      f"nested more than {MAX_DEPTH} levels deep"))
        return None
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                found.append(INVALID_VALUE.at(dotted(path) or "buildspec",
                                              f"key {_short(key)} must be a string"))
                key = str(key)
            out[key] = _plain(item, (*path, key), found, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, (*path, i), found, depth + 1) for i, item in enumerate(value)]
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------
# Rules


@cache
def schema() -> dict[str, Any]:
    """The buildspec JSON Schema shipped in ``cicd_check/data``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


class _Where:
    """Lines for paths: from the document when there is text, none for a mapping."""

    def __init__(self, document: Document | None):
        self.document = document

    def __call__(self, path: tuple[Any, ...]) -> int | None:
        return self.document.line(path) if self.document else None


def _is_command(path: tuple[Any, ...]) -> bool:
    return (len(path) == 4 and path[0] == "phases" and path[2] in ("commands", "finally")
            and isinstance(path[3], int))


def _command_finding(error: jsonschema.ValidationError, path: tuple[Any, ...],
                     line: int | None) -> Finding:
    field = dotted(path)
    shape = "a mapping" if isinstance(error.instance, dict) else "a list"
    problem = (f"must be a command string, but YAML reads it as {shape}: quote a command "
               "that contains ': ' or starts with a YAML symbol")
    if isinstance(error.instance, dict) and path[2] == "commands" and line:
        problem += (f"; CodeBuild fails the build with YAML_FILE_ERROR Message: Expected "
                    f"Commands[{path[3]}] to be of string type: found subkeys instead at line "
                    f"{line}, value of the key tag on line {line - 1} might be empty")
    return COMMAND_NOT_STRING.at(field, problem, line=line)


def _schema_findings(error: jsonschema.ValidationError, where: _Where) -> list[Finding]:
    """One schema error as findings naming the key path, the rule and the line."""
    path = tuple(error.absolute_path)
    field = dotted(path) or "buildspec"
    message = error.schema.get("x-rule") if isinstance(error.schema, dict) else None
    instance = error.instance
    if error.validator == "required":
        return [MISSING_KEY.at(dotted((*path, name)), "required key is missing",
                               line=where(path))
                for name in error.validator_value
                if isinstance(instance, dict) and name not in instance]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        found = []
        for key in instance:
            if key in allowed:
                continue
            key_path = (*path, key)
            if key == "runtime-versions":
                found.append(RUNTIME_OUTSIDE_INSTALL.at(
                    dotted(key_path), "allowed only in the install phase", line=where(key_path)))
                continue
            close = close_match(key, allowed)
            hint = f" (did you mean {close!r}?)" if close else f"; allowed: {', '.join(allowed)}"
            found.append(UNKNOWN_KEY.at(dotted(key_path), f"unknown key{hint}",
                                        line=where(key_path)))
        return found
    if "propertyNames" in error.absolute_schema_path:  # the key itself breaks the rule
        return [INVALID_VALUE.at(field, f"key {_short(instance)} {message or 'is not allowed'}",
                                 line=where((*path, instance)))]
    if error.validator == "type" and _is_command(path) and isinstance(instance, dict | list):
        return [_command_finding(error, path, where(path))]
    if message:
        text = message if isinstance(instance, dict | list) and error.validator == "type" \
            else f"{_short(instance)} {message}"
        return [INVALID_VALUE.at(field, text, line=where(path))]
    return [INVALID_VALUE.at(field, error.message[:200], line=where(path))]


def _phases(data: Mapping[str, Any]) -> dict[str, Any]:
    phases = data.get("phases")
    return dict(phases) if isinstance(phases, Mapping) else {}


def _empty_phase_findings(data: dict[str, Any], where: _Where) -> list[Finding]:
    """Phases and commands keys with no value: warned about, then read as empty.

    The strings loader reads a key with no value as ``""``, a parsed mapping has ``None``.
    """
    found = []
    phases = data.get("phases")
    if not isinstance(phases, dict):
        return found
    for name, phase in list(phases.items()):
        if phase in (None, "") and name in PHASES:
            found.append(EMPTY_COMMANDS.at(f"phases.{name}", "has no value: nothing runs in "
                                           "this phase", line=where(("phases", name))))
            phases[name] = {}
        elif isinstance(phase, dict):
            for key in ("commands", "finally"):
                if key in phase and phase[key] in (None, ""):
                    found.append(EMPTY_COMMANDS.at(
                        f"phases.{name}.{key}", "has no value: no command runs here",
                        line=where(("phases", name, key))))
                    phase[key] = []
    return found


def _structure_findings(data: Mapping[str, Any], where: _Where) -> list[Finding]:
    found = []
    if "phases" not in data and "batch" not in data:
        found.append(MISSING_KEY.at("phases", "required key is missing (only a batch buildspec "
                                    "may leave it out)", line=where(())))
    version = str(data.get("version"))
    if version == "0.2" and "environment_variables" in data:
        found.append(VERSION_KEYS.at(
            "environment_variables", "renamed to env in version 0.2 (plaintext is variables)",
            line=where(("environment_variables",))))
    if version == "0.1" and "env" in data:
        found.append(VERSION_KEYS.at(
            "env", "needs version 0.2 (version 0.1 uses environment_variables.plaintext)",
            line=where(("env",))))
    batch = data.get("batch")
    used = [kind for kind in BATCH_TYPES if isinstance(batch, Mapping) and kind in batch]
    if len(used) > 1:
        found.append(SEVERAL_BATCH_TYPES.at("batch", f"use one batch type, not "
                                            f"{' and '.join(used)}", line=where(("batch",))))
    return found


def _regex_probes(pattern: str) -> list[str]:
    """Texts that make a backtracking pattern explode: its own letters and words, repeated."""
    words = sorted({c for c in pattern if c.isalnum()} | set(re.findall(r"\w{2,}", pattern)))
    return ["Error while executing command: npm test. Reason: exit status 1",
            *(word * (40 // len(word) + 1) + "\0" for word in (words[:16] or ["a"]))]


def retry_regex_problem(pattern: str) -> tuple[str, str] | None:
    """("compile", reason) or ("slow", reason) for a RETRY regex, None when it is usable."""
    try:
        compiled = regex.compile(pattern)
    except (regex.error, OverflowError, ValueError, RecursionError) as error:
        return "compile", f"regex {_short(pattern)} does not compile: {error}"
    for probe in _regex_probes(pattern):
        try:
            compiled.search(probe, timeout=REGEX_PROBE_SECONDS)
        except TimeoutError:
            return "slow", (f"regex {_short(pattern)} backtracks catastrophically: matching "
                            f"{probe[:12]!r}... took over {REGEX_PROBE_SECONDS:g} s")
    return None


def _phase_findings(data: Mapping[str, Any], where: _Where) -> list[Finding]:
    """on-failure regexes, runtime names and 0.1 shells, phase by phase."""
    found = []
    separate_warned = False
    for name, phase in _phases(data).items():
        if not isinstance(phase, Mapping):
            continue
        value = phase.get("on-failure")
        match = re.fullmatch(RETRY, value, re.DOTALL) if isinstance(value, str) else None
        pattern = match and (match.group(2) or match.group(3))
        if pattern:
            problem = retry_regex_problem(pattern)
            path = ("phases", name, "on-failure")
            if problem:
                kind = BAD_RETRY_REGEX if problem[0] == "compile" else SLOW_RETRY_REGEX
                found.append(kind.at(dotted(path), problem[1], line=where(path)))
        runtimes = phase.get("runtime-versions")
        for runtime in runtimes if isinstance(runtimes, Mapping) else ():
            if str(runtime) not in RUNTIMES:
                path = ("phases", name, "runtime-versions", runtime)
                found.append(UNKNOWN_RUNTIME.at(
                    dotted(path), f"no current CodeBuild image has this runtime; CodeBuild's "
                    f"images fail the build with YAML_FILE_ERROR: Unknown runtime named "
                    f"'{runtime}'. This build image has the following runtimes: "
                    f"{CURRENT_RUNTIMES}", line=where(path)))
        if str(data.get("version")) == "0.1" and not separate_warned:
            commands = phase.get("commands")
            for index, command in enumerate(commands if isinstance(commands, list) else ()):
                last = index == len(commands) - 1
                if isinstance(command, str) and _SHELL_STATE.search(command) \
                        and not last:
                    path = ("phases", name, "commands", index)
                    word = _SHELL_STATE.search(command).group(1)  # type: ignore[union-attr]
                    found.append(SEPARATE_SHELLS.at(
                        dotted(path), f"version 0.1 runs each command in its own shell: this "
                        f"{word} is forgotten by the next command", line=where(path)))
                    separate_warned = True
                    break
    return found


def _findings(source: Any) -> list[Finding]:
    """Every finding (errors and warnings) for YAML text or a parsed mapping."""
    document: Document | None = None
    if isinstance(source, str):
        try:
            document = load_document(source, flavor="strings", what="buildspec",
                                     max_chars=MAX_SOURCE_CHARS)
        except YamlError as error:
            problem = str(error).removeprefix("buildspec: ")
            codebuild = codebuild_yaml_error(source) if len(source) <= MAX_SOURCE_CHARS else None
            if codebuild:
                problem += f"; CodeBuild fails the build with {codebuild}"
            return [INVALID_YAML.at("buildspec", problem, line=getattr(error, "line", None))]
        data = document.data
    elif isinstance(source, Mapping):
        data = source
    else:
        return [INVALID_YAML.at("buildspec", f"expected YAML text or a mapping, got "
                                f"{type(source).__name__}")]
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else type(data).__name__
        return [INVALID_YAML.at("buildspec", f"the top level must be a mapping of keys, got "
                                f"{kind}", line=1 if document else None)]
    where = _Where(document)
    found: list[Finding] = duplicate_findings(document, DUPLICATE_KEY) if document else []
    plain = _plain(data, (), found)
    found += _empty_phase_findings(plain, where)
    for error in _validator().iter_errors(plain):
        found += _schema_findings(error, where)
    found += _structure_findings(plain, where) + _phase_findings(plain, where)
    return _unique(found)


def _unique(found: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for finding in sorted(found, key=lambda f: (f.line or 0, f.field, str(f))):
        if (finding.id, str(finding)) not in seen:
            seen.add((finding.id, str(finding)))
            out.append(finding)
    return out


# ---------------------------------------------------------------------------------------
# Public functions


def check_text(text: str, *, file: str = "<text>", on: dt.date | None = None) -> list[Finding]:
    """Every finding in a buildspec's text, errors and warnings, each with its line."""
    return [finding.located(file=file) for finding in _findings(text)]


# --8<-- [start:validate]
def validate_buildspec(source: str | Mapping[str, Any]) -> list[Finding]:
    """The buildspec's errors, one finding per broken rule; ``[]`` when CodeBuild accepts it.

    ``source`` is YAML text or an already parsed mapping. Nothing raises on bad input:
    unparseable YAML, a top level that is not a mapping and a missing version are findings.
    Warnings (duplicate keys, empty commands) are left out: see :func:`check_text`.
    """
    return errors(_findings(source))
# --8<-- [end:validate]


def load_buildspec(source: str | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and validate; raise ``ValueError`` listing the errors if CodeBuild would refuse it.

    The result is plain data, with phases and commands that had no value read as empty.
    """
    problems = validate_buildspec(source)
    if problems:
        raise ValueError("invalid buildspec: " + "; ".join(problems))
    data = parse_buildspec(source) if isinstance(source, str) else source
    plain = _plain(data, (), [])
    _empty_phase_findings(plain, _Where(None))
    return plain  # type: ignore[no-any-return]
