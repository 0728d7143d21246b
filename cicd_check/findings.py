"""Rules and findings: what every checker in ``cicd_check`` reports, and how.

A :class:`Rule` has a stable id (``BS001``: two letters for the kind of file, three
digits; ``ZZ`` is reserved for tests' stand-in rules), a severity, a one-line fix and the
AWS page it comes from. Ids never change meaning once published, as with ruff and cfn-lint.

A :class:`Finding` is one place where a file breaks a rule. It *is* a ``str`` (its
one-line message, ``"<field>: <problem>"``), so a checker's result reads like the list of
problems it always was, and it also carries the rule, the file, the line and the column
for the command-line output.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

DOCS_URL = "https://aws-cicd-handbook.github.io/aws-cicd-handbook/tools/"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True)
class Rule:
    """One rule: an id, what it checks, how to fix a finding, and where AWS says so."""

    id: str
    name: str
    severity: Severity
    summary: str
    fix: str
    source: str
    page: str  # the Tools page that documents it, e.g. "buildspec"

    @property
    def url(self) -> str:
        return f"{DOCS_URL}{self.page}/#{self.id.lower()}"

    def at(self, field: str, problem: str, *, line: int | None = None,
           column: int | None = None, file: str | None = None,
           severity: Severity | None = None) -> Finding:
        """A finding of this rule at ``field`` (a dotted path), ``problem`` in a few words."""
        return Finding(f"{field}: {problem}" if field else problem, rule=self, field=field,
                       line=line, column=column, file=file, severity=severity)


RULES: dict[str, Rule] = {}


def rule(id: str, name: str, severity: Severity, summary: str, *, fix: str, source: str,
         page: str) -> Rule:
    """Register a rule; an id registered twice with another meaning is a programming error."""
    if not (len(id) == 5 and id[:2].isalpha() and id[:2].isupper() and id[2:].isdigit()):
        raise ValueError(f"rule id {id!r} must be two capital letters and three digits")
    new = Rule(id, name, Severity(severity), summary, fix, source, page)
    old = RULES.get(id)
    if old is not None and old != new:
        raise ValueError(f"rule {id} is already registered as {old.name!r}")
    RULES[id] = new
    return new


class Finding(str):
    """One broken rule in one place; ``str(finding)`` is its one-line message."""

    __slots__ = ("column", "field", "file", "line", "rule", "severity")
    rule: Rule
    field: str
    line: int | None
    column: int | None
    file: str | None
    severity: Severity

    def __new__(cls, message: str, *, rule: Rule, field: str = "", line: int | None = None,
                column: int | None = None, file: str | None = None,
                severity: Severity | None = None) -> Finding:
        self = super().__new__(cls, message)
        self.rule = rule
        self.field = field
        self.line = line
        self.column = column
        self.file = file
        self.severity = Severity(severity) if severity else rule.severity
        return self

    def __reduce__(self) -> Any:  # str subclasses with slots need help to pickle (xdist)
        return (_rebuild, (str(self), self.rule.id, self.field, self.line, self.column,
                           self.file, self.severity.value))

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def fix(self) -> str:
        return self.rule.fix

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def located(self, *, file: str | None = None, line: int | None = None,
                column: int | None = None) -> Finding:
        """The same finding with a file, line or column filled in where it had none."""
        return Finding(str(self), rule=self.rule, field=self.field,
                       line=self.line if self.line is not None else line,
                       column=self.column if self.column is not None else column,
                       file=self.file or file, severity=self.severity)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "line": self.line, "column": self.column, "code": self.id,
            "severity": self.severity.value, "field": self.field, "message": str(self),
            "fix": self.fix, "url": self.rule.url,
        }


def _rebuild(message: str, rule_id: str, field: str, line: int | None, column: int | None,
             file: str | None, severity: str) -> Finding:
    return Finding(message, rule=RULES[rule_id], field=field, line=line, column=column,
                   file=file, severity=Severity(severity))


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """Only the errors: what a ``validate_*`` or ``check_*`` function returns."""
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    """Only the warnings: reported, but AWS would still accept the file."""
    return [f for f in findings if f.severity is Severity.WARNING]


def dotted(parts: Sequence[Any]) -> str:
    """``("phases", "build", "commands", 0)`` -> ``"phases.build.commands[0]"``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Stable output order: by file, line, then message; exact repeats dropped."""
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for finding in findings:
        key = (finding.file, finding.line, finding.id, str(finding))
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return sorted(unique, key=lambda f: (f.file or "", f.line or 0, f.column or 0, str(f)))
