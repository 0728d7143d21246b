"""Tests for snippets/pipeline/codepipeline.py: the handbook pipeline, the validator, the plan.

``aws_examples/get-pipeline-MyFirstPipeline.json`` is the output printed by the AWS CLI
reference example for ``aws codepipeline get-pipeline`` (aws/aws-cli,
awscli/examples/codepipeline/get-pipeline.rst): the validator must accept what AWS prints.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.pipeline import codepipeline as cp
from snippets.pipeline.codepipeline import (
    HANDBOOK_PIPELINE,
    Step,
    execution_plan,
    main,
    plan_mermaid,
    plan_table,
    validate_pipeline,
    with_github_source,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
AWS_GET_PIPELINE = HERE / "aws_examples" / "get-pipeline-MyFirstPipeline.json"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-EXAMPLE"
FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def pipeline() -> dict[str, Any]:
    return copy.deepcopy(HANDBOOK_PIPELINE)


def action(declaration: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    found = [a for s in declaration["stages"] if s["name"] == stage
             for a in s["actions"] if a["name"] == name]
    assert len(found) == 1
    return found[0]


# --- the handbook pipeline ---------------------------------------------------------------


def test_handbook_pipeline_is_valid() -> None:
    assert validate_pipeline(HANDBOOK_PIPELINE) == []


def test_handbook_pipeline_matches_what_the_build_chapter_expects() -> None:
    build = action(HANDBOOK_PIPELINE, "Build", "BuildSite")
    assert build["configuration"]["ProjectName"] == "aws-cicd-handbook-build"
    assert build["inputArtifacts"] == [{"name": "SourceOutput"}]
    assert build["outputArtifacts"] == [{"name": "SiteOutput"}]
    deploy = action(HANDBOOK_PIPELINE, "Release", "DeploySite")
    assert deploy["configuration"]["Extract"] == "true"
    assert deploy["inputArtifacts"] == [{"name": "SiteOutput"}]
    assert HANDBOOK_PIPELINE["name"] == "aws-cicd-handbook"


def test_every_aws_owned_provider_in_the_table_is_a_valid_provider_string() -> None:
    pattern = re.compile(r"[0-9A-Za-z_-]+")  # ActionProvider pattern in the API model
    for providers in cp.AWS_PROVIDERS.values():
        assert all(pattern.fullmatch(p) and len(p) <= 35 for p in providers)


def test_categories_match_the_api_enum() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("codepipeline")
    assert set(model.shape_for("ActionCategory").enum) == set(cp.CATEGORIES)
    assert set(model.shape_for("ExecutionMode").enum) == set(cp.EXECUTION_MODES)
    timeout = model.shape_for("ActionTimeout").metadata
    assert (timeout["min"], timeout["max"]) == cp.APPROVAL_TIMEOUT_RANGE
    run_order = model.shape_for("ActionRunOrder").metadata
    assert (run_order["min"], run_order["max"]) == cp.RUN_ORDER_RANGE


# --- AWS's own examples --------------------------------------------------------------------


def test_accepts_get_pipeline_output_from_the_aws_cli_reference() -> None:
    printed = json.loads(AWS_GET_PIPELINE.read_text())
    assert "pipeline" in printed and "stages" not in printed
    assert validate_pipeline(printed) == []
    assert validate_pipeline(printed["pipeline"]) == []


def test_plan_of_the_aws_example() -> None:
    steps = execution_plan(json.loads(AWS_GET_PIPELINE.read_text()))
    assert steps == [Step(1, "Source", 1, ("Source",)),
                     Step(2, "Beta", 1, ("CodePipelineDemoFleet",))]


def test_accepts_every_category_with_a_valid_provider() -> None:
    declaration = pipeline()
    extra = []
    for index, (category, providers) in enumerate(sorted(cp.AWS_PROVIDERS.items())):
        if category == "Source":
            continue
        extra.append({
            "name": f"Any{index}",
            "actionTypeId": {"category": category, "owner": "AWS",
                             "provider": sorted(providers)[0], "version": "1"},
            "runOrder": 5,
        })
    declaration["stages"].append({"name": "Everything", "actions": extra})
    assert validate_pipeline(declaration) == []


def test_accepts_third_party_and_custom_providers_without_checking_them() -> None:
    declaration = pipeline()
    declaration["stages"][1]["actions"].append({
        "name": "Jenkins",
        "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "JenkinsProvider",
                         "version": "1"},
        "inputArtifacts": [{"name": "SourceOutput"}],
    })
    assert validate_pipeline(declaration) == []


# --- every rule, broken --------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(declaration: dict[str, Any]) -> None:
        target = declaration
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path: list[Any]) -> Mutation:
    def mutate(declaration: dict[str, Any]) -> None:
        target = declaration
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


def _append_stage(stage: dict[str, Any]) -> Mutation:
    return lambda declaration: declaration["stages"].append(stage)


BUILD = ["stages", 1, "actions", 0]
TESTS = ["stages", 1, "actions", 1]
APPROVE = ["stages", 2, "actions", 0]
DEPLOY = ["stages", 2, "actions", 1]
SOURCE_ACTION = copy.deepcopy(HANDBOOK_PIPELINE["stages"][0]["actions"][0])

BROKEN: dict[str, tuple[Mutation, str]] = {
    "one stage": (lambda d: d.update(stages=d["stages"][:1]),
                  "pipeline: has 1 stage(s); a pipeline needs at least two"),
    "no stages": (_set(["stages"], []), "has 0 stage(s)"),
    "build in first stage": (
        lambda d: d["stages"][0]["actions"].append(
            {**copy.deepcopy(d["stages"][1]["actions"][1]), "inputArtifacts": []}),
        "stage 'Source', action 'BrowserTests': the first stage may hold only Source actions"),
    "source in a later stage": (
        lambda d: d["stages"][1]["actions"].append(
            {**copy.deepcopy(SOURCE_ACTION), "name": "Source2", "outputArtifacts": []}),
        "stage 'Build', action 'Source2': Source actions belong in the first stage only"),
    "duplicate stage name": (_set(["stages", 2, "name"], "Build"),
                             "stage 'Build': stage names must be unique"),
    "duplicate action name": (_set([*TESTS, "name"], "BuildSite"),
                              "stage 'Build', action 'BuildSite': action names must be unique"),
    "unknown category": (_set([*BUILD, "actionTypeId", "category"], "Package"),
                         "action 'BuildSite': category 'Package' is not one of Source, Build"),
    "lower-case category": (_set([*BUILD, "actionTypeId", "category"], "build"),
                            "category 'build' is not one of"),
    "unknown owner": (_set([*BUILD, "actionTypeId", "owner"], "Amazon"),
                      "owner 'Amazon' is not one of AWS, ThirdParty, Custom"),
    "provider of another category": (
        _set([*BUILD, "actionTypeId", "provider"], "CodeDeploy"),
        "action 'BuildSite': provider 'CodeDeploy' is not an AWS Build provider"),
    "provider typo": (_set([*DEPLOY, "actionTypeId", "provider"], "Amazon S3"),
                      "provider 'Amazon S3' is not an AWS Deploy provider"),
    "approval provider": (_set([*APPROVE, "actionTypeId", "provider"], "SNS"),
                          "provider 'SNS' is not an AWS Approval provider (valid: Manual)"),
    "input never produced": (
        _set([*DEPLOY, "inputArtifacts"], [{"name": "WebsiteOutput"}]),
        "action 'DeploySite': input artifact 'WebsiteOutput' is not produced by any action "
        "that runs earlier"),
    "input produced later": (
        lambda d: d["stages"].insert(1, {"name": "Early", "actions": [copy.deepcopy(
            d["stages"][2]["actions"][1])]}),
        "stage 'Early', action 'DeploySite': input artifact 'SiteOutput' is not produced"),
    "input produced in parallel": (
        _set([*TESTS, "inputArtifacts"], [{"name": "SiteOutput"}]),
        "action 'BrowserTests': input artifact 'SiteOutput' is not produced by any action "
        "that runs earlier"),
    "duplicate output": (_set([*TESTS, "outputArtifacts"], [{"name": "SourceOutput"}]),
                         "output artifact 'SourceOutput' is already produced by stage "
                         "'Source', action 'Source'"),
    "runOrder zero": (_set([*DEPLOY, "runOrder"], 0),
                      "action 'DeploySite': runOrder 0 must be an integer from 1 to 999"),
    "runOrder 1000": (_set([*DEPLOY, "runOrder"], 1000), "runOrder 1000 must be an integer"),
    "runOrder text": (_set([*DEPLOY, "runOrder"], "2"), "runOrder '2' must be an integer"),
    "runOrder bool": (_set([*DEPLOY, "runOrder"], True), "runOrder True must be an integer"),
    "runOrder float": (_set([*DEPLOY, "runOrder"], 1.5), "runOrder 1.5 must be an integer"),
    "approval timeout too long": (_set([*APPROVE, "timeoutInMinutes"], 86_401),
                                  "timeoutInMinutes 86401 must be an integer from 5 to 86400"),
    "approval timeout too short": (_set([*APPROVE, "timeoutInMinutes"], 4),
                                   "timeoutInMinutes 4 must be an integer"),
    "timeout on a build": (_set([*BUILD, "timeoutInMinutes"], 60),
                           "action 'BuildSite': timeoutInMinutes is allowed only on manual "
                           "approval actions"),
    "source with input": (_set(["stages", 0, "actions", 0, "inputArtifacts"],
                               [{"name": "SiteOutput"}]),
                          "a Source action takes no input artifacts"),
    "bad execution mode": (_set(["executionMode"], "FIFO"),
                           "executionMode 'FIFO' is not one of SUPERSEDED, QUEUED, PARALLEL"),
    "queued on V1": (_set(["pipelineType"], "V1"), "executionMode QUEUED needs pipelineType V2"),
    "bad pipeline type": (_set(["pipelineType"], "V3"), "pipelineType 'V3' is not V1 or V2"),
    "no artifact store": (_delete(["artifactStore"]),
                          "needs exactly one of artifactStore or artifactStores"),
    "both artifact stores": (_set(["artifactStores"], {"us-east-1": {}}),
                             "needs exactly one of artifactStore or artifactStores"),
    "store not an object": (_set(["artifactStore"], "bucket"), "artifactStore: must be an object"),
    "store type": (_set(["artifactStore", "type"], "EFS"),
                   "artifactStore: type 'EFS' must be 'S3'"),
    "store without bucket": (_delete(["artifactStore", "location"]),
                             "artifactStore: location must name an S3 bucket"),
    "key without type": (_set(["artifactStore", "encryptionKey"], {"id": "alias/x"}),
                         "artifactStore: encryptionKey must be"),
    "regional stores not a map": (lambda d: d.update(artifactStores=[d.pop("artifactStore")]),
                                  "artifactStores must be an object mapping Regions"),
    "regional store broken": (lambda d: d.update(artifactStores={"us-east-1": {"type": "S3"}},
                                                 artifactStore=d.pop("artifactStore") and None)
                              or d.pop("artifactStore"),
                              "artifactStores['us-east-1']: location must name an S3 bucket"),
    "missing name": (_delete(["name"]), "pipeline: name is missing or not a string"),
    "role not a string": (_set(["roleArn"], 42), "pipeline: roleArn is missing or not a string"),
    "empty stage": (_set(["stages", 1, "actions"], []),
                    "stage 'Build': actions must be a non-empty list"),
    "stage not an object": (_set(["stages", 1], "Build"), "stage #2: expected an object"),
    "stage without name": (_delete(["stages", 1, "name"]),
                           "stage #2: name is missing or not a string"),
    "action not an object": (_set(TESTS, None), "stage 'Build', action #2: expected an object"),
    "action without name": (_delete([*TESTS, "name"]),
                            "stage 'Build', action #2: name is missing or not a string"),
    "missing actionTypeId": (_delete([*BUILD, "actionTypeId"]),
                             "action 'BuildSite': actionTypeId is missing or not an object"),
    "actionTypeId a string": (_set([*BUILD, "actionTypeId"], "CodeBuild"),
                              "actionTypeId is missing or not an object"),
    "missing provider": (_delete([*BUILD, "actionTypeId", "provider"]),
                         "action 'BuildSite': actionTypeId.provider is missing or not a string"),
    "version a number": (_set([*BUILD, "actionTypeId", "version"], 1),
                         "actionTypeId.version is missing or not a string"),
    "artifacts not a list": (_set([*BUILD, "outputArtifacts"], "SiteOutput"),
                             "action 'BuildSite': outputArtifacts must be a list, got str"),
    "artifact without name": (_set([*BUILD, "inputArtifacts"], [{"Name": "SourceOutput"}]),
                              "inputArtifacts[0] needs a 'name' string"),
    "trigger on CodeCommit": (
        _set(["triggers"], [{"providerType": "CodeStarSourceConnection",
                             "gitConfiguration": {"sourceActionName": "Source"}}]),
        "trigger #1: 'Source' is not a CodeStarSourceConnection source action"),
    "trigger without source": (_set(["triggers"], [{"gitConfiguration": {}}]),
                               "trigger #1: gitConfiguration.sourceActionName is missing"),
    "triggers not a list": (_set(["triggers"], "push"), "pipeline: triggers must be a list"),
    "lambda deploy on V1": (
        lambda d: (d.update(pipelineType="V1", executionMode="SUPERSEDED"),
                   d["stages"][2]["actions"][1]["actionTypeId"].update(provider="Lambda")),
        "stage 'Release', action 'DeploySite': the Deploy provider Lambda needs pipelineType V2"),
    "variables on V1": (
        lambda d: d.update(pipelineType="V1", executionMode="SUPERSEDED",
                           variables=[{"name": "Release"}]),
        "pipeline: variables need pipelineType V2"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_rule_is_reported_once_with_stage_and_action(case: str) -> None:
    mutate, expected = BROKEN[case]
    declaration = pipeline()
    mutate(declaration)
    problems = validate_pipeline(declaration)
    assert any(expected in problem for problem in problems), problems
    assert all(isinstance(problem, str) for problem in problems)


def test_gaps_in_run_order_are_allowed() -> None:
    declaration = pipeline()
    action(declaration, "Release", "DeploySite")["runOrder"] = 999
    assert validate_pipeline(declaration) == []


def test_input_from_lower_run_order_in_the_same_stage_is_fine() -> None:
    declaration = pipeline()
    declaration["stages"][1]["actions"].append({
        "name": "CheckLinks",
        "actionTypeId": {"category": "Test", "owner": "AWS", "provider": "CodeBuild",
                         "version": "1"},
        "configuration": {"ProjectName": "aws-cicd-handbook-test"},
        "inputArtifacts": [{"name": "SiteOutput"}],
        "runOrder": 2,
    })
    assert validate_pipeline(declaration) == []
    assert execution_plan(declaration)[2] == Step(3, "Build", 2, ("CheckLinks",))


def test_missing_run_order_defaults_to_one() -> None:
    declaration = pipeline()
    del action(declaration, "Build", "BrowserTests")["runOrder"]
    assert validate_pipeline(declaration) == []
    assert execution_plan(declaration)[1].actions == ("BuildSite", "BrowserTests")


@pytest.mark.parametrize("junk", [None, 3, "pipeline", [], [HANDBOOK_PIPELINE], b"{}",
                                  {"pipeline": "x"}, {"stages": "x"}, {"stages": None}])
def test_mistyped_declarations_are_problems_not_exceptions(junk: Any) -> None:
    problems = validate_pipeline(junk)
    assert problems and all(isinstance(p, str) for p in problems)


# --- execution plan and the page ----------------------------------------------------------


def test_execution_plan_of_the_handbook_pipeline() -> None:
    assert execution_plan(HANDBOOK_PIPELINE) == [
        Step(1, "Source", 1, ("Source",)),
        Step(2, "Build", 1, ("BuildSite", "BrowserTests")),
        Step(3, "Release", 1, ("Approve",)),
        Step(4, "Release", 2, ("DeploySite",)),
    ]


def test_execution_plan_rejects_invalid_pipelines_with_value_error() -> None:
    with pytest.raises(ValueError, match="has 0 stage"):
        execution_plan({**pipeline(), "stages": []})


def test_the_page_shows_the_plan_computed_from_the_pipeline() -> None:
    page = (REPO / "docs/pipeline/codepipeline.md").read_text()
    steps = execution_plan(HANDBOOK_PIPELINE)
    assert plan_table(steps) in page, "the table on the page is stale: paste plan_table()"
    assert f"```mermaid\n{plan_mermaid(steps)}\n```" in page, "the diagram is stale"
    assert cp.providers_table() in page, "the provider table is stale: paste providers_table()"


def test_mermaid_links_every_step_to_the_next() -> None:
    text = plan_mermaid(execution_plan(HANDBOOK_PIPELINE))
    assert "s1a1 --> s2a1 & s2a2" in text
    assert "s3a1 --> s4a1" in text
    assert text.count("subgraph") == 3


# --- the GitHub alternative ------------------------------------------------------------------


def test_github_variant_uses_a_connection_and_a_trigger() -> None:
    variant = with_github_source(HANDBOOK_PIPELINE, CONNECTION, "octo-org/aws-cicd-handbook")
    assert validate_pipeline(variant) == []
    source = variant["stages"][0]["actions"][0]
    assert source["actionTypeId"]["provider"] == "CodeStarSourceConnection"
    assert variant["triggers"][0]["gitConfiguration"]["sourceActionName"] == source["name"]
    assert HANDBOOK_PIPELINE["stages"][0]["actions"][0]["actionTypeId"]["provider"] == (
        "CodeCommit"), "the original must not change"


def test_github_variant_passes_the_api_model() -> None:
    import botocore.session

    from tests.support.strict_model import validate

    model = botocore.session.get_session().get_service_model("codepipeline")
    shape = model.operation_model("CreatePipeline").input_shape
    variant = with_github_source(HANDBOOK_PIPELINE, CONNECTION, "octo-org/aws-cicd-handbook")
    assert validate(shape, {"pipeline": variant}) == []


@pytest.mark.parametrize(("arguments", "message"), [
    (("arn:aws:iam::123456789012:role/x", "a/b"), "connection_arn"),
    ((CONNECTION, "no-slash"), "full_repository_id"),
    ((None, "a/b"), "connection_arn"),
    ((CONNECTION, 7), "full_repository_id"),
])
def test_github_variant_rejects_bad_arguments(arguments: tuple[Any, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_github_source(HANDBOOK_PIPELINE, *arguments)


def test_github_variant_rejects_an_invalid_pipeline() -> None:
    with pytest.raises(ValueError, match="invalid pipeline"):
        with_github_source({"stages": []}, CONNECTION, "a/b")


# --- the pipeline in moto -------------------------------------------------------------------


def test_pipeline_created_in_moto_reads_back_the_same(aws: None) -> None:
    role_arn = cp.create_service_role(cp.SERVICE_ROLE_NAME)
    key_arn = cp.create_artifact_store(cp.ARTIFACT_BUCKET, cp.ARTIFACT_KEY_ALIAS)
    assert role_arn == HANDBOOK_PIPELINE["roleArn"]
    read_back = cp.create_pipeline(HANDBOOK_PIPELINE)
    assert validate_pipeline(read_back) == []
    assert execution_plan(read_back) == execution_plan(HANDBOOK_PIPELINE)
    declared = read_back["pipeline"]
    assert declared["artifactStore"] == HANDBOOK_PIPELINE["artifactStore"]
    assert declared["version"] == 1
    assert declared["executionMode"] == "QUEUED" and declared["pipelineType"] == "V2"
    assert read_back["metadata"]["pipelineArn"].endswith(":aws-cicd-handbook")
    # The alias in the declaration names the key the bucket encrypts with.
    kms = boto3.client("kms")
    assert kms.describe_key(KeyId=cp.ARTIFACT_KEY_ALIAS)["KeyMetadata"]["Arn"] == key_arn
    names = [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]]
    assert names == ["aws-cicd-handbook"]


def test_service_role_trusts_codepipeline(aws: None) -> None:
    cp.create_service_role(cp.SERVICE_ROLE_NAME)
    role = boto3.client("iam").get_role(RoleName=cp.SERVICE_ROLE_NAME)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "codepipeline.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"


def test_a_role_that_does_not_trust_codepipeline_is_refused(aws: None) -> None:
    iam = boto3.client("iam")
    trust = copy.deepcopy(cp.SERVICE_ROLE_TRUST)
    trust["Statement"][0]["Principal"] = {"Service": "codebuild.amazonaws.com"}
    iam.create_role(RoleName=cp.SERVICE_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(ClientError) as error:
        cp.create_pipeline(HANDBOOK_PIPELINE)
    assert error.value.response["Error"]["Code"] == "InvalidStructureException"
    assert "not authorized to perform AssumeRole" in error.value.response["Error"]["Message"]


def test_artifact_bucket_encrypts_with_the_customer_managed_key(aws: None) -> None:
    key_arn = cp.create_artifact_store(cp.ARTIFACT_BUCKET, cp.ARTIFACT_KEY_ALIAS)
    s3 = boto3.client("s3")
    # What an action does: put an artifact without naming a key; the bucket default applies.
    s3.put_object(Bucket=cp.ARTIFACT_BUCKET, Key="aws-cicd-handbook/SourceOutp/abc", Body=b"zip")
    head = s3.head_object(Bucket=cp.ARTIFACT_BUCKET, Key="aws-cicd-handbook/SourceOutp/abc")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    versioning = s3.get_bucket_versioning(Bucket=cp.ARTIFACT_BUCKET)
    assert versioning["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=cp.ARTIFACT_BUCKET)
    assert all(block["PublicAccessBlockConfiguration"].values())
    key = boto3.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"


def test_create_pipeline_refuses_an_invalid_declaration_before_calling_aws() -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"unexpected AWS call {name}")

    with pytest.raises(ValueError, match="needs at least two"):
        cp.create_pipeline({**pipeline(), "stages": pipeline()["stages"][:1]}, client=NoCalls())


# --- the command line ------------------------------------------------------------------------


def write(tmp_path: Path, data: Any, name: str = "pipeline.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_cli_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, HANDBOOK_PIPELINE))]) == 0
    assert "aws-cicd-handbook: no problems found" in capsys.readouterr().out


def test_cli_accepts_get_pipeline_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(AWS_GET_PIPELINE)]) == 0
    assert "MyFirstPipeline: no problems found" in capsys.readouterr().out


def test_cli_problems_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = pipeline()
    broken["stages"][2]["actions"][1]["runOrder"] = 0
    broken["stages"][1]["name"] = "Source"
    assert main(["check", str(write(tmp_path, broken))]) == 1
    out = capsys.readouterr()
    assert "runOrder 0 must be an integer" in out.out
    assert "stage names must be unique" in out.out
    assert out.err == ""


def test_cli_plan_prints_table_and_mermaid(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, HANDBOOK_PIPELINE))
    steps = execution_plan(HANDBOOK_PIPELINE)
    assert main(["plan", path]) == 0
    assert capsys.readouterr().out.strip() == plan_table(steps)
    assert main(["plan", path, "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.strip() == plan_mermaid(steps)
    assert main(["plan", str(write(tmp_path, {"stages": []}, "bad.json"))]) == 1


def unusable_files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "text.json").write_text("stages: [Source]")
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "other.json").write_text('{"name": "x"}')
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "dir").mkdir()
    return {
        "missing": tmp_path / "nope.json",
        "directory": tmp_path / "dir",
        "binary": tmp_path / "binary.json",
        "not json": tmp_path / "text.json",
        "empty": tmp_path / "empty.json",
        "list": tmp_path / "list.json",
        "wrong shape": tmp_path / "other.json",
        "deep nesting": tmp_path / "deep.json",
        "name too long": tmp_path / ("x" * 300 + ".json"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "binary", "not json", "empty",
                                  "list", "wrong shape", "deep nesting", "name too long"])
def test_cli_unusable_input_exits_2_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = unusable_files(tmp_path)[case]
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_cli_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lint", "x.json"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_runs_as_a_module_with_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.pipeline.codepipeline", "--help"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0 and "check" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "snippets.pipeline.codepipeline", "check",
         str(tmp_path / "missing.json")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# --- fuzzing -----------------------------------------------------------------------------------

JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["name", "stages", "actions", "actionTypeId", "category", "owner",
                        "provider", "version", "runOrder", "inputArtifacts", "outputArtifacts",
                        "timeoutInMinutes", "triggers", "pipelineType", "executionMode",
                        "artifactStore", "gitConfiguration", "pipeline"])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


ALL_PATHS = _paths(HANDBOOK_PIPELINE)


@FUZZ
@given(junk=JSON_LIKE)
def test_fuzz_validate_never_raises_on_junk(junk: Any) -> None:
    problems = validate_pipeline(junk)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(path=st.sampled_from(ALL_PATHS), junk=JSON_LIKE, key=KEYS)
def test_fuzz_validate_on_a_damaged_handbook_pipeline(path: tuple[Any, ...], junk: Any,
                                                      key: str) -> None:
    declaration = pipeline()
    target: Any = declaration
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = junk
    if isinstance(junk, dict):
        junk[key] = junk.get(key)
    problems = validate_pipeline(declaration)
    assert all(isinstance(p, str) for p in problems)
    if not problems:
        assert isinstance(execution_plan(declaration), list)
    else:
        with pytest.raises(ValueError):
            execution_plan(declaration)


@FUZZ
@given(content=st.binary(max_size=200) | JSON_LIKE.map(lambda v: json.dumps(v).encode()))
def test_fuzz_cli_exit_codes_are_documented(content: bytes, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    for command in (["check", str(path)], ["plan", str(path)]):
        code = main(command)
        out = capsys.readouterr()
        assert code in (0, 1, 2)
        if code == 2:
            assert out.err.startswith("error: ") and out.err.count("\n") == 1
        else:
            assert out.err == ""


@FUZZ
@given(connection=JSON_LIKE | st.text(max_size=200), repository=JSON_LIKE)
def test_fuzz_github_variant_raises_only_value_error(connection: Any, repository: Any) -> None:
    try:
        variant = with_github_source(HANDBOOK_PIPELINE, connection, repository)
    except ValueError:
        return
    assert validate_pipeline(variant) == []
