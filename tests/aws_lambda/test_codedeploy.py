"""CodeDeploy for Lambda: the page's examples (the tools themselves: tests/cicd_check/)."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import shlex
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from cfnlint.api import ManualArgs, lint
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import cli, traffic
from cicd_check.findings import errors
from cicd_check.template import check_text
from snippets.aws_lambda import codedeploy as cd
from snippets.aws_lambda import versions_aliases as va
from snippets.aws_lambda.hooks import codedeploy as hook
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/codedeploy.md"
APPSPEC = REPO / "snippets/aws_lambda/appspec.yaml"
SAM = REPO / "snippets/aws_lambda/sam-canary.yaml"
HOOKS = REPO / "snippets/aws_lambda/hooks"
DIAGRAMS = REPO / "docs/diagrams"


# ---------------------------------------------------------------- the page's table and chart


def _between(text: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", text, re.DOTALL)
    assert match, f"the page marks its {marker}"
    return match.group(1).strip()


def test_the_page_table_is_generated_from_traffic_schedule() -> None:
    assert _between(PAGE.read_text(), "config-table") == cd.config_table()


def test_the_table_describes_each_config_and_states_no_total_time() -> None:
    rows = [line for line in cd.config_table().splitlines() if line.startswith("| `")]
    assert len(rows) == 9
    for row, config in zip(rows, cd.PREDEFINED, strict=True):
        assert row == f"| `{config.name}` | `{config.sam_name}` | {cd.describe(config)} |"


def test_the_page_states_no_total_duration_for_linear_shifting() -> None:
    """AWS gives none: ten equal steps, N minutes apart. Alt text describes drawn charts."""
    prose = "\n".join(line for line in PAGE.read_text().splitlines()
                      if not line.startswith("!["))
    for minutes in (9, 18, 27, 90, 20, 100):
        found = re.findall(rf"\b{minutes} min(?:utes?)?\b", prose)
        assert not found, f"the page states a linear total of {minutes} minutes"
    assert "ten equal steps, N minutes\n    apart" in prose


@pytest.mark.parametrize("config", ["Canary10Percent5Minutes", "Linear10PercentEvery1Minute"])
def test_the_page_charts_are_drawn_from_traffic_chart(config) -> None:
    block = _between(PAGE.read_text(), f"chart {config}")
    name = f"traffic-{config.lower()}"
    assert f"{name}.light.svg#only-light" in block and f"{name}.dark.svg#only-dark" in block
    assert (DIAGRAMS / f"{name}.mmd").read_text().strip() == cd.traffic_chart(config)


@pytest.mark.parametrize("name", sorted(cd.TIMELINES))
def test_the_page_timelines_are_generated_by_simulate_deployment(name) -> None:
    assert _between(PAGE.read_text(), f"timeline {name}") == cd.timeline_table(
        cd.TIMELINES[name]())


def test_the_chart_shows_the_percent_in_force_each_minute() -> None:
    chart = cd.traffic_chart("LambdaLinear10PercentEvery2Minutes")
    bars = re.search(r"bar \[(.*)\]", chart).group(1)
    assert [int(b) for b in bars.split(", ")] == [10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60,
                                                   70, 70, 80, 80, 90, 90, 100]



# ---------------------------------------------------------------- hooks and deployments


@pytest.fixture
def deployment(aws: None) -> str:
    """An application, a Lambda deployment group and one deployment, in moto's CodeDeploy."""
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "codedeploy.amazonaws.com"}}]}
    role = iam.create_role(RoleName="codedeploy-lambda",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    client = boto3.client("codedeploy")
    client.create_application(applicationName="orders", computePlatform="Lambda")
    client.create_deployment_group(
        applicationName="orders", deploymentGroupName="live", serviceRoleArn=role,
        deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes",
        deploymentStyle={"deploymentType": "BLUE_GREEN",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        autoRollbackConfiguration={"enabled": True,
                                   "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    )
    return cd.start_deployment("orders", "live", APPSPEC.read_text())


def test_a_deployment_carries_the_appspec_and_the_config(deployment) -> None:
    info = boto3.client("codedeploy").get_deployment(deploymentId=deployment)["deploymentInfo"]
    assert info["computePlatform"] == "Lambda"
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert info["revision"]["appSpecContent"]["content"] == APPSPEC.read_text()
    assert cd.traffic_schedule(info["deploymentConfigName"]) == [(0, 10), (5, 100)]


def test_start_deployment_refuses_a_broken_appspec(aws) -> None:
    with pytest.raises(ValueError, match="BeforeInstall"):
        cd.start_deployment("orders", "live", APPSPEC.read_text().replace(
            "BeforeAllowTraffic", "BeforeInstall"))


def _hook_client(status: str, deployment_id: str) -> tuple[object, Stubber]:
    client = boto3.client("codedeploy")
    stub = Stubber(client)  # moto does not implement PutLifecycleEventHookExecutionStatus
    stub.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": "hook-1"},
        {"deploymentId": deployment_id, "lifecycleEventHookExecutionId": "hook-1",
         "status": status},
    )
    return client, stub


def test_the_hook_reports_succeeded_for_a_ready_version(deployment) -> None:
    va.create_demo_function("orders-api")
    target = va.publish_new_version("orders-api", "v2")["FunctionArn"]
    event = {"DeploymentId": deployment, "LifecycleEventHookExecutionId": "hook-1"}
    client, stub = _hook_client("Succeeded", deployment)
    with stub:
        status = hook.report_hook_result(event, [lambda: hook.version_is_ready(target)],
                                         codedeploy=client)
        stub.assert_no_pending_responses()
    assert status == "Succeeded"


def test_the_hook_reports_failed_when_a_check_fails_or_crashes(deployment, capsys) -> None:
    event = {"DeploymentId": deployment, "LifecycleEventHookExecutionId": "hook-1"}
    alias_arn = "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live"

    def crashes() -> list[str]:
        raise RuntimeError("smoke test could not connect")

    for checks in ([lambda: hook.version_is_ready(alias_arn)], [crashes]):
        client, stub = _hook_client("Failed", deployment)
        with stub:
            assert hook.report_hook_result(event, checks, codedeploy=client) == "Failed"
            stub.assert_no_pending_responses()
    logged = capsys.readouterr().out
    assert "not a published version" in logged and "could not connect" in logged


def test_the_deployed_handler_reads_its_target_from_the_environment(aws, monkeypatch) -> None:
    monkeypatch.setenv("TARGET_VERSION_ARN", "")
    client, stub = _hook_client("Failed", "d-EXAMPLE11")
    monkeypatch.setattr(hook.boto3, "client", lambda service: client)
    with stub:
        status = hook.handler({"DeploymentId": "d-EXAMPLE11",
                               "LifecycleEventHookExecutionId": "hook-1"}, None)
        stub.assert_no_pending_responses()
    assert status == "Failed"


def test_version_is_ready_checks_state_and_last_update(aws) -> None:
    va.create_demo_function("orders-api")
    target = va.publish_new_version("orders-api", "v2")["FunctionArn"]
    assert hook.version_is_ready(target) == []

    class Pending:
        def get_function_configuration(self, FunctionName: str) -> dict:
            return {"State": "Pending", "LastUpdateStatus": "InProgress"}

    problems = hook.version_is_ready(target, client=Pending())
    assert len(problems) == 2 and "Pending" in problems[0] and "InProgress" in problems[1]
    assert hook.version_is_ready(None) != []


@pytest.mark.parametrize("event", [{}, None, {"DeploymentId": "d-1"},
                                   {"DeploymentId": 1, "LifecycleEventHookExecutionId": "x"}])
def test_a_hook_without_ids_cannot_report(event) -> None:
    with pytest.raises(ValueError, match="missing"):
        hook.report_hook_result(event, [])


def test_the_hooks_folder_is_one_file_that_needs_only_boto3() -> None:
    """The page: the hook's CodeUri folder holds codedeploy.py, which needs nothing but boto3."""
    files = {p.name for p in HOOKS.iterdir() if p.name != "__pycache__"}
    assert files == {"codedeploy.py"}, files
    imported = set()
    for node in ast.walk(ast.parse((HOOKS / "codedeploy.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"boto3"}, imported


def test_the_templates_hooks_run_that_file() -> None:
    from cicd_check.documents import load_document

    resources = load_document(SAM.read_text(), flavor="cloudformation").data["Resources"]
    for name in ("PreTrafficHook", "PostTrafficHook"):
        properties = resources[name]["Properties"]
        assert properties["CodeUri"] == "hooks/" and properties["Handler"] == "codedeploy.handler"
        assert properties["FunctionName"].startswith("CodeDeployHook_"), "the managed role's rule"
    assert (SAM.parent / "hooks/codedeploy.py").is_file() and callable(hook.handler)


# ---------------------------------------------------------------- AppSpec on the page


def test_the_pages_appspec_is_clean() -> None:
    assert cd.validate_appspec(APPSPEC.read_text()) == []


def test_traffic_schedule_refuses_an_ecs_config_with_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"CodeDeployDefault\.LambdaAllAtOnce"):
        cd.traffic_schedule("CodeDeployDefault.ECSCanary10Percent5Minutes")


# ---------------------------------------------------------------- the page's schedule rule


@pytest.mark.parametrize("config", traffic.PREDEFINED, ids=lambda c: c.sam_name)
def test_the_pages_compact_schedule_agrees_with_cicd_check(config) -> None:
    assert cd.shift_steps(config.kind, config.percentage, config.interval) == \
        traffic.traffic_schedule(config.name)


def test_the_pages_compact_schedule_is_short() -> None:
    text = (REPO / "snippets/aws_lambda/codedeploy.py").read_text()
    block = text.split("# --8<-- [start:schedule]\n")[1].split("# --8<-- [end:schedule]")[0]
    assert len(block.splitlines()) <= 30


# ---------------------------------------------------------------- SAM template on the page
# The SAM checks are cicd_check's (tests/cicd_check/test_sam.py); these test the page's use.


def test_the_sam_template_passes_cicd_check_and_cfn_lint() -> None:
    assert check_text(SAM.read_text()) == []


def test_cfn_lint_misses_a_bogus_type_that_cicd_check_catches() -> None:
    text = SAM.read_text().replace("Type: Canary10Percent5Minutes", "Type: Canary10Percent6Min")
    assert list(lint(text, config=ManualArgs(regions=["us-east-1"]))) == [], "cfn-lint is silent"
    (problem,) = errors(check_text(text))
    assert problem.id == "SM003" and "Canary10Percent6Min" in problem, problem


def test_the_pages_cicd_check_session_is_what_cicd_check_prints(tmp_path, monkeypatch) -> None:
    block = re.sub(r"^```console[^\n]*\n", "", _between(PAGE.read_text(), "sam-check"))
    block = block.removesuffix("```").rstrip("\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sam-canary.yaml").write_text(SAM.read_text())
    expected: list[str] = []
    for line in block.splitlines():
        if not line.startswith("$ "):
            continue  # the page's copy of the output: compared below
        command = shlex.split(line[2:])
        if command[0] == "sed":  # the page's one edit, made here the same way
            old, new = re.fullmatch(r"s/(.*)/(.*)/", command[2]).groups()
            text = (tmp_path / "sam-canary.yaml").read_text()
            assert text.count(old) == 1
            (tmp_path / "sam-canary.yaml").write_text(text.replace(old, new))
            expected.append(line)
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = cli.main(command[1:])  # a terminal shows both streams
        assert status == (1 if "SM003" in out.getvalue() else 0)
        expected += [line, *out.getvalue().rstrip("\n").splitlines()]
    assert block.splitlines() == expected


# ---------------------------------------------------------------- CodePipeline Lambda deploy


def test_the_lambda_deploy_action_fits_a_v2_pipeline(aws) -> None:
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "codepipeline.amazonaws.com"}}]}
    role = iam.create_role(RoleName="pipeline",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    boto3.client("s3").create_bucket(Bucket="handbook-artifacts")
    action = cd.lambda_deploy_action("orders-api", "live", strategy="Linear10PercentEvery1Minute",
                                     alarm="orders-errors")
    source = {"name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS",
                                                 "provider": "S3", "version": "1"},
              "configuration": {"S3Bucket": "handbook-artifacts", "S3ObjectKey": "build.zip"},
              "outputArtifacts": [{"name": "BuildOutput"}], "runOrder": 1}
    pipeline = {"name": "orders", "roleArn": role, "pipelineType": "V2",
                "artifactStore": {"type": "S3", "location": "handbook-artifacts"},
                "stages": [{"name": "Source", "actions": [source]},
                           {"name": "Deploy", "actions": [action]}]}
    codepipeline = boto3.client("codepipeline")
    codepipeline.create_pipeline(pipeline=pipeline)
    stored = codepipeline.get_pipeline(name="orders")["pipeline"]["stages"][1]["actions"][0]
    assert stored["actionTypeId"]["provider"] == "Lambda"
    assert stored["configuration"]["DeployStrategy"] == "Linear10PercentEvery1Minute"
    with pytest.raises(ValueError, match="DeployStrategy"):
        cd.lambda_deploy_action("orders-api", "live", strategy="Canary10Percent")



def test_the_pages_pipeline_action_is_what_lambda_deploy_action_builds() -> None:
    block = _between(PAGE.read_text(), "pipeline-action")
    shown = json.loads(re.sub(r"^```json[^\n]*\n", "", block).removesuffix("```"))
    assert shown == cd.lambda_deploy_action("orders-api", "live",
                                            strategy="Linear10PercentEvery1Minute",
                                            alarm="orders-errors")


def test_pipeline_strategies_come_from_cicd_check() -> None:
    assert cd.pipeline_strategy_schedule is traffic.pipeline_strategy_schedule


# ---------------------------------------------------------------- builders fed junk


@FUZZ
@given(function=JUNK | st.just("orders-api"), alias=JUNK | st.just("live"),
       strategy=JUNK | st.just("AllAtOnce"), alarm=JUNK, artifact=JUNK | st.just("Build"))
def test_lambda_deploy_action_raises_only_value_error(function, alias, strategy, alarm,
                                                      artifact) -> None:
    try:
        action = cd.lambda_deploy_action(function, alias, strategy=strategy, alarm=alarm,
                                         input_artifact=artifact)
    except ValueError as error:
        assert str(error)
        return
    assert action["configuration"]["FunctionName"] == function


@FUZZ
@given(application=JUNK, group=JUNK, appspec=JUNK)
def test_start_deployment_raises_value_error_before_any_call_on_junk(application, group,
                                                                     appspec) -> None:
    class NoCalls:
        def __getattr__(self, operation: str) -> object:
            raise AssertionError(f"{operation} called with junk input")

    with pytest.raises(ValueError):
        cd.start_deployment(application, group, appspec, client=NoCalls())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"function": "bad name!"}, "FunctionName"), ({"alias": "7"}, "FunctionAlias"),
     ({"alarm": ""}, "Alarms"), ({"input_artifact": "a b"}, "input_artifact")],
)
def test_lambda_deploy_action_names_the_bad_field(kwargs, field) -> None:
    args = {"function": "orders-api", "alias": "live", **kwargs}
    with pytest.raises(ValueError, match=f"^{field}"):
        cd.lambda_deploy_action(args.pop("function"), args.pop("alias"), **args)


def test_start_deployment_sends_the_appspec_through_the_given_client() -> None:
    client = boto3.client("codedeploy")
    with Stubber(client) as stub:
        stub.add_response("create_deployment", {"deploymentId": "d-EXAMPLE22"}, {
            "applicationName": "orders", "deploymentGroupName": "live",
            "revision": {"revisionType": "AppSpecContent",
                         "appSpecContent": {"content": APPSPEC.read_text()}}})
        assert cd.start_deployment("orders", "live", APPSPEC.read_text(),
                                   client=client) == "d-EXAMPLE22"
        stub.assert_no_pending_responses()
