"""CodeDeploy for Lambda: schedules, the lifecycle, hooks, AppSpec, SAM and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from cfnlint.api import ManualArgs, lint
from hypothesis import given
from hypothesis import strategies as st

from snippets.aws_lambda import codedeploy as cd
from snippets.aws_lambda import versions_aliases as va
from tests.support.fuzzing import FUZZ, JUNK
from tests.support.strict_model import StrictModelError

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs/lambda/codedeploy.md"
APPSPEC = REPO / "snippets/aws_lambda/appspec.yaml"
SAM = REPO / "snippets/aws_lambda/sam-canary.yaml"
JSONABLE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)
)
ECS_NAMES = [
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
    "CodeDeployDefault.ECSAllAtOnce",
]


# ---------------------------------------------------------------- traffic schedules


def test_there_are_exactly_nine_predefined_lambda_configs() -> None:
    assert len(cd.PREDEFINED) == 9 and len(set(cd.VALID_NAMES)) == 9
    assert all(name.startswith("CodeDeployDefault.Lambda") for name in cd.VALID_NAMES)


@pytest.mark.parametrize("config", cd.PREDEFINED, ids=lambda c: c.sam_name)
def test_all_three_names_give_the_same_schedule(config) -> None:
    full = cd.traffic_schedule(config.name)
    assert cd.traffic_schedule(config.name.removeprefix("CodeDeployDefault.")) == full
    assert cd.traffic_schedule(config.sam_name) == full
    assert full[0][0] == 0 and full[-1][1] == 100, "starts at minute 0, ends at 100 %"
    minutes, percents = zip(*full, strict=True)
    assert list(minutes) == sorted(set(minutes)) and list(percents) == sorted(set(percents))


def test_canary_shifts_in_two_increments() -> None:
    assert cd.traffic_schedule("CodeDeployDefault.LambdaCanary10Percent5Minutes") == [
        (0, 10), (5, 100)]
    assert cd.traffic_schedule("Canary10Percent30Minutes") == [(0, 10), (30, 100)]


def test_linear_shifts_at_the_start_of_each_increment_one_interval_apart() -> None:
    schedule = cd.traffic_schedule("LambdaLinear10PercentEvery3Minutes")
    assert len(schedule) == 10, "10 % per increment is 10 increments"
    assert schedule == [(3 * i, 10 * (i + 1)) for i in range(10)]
    assert cd.time_to_full(schedule) == 27


def test_all_at_once_shifts_everything_at_minute_0() -> None:
    assert cd.traffic_schedule("AllAtOnce") == [(0, 100)]
    assert cd.traffic_schedule("LambdaAllAtOnce") == [(0, 100)]


@pytest.mark.parametrize(
    "name",
    [*ECS_NAMES, "", "Canary10Percent20Minutes", "codedeploydefault.lambdaallatonce",
     "CodeDeployDefault.AllAtOnce", "CodeDeployDefault.OneAtATime", " AllAtOnce", None, 5,
     ["AllAtOnce"]],
)
def test_anything_else_is_a_value_error_listing_the_valid_names(name) -> None:
    with pytest.raises(ValueError) as error:
        cd.traffic_schedule(name)
    message = str(error.value)
    assert all(valid in message for valid in cd.VALID_NAMES), "the message lists every name"


@FUZZ
@given(name=JUNK)
def test_traffic_schedule_raises_only_value_error(name) -> None:
    try:
        schedule = cd.traffic_schedule(name)
    except ValueError:
        return
    assert schedule[-1][1] == 100


# ---------------------------------------------------------------- custom configurations


def test_custom_canary_and_linear() -> None:
    assert cd.custom_schedule("TimeBasedCanary", 25, 45) == [(0, 25), (45, 100)]
    assert cd.custom_schedule("TimeBasedLinear", 30, 10) == [(0, 30), (10, 60), (20, 90),
                                                             (30, 100)]
    assert cd.custom_schedule("AllAtOnce") == [(0, 100)]


def test_custom_schedule_matches_the_predefined_ones() -> None:
    for config in cd.PREDEFINED:
        kind = {"Canary": "TimeBasedCanary", "Linear": "TimeBasedLinear"}.get(config.kind)
        if kind:
            assert cd.custom_schedule(kind, config.percentage, config.interval) == \
                cd.traffic_schedule(config.name)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("TimeBasedFlexible", 10, 5), "not a traffic routing type"),
        (("Canary", 10, 5), "not a traffic routing type"),
        ((None, 10, 5), "not a traffic routing type"),
        (("TimeBasedCanary", 0, 5), "canaryPercentage: must be 1-99"),
        (("TimeBasedCanary", 100, 5), "canaryPercentage: must be 1-99"),
        (("TimeBasedCanary", 10.5, 5), "canaryPercentage: expected a whole number"),
        (("TimeBasedCanary", True, 5), "canaryPercentage: expected a whole number"),
        (("TimeBasedCanary", 10, 0), "canaryInterval: must be 1-2880"),
        (("TimeBasedCanary", 10, None), "canaryInterval: expected a whole number"),
        (("TimeBasedLinear", 10, "5"), "linearInterval: expected a whole number"),
        (("TimeBasedLinear", 1, 30), "48 hours"),
        (("AllAtOnce", 10, None), "takes no percentage"),
    ],
)
def test_custom_schedule_enforces_the_input_rules(args, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        cd.custom_schedule(*args)


def test_the_longest_allowed_shift_is_48_hours() -> None:
    assert cd.time_to_full(cd.custom_schedule("TimeBasedCanary", 10, 2880)) == 2880
    assert cd.time_to_full(cd.custom_schedule("TimeBasedLinear", 50, 2880)) == 2880
    with pytest.raises(ValueError, match="48 hours"):
        cd.custom_schedule("TimeBasedLinear", 34, 1441)


@FUZZ
@given(kind=JUNK | st.sampled_from(list(cd.CUSTOM_KINDS)), percentage=JUNK | st.integers(),
       interval=JUNK | st.integers())
def test_custom_schedule_raises_only_value_error(kind, percentage, interval) -> None:
    try:
        schedule = cd.custom_schedule(kind, percentage, interval)
    except ValueError as error:
        assert str(error)
        return
    assert schedule[-1][1] == 100 and cd.time_to_full(schedule) <= cd.MAX_SHIFT_MINUTES


def test_the_create_deployment_config_request_passes_the_service_model() -> None:
    client = boto3.client("codedeploy")
    request = cd.deployment_config_request("Canary25Percent45Minutes", "TimeBasedCanary", 25, 45)
    with Stubber(client) as stub:  # moto does not implement CreateDeploymentConfig
        stub.add_response("create_deployment_config", {"deploymentConfigId": "abc"}, request)
        client.create_deployment_config(**request)
        stub.assert_no_pending_responses()
    bad = {**request, "computePlatform": "Serverless"}
    with pytest.raises(StrictModelError, match="computePlatform"):
        client.create_deployment_config(**bad)
    with pytest.raises(ValueError, match="canaryPercentage"):
        cd.deployment_config_request("x", "TimeBasedCanary", 250, 45)
    assert cd.deployment_config_request("y", "AllAtOnce")["trafficRoutingConfig"] == {
        "type": "AllAtOnce"}
    assert cd.deployment_config_request("z", "TimeBasedLinear", 20, 2)[
        "trafficRoutingConfig"]["timeBasedLinear"] == {"linearPercentage": 20, "linearInterval": 2}


# ---------------------------------------------------------------- the page's table and chart


def _between(text: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", text, re.DOTALL)
    assert match, f"the page marks its {marker}"
    return match.group(1).strip()


def test_the_page_table_is_generated_from_traffic_schedule() -> None:
    assert _between(PAGE.read_text(), "config-table") == cd.config_table()


def test_the_table_states_each_configs_time_to_100_percent() -> None:
    rows = [line for line in cd.config_table().splitlines() if line.startswith("| `")]
    assert len(rows) == 9
    for row, config in zip(rows, cd.PREDEFINED, strict=True):
        minutes = cd.time_to_full(cd.traffic_schedule(config.name))
        assert row.endswith(f"| {minutes} min |")


@pytest.mark.parametrize("config", ["Canary10Percent5Minutes", "Linear10PercentEvery1Minute"])
def test_the_page_charts_are_generated_from_traffic_schedule(config) -> None:
    block = _between(PAGE.read_text(), f"chart {config}")
    assert block == f"```mermaid\n{cd.traffic_chart(config)}\n```"


@pytest.mark.parametrize("name", sorted(cd.TIMELINES))
def test_the_page_timelines_are_generated_by_simulate_deployment(name) -> None:
    assert _between(PAGE.read_text(), f"timeline {name}") == cd.timeline_table(
        cd.TIMELINES[name]())


def test_the_chart_shows_the_percent_in_force_each_minute() -> None:
    chart = cd.traffic_chart("LambdaLinear10PercentEvery2Minutes")
    bars = re.search(r"bar \[(.*)\]", chart).group(1)
    assert [int(b) for b in bars.split(", ")] == [10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60,
                                                   70, 70, 80, 80, 90, 90, 100]


# ---------------------------------------------------------------- the deployment lifecycle


def events(run: cd.DeploymentRun) -> list[str]:
    return [step.event for step in run.steps]


def test_a_clean_deployment_runs_the_lifecycle_in_order() -> None:
    run = cd.simulate_deployment("Canary10Percent5Minutes")
    assert run.succeeded and run.final_percent == 100
    assert events(run) == ["Start", "BeforeAllowTraffic", "AllowTraffic", "AllowTraffic",
                           "AfterAllowTraffic", "End"]
    shifts = [(s.minute, s.new_version_percent) for s in run.steps if s.event == "AllowTraffic"]
    assert shifts == [(1, 10), (6, 100)], "traffic starts after the 1-minute pre-traffic hook"
    assert [s.minute for s in run.steps] == sorted(s.minute for s in run.steps)


def test_without_hooks_traffic_starts_at_once() -> None:
    run = cd.simulate_deployment("AllAtOnce", before_hook=None, after_hook=None)
    assert events(run) == ["Start", "AllowTraffic", "End"] and run.steps[-1].minute == 0


def test_a_failed_pre_traffic_hook_means_no_traffic_ever_moves() -> None:
    run = cd.simulate_deployment("Linear10PercentEvery1Minute", before_hook="Failed")
    assert not run.succeeded and run.final_percent == 0
    assert "AllowTraffic" not in events(run)
    assert max(s.new_version_percent for s in run.steps) == 0


def test_a_hook_that_never_reports_fails_after_one_hour() -> None:
    run = cd.simulate_deployment("Canary10Percent5Minutes", before_hook="NoResponse")
    hook = next(s for s in run.steps if s.event == "BeforeAllowTraffic")
    assert hook.minute == 60 and "1 hour" in hook.note
    assert not run.succeeded and events(run)[-2:] == ["Rollback", "End"]


def test_an_alarm_mid_shift_rolls_back_to_the_original_version() -> None:
    run = cd.simulate_deployment("Linear10PercentEvery1Minute", alarm_at=4.5)
    assert not run.succeeded and run.final_percent == 0
    alarm = next(s for s in run.steps if s.event == "Alarm")
    assert alarm.minute == 4.5 and alarm.new_version_percent == 40, "40 % had moved by then"
    assert events(run)[-3:] == ["Alarm", "Rollback", "End"]


def test_a_failed_post_traffic_hook_takes_back_all_traffic() -> None:
    run = cd.simulate_deployment("Canary10Percent5Minutes", after_hook="Failed")
    after = next(s for s in run.steps if s.event == "AfterAllowTraffic")
    assert after.new_version_percent == 100 and run.final_percent == 0 and not run.succeeded


def test_an_alarm_after_the_end_changes_nothing() -> None:
    assert cd.simulate_deployment("AllAtOnce", alarm_at=1_000).succeeded
    early = cd.simulate_deployment("AllAtOnce", alarm_at=0)
    assert events(early) == ["Start", "Alarm", "Rollback", "End"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"before_hook": "Passed"}, "before_hook"), ({"after_hook": 1}, "after_hook"),
     ({"alarm_at": -1}, "alarm_at"), ({"alarm_at": "5"}, "alarm_at"),
     ({"alarm_at": float("nan")}, "alarm_at"), ({"hook_minutes": 61}, "hook_minutes"),
     ({"hook_minutes": True}, "hook_minutes")],
)
def test_simulate_deployment_rejects_bad_input_by_name(kwargs, field) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        cd.simulate_deployment("AllAtOnce", **kwargs)


@FUZZ
@given(config=JUNK | st.sampled_from(cd.VALID_NAMES),
       before=JUNK | st.sampled_from(cd.HOOK_OUTCOMES), after=JUNK,
       alarm=JUNK | st.floats(0, 200))
def test_simulate_deployment_raises_only_value_error(config, before, after, alarm) -> None:
    try:
        run = cd.simulate_deployment(config, before_hook=before, after_hook=after, alarm_at=alarm)
    except ValueError:
        return
    assert run.final_percent in (0, 100) and run.steps[-1].event == "End"


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
        status = cd.report_hook_result(event, [lambda: cd.version_is_ready(target)],
                                       codedeploy=client)
        stub.assert_no_pending_responses()
    assert status == "Succeeded"


def test_the_hook_reports_failed_when_a_check_fails_or_crashes(deployment, capsys) -> None:
    event = {"DeploymentId": deployment, "LifecycleEventHookExecutionId": "hook-1"}
    alias_arn = "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live"

    def crashes() -> list[str]:
        raise RuntimeError("smoke test could not connect")

    for checks in ([lambda: cd.version_is_ready(alias_arn)], [crashes]):
        client, stub = _hook_client("Failed", deployment)
        with stub:
            assert cd.report_hook_result(event, checks, codedeploy=client) == "Failed"
            stub.assert_no_pending_responses()
    logged = capsys.readouterr().out
    assert "not a published version" in logged and "could not connect" in logged


def test_the_deployed_handler_reads_its_target_from_the_environment(aws, monkeypatch) -> None:
    monkeypatch.setenv("TARGET_VERSION_ARN", "")
    client, stub = _hook_client("Failed", "d-EXAMPLE11")
    monkeypatch.setattr(cd, "_client", lambda service, given=None: client)
    with stub:
        status = cd.handler({"DeploymentId": "d-EXAMPLE11",
                             "LifecycleEventHookExecutionId": "hook-1"}, None)
    assert status == "Failed"


def test_version_is_ready_checks_state_and_last_update(aws) -> None:
    va.create_demo_function("orders-api")
    target = va.publish_new_version("orders-api", "v2")["FunctionArn"]
    assert cd.version_is_ready(target) == []

    class Pending:
        def get_function_configuration(self, FunctionName: str) -> dict:
            return {"State": "Pending", "LastUpdateStatus": "InProgress"}

    problems = cd.version_is_ready(target, client=Pending())
    assert len(problems) == 2 and "Pending" in problems[0] and "InProgress" in problems[1]
    assert cd.version_is_ready(None) != []


@pytest.mark.parametrize("event", [{}, None, {"DeploymentId": "d-1"},
                                   {"DeploymentId": 1, "LifecycleEventHookExecutionId": "x"}])
def test_a_hook_without_ids_cannot_report(event) -> None:
    with pytest.raises(ValueError, match="missing"):
        cd.report_hook_result(event, [])


# ---------------------------------------------------------------- AppSpec


def test_the_pages_appspec_is_clean() -> None:
    assert cd.validate_appspec(APPSPEC.read_text()) == []


# The shapes AWS's own AppSpec reference uses: PascalCase YAML, JSON indented with tabs,
# lower-case section and property names, and hooks left out.
AWS_STYLE_APPSPECS = [
    'version: 0.0\nResources:\n  - myFn:\n      Type: AWS::Lambda::Function\n      Properties:\n'
    '        Name: "myFn"\n        Alias: "myFnAlias"\n        CurrentVersion: "1"\n'
    '        TargetVersion: "2"\nHooks:\n    - BeforeAllowTraffic: "ValidateBefore"\n'
    '    - AfterAllowTraffic: "ValidateAfter"\n',
    '{\n \t"version": 0.0,\n \t"Resources": [{\n \t\t"myFn": {\n \t\t\t"Type": '
    '"AWS::Lambda::Function",\n \t\t\t"Properties": {\n \t\t\t\t"Name": "myFn",\n \t\t\t\t'
    '"Alias": "myFnAlias",\n \t\t\t\t"CurrentVersion": "1",\n \t\t\t\t"TargetVersion": "2"\n'
    ' \t\t\t}\n \t\t}\n \t}],\n \t"Hooks": [{\n \t\t\t"BeforeAllowTraffic": "ValidateBefore"\n'
    '      },\n      {\n \t\t\t"AfterAllowTraffic": "ValidateAfter"\n \t\t}\n \t]\n }\n',
    'version: 0.0\nresources:\n  - fn:\n      type: "AWS::Lambda::Function"\n      properties:\n'
    '        name: my-fn\n        alias: live\n        currentversion: "3"\n'
    '        targetversion: "4"\nhooks:\n   - BeforeAllowTraffic: BeforeHook\n',
    'version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties:\n'
    '        Name: arn:aws:lambda:us-east-1:123456789012:function:my-fn\n        Alias: live\n'
    '        CurrentVersion: 3\n        TargetVersion: 4\n',
]


@pytest.mark.parametrize("text", AWS_STYLE_APPSPECS, ids=["yaml", "json-tabs", "lower", "arn"])
def test_validate_appspec_accepts_what_aws_accepts(text) -> None:
    assert cd.validate_appspec(text) == []


def test_render_appspec_round_trips() -> None:
    text = cd.render_appspec("orders-api", "live", "6", "7", before="CodeDeployHook_pre")
    assert cd.validate_appspec(text) == []
    with pytest.raises(ValueError, match="TargetVersion"):
        cd.render_appspec("orders-api", "live", "6", "$LATEST")


def _appspec(**changes: str) -> str:
    text = APPSPEC.read_text()
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_appspec(BeforeAllowTraffic="BeforeInstall"), "'BeforeInstall' cannot run a hook"),
        (_appspec(AfterAllowTraffic="ApplicationStart"), "only BeforeAllowTraffic"),
        (_appspec(AfterAllowTraffic="BeforeAllowTraffic"), "appears twice"),
        (_appspec(**{'TargetVersion: "7"': 'TargetVersion: "$LATEST"'}), "TargetVersion"),
        (_appspec(**{'CurrentVersion: "6"': "CurrentVersion: live"}), "not a published version"),
        (_appspec(**{'CurrentVersion: "6"': 'CurrentVersion: "0"'}), "start at 1"),
        (_appspec(**{'CurrentVersion: "6"': "CurrentVersion: 6.5"}), "not a published version"),
        (_appspec(**{'Alias: "live"': 'Alias: "7"'}), "not an alias name"),
        (_appspec(**{'Name: "orders-api"': "Name: orders api!"}), "not a function name"),
        (_appspec(**{"        Alias: \"live\"\n": ""}), "Properties.Alias: required"),
        (_appspec(**{"version: 0.0": "version: 1.0"}), "version: must be 0.0"),
        (_appspec(**{"version: 0.0": "version: false"}), "version: must be 0.0"),
        (_appspec(**{"Type: AWS::Lambda::Function": "Type: AWS::ECS::Service"}),
         "must be AWS::Lambda::Function"),
        (_appspec(**{'"CodeDeployHook_ordersPreTraffic"': "[a, b]"}), "not a function name"),
        ("version: 0.0\nResources: []\n", "exactly one Lambda function"),
        ("version: 0.0\nResources:\n  - a: 1\n", "expected Type and Properties"),
        ("version: 0.0\nResources:\n  - a:\n      Type: AWS::Lambda::Function\n",
         "Properties: missing"),
        ("version: 0.0\nResources:\n  - [1]\n", "expected one '<logical name>:'"),
        ("version: 0.0\nos: linux\n", "'os': not an AppSpec key"),
        (_appspec() + "Extra: 1\n", "'Extra': not an AppSpec key"),
        ("version: 0.0\nResources: []\nHooks:\n  BeforeAllowTraffic: f\n", "expected a list"),
        ("version: 0.0\nResources: []\nHooks:\n  - f\n", "one '<event>: <function>' pair"),
        ("- a\n- b\n", "expected a mapping"),
        ("", "expected a mapping"),
        ("version: [\n", "appspec: not valid YAML"),
        ("{not json", "not valid YAML"),
        (BOMB, "alias bomb"),
        (b"version: 0.0", "expected text"),
        ("x" * (cd.MAX_TEXT_BYTES + 1), "larger than"),
    ],
)
def test_validate_appspec_names_each_problem(text, message) -> None:
    problems = cd.validate_appspec(text)
    assert any(message in p for p in problems), problems


@FUZZ
@given(value=JUNK)
def test_validate_appspec_never_raises_on_junk_values(value) -> None:
    assert all(isinstance(p, str) for p in cd.validate_appspec(value))


@FUZZ
@given(text=st.text(max_size=300) | st.builds(json.dumps, JSONABLE) | st.builds(
    lambda d: __import__("yaml").safe_dump(d), JSONABLE))
def test_validate_appspec_never_raises_on_junk_text(text) -> None:
    assert all(isinstance(p, str) for p in cd.validate_appspec(text))


# ---------------------------------------------------------------- SAM template


def test_the_sam_template_passes_cfn_lint_and_our_check() -> None:
    text = SAM.read_text()
    assert list(lint(text, config=ManualArgs(regions=["us-east-1"]))) == []
    assert cd.check_template(text) == []


def test_cfn_lint_misses_a_bogus_type_that_our_check_catches() -> None:
    text = SAM.read_text().replace("Type: Canary10Percent5Minutes", "Type: Canary10Percent6Min")
    assert list(lint(text, config=ManualArgs(regions=["us-east-1"]))) == [], "cfn-lint is silent"
    problems = cd.check_template(text)
    assert len(problems) == 1 and "Canary10Percent6Min" in problems[0]


CUSTOM = """
Parameters:
  Strategy:
    Type: String
    AllowedValues: [Linear10PercentEvery3Minutes, AllAtOnce]
  Loose:
    Type: String
    Default: Bogus
