"""The ``cicd-check`` command: find what each file is, run every check that applies.

::

    cicd-check [PATH ...] [--kind KIND] [--format text|json|github] [--ignore ID]
               [--strict] [--date YYYY-MM-DD] [--verbose]
    cicd-check run BUILDSPEC ...        run a buildspec's commands on this machine
    cicd-check schedule CONFIG          the traffic schedule of a deployment configuration
    cicd-check url-auth ...             who may call a function URL, and what is missing
    cicd-check rule ID                  a rule's documentation

Exit 0 when no errors were found (warnings fail only with ``--strict``), 1 when errors
were found, 2 when the input or the command line is unusable. Never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cicd_check import kinds, output
from cicd_check.contract import OneLineParser, UnusableInput, read_text
from cicd_check.documents import field_positions, ignored
from cicd_check.findings import RULES, Finding, ordered

PROG = "cicd-check"
# Subcommands that are not file checks: module defining configure(parser) and command(args).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("cicd_check.runner", "run a buildspec's commands on THIS machine, as CodeBuild would"),
    "schedule": ("cicd_check.traffic", "print the traffic schedule of a deployment config"),
    "url-auth": ("cicd_check.url_auth", "explain who may call a function URL (--fix: what to add)"),
}
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
             ".aws-sam", "cdk.out", ".terraform", "site", ".mypy_cache", ".ruff_cache"}
MAX_FILES = 20_000


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _ids(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def check_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description="Check CodeBuild buildspecs, CodeDeploy AppSpecs, CodePipeline "
        "declarations, CloudFormation and SAM templates and Lambda Dockerfiles offline: no AWS "
        "account, credentials or network needed. Other commands: "
        + "; ".join(f"'{PROG} {name}' ({help_})" for name, (_, help_) in SUBCOMMANDS.items())
        + f"; '{PROG} rule ID' (a rule's documentation).",
        epilog="Exit status: 0 no errors, 1 errors found (or warnings, with --strict), "
        "2 unusable input or command line.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to check (default: the current directory)")
    parser.add_argument("--kind", choices=kinds.KIND_NAMES,
                        help="check every file as this kind instead of telling it by name and "
                        "content")
    parser.add_argument("--format", choices=output.FORMATS, default="text",
                        help="text for people (default), json for scripts, github for "
                        "GitHub Actions annotations")
    parser.add_argument("--ignore", action="append", type=_ids, default=[], metavar="ID",
                        help="ignore these rule ids or prefixes (BS001, BS, comma-separated; "
                        "repeatable); in YAML, '# cicd-check: ignore ID' ignores one line")
    parser.add_argument("--strict", action="store_true", help="warnings fail the run too")
    parser.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="judge date-dependent rules (runtime deprecation) as on this date "
                        "(default: today)")
    parser.add_argument("--verbose", action="store_true",
                        help="also list each file checked, and each file skipped and why")
    parser.add_argument("--skip-unknown", action="store_true",
                        help="skip named files whose kind cannot be told, instead of exit 2 "
                        "(for pre-commit, which passes every file its pattern matches)")
    return parser


def _walk(root: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(directory, name)
            if kinds.kind_by_name(path) or name.lower().endswith(kinds.DATA_SUFFIXES):
                found.append(path)
            if len(found) > MAX_FILES:
                raise UnusableInput(f"{root}: more than {MAX_FILES:,} files to check; "
                                    "name a smaller directory")
    return found


def _with_positions(found: list[Finding], text: str, kind: str) -> list[Finding]:
    """Fill in the column (and the line, where a checker had none) from the finding's field."""
    if kind == "dockerfile" or all(f.column is not None for f in found):
        return found
    positions = field_positions(text)
    placed = []
    for finding in found:
        where = positions.get(finding.field)
        if where and finding.column is None and finding.line in (None, where[0]):
            finding = finding.located(line=where[0], column=where[1])
        placed.append(finding)
    return placed


def _is_ignored(finding: Finding, ignore: Sequence[str], inline: dict[int, frozenset[str]]
                ) -> bool:
    if any(finding.id.startswith(prefix) for prefix in ignore):
        return True
    ids = inline.get(finding.line or 0, frozenset())
    return "*" in ids or finding.id in ids


