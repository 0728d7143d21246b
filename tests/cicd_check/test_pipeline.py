"""cicd_check.pipeline: CodePipeline declarations and pipeline templates, as AWS reads them.

``tests/pipeline/aws_examples/get-pipeline-MyFirstPipeline.json`` is the output printed by the
AWS CLI reference example for ``aws codepipeline get-pipeline``; ``data/pipeline/`` holds
excerpts of real pipeline declarations and templates from AWS's public repositories (each
names its source): the checker must accept what AWS accepts. botocore's model is tested in
test_pipeline_model.py, templates read as declarations in test_pipeline_template.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import execution_plan, validate_pipeline
from cicd_check.documents import load_document
from cicd_check.findings import RULES, errors
from cicd_check.pipeline import Step, check_text, pipeline_findings
from cicd_check.pipeline_model import (
    actions_table,
)
from snippets.pipeline.codepipeline import HANDBOOK_PIPELINE
from tests.cicd_check.support import PIPELINE_BAD_VALUES, ids, value_paths
from tests.support.fuzzing import FUZZ

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = HERE / "data" / "pipeline"
AWS_GET_PIPELINE = REPO / "tests/pipeline/aws_examples/get-pipeline-MyFirstPipeline.json"
ON = dt.date(2026, 12, 1)


def pipeline() -> dict[str, Any]:
    return copy.deepcopy(HANDBOOK_PIPELINE)


# --- AWS's own files ------------------------------------------------------------------------


def test_accepts_get_pipeline_output_from_the_aws_cli_reference() -> None:
    printed = json.loads(AWS_GET_PIPELINE.read_text())
    assert "pipeline" in printed and "stages" not in printed
    assert validate_pipeline(printed) == []
    assert validate_pipeline(printed["pipeline"]) == []
    assert check_text(AWS_GET_PIPELINE.read_text(), file="get-pipeline.json") == []
    assert execution_plan(printed) == [Step(1, "Source", 1, ("Source",)),
                                       Step(2, "Beta", 1, ("CodePipelineDemoFleet",))]


REAL_FILES = sorted(p for p in DATA.glob("*") if p.name != "README.md")


def test_there_are_real_files() -> None:
    assert len(REAL_FILES) >= 4, REAL_FILES


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_that_aws_accepts_have_no_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    sources = (DATA / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(path.name)}` \| https://github\.com/", sources), (
        f"{path.name}: name its source in data/pipeline/README.md")
    findings = check_text(text, file=path.name, on=ON)
    assert errors(findings) == [], "; ".join(findings)


def test_real_templates_are_read_as_pipelines() -> None:
    """A template's pipeline is checked: break one real one and the checker notices."""
    path = DATA / "awsdocs-s3-events-pipeline.yaml"
    text = path.read_text().replace("Provider: CodeDeploy", "Provider: CodeDeplyo", 1)
    (found,) = check_text(text, file=path.name, on=ON)
    assert found.id == "CP013" and "did you mean 'CodeDeploy'?" in found, found


def test_the_handbook_pipeline_and_its_plan() -> None:
    assert pipeline_findings(HANDBOOK_PIPELINE) == []
    assert execution_plan(HANDBOOK_PIPELINE) == [
        Step(1, "Source", 1, ("Source",)), Step(2, "Build", 1, ("BuildSite", "BrowserTests")),
        Step(3, "Release", 1, ("Approve",)), Step(4, "Release", 2, ("DeploySite",))]


def test_execution_plan_rejects_an_invalid_pipeline() -> None:
    with pytest.raises(ValueError, match="Pipeline has only 0 stage"):
        execution_plan({**pipeline(), "stages": []})


def test_missing_run_order_defaults_to_one_and_gaps_are_allowed() -> None:
    declaration_ = pipeline()
    del declaration_["stages"][1]["actions"][1]["runOrder"]
    declaration_["stages"][2]["actions"][1]["runOrder"] = 999
    assert validate_pipeline(declaration_) == []
    assert execution_plan(declaration_)[1].actions == ("BuildSite", "BrowserTests")
    assert execution_plan(declaration_)[3].run_order == 999