Conditions:
  IsProd: !Equals [!Ref AWS::AccountId, "123456789012"]
Resources:
  SlowCanary:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      DeploymentConfigName: Canary25Percent45Minutes
      ComputePlatform: Lambda
      TrafficRoutingConfig:
        Type: TimeBasedCanary
        TimeBasedCanary: {CanaryPercentage: 25, CanaryInterval: 45}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      DeploymentPreference:
        Type: TYPE
"""


@pytest.mark.parametrize(
    "value",
    ["!Ref SlowCanary", "Canary25Percent45Minutes", "!Ref Strategy",
     "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", "AllAtOnce",
     "!If [IsProd, Canary10Percent30Minutes, AllAtOnce]",
     "\n          Fn::If: [IsProd, !Ref SlowCanary, Linear10PercentEvery1Minute]"],
)
def test_check_template_accepts_predefined_and_declared_custom_configs(value) -> None:
    assert cd.check_template(CUSTOM.replace("TYPE", value)) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("CodeDeployDefault.ECSAllAtOnce", "neither a predefined"),
     ("LambdaCanary10Percent5Minutes", "neither a predefined"),
     ("!Ref Loose", "'Bogus'"), ("!Ref Nowhere", "not a Lambda DeploymentConfig"),
     ("!If [IsProd, Canary10Percent30Minutes, Bogus]", "'Bogus'"),
     ("!Sub Canary10Percent${AWS::Region}", "cannot be checked"), ("null", "required"),
     ("[AllAtOnce]", "cannot be checked")],
)
def test_check_template_rejects_anything_else(value, message) -> None:
    problems = cd.check_template(CUSTOM.replace("TYPE", value))
    assert any(message in p for p in problems), problems


# Shaped like AWS's SAM examples: alarms chosen with Fn::If, hook functions with deployment
# preferences switched off, the new version passed to a hook with !Ref Fn.Version.
SAM_DOCS_STYLE = """
Transform: AWS::Serverless-2016-10-31
Conditions:
  UseAlarms: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs22.x
      CodeUri: s3://bucket/code.zip
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Linear10PercentEvery1Minute
        Alarms: !If
          - UseAlarms
          - - !Ref AliasErrors
          - - !Ref AWS::NoValue
        Hooks:
          PreTraffic: !Ref PreTrafficFunction
  PreTrafficFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pre.handler
      Runtime: nodejs22.x
      CodeUri: s3://bucket/hooks.zip
      FunctionName: CodeDeployHook_preTraffic
      DeploymentPreference:
        Enabled: false
      Environment:
        Variables:
          NewVersion: !Ref MyFunction.Version
  AliasErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: 2
      MetricName: Errors
      Namespace: AWS/Lambda
      Period: 60
      Statistic: Sum
      Threshold: 0
