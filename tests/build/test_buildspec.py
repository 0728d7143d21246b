"""The buildspec schema and validator, the local phase runner and the command-line tool."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snippets.build import buildspec as bs
from snippets.build.buildspec import (
    BuildRun,
    load_buildspec,
    main,
    match_files,
    retry_policy,
    run_buildspec,
    validate_buildspec,
)
from snippets.build.codebuild import variable_names

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).with_name("data")
EXAMPLES = REPO / "snippets" / "build" / "examples"
PROJECT_BUILDSPEC = REPO / "snippets" / "build" / "buildspec.yml"
FAST = 20.0  # seconds a phase may take in these tests (generous: the machine is shared)

ALL_PHASES_OK = [
    ("INSTALL", "SUCCEEDED"),
    ("PRE_BUILD", "SUCCEEDED"),
    ("BUILD", "SUCCEEDED"),
    ("POST_BUILD", "SUCCEEDED"),
    ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
]
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def run(text: str, workdir: Path, **kwargs) -> BuildRun:
    kwargs.setdefault("phase_timeout", FAST)
    return run_buildspec(text, workdir, **kwargs)


def with_phases(phases: str, extra: str = "") -> str:
    return f"version: 0.2\nphases:\n{phases}\n{extra}"


# ---------------------------------------------------------------------------------------
# The schema and the validator


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(bs.schema())


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yml")), ids=lambda p: p.name)
def test_aws_reference_and_realistic_buildspecs_are_valid(path: Path) -> None:
    assert validate_buildspec(path.read_text()) == []


@pytest.mark.parametrize(
    "path", [*sorted(EXAMPLES.glob("*.yml")), PROJECT_BUILDSPEC], ids=lambda p: p.name
)
def test_the_buildspecs_the_pages_show_are_valid(path: Path) -> None:
    assert validate_buildspec(path.read_text()) == []


def test_parsed_json_style_mappings_are_accepted_too() -> None:
    # What CDK or a JSON buildspec produces: numbers and booleans, not YAML strings.
    spec = {
        "version": 0.2,
        "env": {"git-credential-helper": True, "variables": {"RETRIES": 3}},
        "phases": {"install": {"runtime-versions": {"python": 3.12}, "commands": ["true"]}},
        "artifacts": {"files": ["**/*"], "discard-paths": False},
    }
    assert validate_buildspec(spec) == []


def test_plain_scalars_stay_strings_as_a_buildspec_means_them() -> None:
    data = bs.parse_buildspec("version: 0.2\nphases:\n  build:\n    commands:\n      - true\n")
    assert data["version"] == "0.2"
    assert data["phases"]["build"]["commands"] == ["true"], "the command `true`, not a boolean"


def test_yaml_anchors_and_merge_keys_work() -> None:
    text = (
        "version: 0.2\nx-common: &common\n  commands: [echo hi]\n"
        "phases:\n  build:\n    <<: *common\n"
    )
    problems = validate_buildspec(text)
    assert problems == ["x-common: unknown key; allowed: artifacts, batch, cache, env, "
                        "environment_variables, phases, proxy, reports, run-as, version"]
    data = bs.parse_buildspec(text)
    assert data["phases"]["build"] == {"commands": ["echo hi"]}


# One case per schema rule: a change to a valid buildspec, and the problem it must produce.
VALID = {
    "version": "0.2",
    "phases": {"build": {"commands": ["echo ok"]}},
}
RULES = [
    ({"version": "0.3"}, "version: '0.3' is not a buildspec version"),
    ({"version": None}, "version: None is not a buildspec version"),
    ({"run-as": ""}, "run-as: '' must be a Linux user name"),
    ({"env": "x"}, "env: 'x' must be a mapping"),
    ({"env": {"shell": "zsh"}}, "env.shell: 'zsh' is not one of bash, /bin/sh"),
    ({"env": {"variables": ["A"]}}, "env.variables: must be a mapping of variable names"),
    ({"env": {"variables": {"MY-VAR": "x"}}}, "env.variables: key 'MY-VAR' is not a valid"),
    ({"env": {"variables": {"A": {"b": 1}}}}, "env.variables.A: must be a single value"),
    ({"env": {"parameter-store": {"P": ""}}}, "env.parameter-store.P: '' must be a non-empty"),
    ({"env": {"secrets-manager": {"S": 1}}}, "env.secrets-manager.S: 1 must be a non-empty"),
    ({"env": {"exported-variables": "A"}}, "env.exported-variables: 'A' must be a list"),
    ({"env": {"exported-variables": ["AWS_X"]}}, "[0]: 'AWS_X' cannot be exported"),
    ({"env": {"git-credential-helper": "maybe"}}, "git-credential-helper: 'maybe' must be yes"),
    ({"env": {"colour": "x"}}, "env.colour: unknown key"),
    ({"proxy": {"logs": "sometimes"}}, "proxy.logs: 'sometimes' must be yes or no"),
    ({"proxy": {"upload": "yes"}}, "proxy.upload: unknown key; allowed: logs, upload-artifacts"),
    ({"batch": {"fast-fail": "x"}}, "batch.fast-fail: 'x' must be yes or no"),
    ({"batch": {"build-list": []}}, "batch.build-list: [] must be a list of build tasks"),
    ({"batch": {"build-graph": [{"buildspec": "b.yml"}]}},
     "batch.build-graph[0].identifier: required key is missing"),
    ({"batch": {"build-graph": [{"identifier": "a-b"}]}}, "identifier: 'a-b' must be an"),
    ({"batch": {"build-graph": [{"identifier": "a", "depend-on": "b"}]}}, "depend-on: 'b' must"),
    ({"batch": {"build-matrix": {"static": 1}}}, "build-matrix.static: 1 must be a mapping"),
    ({"batch": {"build-fanout": {"parallelism": 0}}}, "parallelism: 0 must be a whole number"),
    ({"batch": {"build-list": [{"identifier": "a"}], "build-graph": [{"identifier": "b"}]}},
     "batch: use one batch type, not build-list and build-graph"),
    ({"batch": {"kind": 1}}, "batch.kind: unknown key"),
    ({"phases": []}, "phases: must be a mapping of install, pre_build, build and post_build"),
    ({"phases": {"compile": {}}}, "phases.compile: unknown key"),
    ({"phases": {"build": "echo hi"}}, "phases.build: 'echo hi' must be a mapping with commands"),
    ({"phases": {"build": {"comands": ["x"]}}}, "(did you mean 'commands'?)"),
    ({"phases": {"build": {"commands": "echo hi"}}}, "phases.build.commands: 'echo hi' must be a"),
    ({"phases": {"build": {"commands": [{"echo a": "b"}]}}},
     "phases.build.commands[0]: must be a command string: quote a command that contains ': '"),
    ({"phases": {"build": {"finally": "x"}}}, "phases.build.finally: 'x' must be a list"),
    ({"phases": {"build": {"run-as": 5}}}, "phases.build.run-as: 5 must be a Linux user name"),
    ({"phases": {"build": {"on-failure": "IGNORE"}}},
     "phases.build.on-failure: 'IGNORE' is not one of ABORT, CONTINUE, RETRY"),
    ({"phases": {"build": {"on-failure": "abort"}}}, "'abort' is not one of ABORT"),
    ({"phases": {"build": {"on-failure": "RETRY-101"}}}, "'RETRY-101' is not one of"),
    ({"phases": {"build": {"on-failure": "RETRY-"}}}, "'RETRY-' is not one of"),
    ({"phases": {"build": {"on-failure": "RETRY-2-(x"}}}, "regex '(x' does not compile"),
    ({"phases": {"build": {"on-failure": "RETRY-[x"}}}, "regex '[x' does not compile"),
    ({"phases": {"build": {"runtime-versions": {"python": "3.12"}}}},
     "phases.build.runtime-versions: allowed only in the install phase"),
    ({"phases": {"install": {"runtime-versions": {}}}}, "runtime-versions: {} must be a mapping"),
    ({"phases": {"install": {"runtime-versions": {"python": ["3"]}}}},
     "runtime-versions.python: must be a single value"),
    ({"reports": {"g": {"file-format": "JUNITXML"}}}, "reports.g.files: required key is missing"),
    ({"reports": {"g": {"files": []}}}, "reports.g.files: [] must be a non-empty list"),
    ({"reports": {"g": {"files": ["a"], "file-format": "XML"}}}, "'XML' is not one of JUNITXML"),
    ({"reports": {"g": {"files": ["a"], "discard-paths": "maybe"}}}, "discard-paths: 'maybe'"),
    ({"reports": {"g": {"files": ["a"], "path": "x"}}}, "reports.g.path: unknown key"),
    ({"reports": {f"g{i}": {"files": ["a"]} for i in range(6)}}, "must be a mapping of report"),
    ({"artifacts": {"name": "x"}}, "artifacts.files: required key is missing"),
    ({"artifacts": {"files": "a.txt"}}, "artifacts.files: 'a.txt' must be a non-empty list"),
    ({"artifacts": {"files": [""]}}, "artifacts.files[0]: '' must be a non-empty string"),
    ({"artifacts": {"files": ["a"], "discard-paths": "perhaps"}}, "discard-paths: 'perhaps'"),
    ({"artifacts": {"files": ["a"], "base-directory": ""}}, "base-directory: '' must be a"),
    ({"artifacts": {"files": ["a"], "exclude-paths": "b"}}, "exclude-paths: 'b' must be a"),
    ({"artifacts": {"files": ["a"], "enable-symlinks": "x"}}, "enable-symlinks: 'x' must be"),
    ({"artifacts": {"files": ["a"], "s3-prefix": ""}}, "s3-prefix: '' must be a non-empty"),
    ({"artifacts": {"files": ["a"], "type": 1}}, "artifacts.type: 1 must be a string"),
    ({"artifacts": {"files": ["a"], "secondary-artifacts": {}}}, "secondary-artifacts: {} must"),
    ({"artifacts": {"files": ["a"], "secondary-artifacts": {"s": {"name": "x"}}}},
     "artifacts.secondary-artifacts.s.files: required key is missing"),
    ({"artifacts": {"files": ["a"], "secondary-artifacts": {"s": {"files": ["b"], "x": 1}}}},
     "artifacts.secondary-artifacts.s.x: unknown key"),
    ({"artifacts": {"files": ["a"], "zip": True}}, "artifacts.zip: unknown key"),
    ({"cache": {"paths": []}}, "cache.paths: [] must be a non-empty list"),
    ({"cache": {"key": ""}}, "cache.key: '' must be a non-empty string"),
    ({"cache": {"fallback-keys": list("abcdef")}}, "must be a list of at most 5 cache key"),
    ({"cache": {"action": "both"}}, "cache.action: 'both' is not one of restore, save"),
    ({"cache": {"type": "S3"}}, "cache.type: unknown key"),
    ({"environment_variables": {"plaintext": {"A": "1"}}},
     "environment_variables: renamed to env in version 0.2"),
    ({"version": "0.1", "env": {"variables": {"A": "1"}}}, "env: needs version 0.2"),
    ({"environment_variables": {"secret": {}}}, "environment_variables.secret: unknown key"),
    ({"artefacts": {"files": ["a"]}}, "artefacts: unknown key (did you mean 'artifacts'?)"),
    ({"proxy": "on"}, "proxy: 'on' must be a mapping with upload-artifacts and logs"),
    ({"environment_variables": "x"}, "environment_variables: 'x' must be a mapping"),
    ({"batch": ["build-list"]}, "batch: must be a mapping with fast-fail and one of"),
    ({"batch": {"build-list": ["build1"]}}, "batch.build-list[0]: 'build1' must be a mapping"),
    ({"batch": {"build-list": [{"identifier": "a", "debug-session": "x"}]}},
     "debug-session: 'x' must be yes or no"),
    ({"batch": {"build-list": [{"identifier": "a", "buildspec": ""}]}},
     "build-list[0].buildspec: '' must be a non-empty string"),
    ({"batch": {"build-graph": [{"identifier": "a", "env": "x"}]}},
     "build-graph[0].env: 'x' must be a mapping of build environment overrides"),
    ({"batch": {"build-fanout": {"ignore-failure": "x"}}}, "ignore-failure: 'x' must be yes"),
    ({"batch": {"build-fanout": "x"}}, "batch.build-fanout: 'x' must be a mapping"),
    ({"batch": {"build-matrix": {"dynamic": {}, "other": 1}}}, "build-matrix.other: unknown"),
    ({"phases": {"install": "x"}}, "phases.install: 'x' must be a mapping with runtime-versions"),
    ({"phases": {"install": {"runtime-versions": "python"}}},
     "runtime-versions: 'python' must be a mapping of runtime names to versions"),
    ({"phases": {"install": {"finally": [["a"]]}}}, "phases.install.finally[0]: must be a"),
    ({"reports": {"": {"files": ["a"]}}}, "reports: key '' is not allowed"),
    ({"reports": "junit.xml"}, "reports: 'junit.xml' must be a mapping of report group"),
    ({"cache": "paths"}, "cache: 'paths' must be a mapping (paths, key, fallback-keys, action)"),
]


@pytest.mark.parametrize(("change", "expected"), RULES, ids=[r[1][:40] for r in RULES])
def test_every_rule_reports_the_key_path_and_the_rule(change: dict, expected: str) -> None:
    spec = {**VALID, **change}
    problems = validate_buildspec(spec)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "missing", ["version", "phases"], ids=["version", "phases"]
)
def test_required_top_level_keys(missing: str) -> None:
    spec = {k: v for k, v in VALID.items() if k != missing}
    assert validate_buildspec(spec) == [f"{missing}: required key is missing"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("version: 0.2\nphases:\n  build:\n    commands:\n    - a\n   - b\n",
         "buildspec: not valid YAML: expected <block end>"),
        ("version: [0.2\n", "buildspec: not valid YAML"),
        ("- version: 0.2\n", "buildspec: the top level must be a mapping of keys, got list"),
        ("", "buildspec: the top level must be a mapping of keys, got empty"),
        ("just text", "buildspec: the top level must be a mapping of keys, got str"),
        ("!!python/object/apply:os.system ['echo hacked']", "buildspec: not valid YAML"),
        ("x" * (bs.MAX_SOURCE_CHARS + 1), "characters, more than"),
        ("[" * 10_000, "buildspec: not valid YAML"),
    ],
    ids=["bad indent", "unclosed", "list", "empty", "scalar", "python tag", "huge", "deep"],
)
def test_unusable_text_is_a_problem_not_an_exception(source: str, expected: str) -> None:
    problems = validate_buildspec(source)
    assert len(problems) == 1 and expected in problems[0], problems


def test_non_mapping_inputs_and_odd_keys_are_problems() -> None:
    assert validate_buildspec(42) == ["buildspec: expected YAML text or a mapping, got int"]
    assert validate_buildspec(None) == ["buildspec: expected YAML text or a mapping, got NoneType"]
    assert "buildspec: key 1 must be a string" in validate_buildspec({**VALID, 1: "x"})
    deep: dict = {}
    node = deep
    for _ in range(80):
        node["a"] = {}
        node = node["a"]
    assert "nested more than 50 levels deep" in " ".join(validate_buildspec({**VALID, "x": deep}))


def test_problems_are_sorted_and_unique() -> None:
    problems = validate_buildspec((DATA.parent / "data" / "aws-batch-list.yml").read_text()
                                  .replace("fast-fail: false", "fast-fail: maybe\n  x: 1"))
    assert problems == sorted(set(problems), key=lambda p: (p.split(":")[0], p))
    assert len(problems) == 2


def test_load_buildspec_raises_value_error_listing_the_problems() -> None:
    with pytest.raises(ValueError, match=r"invalid buildspec: version: required key"):
        load_buildspec("phases: {}")
    assert load_buildspec("version: 0.2\nphases: {}\n") == {"version": "0.2", "phases": {}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, bs.RetryPolicy("ABORT")),
        ("ABORT", bs.RetryPolicy("ABORT")),
        ("CONTINUE", bs.RetryPolicy("CONTINUE")),
        ("RETRY", bs.RetryPolicy("RETRY", 3)),
        ("RETRY-0", bs.RetryPolicy("RETRY", 0)),
        ("RETRY-100", bs.RetryPolicy("RETRY", 100)),
        ("RETRY-2-Connection reset", bs.RetryPolicy("RETRY", 2, "Connection reset")),
        ("RETRY-.*timeout.*", bs.RetryPolicy("RETRY", 3, ".*timeout.*")),
    ],
)
def test_retry_policy_reads_every_on_failure_form(value, expected) -> None:
    assert retry_policy(value) == expected


@pytest.mark.parametrize("value", ["IGNORE", "RETRY-101", "RETRY-1-(", "retry"])
def test_retry_policy_rejects_bad_values_with_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        retry_policy(value)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.integers(), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(
    ["version", "phases", "env", "artifacts", "cache", "reports", "batch", "proxy", "run-as",
     "install", "build", "commands", "finally", "on-failure", "files", "variables"]
)
buildspec_like = st.recursive(
    st.sampled_from(["0.2", "0.1", "RETRY-2", "yes", "**/*", "echo hi", ""]) | json_like,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


@FUZZ
@given(st.one_of(json_like, buildspec_like, st.text(max_size=300), st.binary(max_size=50)))
def test_validate_never_raises_and_returns_strings(value) -> None:
    problems = validate_buildspec(value)
    assert isinstance(problems, list)
    assert all(isinstance(p, str) and p for p in problems)


@FUZZ
@given(st.dictionaries(keys, buildspec_like, max_size=5))
def test_validate_on_mappings_names_a_key_path(value) -> None:
    for problem in validate_buildspec(value):
        assert ": " in problem, problem


# ---------------------------------------------------------------------------------------
# The runner: phase transitions (one test per transition)


def test_all_phases_succeed_in_order_and_upload_artifacts(tmp_path: Path) -> None:
    result = run(
        with_phases(
            "  install:\n    commands: [echo i > i.txt]\n"
            "  pre_build:\n    commands: [echo p > p.txt]\n"
            "  build:\n    commands: [echo b > b.txt]\n"
            "  post_build:\n    commands: [echo o > o.txt]\n",
            "artifacts:\n  files: ['*.txt']\n",
        ),
        tmp_path,
    )
    assert result.phases == ALL_PHASES_OK
    assert result.succeeded
    assert result.artifacts == {"primary": ["b.txt", "i.txt", "o.txt", "p.txt"]}
    for name in ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS"):
        assert f"Entering phase {name}" in result.log
        assert f"Phase complete: {name} State: SUCCEEDED" in result.log


def test_a_failure_in_install_skips_to_finalizing(tmp_path: Path) -> None:
    result = run((EXAMPLES / "fails-in-install.yml").read_text(), tmp_path)
    assert result.phases == [("INSTALL", "FAILED")]
    assert not result.succeeded
    assert "never printed" not in result.log.replace("Running command echo \"never", "")
    assert "install finally still runs" in result.log
    assert "never runs" not in result.log
    assert result.artifacts_dir is None and result.artifacts == {}
    assert "Reason: exit status 3" in result.log


def test_a_failure_in_pre_build_skips_to_finalizing(tmp_path: Path) -> None:
    result = run((EXAMPLES / "fails-in-pre-build.yml").read_text(), tmp_path)
    assert result.phases == [("INSTALL", "SUCCEEDED"), ("PRE_BUILD", "FAILED")]
    assert not result.succeeded
    assert "never runs" not in result.log


def test_a_failure_in_build_still_runs_post_build_and_uploads(tmp_path: Path) -> None:
    result = run((EXAMPLES / "fails-in-build.yml").read_text(), tmp_path)
    assert result.phases == [
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "FAILED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
    ]
    assert not result.succeeded
    assert "finally sees CODEBUILD_BUILD_SUCCEEDING=0" in result.log
    assert "build failed: skipping the deployment step\n" in result.log
    assert result.artifacts == {"primary": ["build.log"]}
    assert (result.artifacts_dir / "primary" / "build.log").read_text() == "compiling\n"


@pytest.mark.parametrize("phase", ["install", "pre_build", "build", "post_build"])
def test_on_failure_continue_in_any_phase_runs_every_later_phase(tmp_path, phase) -> None:
    result = run(with_phases(f"  {phase}:\n    on-failure: CONTINUE\n    commands: ['false']\n"),
                 tmp_path)
    assert [name for name, _ in result.phases] == [name for name, _ in ALL_PHASES_OK]
    assert result.phase_status(phase.upper()) == "FAILED"


def test_on_failure_abort_is_the_default(tmp_path: Path) -> None:
    spec = "  build:\n    on-failure: ABORT\n    commands: ['false']\n"
    explicit = run(with_phases(spec), tmp_path)
    implicit = run(with_phases(spec.replace("    on-failure: ABORT\n", "")), tmp_path)
    assert explicit.phases == implicit.phases
    assert explicit.phase_status("POST_BUILD") == "SUCCEEDED"


def test_a_failure_in_post_build_still_uploads_artifacts(tmp_path: Path) -> None:
    result = run((EXAMPLES / "fails-in-post-build.yml").read_text(), tmp_path)
    assert result.phases[-2:] == [("POST_BUILD", "FAILED"), ("UPLOAD_ARTIFACTS", "SUCCEEDED")]
    assert not result.succeeded
    assert result.artifacts == {"primary": ["result.txt"]}


def test_on_failure_continue_moves_on_and_retry_retries_the_phase(tmp_path: Path) -> None:
    result = run((EXAMPLES / "continue-and-retry.yml").read_text(), tmp_path)
    assert result.phases == [
        ("INSTALL", "FAILED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "SUCCEEDED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
    ]
    assert result.retries == {"BUILD": 2}
    assert (tmp_path / "attempts.txt").read_text() == "x\nx\nx\n"
    assert not result.succeeded, "a CONTINUEd phase still failed: the build fails"


def test_retry_gives_up_after_its_count_and_then_aborts(tmp_path: Path) -> None:
    result = run(
        with_phases("  pre_build:\n    on-failure: RETRY\n    commands:\n"
                    "      - echo try >> tries.txt\n      - false\n"),
        tmp_path,
    )
    assert result.phases == [("INSTALL", "SUCCEEDED"), ("PRE_BUILD", "FAILED")]
    assert result.retries == {"PRE_BUILD": 3}
    assert (tmp_path / "tries.txt").read_text().count("try") == 4, "1 try + 3 retries"


@pytest.mark.parametrize(("regex", "tries"), [("exit status 7", 2), ("timeout", 1)])
def test_retry_with_a_regex_retries_only_matching_errors(
    tmp_path: Path, regex: str, tries: int
) -> None:
    result = run(
        with_phases(f"  build:\n    on-failure: RETRY-1-{regex}\n    commands:\n"
                    "      - echo try >> tries.txt\n      - exit 7\n"),
        tmp_path,
    )
    assert ("BUILD", "FAILED") in result.phases
    assert (tmp_path / "tries.txt").read_text().count("try") == tries


def test_commands_after_a_failing_command_do_not_run_but_finally_does(tmp_path: Path) -> None:
    result = run(
        with_phases("  build:\n    commands:\n      - echo one\n      - false\n"
                    "      - touch should-not-exist\n    finally:\n      - touch finally-ran\n"),
        tmp_path,
    )
    assert not (tmp_path / "should-not-exist").exists()
    assert (tmp_path / "finally-ran").exists()
    assert result.phase_status("BUILD") == "FAILED"
    assert result.phase_status("SUBMITTED") is None


def test_a_failing_finally_command_fails_the_phase(tmp_path: Path) -> None:
    spec = with_phases("  build:\n    commands: [echo ok]\n    finally: [exit 4]\n")
    result = run(spec, tmp_path)
    assert result.phase_status("BUILD") == "FAILED"
    assert "Reason: exit status 4" in result.log


def test_codebuild_build_succeeding_is_1_until_a_failure_then_0(tmp_path: Path) -> None:
    run(
        with_phases(
            "  install:\n    commands: [echo $CODEBUILD_BUILD_SUCCEEDING >> s.txt]\n"
            "  build:\n    commands: [echo $CODEBUILD_BUILD_SUCCEEDING >> s.txt, 'false']\n"
            "  post_build:\n    commands: [echo $CODEBUILD_BUILD_SUCCEEDING >> s.txt]\n"
        ),
        tmp_path,
    )
    assert (tmp_path / "s.txt").read_text().split() == ["1", "1", "0"]


def test_a_runaway_command_is_stopped_and_reported(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run(
        with_phases("  build:\n    commands:\n      - sleep 30 & sleep 30\n"
                    "    finally:\n      - echo cleanup\n"),
        tmp_path,
        phase_timeout=0.5,
    )
    assert time.monotonic() - started < 10
    assert result.phase_status("BUILD") == "FAILED"
    assert "Phase timeout of 0.5 s reached: stopped sleep 30 & sleep 30" in result.log
    assert "cleanup" in result.log, "finally still runs after a timeout"


# ---------------------------------------------------------------------------------------
# The runner: the shell, variables and secrets


def test_version_0_2_runs_all_commands_in_one_shell(tmp_path: Path) -> None:
    result = run((EXAMPLES / "one-shell.yml").read_text(), tmp_path)
    assert result.succeeded
    assert (result.artifacts_dir / "primary" / "greeting.txt").read_text() == "hello from test\n"
    run(
        with_phases(
            "  install:\n    commands:\n      - PLAIN=kept; f() { echo \"f:$1\"; }\n"
            "      - set -o pipefail\n"
            "  build:\n    commands:\n      - echo \"$PLAIN $(f x)\" > seen.txt\n"
            "      - false | true\n"
        ),
        tmp_path,
    )
    assert (tmp_path / "seen.txt").read_text() == "kept f:x\n"


def test_state_carries_over_even_when_a_command_empties_path(tmp_path: Path) -> None:
    result = run(
        with_phases("  build:\n    commands:\n      - KEEP=yes; export PATH=/nowhere\n"
                    "      - echo \"$KEEP\" > kept.txt\n"),
        tmp_path,
    )
    assert result.succeeded, result.log
    assert (tmp_path / "kept.txt").read_text() == "yes\n"


def test_version_0_1_runs_each_command_in_a_separate_shell(tmp_path: Path) -> None:
    result = run((EXAMPLES / "version-0.1.yml").read_text(), tmp_path)
    assert result.succeeded
    assert (tmp_path / "where.txt").read_text().strip() == str(tmp_path.resolve())
    result = run(
        "version: 0.1\nenvironment_variables:\n  plaintext:\n    STAGE: old\n"
        "phases:\n  build:\n    commands: [echo $STAGE > stage.txt]\n",
        tmp_path,
    )
    assert (tmp_path / "stage.txt").read_text() == "old\n"


def test_variables_are_exported_and_caller_env_overrides_them(tmp_path: Path) -> None:
    spec = (
        "version: 0.2\nenv:\n  variables:\n    STAGE: test\n    COUNT: 3\n"
        "phases:\n  build:\n    commands:\n"
        "      - bash -c 'echo $STAGE $COUNT $EXTRA' > vars.txt\n"
    )
    run(spec, tmp_path, env={"STAGE": "prod", "EXTRA": "x"})
    assert (tmp_path / "vars.txt").read_text() == "prod 3 x\n"


def test_codebuild_variables_are_set(tmp_path: Path) -> None:
    run(with_phases("  build:\n    commands: [env > env.txt]\n"), tmp_path, project="demo")
    env = dict(
        line.split("=", 1) for line in (tmp_path / "env.txt").read_text().splitlines()
        if "=" in line
    )
    assert env["CODEBUILD_SRC_DIR"] == str(tmp_path.resolve())
    assert env["CODEBUILD_BUILD_ID"].startswith("demo:")
    assert env["CODEBUILD_BUILD_ARN"].endswith(f":build/{env['CODEBUILD_BUILD_ID']}")
    assert env["CODEBUILD_BUILD_SUCCEEDING"] == "1"
    assert env["CODEBUILD_PROJECT_ARN"].endswith(":project/demo")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert Path(env["HOME"]).is_relative_to(tmp_path.resolve())
    assert "AWS_SECRET_ACCESS_KEY" not in env, "the caller's credentials do not leak in"


def test_every_variable_the_runner_sets_is_one_codebuild_documents(tmp_path: Path) -> None:
    assert set(bs.codebuild_environment(tmp_path)) <= variable_names()


def test_parameter_store_and_secrets_manager_values_come_from_the_caller(tmp_path: Path) -> None:
    spec = (
        "version: 0.2\nenv:\n  parameter-store:\n    PASSWORD: /CodeBuild/dockerLoginPassword\n"
        "  secrets-manager:\n    TOKEN: prod/app:token\n"
        "phases:\n  build:\n    commands: ['echo \"$PASSWORD $TOKEN\" > s.txt']\n"
    )
    secrets = {"/CodeBuild/dockerLoginPassword": "pw", "prod/app:token": "tk"}
    assert run(spec, tmp_path, secrets=secrets).succeeded
    assert (tmp_path / "s.txt").read_text() == "pw tk\n"
    with pytest.raises(ValueError, match=r"secrets-manager.TOKEN: no value for 'prod/app:token'"):
        run(spec, tmp_path, secrets={"/CodeBuild/dockerLoginPassword": "pw"})


def test_exported_variables_are_captured(tmp_path: Path) -> None:
    result = run(
        "version: 0.2\nenv:\n  exported-variables: [IMAGE_TAG, UNSET]\n"
        "phases:\n  build:\n    commands: [export IMAGE_TAG=abc1234]\n",
        tmp_path,
    )
    assert result.exported == {"IMAGE_TAG": "abc1234", "UNSET": ""}


# ---------------------------------------------------------------------------------------
# The runner: artifacts and reports


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_artifacts_honour_base_directory_discard_paths_and_exclude_paths(tmp_path: Path) -> None:
    tree(tmp_path, {"dist/a.js": "a", "dist/a.js.map": "m", "dist/lib/b.js": "b", "x.js": "x"})
    result = run(
        with_phases(
            "  build:\n    commands: [echo ok]\n",
            "artifacts:\n  base-directory: dist\n  files: ['**/*']\n"
            "  exclude-paths: ['**/*.map']\n"
            "  secondary-artifacts:\n    flat:\n      files: ['dist/**/*.js']\n"
            "      discard-paths: yes\n",
        ),
        tmp_path,
    )
    assert result.artifacts == {"primary": ["a.js", "lib/b.js"], "flat": ["a.js", "b.js"]}
    assert (result.artifacts_dir / "flat" / "b.js").read_text() == "b"
    assert (result.artifacts_dir / "primary" / "lib" / "b.js").read_text() == "b"


def test_artifact_patterns_match_like_codebuild(tmp_path: Path) -> None:
    tree(tmp_path, {"a.txt": "", "d/b.txt": "", "d/e/c.txt": "", "d/e/c.md": ""})
    assert match_files(tmp_path, ["*.txt"]) == ["a.txt"]
    assert match_files(tmp_path, ["**/*.txt"]) == ["a.txt", "d/b.txt", "d/e/c.txt"]
    assert match_files(tmp_path, ["d"]) == ["d/b.txt", "d/e/c.md", "d/e/c.txt"]
    assert match_files(tmp_path, ["d/?/c.*"], exclude=["**/*.md"]) == ["d/e/c.txt"]
    assert match_files(tmp_path, ["./a.txt"]) == ["a.txt"]


def test_no_matching_artifact_files_fails_upload_artifacts(tmp_path: Path) -> None:
    result = run(with_phases("  build:\n    commands: [echo ok]\n",
                             "artifacts:\n  files: [missing/*]\n"), tmp_path)
    assert result.phases[-1] == ("UPLOAD_ARTIFACTS", "FAILED")
    assert not result.succeeded
    assert "CLIENT_ERROR Message: no matching artifact paths found for primary" in result.log


def test_a_base_directory_outside_the_source_fails_the_upload(tmp_path: Path) -> None:
    work = tmp_path / "src"
    work.mkdir()
    result = run(with_phases("  build:\n    commands: [echo ok]\n",
                             "artifacts:\n  base-directory: ..\n  files: ['**/*']\n"), work)
    assert result.phases[-1] == ("UPLOAD_ARTIFACTS", "FAILED")
    assert "points outside the source directory" in result.log


def test_symlinks_are_copied_as_links_only_with_enable_symlinks(tmp_path: Path) -> None:
    tree(tmp_path, {"target.txt": "t"})
    (tmp_path / "link.txt").symlink_to("target.txt")
    spec = with_phases("  build:\n    commands: [echo ok]\n",
                       "artifacts:\n  files: [link.txt]\n  enable-symlinks: {}\n")
    linked = run(spec.format("yes"), tmp_path)
    assert (linked.artifacts_dir / "primary" / "link.txt").is_symlink()
    copied = run(spec.format("no"), tmp_path)
    assert not (copied.artifacts_dir / "primary" / "link.txt").is_symlink()
    assert (copied.artifacts_dir / "primary" / "link.txt").read_text() == "t"


def test_reports_are_collected_and_output_dir_can_be_chosen(tmp_path: Path) -> None:
    work, out = tmp_path / "src", tmp_path / "out"
    tree(work, {"reports/junit.xml": "<testsuite/>", "keep.txt": "k"})
    result = run(
        with_phases("  build:\n    commands: [echo ok]\n",
                    "reports:\n  tests:\n    base-directory: reports\n    files: ['*.xml']\n"
                    "  absent:\n    base-directory: nowhere\n    files: ['*.xml']\n"
                    "artifacts:\n  files: [keep.txt]\n"),
        work,
        output_dir=out,
    )
    assert result.reports == {"tests": ["junit.xml"], "absent": []}
    assert (out / "primary" / "keep.txt").read_text() == "k"


def test_odd_corners_of_matching_and_copying(tmp_path: Path) -> None:
    tree(tmp_path, {"docs/a.md": "", "docsx/b.md": ""})
    assert match_files(tmp_path, ["docs**"]) == ["docs/a.md", "docsx/b.md"]
    (tmp_path / "dangling.txt").symlink_to("nowhere.txt")
    result = run(with_phases("  build:\n    commands: [echo ok]\n",
                             "artifacts:\n  files: ['*.txt', 'docs/*']\n"), tmp_path)
    assert result.artifacts == {"primary": ["docs/a.md"]}, "a dangling link is skipped"


def test_json_booleans_as_commands_run_as_true_and_false(tmp_path: Path) -> None:
    spec = {"version": 0.2, "phases": {"build": {"commands": [True, False]}}}
    result = run_buildspec(spec, tmp_path, phase_timeout=FAST)
    assert "Running command true" in result.log and "Running command false" in result.log
    assert result.phase_status("BUILD") == "FAILED"


def test_a_command_flooding_its_output_is_stopped(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bs, "MAX_OUTPUT_BYTES", 100_000)
    result = run(with_phases("  build:\n    commands: ['yes']\n"), tmp_path)
    assert result.phase_status("BUILD") == "FAILED"
    assert "Output over 100000 bytes: stopped yes" in result.log


def test_huge_command_output_is_truncated_in_the_log(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bs, "MAX_COMMAND_OUTPUT", 100)
    result = run(with_phases("  build:\n    commands: ['seq 1 1000']\n"), tmp_path)
    assert "[output truncated by the local runner]" in result.log
    assert "\n999\n" not in result.log


def test_parse_buildspec_refuses_non_text() -> None:
    with pytest.raises(ValueError, match="expected YAML text, got bytes"):
        bs.parse_buildspec(b"version: 0.2")


def test_the_runner_leaves_only_its_artifacts_behind(tmp_path: Path) -> None:
    result = run(with_phases("  build:\n    commands: ['sleep 60 &', 'echo ok > ok.txt']\n",
                             "artifacts:\n  files: [ok.txt]\n"), tmp_path)
    assert result.succeeded
    local = tmp_path / bs.LOCAL_DIR
    assert sorted(p.name for p in local.iterdir()) == ["artifacts"], "the run's state is gone"
    assert sorted(p.name for p in tmp_path.iterdir()) == [bs.LOCAL_DIR, "ok.txt"]


# ---------------------------------------------------------------------------------------
# The runner: bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "version: 0.2"}, "invalid buildspec: phases: required key is missing"),
        ({"env": {"A": 1}}, "env: 'A' must map a string to a string"),
        ({"env": ["A=1"]}, "env: expected a mapping"),
        ({"env": {"A=B": "1"}}, "env: 'A=B' is not a usable variable name"),
        ({"secrets": "x"}, "secrets: expected a mapping"),
        ({"phase_timeout": 0}, "phase_timeout: must be a number of seconds"),
        ({"phase_timeout": "5"}, "phase_timeout: must be a number of seconds"),
        ({"source": "version: 0.2\nenv:\n  shell: cmd.exe\nphases: {}\n"},
         "env.shell: the local runner runs Linux shells only"),
    ],
)
def test_bad_runner_input_raises_value_error(tmp_path: Path, kwargs: dict, message: str) -> None:
    source = kwargs.pop("source", "version: 0.2\nphases: {}\n")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_buildspec(source, tmp_path, **kwargs)


def test_a_missing_workdir_raises_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a directory"):
        run_buildspec("version: 0.2\nphases: {}\n", tmp_path / "nope")


# Commands that happen to be valid run with an empty PATH: only bash builtins exist.
NO_PROGRAMS = {"PATH": "/nonexistent"}


@FUZZ
@given(st.one_of(json_like, buildspec_like, st.text(max_size=200)))
def test_run_buildspec_raises_only_value_error_on_garbage(source) -> None:
    with tempfile.TemporaryDirectory() as work:
        try:
            result = run_buildspec(source, Path(work), NO_PROGRAMS, phase_timeout=1)
        except ValueError as error:
            assert str(error)
        else:
            assert isinstance(result, BuildRun)


@FUZZ
@given(json_like, json_like, json_like)
def test_run_buildspec_checks_env_secrets_and_timeout(env, secrets, timeout) -> None:
    with tempfile.TemporaryDirectory() as work:
        try:
            result = run_buildspec("version: 0.2\nphases: {}\n", Path(work), env,
                                   secrets=secrets, phase_timeout=timeout)
        except ValueError as error:
            assert str(error)
        else:
            assert result.succeeded


# ---------------------------------------------------------------------------------------
# The project's own buildspec, run against a tiny stand-in project

STAND_IN_MAKEFILE = """\
.PHONY: setup test
setup:
\tmkdir -p .venv/bin
\tprintf '#!/bin/sh\\nmkdir -p site && echo "<h1>handbook</h1>" > site/index.html\\n' \\
\t  > .venv/bin/mkdocs
\tchmod +x .venv/bin/mkdocs
test:
\tmkdir -p reports
\techo '<testsuite tests="1" failures="$(FAILURES)"/>' > reports/junit.xml
\ttest "$(FAILURES)" = "0"
"""


def stand_in(root: Path, failures: int) -> None:
    (root / "Makefile").write_text(
        STAND_IN_MAKEFILE.replace("$(FAILURES)", str(failures))
    )


def test_the_project_buildspec_builds_the_site_artifact(tmp_path: Path) -> None:
    stand_in(tmp_path, failures=0)
    result = run(PROJECT_BUILDSPEC.read_text(), tmp_path,
                 env={"CODEBUILD_RESOLVED_SOURCE_VERSION": "abc1234"})
    assert result.phases == ALL_PHASES_OK, result.log
    assert result.succeeded
    assert result.artifacts == {"primary": ["index.html"]}
    assert result.reports == {"aws-cicd-handbook-tests": ["junit.xml"]}
    assert result.exported == {"SITE_COMMIT": "abc1234"}
    assert "Local run: runtime-versions {'python': '3.12'} not applied" in result.log
    assert "Site built from abc1234" in result.log


def test_the_project_buildspec_fails_when_the_tests_fail(tmp_path: Path) -> None:
    stand_in(tmp_path, failures=1)
    result = run(PROJECT_BUILDSPEC.read_text(), tmp_path)
    assert result.phase_status("BUILD") == "FAILED"
    assert result.phase_status("POST_BUILD") == "SUCCEEDED"
    assert result.phase_status("UPLOAD_ARTIFACTS") == "FAILED", "no site was built"
    assert result.reports == {"aws-cicd-handbook-tests": ["junit.xml"]}, "reports still upload"
    assert "Tests or site build failed" in result.log


def test_the_project_buildspec_runs_the_real_commands_the_notes_name() -> None:
    data = load_buildspec(PROJECT_BUILDSPEC.read_text())
    commands = " ".join(
        str(c) for phase in data["phases"].values() for c in phase.get("commands", [])
    )
    assert "make test" in commands
    assert "mkdocs build --strict --site-dir site" in commands
    assert data["artifacts"]["base-directory"] == "site"
    assert data["phases"]["install"]["runtime-versions"]["python"] == "3.12"
    makefile = (REPO / "Makefile").read_text()
    assert "PYTEST_ARGS ?=" in makefile and "setup:" in makefile


# ---------------------------------------------------------------------------------------
# The command-line tool


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def test_check_exits_0_for_a_valid_buildspec() -> None:
    code, out, err = cli("check", str(PROJECT_BUILDSPEC))
    assert (code, err) == (0, "")
    assert out.endswith("valid buildspec\n")


def test_check_exits_1_and_lists_problems(tmp_path: Path) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text("version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n")
    code, out, err = cli("check", str(path))
    assert code == 1 and err == ""
    assert f"{path}: phases.build.on-failure: 'IGNORE' is not one of ABORT" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("DIR", "is a directory"),
        (b"\xff\xfe\x00version", "not UTF-8 text"),
        ("version: [0.2\n", "not valid YAML"),
        ("- a\n- b\n", "the top level must be a mapping of keys, got a list"),
        ("", "got an empty file"),
    ],
    ids=["missing", "directory", "binary", "not yaml", "list", "empty"],
)
@pytest.mark.parametrize("command", ["check", "run"])
def test_unusable_input_exits_2_with_one_line(tmp_path, content, message, command) -> None:
    path = tmp_path / "buildspec.yml"
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    code, out, err = cli(command, str(path), *(["--workdir", str(tmp_path)] * (command == "run")))
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
    assert out == ""


def test_run_exits_0_when_the_build_succeeds_and_1_when_it_fails(tmp_path: Path) -> None:
    code, out, _ = cli("run", str(EXAMPLES / "one-shell.yml"), "--workdir", str(tmp_path))
    assert code == 0
    assert "UPLOAD_ARTIFACTS SUCCEEDED\nBUILD SUCCEEDED\n" in out
    code, out, _ = cli("run", str(EXAMPLES / "fails-in-pre-build.yml"), "--workdir",
                       str(tmp_path), "--timeout", "5")
    assert code == 1
    assert out.endswith("INSTALL          SUCCEEDED\nPRE_BUILD        FAILED\nBUILD FAILED\n")


def test_run_takes_env_and_secrets_and_prints_exported_variables(tmp_path: Path) -> None:
    spec = tmp_path / "b.yml"
    spec.write_text(
        "version: 0.2\nenv:\n  parameter-store:\n    PW: /p\n  exported-variables: [OUT]\n"
        "phases:\n  build:\n    commands: ['export OUT=\"$A-$PW\"']\n"
    )
    code, out, _ = cli("run", str(spec), "--workdir", str(tmp_path), "--env", "A=1",
                       "--secret", "/p=2")
    assert code == 0
    assert "exported OUT=1-2" in out
    code, _, err = cli("run", str(spec), "--workdir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "no value for '/p'" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required"),
        (["lint", "x"], "invalid choice"),
        (["run", "B", "--env", "novalue"], "--env 'novalue': expected NAME=VALUE"),
        (["run", "B", "--timeout", "soon"], "invalid float value"),
        (["run", "B", "--timeout", "-1"], "phase_timeout: must be a number of seconds"),
        (["run", "B", "--workdir", "MISSING"], "is not a directory"),
        (["check", "B", "extra"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, argv, message) -> None:
    (tmp_path / "B").write_text("version: 0.2\nphases: {}\n")
    argv = [str(tmp_path / a) if a in ("B", "MISSING") else a for a in argv]
    code, _, err = cli(*argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err, err


def test_run_with_an_invalid_buildspec_exits_1_and_lists_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "b.yml"
    path.write_text("version: 0.2\nphases:\n  compile: {}\n")
    code, out, _ = cli("run", str(path), "--workdir", str(tmp_path))
    assert code == 1 and "phases.compile: unknown key" in out


EXPECTED_EXIT = {
    "continue-and-retry.yml": 1,
    "fails-in-build.yml": 1,
    "fails-in-install.yml": 1,
    "fails-in-post-build.yml": 1,
    "fails-in-pre-build.yml": 1,
    "one-shell.yml": 0,
    "version-0.1.yml": 0,
}


def test_every_example_on_the_pages_is_covered_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yml")) == sorted(EXPECTED_EXIT)


@pytest.mark.parametrize(("name", "exit_code"), sorted(EXPECTED_EXIT.items()))
def test_the_tools_work_on_every_example_on_the_pages(tmp_path, name, exit_code) -> None:
    path = EXAMPLES / name
    assert cli("check", str(path))[0] == 0
    code, out, err = cli("run", str(path), "--workdir", str(tmp_path), "--timeout", "10")
    assert (code, err) == (exit_code, ""), out
    assert out.endswith(("BUILD SUCCEEDED\n", "BUILD FAILED\n"))


def test_help_exits_0() -> None:
    for argv in (["--help"], ["check", "--help"], ["run", "--help"]):
        code, out, _ = cli(*argv)
        assert code == 0 and "usage:" in out


def test_the_module_runs_with_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.build.buildspec", "check", str(PROJECT_BUILDSPEC)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_check_on_any_file_exits_0_1_or_2_and_never_tracebacks(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "buildspec.yml"
        path.write_bytes(content)
        code, _, err = cli("check", str(path))
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1 and "Traceback" not in err
    else:
        assert err == ""


@FUZZ
@given(st.lists(st.sampled_from(["check", "run", "--workdir", "--env", "--secret", "A=1",
                                 "--timeout", "x", "0.5", "nope.yml", "", "-", "--"]),
                max_size=6))
def test_the_cli_on_any_arguments_exits_0_1_or_2(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as work, contextlib.chdir(work):
        code, _, err = cli(*argv)
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1, err


def test_the_schema_file_is_plain_json_without_duplicate_keys() -> None:
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(bs.SCHEMA_PATH.read_text(), object_pairs_hook=no_duplicates)
