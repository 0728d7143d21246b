"""cfn-lint, run from Python, its matches turned into cicd-check findings (CF001, CF002).

cfn-lint checks a template against every resource's schema; cicd-check runs it on the
template as written and, for SAM templates, on what the SAM translator generates. Its
errors are CF001 findings, its warnings CF002 (warnings alone do not fail a run); each
message starts with cfn-lint's own rule id, e.g. ``[E3012]``.

cfn-lint's runtime-deprecation rules (E2531, E2533, W2531) are left out: they judge by
today's clock, and cicd-check's own runtime rule takes ``--date`` instead.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cicd_check.findings import ERROR, WARNING, rule

CFN_LINT_RULES = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md"
REGIONS = ("us-east-1",)
CLOCK_RULES = ("E2531", "E2533", "W2531")  # judged by today's date; see the module docstring
# cfn-lint 1.58 reports some informational hints through an error rule: E3703 carries I1022
# ("Prefer using Fn::Sub over Fn::Join with an empty delimiter") on every CDK Pipelines
# template, which CloudFormation deploys. Such a match is a warning, as the hint is.
INFORMATIONAL_TEXTS = ("Prefer using Fn::Sub over Fn::Join",)
MAX_MESSAGE = 400

CFN_LINT_ERROR = rule(
    "CF001", "cfn-lint-error", ERROR,
    "cfn-lint, AWS's CloudFormation linter, reports an error: the template breaks a resource "
    "schema or a CloudFormation rule, and CloudFormation would reject it or fail to deploy it.",
    fix="fix what cfn-lint's rule (its id starts the message) describes",
    source=CFN_LINT_RULES, page="template",
)
CFN_LINT_WARNING = rule(
    "CF002", "cfn-lint-warning", WARNING,
    "cfn-lint reports a warning: CloudFormation accepts the template, but something in it is "
    "likely not what was meant.",
    fix="review what cfn-lint's rule (its id starts the message) describes",
    source=CFN_LINT_RULES, page="template",
)


@dataclass(frozen=True)
class LintMatch:
    """One cfn-lint match: its rule id, message, path in the template, and line if known."""

    rule_id: str
    message: str
    path: tuple[Any, ...]
    line: int | None
    column: int | None

    @property
    def is_error(self) -> bool:
        return self.rule_id.startswith("E") and not any(
            text in self.message for text in INFORMATIONAL_TEXTS)


def _config() -> Any:
    from cfnlint.api import ManualArgs

    return ManualArgs(regions=list(REGIONS), ignore_checks=list(CLOCK_RULES))


@functools.cache
def _rules() -> Any:
    """cfn-lint's rules, loaded once per process, as cfn-lint's own command line does for many
    files: loading them (every rule module and its schemas) costs about five times as much as
    running them on a template. Each run resets every rule's configuration and state."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(**_config())).rules


_LOCK = threading.Lock()  # the shared rules hold the template being checked while they run


def _lint(text: str) -> list[Any]:
    """``cfnlint.api.lint(text, config=_config())``, with the rules loaded once."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    if errors:
        return list(errors)
    if template is None:
        return []
    with _LOCK:
        return list(run_template_by_data(template, ConfigMixIn(**_config()), _rules()))


def lint_text(text: str) -> list[LintMatch]:
    """cfn-lint's matches on a template's text (lines are the text's)."""
    return [_match(m, with_line=True) for m in _lint(text)]


def lint_data(template: Mapping[str, Any]) -> list[LintMatch]:
    """cfn-lint's matches on parsed template data (no lines: map ``path`` back yourself)."""
    text = json.dumps(template, default=str)
    return [_match(m, with_line=False) for m in _lint(text)]


def _match(match: Any, *, with_line: bool) -> LintMatch:
    path = tuple(getattr(match, "path", None) or ())
    line = match.linenumber if with_line and getattr(match, "linenumber", 0) else None
    column = match.columnnumber if with_line and getattr(match, "columnnumber", 0) else None
    message = " ".join(str(match.message).split())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 3] + "..."
    return LintMatch(str(match.rule.id), message, path, line, column)


def finding(match: LintMatch, *, field: str, line: int | None, column: int | None = None,
            message: str | None = None) -> Any:
    """The CF001 or CF002 finding for a cfn-lint match."""
    kind = CFN_LINT_ERROR if match.is_error else CFN_LINT_WARNING
    return kind.at(field, f"[{match.rule_id}] {message or match.message}", line=line,
                   column=column)


def path_text(path: Sequence[Any]) -> str:
    """``("Resources", "Fn", "Properties", "Runtime")`` -> ``Resources.Fn.Properties.Runtime``."""
    from cicd_check.findings import dotted

    return dotted(list(path))