"""


def test_check_template_accepts_aws_style_sam_templates() -> None:
    assert cd.check_template(SAM_DOCS_STYLE) == []
    assert list(lint(SAM_DOCS_STYLE, config=ManualArgs(regions=["us-east-1"]))) == []


def test_check_template_other_rules() -> None:
    text = SAM.read_text()
    no_alias = text.replace("      AutoPublishAlias: live\n", "")
    assert any("needs AutoPublishAlias" in p for p in cd.check_template(no_alias))
    bad_hook = text.replace("PostTraffic: !Ref", "AfterTraffic: !Ref")
    assert any("'AfterTraffic' is not a hook" in p for p in cd.check_template(bad_hook))
    disabled = CUSTOM.replace("Type: TYPE", "Enabled: false\n        Type: Nonsense")
    assert cd.check_template(disabled) == []
    in_globals = ("Globals:\n  Function:\n    AutoPublishAlias: live\n    DeploymentPreference:\n"
                  "      Type: Bogus\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n")
    assert any("'Bogus'" in p for p in cd.check_template(in_globals))
    assert cd.check_template("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n") == []
    assert cd.check_template(json.dumps({"Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"AutoPublishAlias": "live", "DeploymentPreference": {"Type": "X"}}}}},
        indent="\t")) != []


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "expected text"), ("[1, 2]", "expected a mapping"), ("Resources: [\n", "not valid"),
     ("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
      "      DeploymentPreference: Canary\n", "expected a mapping"),
     ("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
      "      AutoPublishAlias: a\n      DeploymentPreference: {Type: AllAtOnce, Hooks: [x]}\n",
      "expected PreTraffic"),
     ("a: !!python/object/apply:os.system [echo]\n", "not valid"), (BOMB, "alias bomb")],
)
def test_check_template_bad_input(text, message) -> None:
    assert any(message in p for p in cd.check_template(text))


@FUZZ
@given(value=JUNK | st.text(max_size=200) | st.builds(json.dumps, JSONABLE))
def test_check_template_never_raises(value) -> None:
    assert all(isinstance(p, str) for p in cd.check_template(value))


# ---------------------------------------------------------------- CodePipeline Lambda deploy


def test_pipeline_strategies() -> None:
    assert cd.pipeline_strategy_schedule("AllAtOnce") == [(0, 100)]
    assert cd.pipeline_strategy_schedule("Canary10Percent5Minutes") == [(0, 10), (5, 100)]
    assert cd.pipeline_strategy_schedule("Canary20Percent1Minute") == [(0, 20), (1, 100)]
    assert cd.pipeline_strategy_schedule("Linear25PercentEvery2Minutes") == [
        (0, 25), (2, 50), (4, 75), (6, 100)]
    for bad, message in [("Linear10PercentEvery400Minutes", "2 days"),
                         ("Canary0Percent5Minutes", "percentage"), ("Blue/Green", "not AllAtOnce"),
                         (None, "not AllAtOnce")]:
        with pytest.raises(ValueError, match=message):
            cd.pipeline_strategy_schedule(bad)


@FUZZ
@given(value=JUNK | st.from_regex(r"(Canary|Linear)\d{1,5}Percent(Every)?\d{1,6}Minutes?",
                                  fullmatch=True))
def test_pipeline_strategy_raises_only_value_error(value) -> None:
    try:
        schedule = cd.pipeline_strategy_schedule(value)
    except ValueError:
        return
    assert cd.time_to_full(schedule) <= cd.MAX_PIPELINE_WAIT_MINUTES


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


# ---------------------------------------------------------------- command line


def test_cli_schedule_prints_the_steps_and_time(capsys) -> None:
    assert cd.main(["schedule", "LambdaLinear10PercentEvery3Minutes"]) == 0
    out = capsys.readouterr().out
    assert "minute   27: 100 %" in out and "time to 100 %: 27 min" in out


def test_cli_bad_name_exits_2_with_one_line_listing_the_valid_names() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.codedeploy", "schedule", "ECSAllAtOnce"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and all(name in lines[0] for name in cd.VALID_NAMES)
    assert "Traceback" not in result.stderr


def test_cli_help_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.aws_lambda.codedeploy", "--help"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0 and "schedule" in result.stdout


@pytest.mark.parametrize(
    ("command", "content", "code"),
    [("appspec", None, 0), ("appspec", "broken", 1), ("template", None, 0),
     ("template", "bogus-type", 1), ("appspec", b"\xff\xfe\x00", 2), ("appspec", b"", 2),
     ("template", b"- a list\n", 2), ("appspec", b"version: [", 2),
     ("template", BOMB.encode(), 2)],
)
def test_cli_file_checks_exit_codes(tmp_path, capsys, command, content, code) -> None:
    source = APPSPEC if command == "appspec" else SAM
    target = tmp_path / "input.yaml"
    if content is None:
        target.write_text(source.read_text())
    elif content == "broken":
        target.write_text(source.read_text().replace("AfterAllowTraffic", "ValidateService"))
    elif content == "bogus-type":
        target.write_text(source.read_text().replace("Canary10Percent5Minutes", "Canary5"))
    else:
        target.write_bytes(content)
    assert cd.main([command, str(target)]) == code
    captured = capsys.readouterr()
    if code == 2:
        assert len(captured.err.splitlines()) == 1 and captured.out == ""
    else:
        assert captured.err == ""


@pytest.mark.parametrize("command", ["appspec", "template"])
def test_cli_missing_file_and_directory_exit_2(tmp_path, capsys, command) -> None:
    for path in (tmp_path / "missing.yaml", tmp_path):
        assert cd.main([command, str(path)]) == 2
        assert len(capsys.readouterr().err.splitlines()) == 1


def test_cli_too_large_file_exits_2(tmp_path, capsys) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (cd.MAX_TEXT_BYTES + 1))
    assert cd.main(["appspec", str(big)]) == 2
    assert "larger than" in capsys.readouterr().err


@FUZZ
@given(data=st.binary(max_size=400) | st.builds(lambda t: t.encode(), st.text(max_size=200)),
       command=st.sampled_from(["appspec", "template"]))
def test_cli_fuzz_only_documented_exit_codes(tmp_path_factory, data, command) -> None:
    target = tmp_path_factory.mktemp("fuzz") / "input"
    target.write_bytes(data)
    assert cd.main([command, str(target)]) in (0, 1, 2)


@FUZZ
@given(name=st.text(max_size=60))
def test_cli_schedule_fuzz(name, capsys) -> None:
    try:
        code = cd.main(["schedule", name])
    except SystemExit as leave:  # argparse: a name that looks like an option
        code = leave.code
    assert len(capsys.readouterr().err.splitlines()) == (0 if code == 0 else 1)
    assert code == (0 if name in cd.VALID_NAMES or cd._BY_NAME.get(name) else 2)


# ---------------------------------------------------------------- builders fed junk


@FUZZ
@given(function=JUNK, alias=JUNK, current=JUNK | st.sampled_from(["1", "6"]),
       target=JUNK | st.sampled_from(["2", "7"]), before=JUNK)
def test_render_appspec_raises_only_value_error(function, alias, current, target, before) -> None:
    try:
        text = cd.render_appspec(function, alias, current, target, before=before)
    except ValueError as error:
        assert str(error)
        return
    assert cd.validate_appspec(text) == []


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
