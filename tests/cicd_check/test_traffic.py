"""cicd_check.traffic: schedules of the predefined configurations, custom ones, the simulation
and ``cicd-check schedule``."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import cli
from cicd_check import traffic as cd
from tests.support.fuzzing import FUZZ, JUNK
from tests.support.strict_model import StrictModelError

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "cicd_check/data/codedeploy_configs.json"
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



# ------------------------------------------------ CodePipeline Lambda deploy strategies


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



# ---------------------------------------------------------------- the table


def test_the_table_names_awss_page_and_holds_lambda_and_ecs_configs() -> None:
    table = json.loads(TABLE.read_text())
    assert table["source"] == cd.SOURCE == \
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html"
    names = [row["name"] for row in table["configs"]]
    assert len(names) == len(set(names)) == 14
    assert [c.name for c in cd.ALL_PREDEFINED if c.platform == "ECS"] == ECS_NAMES
    assert tuple(c.sam_name for c in cd.PREDEFINED) == cd.SAM_TYPES
    assert "Linear10PercentEvery1Minute" in cd.SAM_TYPES and "AllAtOnce" in cd.SAM_TYPES


def test_linear_is_ten_equal_steps_n_minutes_apart() -> None:
    for config in cd.ALL_PREDEFINED:
        steps = cd.schedule_of(config)
        if config.kind == "Linear":
            assert len(steps) == 10 and "10 equal steps" in cd.describe(config)
            gaps = {b[0] - a[0] for a, b in itertools.pairwise(steps)}
            rises = {b[1] - a[1] for a, b in itertools.pairwise(steps)}
            assert gaps == {config.interval} and rises == {config.percentage}
        elif config.kind == "Canary":
            assert len(steps) == 2
        else:
            assert steps == [(0, 100)] and cd.describe(config) == "100 % at once"


def test_ecs_names_are_not_lambda_configurations_but_resolve_any_knows_them() -> None:
    for name in ECS_NAMES:
        with pytest.raises(ValueError):
            cd.traffic_schedule(name)
        assert cd.resolve_any(name).platform == "ECS"
    assert cd.resolve_any("Canary10Percent5Minutes").platform == "Lambda"
    with pytest.raises(ValueError, match="ECSAllAtOnce"):
        cd.resolve_any("ECSAllAtOnceNow")


# ---------------------------------------------------------------- cicd-check schedule


def test_cicd_check_schedule_prints_the_steps(capsys) -> None:
    assert cli.main(["schedule", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute (Lambda): "
                      "10 equal steps of 10 %, 1 minute apart")
    assert out[1:11] == [f"  minute {m:>4}: {10 * (m + 1):>3} % on the new version"
                         for m in range(10)]
    assert "AWS's table gives no total time" in out[-1]


def test_cicd_check_schedule_takes_ecs_and_sam_names(capsys) -> None:
    assert cli.main(["schedule", "CodeDeployDefault.ECSCanary10Percent15Minutes"]) == 0
    assert "minute   15: 100 %" in capsys.readouterr().out
    assert cli.main(["schedule", "Linear10PercentEvery3Minutes"]) == 0
    assert "minute   27: 100 %" in capsys.readouterr().out


def test_cicd_check_schedule_bad_name_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cicd_check", "schedule", "LambdaCanary10Percent6Minutes"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and all(name in lines[0] for name in cd.VALID_NAMES + tuple(ECS_NAMES))
    assert "Traceback" not in result.stderr


def test_cicd_check_schedule_help(capsys) -> None:
    try:
        code = cli.main(["schedule", "--help"])
    except SystemExit as leave:
        code = leave.code
    assert code == 0 and "from AWS's table" in capsys.readouterr().out


@FUZZ
@given(name=st.text(max_size=60))
def test_cicd_check_schedule_fuzz(name, capsys) -> None:
    try:
        code = cli.main(["schedule", name])
    except SystemExit as leave:  # argparse: a name that looks like an option
        code = leave.code
    assert len(capsys.readouterr().err.splitlines()) == (0 if code == 0 else 1)
    known = name in cd._ANY_PLATFORM
    assert code == (0 if known else 2)