def test_input_from_a_lower_run_order_in_the_same_stage_is_fine() -> None:
    declaration_ = pipeline()
    declaration_["stages"][1]["actions"].append({
        "name": "CheckLinks", "runOrder": 2,
        "actionTypeId": {"category": "Test", "owner": "AWS", "provider": "CodeBuild",
                         "version": "1"},
        "inputArtifacts": [{"name": "SiteOutput"}]})
    assert validate_pipeline(declaration_) == []


def test_third_party_and_custom_providers_are_not_judged() -> None:
    declaration_ = pipeline()
    declaration_["stages"][1]["actions"].append({
        "name": "Jenkins", "actionTypeId": {"category": "Build", "owner": "Custom",
                                            "provider": "JenkinsProvider", "version": "1"},
        "inputArtifacts": [{"name": "SourceOutput"}]})
    assert validate_pipeline(declaration_) == []


def test_every_provider_in_the_table_is_accepted() -> None:
    declaration_ = pipeline()
    extra = []
    for category, providers in actions_table()["aws"].items():
        for provider, facts in providers.items():
            if category == "Source" or facts.get("retired"):
                continue
            low = (facts.get("inputs") or [0])[0]
            action = {"name": f"{category}{provider}", "runOrder": 5,
                      "actionTypeId": {"category": category, "owner": "AWS",
                                       "provider": provider, "version": "1"},
                      "inputArtifacts": [{"name": "SourceOutput"}][:low]}
            if provider == "Commands":
                action["commands"] = ["make test"]
            extra.append(action)
    declaration_["stages"].append({"name": "Everything", "actions": extra})
    assert validate_pipeline(declaration_) == []


# --- every rule, broken -----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]
BUILD, TESTS, APPROVE, DEPLOY = (["stages", 1, "actions", 0], ["stages", 1, "actions", 1],
                                 ["stages", 2, "actions", 0], ["stages", 2, "actions", 1])


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(target: dict[str, Any]) -> None:
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path: list[Any]) -> Mutation:
    def mutate(target: dict[str, Any]) -> None:
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


