"""CodePipeline declarations, checked as CodePipeline would before it runs anything.

Reads what ``aws codepipeline get-pipeline`` prints, ``create-pipeline`` / ``update-pipeline``
input (JSON or YAML, ``{"pipeline": {...}}`` or the bare declaration) and the
``AWS::CodePipeline::Pipeline`` resources of CloudFormation templates. Two layers of rules:
the API's shape (names, patterns, lengths, enums: :mod:`cicd_check.pipeline_model` reads them
from botocore), and the structure rules the service enforces on top of it (stages, providers,
artifacts, namespaces, V2-only features), each with the error text AWS prints where one is
known. :func:`execution_plan` orders the actions of a valid pipeline into the steps that run
together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cicd_check.documents import Document, close_match, duplicate_findings, load_document
from cicd_check.findings import ERROR, WARNING, Finding, Rule, dotted, errors, rule
from cicd_check.pipeline_model import (
    UNKNOWN,
    WRAPPER_KEYS,
    Path,
    aws_providers,
    check_shape,
    declaration_shape,
    is_wrapped,
    render,
    unwrap,
)
from cicd_check.pipeline_template import RESOURCE_TYPE
from cicd_check.pipeline_template import declaration as template_declaration
from cicd_check.safe_yaml import YamlError

PAGE = "pipeline"
DOCS = "https://docs.aws.amazon.com/codepipeline/latest"
STRUCTURE = f"{DOCS}/userguide/reference-pipeline-structure.html"
DECLARATION = f"{DOCS}/APIReference/API_PipelineDeclaration.html"
PROVIDERS = f"{DOCS}/userguide/actions-valid-providers.html"
ARTIFACT_COUNTS = f"{DOCS}/userguide/reference-action-artifacts.html"
ARTIFACTS = f"{DOCS}/userguide/welcome-introducing-artifacts.html"
VARIABLES = f"{DOCS}/userguide/reference-variables.html"
PIPELINE_TYPES = f"{DOCS}/userguide/pipeline-types.html"
TRIGGERS = f"{DOCS}/userguide/pipelines-filter.html"
COMMANDS_PAGE = f"{DOCS}/userguide/action-reference-Commands.html"
APPROVALS = f"{DOCS}/userguide/approvals.html"
STORE = f"{DOCS}/APIReference/API_ArtifactStore.html"
OPSWORKS = "https://docs.aws.amazon.com/opsworks/latest/APIReference/Welcome.html"
CLI_INPUT = "https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-skeleton.html"

SYNTAX = rule(
    "CP001", "invalid-syntax", ERROR, "The file is not valid JSON or YAML, so the AWS CLI "
    "cannot read it.", fix="fix the syntax at the line shown (a trailing comma, a missing "
    "quote or bracket)", source=CLI_INPUT, page=PAGE)
DUPLICATE_KEY = rule(
    "CP002", "duplicate-key", WARNING, "A key appears twice in one object; only the last "
    "value is used.", fix="keep one of the two keys", source=CLI_INPUT, page=PAGE)
UNKNOWN_FIELD = rule(
    "CP003", "unknown-parameter", ERROR, "A key that CodePipeline's API does not have.",
    fix="remove the key or correct its spelling (names are case-sensitive camelCase)",
    source=DECLARATION, page=PAGE)
MISSING_FIELD = rule(
    "CP004", "missing-parameter", ERROR, "A required key is missing.",
    fix="add the missing key", source=DECLARATION, page=PAGE)
WRONG_TYPE = rule(
    "CP005", "wrong-type", ERROR, "A value of the wrong type (a string where a number goes, "
    "a list where an object goes).", fix="write the value with the type the API expects "
    "(configuration values are strings: \"false\", not false)", source=DECLARATION, page=PAGE)
INVALID_VALUE = rule(
    "CP006", "invalid-value", ERROR, "A value outside the pattern, length, range or set of "
    "values in CodePipeline's API model.", fix="use a value the constraint allows",
    source=DECLARATION, page=PAGE)
STAGE_COUNT = rule(
    "CP010", "too-few-stages", ERROR, "A pipeline needs at least two stages, and every "
    "stage at least one action.", fix="add a stage (a source stage and at least one more)",
    source=STRUCTURE, page=PAGE)
SOURCE_PLACEMENT = rule(
    "CP011", "source-not-first", ERROR, "The first stage holds only source actions, and "
    "source actions appear in no other stage.", fix="move source actions to the first stage "
    "and every other action out of it", source=STRUCTURE, page=PAGE)
DUPLICATE_NAME = rule(
    "CP012", "duplicate-name", ERROR, "Two stages with one name, or two actions with one name "
    "in the same stage.", fix="rename one of them", source=STRUCTURE, page=PAGE)
UNKNOWN_PROVIDER = rule(
    "CP013", "unknown-provider", ERROR, "An AWS-owned action whose provider does not exist "
    "in its category.", fix="use a provider the category has (see the table of valid "
    "providers), or owner ThirdParty/Custom for other actions", source=PROVIDERS, page=PAGE)
RETIRED_PROVIDER = rule(
    "CP014", "retired-provider", ERROR, "An action provider AWS has retired.",
    fix="replace the action with a provider that still exists (CodeDeploy, for example)",
    source=OPSWORKS, page=PAGE)
COMMANDS = rule(
    "CP015", "commands-need-compute", ERROR, "The Commands action exists only in the Compute "
    "category, and only Compute actions take commands, outputVariables or output artifact "
    "files.", fix="give the Commands action category Compute, or move the commands into a "
    "Commands action", source=COMMANDS_PAGE, page=PAGE)
ARTIFACT_COUNT = rule(
    "CP016", "artifact-count", ERROR, "An action with fewer or more input or output "
    "artifacts than its action type takes.", fix="give the action the number of artifacts "
    "its type takes", source=ARTIFACT_COUNTS, page=PAGE)
INPUT_NOT_PRODUCED = rule(
    "CP020", "input-not-produced", ERROR, "An input artifact that no action running earlier "
    "outputs.", fix="name the output artifact of an earlier action (an earlier stage, or this "
    "stage at a lower runOrder)", source=ARTIFACTS, page=PAGE)
DUPLICATE_OUTPUT = rule(
    "CP021", "duplicate-output-artifact", ERROR, "Two actions output artifacts with the same "
    "name.", fix="give every output artifact a name unique in the pipeline",
    source=ARTIFACTS, page=PAGE)
DUPLICATE_NAMESPACE = rule(
    "CP022", "duplicate-namespace", ERROR, "Two actions declare the same variable namespace.",
    fix="give each action's namespace a name unique in the pipeline", source=VARIABLES,
    page=PAGE)
V2_ONLY = rule(
    "CP030", "needs-v2", ERROR, "A V1 pipeline uses a feature only V2 pipelines have "
    "(triggers, variables, QUEUED or PARALLEL mode, stage conditions, approval timeouts, "
    "V2-only actions).", fix="set pipelineType to V2 (the console creates only V2 pipelines "
    "now), or remove the feature", source=PIPELINE_TYPES, page=PAGE)
TRIGGER_SOURCE = rule(
    "CP031", "trigger-source", ERROR, "A trigger must name a CodeStarSourceConnection source "
    "action, at most one trigger per source action.", fix="point sourceActionName at a "
    "CodeStarSourceConnection source action, one trigger each", source=TRIGGERS, page=PAGE)
TIMEOUT = rule(
    "CP032", "timeout-not-approval", ERROR, "timeoutInMinutes set on an action that is not a "
    "manual approval.", fix="remove timeoutInMinutes (only manual approval actions take it)",
    source=APPROVALS, page=PAGE)
ARTIFACT_STORE = rule(
    "CP033", "artifact-store", ERROR, "A pipeline has exactly one of artifactStore and "
    "artifactStores, and with artifactStores a store in every Region an action runs in.",
    fix="keep one of artifactStore (one Region) or artifactStores (one per Region)",
    source=STORE, page=PAGE)

SHAPE_RULES = {"unknown": UNKNOWN_FIELD, "missing": MISSING_FIELD, "type": WRONG_TYPE,
               "value": INVALID_VALUE}
Locate = Callable[[Path], tuple[str, int | None, int | None]]


def _plain(path: Path) -> tuple[str, int | None, int | None]:
    return dotted(path) or "pipeline", None, None


class _Report:
    """Collects findings; ``prefix`` is where the declaration sits in the file."""

    def __init__(self, locate: Locate, prefix: Path, template: bool) -> None:
        self.locate, self.prefix, self.template = locate, prefix, template
        self.found: list[Finding] = []

    def add(self, rule_: Rule, path: Path, problem: str) -> None:
        field, line, column = self.locate((*self.prefix, *path))
        self.found.append(rule_.at(field, problem, line=line, column=column))


def _is_known(value: Any) -> bool:
    return value is not UNKNOWN


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class _Action:
    """An action well-formed enough to reason about, with where it sits."""

    path: Path
    stage: str
    first_stage: bool
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        return _text(self.data.get("name")) or f"#{self.path[-1] + 1}"

    def type_field(self, field: str) -> str | None:
        type_id = self.data.get("actionTypeId")
        return _text(type_id.get(field)) if isinstance(type_id, Mapping) else None

    @property
    def where(self) -> str:
        return f"stage {self.stage!r}, action {self.name!r}"


def _stages(declaration: Mapping[str, Any]) -> tuple[list[tuple[int, Mapping[str, Any]]], bool]:
    """(index, stage) for each stage that is an object; and whether all of them are known."""
    stages = declaration.get("stages")
    if not isinstance(stages, list):
        return [], False
    known = [(index, stage) for index, stage in enumerate(stages) if isinstance(stage, Mapping)]
    return known, len(known) == len(stages)


def _actions(declaration: Mapping[str, Any]) -> tuple[list[_Action], bool]:
    """Every action that is an object, in order; and whether everything was known."""
    stages, complete = _stages(declaration)
    found = []
    for index, stage in stages:
        actions = stage.get("actions")
        if not isinstance(actions, list):
            complete = False
            continue
        name = _text(stage.get("name")) or f"#{index + 1}"
        for number, action in enumerate(actions):
            if isinstance(action, Mapping):
                found.append(_Action(("stages", index, "actions", number), name, index == 0,
                                     action))
            else:
                complete = False
    return found, complete


# --8<-- [start:validate]
def validate_pipeline(declaration: Any) -> list[Finding]:
    """The errors CodePipeline would refuse ``declaration`` for; ``[]`` when it is valid.

    Accepts a bare declaration or get-pipeline / create-pipeline JSON (the declaration
    under ``pipeline``). Each error is a finding whose ``str()`` names the field and the
    problem; a mistyped field is an error in the list, never an exception.
    """
    return errors(pipeline_findings(declaration))
# --8<-- [end:validate]


def pipeline_findings(declaration: Any, *, locate: Locate = _plain, template: bool = False,
                      on: dt.date | None = None) -> list[Finding]:
    """Every finding (errors and warnings) for a declaration, get-pipeline output or wrapper.

    ``template`` means the declaration came from a CloudFormation resource: cfn-lint owns
    the template's schema there, so only value constraints and structure rules apply.
    """
    wrapped = is_wrapped(declaration)
    report = _Report(locate, ("pipeline",) if wrapped else (), template)
    if wrapped:
        for key in declaration:
            if key not in WRAPPER_KEYS:
                field, line, column = locate((key,))
                hint = close_match(str(key), ["pipeline"])
                report.found.append(UNKNOWN_FIELD.at(field, f"unknown parameter {render(key)} "
                                    "next to 'pipeline'" + (f"; did you mean {hint!r}?"
                                                            if hint else ""), line=line,
                                    column=column))
    body = unwrap(declaration)
    _check_model(body, report)
    if isinstance(body, Mapping):
        _check_structure(body, report, on or dt.date.today())
    return report.found


def _check_model(body: Any, report: _Report) -> None:
    shape = declaration_shape()
    for problem in check_shape(body, shape):
        if report.template and problem.kind != "value":
            continue  # cfn-lint checks the template's property names and types
        message = problem.message
        if problem.kind == "unknown":
            parent = _member_names(shape, problem.path[:-1])
            hint = close_match(str(problem.path[-1]), parent) if parent else None
            if hint:
                message = f"{message}; did you mean {hint!r}?"
        report.add(SHAPE_RULES[problem.kind], problem.path, message)


def _member_names(shape: Any, path: Path) -> list[str]:
    """The keys the model allows at ``path`` (for the near-miss hint)."""
    for part in path:
        if shape.type_name == "structure" and part in shape.members:
            shape = shape.members[part]
        elif shape.type_name == "list" and isinstance(part, int):
            shape = shape.member
        elif shape.type_name == "map":
            shape = shape.value
        else:
            return []
    return list(shape.members) if shape.type_name == "structure" else []


def _check_structure(body: Mapping[str, Any], report: _Report, on: dt.date) -> None:
    actions, complete = _actions(body)
    _check_stages(body, report)
    _check_names(body, report)
    for action in actions:
        _check_provider(action, report, on)
        _check_artifact_counts(action, report)
        _check_timeout(action, report)
    _check_artifacts(body, actions, complete, report)
    _check_namespaces(actions, report)
    _check_v2(body, actions, report)
    _check_triggers(body, actions, complete, report)
    _check_stores(body, actions, report)


def _check_stages(body: Mapping[str, Any], report: _Report) -> None:
    stages, complete = _stages(body)
    if isinstance(body.get("stages"), list) and complete and len(stages) < 2:
        report.add(STAGE_COUNT, ("stages",), f"Pipeline has only {len(stages)} stage(s). There "
                   "should be a minimum of 2 stages in a pipeline")
    for index, stage in stages:
        actions = stage.get("actions")
        if isinstance(actions, list) and not actions:
            report.add(STAGE_COUNT, ("stages", index, "actions"),
                       f"stage {render(stage.get('name'))} has no actions; a stage needs at "
                       "least one")
        if not isinstance(actions, list):
            continue
        for number, action in enumerate(actions):
            category = (action.get("actionTypeId") or {}).get("category") if isinstance(
                action, Mapping) and isinstance(action.get("actionTypeId"), Mapping) else None
            if not isinstance(category, str):
                continue
            path = ("stages", index, "actions", number, "actionTypeId", "category")
            name = render(action.get("name"))
            if index == 0 and category != "Source":
                report.add(SOURCE_PLACEMENT, path, f"action {name} is a {category} action in "
                           "the first stage: Pipeline should start with a stage that only "
                           "contains source actions")
            elif index > 0 and category == "Source":
                report.add(SOURCE_PLACEMENT, path, f"action {name} is a Source action in stage "
                           f"{render(stage.get('name'))}: source actions belong only in the "
                           "first stage")


def _check_names(body: Mapping[str, Any], report: _Report) -> None:
    stages, _ = _stages(body)
    seen_stages: dict[str, int] = {}
    for index, stage in stages:
        name = _text(stage.get("name"))
        if name is not None:
            if name in seen_stages:
                report.add(DUPLICATE_NAME, ("stages", index, "name"),
                           f"stage name {name!r} is also stage #{seen_stages[name] + 1}'s; "
                           "stage names must be unique in a pipeline")
            seen_stages.setdefault(name, index)
        actions = stage.get("actions")
        seen: dict[str, int] = {}
        for number, action in enumerate(actions if isinstance(actions, list) else []):
            action_name = _text(action.get("name")) if isinstance(action, Mapping) else None
            if action_name is None:
                continue
            if action_name in seen:
                report.add(DUPLICATE_NAME, ("stages", index, "actions", number, "name"),
                           f"action name {action_name!r} is used twice in stage "
                           f"{render(name)}; action names must be unique in a stage")
            seen.setdefault(action_name, number)


def _check_provider(action: _Action, report: _Report, on: dt.date) -> None:
    category, owner = action.type_field("category"), action.type_field("owner")
    provider, version = action.type_field("provider"), action.type_field("version")
    type_path = (*action.path, "actionTypeId", "provider")
    table = aws_providers()
    if owner == "AWS" and provider == "Commands" and category and category != "Compute":
        report.add(COMMANDS, (*action.path, "actionTypeId", "category"),
                   f"the Commands action has category Compute, not {category!r} "
                   f"({action.where})")
    elif owner == "AWS" and category in table and provider and provider not in table[category]:
        valid = sorted(name for name, facts in table[category].items()
                       if not facts.get("retired"))
        hint = close_match(provider, valid)
        report.add(UNKNOWN_PROVIDER, type_path,
                   f"ActionType (Category: '{category}', Provider: '{provider}', Owner: 'AWS', "
                   f"Version: '{version}') in action '{action.name}' is not available"
                   + (f"; did you mean {hint!r}?" if hint else "")
                   + f" (AWS {category} providers: {', '.join(valid)})")
    facts = table.get(category or "", {}).get(provider or "", {}) if owner == "AWS" else {}
    retired = facts.get("retired")
    if retired and on >= dt.date.fromisoformat(retired):
        report.add(RETIRED_PROVIDER, type_path, f"the {provider} provider is retired: "
                   f"{facts['retired_note']} ({action.where})")
    if category and category != "Compute":
        _check_compute_fields(action, report)
    if (category, owner, provider) == ("Compute", "AWS", "Commands") and (
            "commands" not in action.data):
        report.add(COMMANDS, action.path, f"a Commands action needs 'commands', the shell "
                   f"commands it runs ({action.where})")


def _check_compute_fields(action: _Action, report: _Report) -> None:
    """commands, outputVariables and output artifact files belong to Compute actions only.

    AWS words all three the same way, naming the commands field even for ``files``.
    """
    aws = (f"The following action cannot contain a commands field: {action.name}. To use the "
           "commands field, use a compute action.")
    for field in ("commands", "outputVariables"):
        if field in action.data:
            report.add(COMMANDS, (*action.path, field), aws if field == "commands" else
                       f"{field} is for Compute actions only: {aws}")
    outputs = action.data.get("outputArtifacts")
    for index, output in enumerate(outputs if isinstance(outputs, list) else []):
        if isinstance(output, Mapping) and "files" in output:
            report.add(COMMANDS, (*action.path, "outputArtifacts", index, "files"),
                       f"{aws} (output artifact files are for Compute actions only)")


def _artifact_bounds(action: _Action) -> dict[str, list[int]]:
    category, owner = action.type_field("category"), action.type_field("owner")
    provider = action.type_field("provider")
    bounds = dict(_category_bounds().get(category or "", {}))
    if owner == "AWS":
        facts = aws_providers().get(category or "", {}).get(provider or "", {})
        bounds.update({key: facts[key] for key in ("inputs", "outputs") if key in facts})
    return bounds


def _category_bounds() -> dict[str, dict[str, list[int]]]:
    from cicd_check.pipeline_model import actions_table

    return actions_table()["category_artifacts"]  # type: ignore[no-any-return]


def _check_artifact_counts(action: _Action, report: _Report) -> None:
    for key, (kind, label) in (("inputs", ("inputArtifacts", "input")),
                               ("outputs", ("outputArtifacts", "output"))):
        limits = _artifact_bounds(action).get(key)
        value = action.data.get(kind, [])
        if not limits or not isinstance(value, list) or any(v is UNKNOWN for v in value):
            continue
        low, high = limits
        count = len(value)
        path = (*action.path, kind) if kind in action.data else action.path
        if count < low:
            report.add(ARTIFACT_COUNT, path, f"Action {action.name} declares {count} {label} "
                       f"artifacts which is less than the minimum count ({low})")
        elif count > high:
            report.add(ARTIFACT_COUNT, path, f"Action {action.name} declares {count} {label} "
                       f"artifacts which is more than the maximum count ({high})")


def _names(action: _Action, kind: str) -> Iterator[tuple[int, str | None]]:
    """(index, name) of each artifact; name None when it is unknown or malformed."""
    value = action.data.get(kind, [])
    for index, artifact in enumerate(value if isinstance(value, list) else []):
        name = artifact.get("name") if isinstance(artifact, Mapping) else None
        yield index, name if isinstance(name, str) else None


def _run_order(action: _Action) -> int | None:
    order = action.data.get("runOrder", 1)
    return order if isinstance(order, int) and not isinstance(order, bool) else None


def _check_artifacts(body: Mapping[str, Any], actions: list[_Action], complete: bool,
                     report: _Report) -> None:
    """Inputs come from earlier actions; output names are unique in the pipeline."""
    certain = complete and all(
        isinstance(action.data.get(kind, []), list) and _run_order(action) is not None
        and all(name is not None for _, name in _names(action, kind))
        for action in actions for kind in ("inputArtifacts", "outputArtifacts"))
    produced: dict[str, _Action] = {}
    stage_order: list[list[_Action]] = []
    for action in actions:
        if not stage_order or stage_order[-1][0].path[1] != action.path[1]:
            stage_order.append([])
        stage_order[-1].append(action)
    for stage_actions in stage_order:
        for order in sorted({_run_order(a) or 1 for a in stage_actions}):
            batch = [a for a in stage_actions if (_run_order(a) or 1) == order]
            for action in batch if certain else []:
                for index, name in _names(action, "inputArtifacts"):
                    if name is not None and name not in produced:
                        report.add(INPUT_NOT_PRODUCED, (*action.path, "inputArtifacts", index),
                                   _not_produced(name, action, stage_actions))
            for action in batch:
                for index, name in _names(action, "outputArtifacts"):
                    if name is None:
                        continue
                    if name in produced:
                        report.add(DUPLICATE_OUTPUT,
                                   (*action.path, "outputArtifacts", index, "name"),
                                   f"Output Artifact Bundle name must be unique within the "
                                   f"pipeline. {name} has been used more than once. (first "
                                   f"by {produced[name].where})")
                    else:
                        produced[name] = action


def _not_produced(name: str, action: _Action, stage_actions: list[_Action]) -> str:
    later = [other for other in stage_actions
             if any(n == name for _, n in _names(other, "outputArtifacts"))]
    if later:
        return (f"input artifact {name!r} of {action.where} is output by "
                f"{later[0].where}, which does not run before it (same stage, runOrder "
                f"{_run_order(later[0])} is not lower than {_run_order(action)})")
    return (f"input artifact {name!r} of {action.where} is not the output artifact of any "
            "action that runs before it")


def _check_namespaces(actions: list[_Action], report: _Report) -> None:
    seen: dict[str, _Action] = {}
    for action in actions:
        namespace = _text(action.data.get("namespace"))
        if namespace is None:
            continue
        if namespace in seen:
            report.add(DUPLICATE_NAMESPACE, (*action.path, "namespace"),
                       "Namespaces must be unique across the pipeline definition. The following "
                       f"occur more than once in the pipeline. StageName=[{action.stage}], "
                       f"ActionName=[{action.name}], Namespace=[{namespace}] (also "
                       f"{seen[namespace].where})")
        else:
            seen[namespace] = action


def _check_v2(body: Mapping[str, Any], actions: list[_Action], report: _Report) -> None:
    """Only an explicit V1 is judged: since December 2024 CodePipeline creates V2 by default."""
    if body.get("pipelineType") != "V1":
        return
    mode = body.get("executionMode")
    if mode in ("QUEUED", "PARALLEL"):
        report.add(V2_ONLY, ("executionMode",), f"executionMode {mode} needs pipelineType V2 "
                   "(V1 pipelines run SUPERSEDED only)")
    triggers = body.get("triggers")
    if isinstance(triggers, list) and triggers:
        tags = any(_uses_tags(trigger) for trigger in triggers)
        report.add(V2_ONLY, ("triggers",), "Triggers on tag can only be used with V2 pipelines"
                   if tags else "triggers need pipelineType V2")
    variables = body.get("variables")
    if isinstance(variables, list) and variables:
        report.add(V2_ONLY, ("variables",), "pipeline-level variables need pipelineType V2")
    stages, _ = _stages(body)
    for index, stage in stages:
        for key in ("beforeEntry", "onSuccess", "onFailure"):
            if key in stage:
                report.add(V2_ONLY, ("stages", index, key), f"stage {key} (conditions, "
                           "rollback, retry) needs pipelineType V2")
    table = aws_providers()
    for action in actions:
        category, provider = action.type_field("category"), action.type_field("provider")
        facts = table.get(category or "", {}).get(provider or "", {})
        if action.type_field("owner") == "AWS" and facts.get("v2_only"):
            report.add(V2_ONLY, (*action.path, "actionTypeId", "provider"),
                       f"the {category} action {provider} needs pipelineType V2 "
                       f"({action.where})")
        if "timeoutInMinutes" in action.data:
            report.add(V2_ONLY, (*action.path, "timeoutInMinutes"), "an approval timeout "
                       f"needs pipelineType V2; V1 approvals wait 7 days ({action.where})")


def _uses_tags(trigger: Any) -> bool:
    git = trigger.get("gitConfiguration") if isinstance(trigger, Mapping) else None
    filters = git.get("push") if isinstance(git, Mapping) else None
    return isinstance(filters, list) and any(isinstance(f, Mapping) and "tags" in f
                                             for f in filters)


TRIGGER_ERROR = ("Triggers for connection must reference a CodeStarSourceConnection action. "
                 "Note that when you specify a trigger, you cant specify more than one trigger "
                 "per source action.")


def _check_triggers(body: Mapping[str, Any], actions: list[_Action], complete: bool,
                    report: _Report) -> None:
    triggers = body.get("triggers")
    if not isinstance(triggers, list):
        return
    connections = {action.name for action in actions
                   if action.type_field("provider") == "CodeStarSourceConnection"
                   and action.type_field("category") == "Source"}
    known = {action.name for action in actions}
    certain = complete and all(isinstance(a.data.get("name"), str) and a.type_field("provider")
                               for a in actions)
    used: set[str] = set()
    for index, trigger in enumerate(triggers):
        git = trigger.get("gitConfiguration") if isinstance(trigger, Mapping) else None
        source = git.get("sourceActionName") if isinstance(git, Mapping) else None
        if not isinstance(source, str):
            continue
        path = ("triggers", index, "gitConfiguration", "sourceActionName")
        if source in used:
            report.add(TRIGGER_SOURCE, path, f"a second trigger for {source!r}: "
                       f"{TRIGGER_ERROR}")
        elif source in known and source not in connections:
            report.add(TRIGGER_SOURCE, path, f"{source!r} is not a CodeStarSourceConnection "
                       f"source action: {TRIGGER_ERROR}")
        elif source not in known and certain:
            report.add(TRIGGER_SOURCE, path, f"{source!r} is not an action of this pipeline: "
                       f"{TRIGGER_ERROR}")
        used.add(source)


def _check_timeout(action: _Action, report: _Report) -> None:
    if "timeoutInMinutes" not in action.data:
        return
    category, provider = action.type_field("category"), action.type_field("provider")
    if category is None or provider is None:
        return
    if (category, provider) != ("Approval", "Manual"):
        report.add(TIMEOUT, (*action.path, "timeoutInMinutes"), f"timeoutInMinutes is allowed "
                   f"only on manual approval actions, not on {category}/{provider} "
                   f"({action.where})")


def _check_stores(body: Mapping[str, Any], actions: list[_Action], report: _Report) -> None:
    has_one, has_map = "artifactStore" in body, "artifactStores" in body
    if has_one == has_map:
        report.add(ARTIFACT_STORE, ("artifactStores",) if has_map else (),
                   "a pipeline needs exactly one of artifactStore or artifactStores, "
                   f"not {'both' if has_one else 'neither'}")
        return
    stores = body.get("artifactStores")
    if not isinstance(stores, Mapping):
        return
    for action in actions:
        region = _text(action.data.get("region"))
        if region is not None and region not in stores:
            report.add(ARTIFACT_STORE, (*action.path, "region"), f"{action.where} runs in "
                       f"{region}, which has no store in artifactStores "
                       f"({', '.join(map(str, stores))})")


# --8<-- [start:plan]
@dataclass(frozen=True)
class Step:
    """Actions that run together: the same stage and the same runOrder."""

    number: int
    stage: str
    run_order: int
    actions: tuple[str, ...]


def execution_plan(declaration: Any) -> list[Step]:
    """Order the actions of a valid pipeline into steps; raise ValueError if it is invalid."""
    problems = validate_pipeline(declaration)
    if problems:
        raise ValueError("invalid pipeline: " + "; ".join(problems))
    steps: list[Step] = []
    for stage in unwrap(declaration)["stages"]:
        orders: dict[int, list[str]] = {}
        for action in stage["actions"]:
            orders.setdefault(action.get("runOrder", 1), []).append(action["name"])
        for run_order in sorted(orders):
            steps.append(Step(len(steps) + 1, stage["name"], run_order, tuple(orders[run_order])))
    return steps
# --8<-- [end:plan]


def check_text(text: str, *, file: str = "<text>", on: dt.date | None = None) -> list[Finding]:
    """Every finding for a pipeline file: JSON or YAML, get-pipeline output or CLI input."""
    stripped = text.lstrip("\ufeff \t\r\n")
    flavor = "json" if stripped.startswith(("{", "[")) else "yaml12"
    if flavor == "yaml12" and _looks_like_template(text, file):
        return _template_text(text, file, on)
    try:
        document = load_document(text, flavor=flavor, what=file)
    except YamlError as error:
        return [_syntax(error, file)]
    data = document.data
    if _is_template(data):
        return _template_text(text, file, on)
    found = duplicate_findings(document, DUPLICATE_KEY)

    def locate(path: Path) -> tuple[str, int | None, int | None]:
        return (dotted(path) or "pipeline", *document.where(path))

    return found + pipeline_findings(data, locate=locate, on=on)


def _syntax(error: YamlError, file: str) -> Finding:
    message = str(error).removeprefix(f"{file}: ")
    return SYNTAX.at("", message, line=getattr(error, "line", None))


def _is_template(data: Any) -> bool:
    return isinstance(data, Mapping) and "stages" not in data and "pipeline" not in data and (
        "AWSTemplateFormatVersion" in data or isinstance(data.get("Resources"), Mapping))


def _looks_like_template(text: str, file: str) -> bool:
    """A YAML template (``!Ref`` tags and all) given to the pipeline checker."""
    if "Resources" not in text and "AWSTemplateFormatVersion" not in text:
        return False  # neither key a template is told by: no need to parse it twice
    try:
        return _is_template(load_document(text, flavor="cloudformation", what=file).data)
    except YamlError:
        return False


def _template_text(text: str, file: str, on: dt.date | None) -> list[Finding]:
    try:
        document = load_document(text, flavor="cloudformation", what=file)
    except YamlError as error:
        return [_syntax(error, file)]
    return duplicate_findings(document, DUPLICATE_KEY) + template_findings(document, on=on)


def template_findings(document: Document, *, on: dt.date | None = None) -> list[Finding]:
    """Findings for every ``AWS::CodePipeline::Pipeline`` resource in a template.

    Intrinsic functions are unknown values: a rule that would need one stays silent.
    """
    resources = document.data.get("Resources") if isinstance(document.data, Mapping) else None
    if not isinstance(resources, Mapping):
        return []
    found: list[Finding] = []
    for logical, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != RESOURCE_TYPE:
            continue
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        body, paths = template_declaration(properties, ("Resources", logical, "Properties"))
        if body is UNKNOWN:
            continue

        def locate(path: Path, paths: dict[Path, Path] = paths
                   ) -> tuple[str, int | None, int | None]:
            cut = len(path)
            while path[:cut] not in paths:  # () is always there: the resource's Properties
                cut -= 1
            where = (*paths[path[:cut]], *path[cut:])
            return (dotted(where), *document.where(where))

        found += pipeline_findings(body, locate=locate, template=True, on=on)
    return found