def check_paths(paths: Sequence[str], *, kind: str | None = None, on: dt.date | None = None,
                ignore: Sequence[str] = (), skip_unknown: bool = False,
                ) -> tuple[list[Finding], list[tuple[str, str]], list[tuple[str, str]],
                           list[str]]:
    """Check files and directories: (findings, checked, skipped, unusable-input messages)."""
    findings: list[Finding] = []
    checked: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    unusable: list[str] = []
    targets: list[tuple[Path, bool]] = []  # (path, named on the command line)
    for name in paths:
        path = Path(name)
        if path.is_dir():
            try:
                targets += [(found, False) for found in _walk(path, skipped)]
            except UnusableInput as error:
                unusable.append(str(error))
        else:
            targets.append((path, True))
    for path, named in targets:
        shown = str(path)
        try:
            text = read_text(path, what="file to check")
        except UnusableInput as error:
            if named or kind or kinds.kind_by_name(path):  # ours by name: never just skipped
                unusable.append(str(error))
            else:
                skipped.append((shown, str(error).split(": ", 1)[-1]))
            continue
        file_kind = kind or kinds.sniff(path, text)
        if file_kind is None:
            if named and not skip_unknown:
                unusable.append(f"{shown}: cannot tell what kind of file this is; name it with "
                                f"--kind ({'|'.join(kinds.KIND_NAMES)})")
            else:
                skipped.append((shown, "not a kind cicd-check checks"))
            continue
        try:
            found = kinds.checker(file_kind)(text, file=shown, on=on)
        except UnusableInput as error:
            unusable.append(str(error))
            continue
        except Exception as error:  # a checker bug must never become a traceback
            unusable.append(f"{shown}: cicd-check failed on this file ({type(error).__name__}: "
                            f"{str(error)[:200]}); please report it")
            continue
        checked.append((shown, file_kind))
        found = _with_positions(found, text, file_kind)
        inline = ignored(text)
        findings += [f.located(file=shown) for f in found if not _is_ignored(f, ignore, inline)]
    return ordered(findings), checked, skipped, unusable


def _rule_command(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog=f"{PROG} rule", description="Print a rule's documentation.")
    parser.add_argument("id", help="a rule id, for example BS001 (or 'all' to list them)")
    args = parser.parse_args(argv)
    _load_all_rules()
    if args.id.lower() == "all":
        for rule in sorted(RULES.values(), key=lambda r: r.id):
            print(f"{rule.id}  {rule.severity.value:<7}  {rule.name}: {rule.summary}")
        return 0
    rule = RULES.get(args.id.upper())
    if rule is None:
        print(f"error: no rule {args.id!r} (see '{PROG} rule all')", file=sys.stderr)
        return 2
    print(f"{rule.id} ({rule.name}, {rule.severity.value})\n\n{rule.summary}\n\nFix: {rule.fix}"
          f"\n\nAWS: {rule.source}\nDocs: {rule.url}")
    return 0


def _load_all_rules() -> None:
    for module in kinds.CHECKERS.values():
        importlib.import_module(module)


def _silence_stdout() -> None:
    """The reader closed the pipe (``cicd-check . | head``): drop the rest quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _check_command(args_list: Sequence[str]) -> int:
    args = check_parser().parse_args(args_list)
    ignore = [item for group in args.ignore for item in group]
    findings, checked, skipped, unusable = check_paths(
        args.paths, kind=args.kind, on=args.date, ignore=ignore, skip_unknown=args.skip_unknown)
    for message in unusable:
        print(f"error: {message}", file=sys.stderr)
    failing = [f for f in findings if f.is_error or args.strict]
    status = 2 if unusable else 1 if failing else 0
    try:
        output.WRITERS[args.format](findings, checked, skipped, sys.stdout, verbose=args.verbose)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cicd-check``; the exit status (0, 1 or 2)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] == "rule":
            return _rule_command(args_list[1:])
        if args_list and args_list[0] in SUBCOMMANDS:
            module_name, help_text = SUBCOMMANDS[args_list[0]]
            module = importlib.import_module(module_name)
            parser = OneLineParser(prog=f"{PROG} {args_list[0]}", description=help_text)
            module.configure(parser)
            return int(module.command(parser.parse_args(args_list[1:])))
        return _check_command(args_list)
    except UnusableInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SystemExit as stop:  # argparse: --help (0) or a one-line usage error (2)
        return stop.code if isinstance(stop.code, int) else 2
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130