SOURCE_ACTION = copy.deepcopy(HANDBOOK_PIPELINE["stages"][0]["actions"][0])
BROKEN: dict[str, tuple[Mutation, str, str]] = {
    "one stage": (lambda d: d.update(stages=d["stages"][:1]), "CP010",
                  "Pipeline has only 1 stage(s). There should be a minimum of 2 stages"),
    "empty stage": (_set(["stages", 1, "actions"], []), "CP010", "has no actions"),
    "build in first stage": (lambda d: d["stages"][0]["actions"].append(
        {**copy.deepcopy(d["stages"][1]["actions"][1]), "inputArtifacts": []}), "CP011",
        "Pipeline should start with a stage that only contains source actions"),
    "source later": (lambda d: d["stages"][1]["actions"].append(
        {**copy.deepcopy(SOURCE_ACTION), "name": "Source2", "namespace": "S2",
         "outputArtifacts": [{"name": "Other"}]}), "CP011", "belong only in the first stage"),
    "duplicate stage": (_set(["stages", 2, "name"], "Build"), "CP012",
                        "stage names must be unique"),
    "duplicate action": (_set([*TESTS, "name"], "BuildSite"), "CP012",
                         "action names must be unique in a stage"),
    "unknown category": (_set([*BUILD, "actionTypeId", "category"], "Package"), "CP006",
                         "Member must satisfy enum value set: [Source, Build"),
    "lower-case category": (_set([*BUILD, "actionTypeId", "category"], "build"), "CP006",
                            "value 'build' failed to satisfy constraint"),
    "unknown owner": (_set([*BUILD, "actionTypeId", "owner"], "Amazon"), "CP006",
                      "[AWS, ThirdParty, Custom]"),
    "provider of another category": (_set([*BUILD, "actionTypeId", "provider"], "CodeDeploy"),
                                     "CP013", "Provider: 'CodeDeploy', Owner: 'AWS'"),
    "provider with a space": (_set([*DEPLOY, "actionTypeId", "provider"], "Amazon S3"), "CP006",
                              "regular expression pattern: [0-9A-Za-z_-]+"),
    "provider typo": (_set([*DEPLOY, "actionTypeId", "provider"], "S4"), "CP013",
                      "in action 'DeploySite' is not available"),
    "approval provider": (_set([*APPROVE, "actionTypeId", "provider"], "SNS"), "CP013",
                          "(AWS Approval providers: Manual)"),
    "opsworks": (_set([*DEPLOY, "actionTypeId", "provider"], "OpsWorks"), "CP014",
                 "reached end of life on May 26, 2024"),
    "commands in build": (lambda d: d["stages"][1]["actions"][0]["actionTypeId"].update(
        provider="Commands"), "CP015", "the Commands action has category Compute"),
    "commands without commands": (lambda d: d["stages"][1]["actions"][0]["actionTypeId"].update(
        category="Compute", provider="Commands"), "CP015", "needs 'commands'"),
    "commands on codebuild": (_set([*BUILD, "commands"], ["make"]), "CP015",
                              "cannot contain a commands field: BuildSite"),
    "output variables on codebuild": (_set([*BUILD, "outputVariables"], ["X"]), "CP015",
                                      "outputVariables is for Compute actions only"),
    "input never produced": (_set([*DEPLOY, "inputArtifacts"], [{"name": "WebsiteOutput"}]),
                             "CP020", "input artifact 'WebsiteOutput' of stage 'Release', "
                             "action 'DeploySite' is not the output artifact of any action"),
    "input produced in parallel": (_set([*TESTS, "inputArtifacts"], [{"name": "SiteOutput"}]),
                                   "CP020", "which does not run before it"),
    "duplicate output": (_set([*TESTS, "outputArtifacts"], [{"name": "SourceOutput"}]), "CP021",
                         "SourceOutput has been used more than once"),
    "duplicate namespace": (_set([*BUILD, "namespace"], "SourceVariables"), "CP022",
                            "Namespace=[SourceVariables]"),
    "too many inputs": (_set([*DEPLOY, "inputArtifacts"], [{"name": "SiteOutput"},
                                                          {"name": "SourceOutput"}]), "CP016",
                        "declares 2 input artifacts which is more than the maximum count (1)"),
    "source with input": (_set(["stages", 0, "actions", 0, "inputArtifacts"],
                               [{"name": "SiteOutput"}]), "CP016", "maximum count (0)"),
    "runOrder zero": (_set([*DEPLOY, "runOrder"], 0), "CP006", "greater than or equal to 1"),
    "runOrder 1000": (_set([*DEPLOY, "runOrder"], 1000), "CP006", "less than or equal to 999"),
    "runOrder text": (_set([*DEPLOY, "runOrder"], "2"), "CP005", "must be an integer"),
    "runOrder bool": (_set([*DEPLOY, "runOrder"], True), "CP005", "must be an integer"),
    "approval timeout too long": (_set([*APPROVE, "timeoutInMinutes"], 86_401), "CP006",
                                  "less than or equal to 86400"),
    "timeout on a build": (_set([*BUILD, "timeoutInMinutes"], 60), "CP032",
                           "only on manual approval actions"),
    "bad execution mode": (_set(["executionMode"], "FIFO"), "CP006",
                           "[QUEUED, SUPERSEDED, PARALLEL]"),
    "queued on V1": (_set(["pipelineType"], "V1"), "CP030",
                     "executionMode QUEUED needs pipelineType V2"),
    "variables on V1": (lambda d: d.update(pipelineType="V1", executionMode="SUPERSEDED",
                                           variables=[{"name": "Release"}]), "CP030",
                        "pipeline-level variables need pipelineType V2"),
    "stage rollback on V1": (lambda d: d.update(pipelineType="V1", executionMode="SUPERSEDED")
                             or d["stages"][1].update(onFailure={"result": "ROLLBACK"}),
                             "CP030", "stage onFailure"),
    "lambda deploy on V1": (lambda d: (d.update(pipelineType="V1", executionMode="SUPERSEDED"),
                                       d["stages"][2]["actions"][1]["actionTypeId"].update(
                                           provider="Lambda")), "CP030",
                            "the Deploy action Lambda needs pipelineType V2"),
    "no artifact store": (_delete(["artifactStore"]), "CP033", "not neither"),
    "both artifact stores": (_set(["artifactStores"], {"us-east-1": {"type": "S3",
                                                                     "location": "abc"}}),
                             "CP033", "not both"),
    "store type": (_set(["artifactStore", "type"], "EFS"), "CP006", "[S3]"),
    "bucket name": (_set(["artifactStore", "location"], "a"), "CP006",
                    "length greater than or equal to 3"),
    "missing name": (_delete(["name"]), "CP004", "missing required parameter 'name'"),
    "role not a string": (_set(["roleArn"], 42), "CP005", "must be a string, got integer 42"),
    "role not an ARN": (_set(["roleArn"], "AWSCodePipelineServiceRole"), "CP006",
                        "regular expression pattern: arn:aws"),
    "stage not an object": (_set(["stages", 1], "Build"), "CP005", "must be an object"),
    "action without name": (_delete([*TESTS, "name"]), "CP004", "'name'"),
    "version a number": (_set([*BUILD, "actionTypeId", "version"], 1), "CP005",
                         "must be a string, got integer 1"),
    "version too long": (_set([*BUILD, "actionTypeId", "version"], "1234567890"), "CP006",
                         "length less than or equal to 9"),
    "artifacts not a list": (_set([*BUILD, "outputArtifacts"], "SiteOutput"), "CP005",
                             "must be a list, got string"),
    "artifact key typo": (_set([*BUILD, "inputArtifacts"], [{"Name": "SourceOutput"}]), "CP003",
                          "did you mean 'name'?"),
    "artifact name with a dot": (_set([*BUILD, "outputArtifacts"], [{"name": "site.zip"}]),
                                 "CP006", "[a-zA-Z0-9_\\-]+"),
    "configuration boolean": (_set([*DEPLOY, "configuration", "Extract"], True), "CP005",
                              "must be a string, got boolean"),
    "trigger on CodeCommit": (_set(["triggers"], [{
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": "Source"}}]), "CP031",
        "'Source' is not a CodeStarSourceConnection source action"),
    "trigger provider": (_set(["triggers"], [{"providerType": "GitHub", "gitConfiguration": {
        "sourceActionName": "Source"}}]), "CP006", "[CodeStarSourceConnection]"),
    "region without a store": (
        lambda d: d.update(artifactStores={"us-east-1": d.pop("artifactStore")})
        or d["stages"][2]["actions"][1].update(region="eu-west-1"), "CP033",
        "runs in eu-west-1, which has no store in artifactStores (us-east-1)"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_rule_is_reported(case: str) -> None:
    mutate, rule_id, expected = BROKEN[case]
    declaration_ = pipeline()
    mutate(declaration_)
    problems = validate_pipeline(declaration_)
    assert any(p.id == rule_id and expected in p for p in problems), problems
    assert all(isinstance(p, str) and p.severity.value == "error" for p in problems)
    with pytest.raises(ValueError, match="invalid pipeline"):
        execution_plan(declaration_)


def test_a_retired_provider_is_judged_by_the_date() -> None:
    declaration_ = pipeline()
    declaration_["stages"][2]["actions"][1]["actionTypeId"]["provider"] = "OpsWorks"
    assert "CP014" not in ids(pipeline_findings(declaration_, on=dt.date(2024, 5, 1)))
    assert "CP014" in ids(pipeline_findings(declaration_, on=dt.date(2024, 5, 26)))


def test_a_second_trigger_for_one_source_action() -> None:
    from snippets.pipeline.codepipeline import with_github_source

    github = with_github_source(HANDBOOK_PIPELINE, "arn:aws:codeconnections:us-east-1:"
                                "123456789012:connection/x", "octo/repo")
    github["triggers"].append(copy.deepcopy(github["triggers"][0]))
    assert any("a second trigger for 'Source'" in p for p in validate_pipeline(github))


def test_an_unknown_key_next_to_pipeline_is_reported() -> None:
    found = validate_pipeline({"pipeline": pipeline(), "pipelines": {}})
    assert [f.id for f in found] == ["CP003"] and "did you mean 'pipeline'?" in found[0]


@pytest.mark.parametrize("junk", [None, 3, "pipeline", [], [HANDBOOK_PIPELINE], b"{}",
                                  {"pipeline": "x"}, {"stages": "x"}, {"stages": None}])
def test_mistyped_declarations_are_errors_not_exceptions(junk: Any) -> None:
    problems = validate_pipeline(junk)
    assert problems and all(isinstance(p, str) for p in problems)


# --- files --------------------------------------------------------------------------------------


def test_findings_point_at_the_line() -> None:
    declaration_ = pipeline()
    declaration_["stages"][2]["actions"][1]["runOrder"] = 0
    text = json.dumps({"pipeline": declaration_}, indent=2)
    (finding,) = check_text(text, file="pipeline.json")
    assert finding.id == "CP006" and finding.field == "pipeline.stages[2].actions[1].runOrder"
    assert text.splitlines()[finding.line - 1].strip() == '"runOrder": 0'


def test_yaml_cli_input_is_read_as_yaml_1_2() -> None:
    text = yaml.safe_dump({"pipeline": pipeline()}, sort_keys=False)
    assert check_text(text, file="pipeline.yaml") == []
    broken = text.replace("PollForSourceChanges: 'false'", "PollForSourceChanges: false")
    assert broken != text
    (finding,) = check_text(broken, file="pipeline.yaml")
    assert finding.id == "CP005" and finding.line is not None


def test_duplicate_keys_are_a_warning_naming_both_lines() -> None:
    text = json.dumps({"pipeline": pipeline()}, indent=2).replace(
        '"name": "aws-cicd-handbook",', '"name": "aws-cicd-handbook",\n    "name": "other",', 1)
    found = check_text(text, file="pipeline.json")
    duplicate = [f for f in found if f.id == "CP002"]
    assert duplicate and duplicate[0].severity.value == "warning"
    assert re.search(r"on lines \d+ and \d+", duplicate[0]), duplicate
    assert errors(found) == []


@pytest.mark.parametrize("text", ['{"pipeline": {,}}', "[" * 5000, "a: [\n", '{"a": 1,}'])
def test_unparseable_text_is_one_syntax_finding(text: str) -> None:
    found = check_text(text, file="pipeline.json")
    assert [f.id for f in found] == ["CP001"], found


def test_a_template_given_as_a_pipeline_is_read_as_a_template() -> None:
    text = (HERE / "real_failures/pipeline-duplicate-namespace/template.yaml").read_text()
    assert ids(check_text(text, file="t.yaml")) == {"CP022"}
    as_json = json.dumps(load_document(text, flavor="cloudformation").data)
    assert ids(check_text(as_json, file="t.json")) == {"CP022"}
    assert [f.id for f in check_text(text + "\n  bad: [\n", file="t.yaml")] == ["CP001"]


# --- fuzzing: well-formed pipelines with one bad value inside -----------------------------------

ALL_PATHS = value_paths(HANDBOOK_PIPELINE)


@FUZZ
@given(path=st.sampled_from(ALL_PATHS), bad=PIPELINE_BAD_VALUES, wrap=st.booleans())
def test_fuzz_one_bad_value_in_a_good_pipeline(path: tuple[Any, ...], bad: Any,
                                               wrap: bool) -> None:
    declaration_ = pipeline()
    target: Any = declaration_
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = bad
    data = {"pipeline": declaration_} if wrap else declaration_
    problems = validate_pipeline(data)
    assert all(isinstance(p, str) and p.rule.id in RULES for p in problems)
    if problems:
        with pytest.raises(ValueError):
            execution_plan(data)
    else:
        assert isinstance(execution_plan(data), list)
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        return  # bytes and the like have no JSON form
    assert isinstance(check_text(text, file="pipeline.json"), list)


