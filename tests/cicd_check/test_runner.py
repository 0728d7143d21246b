"""The local runner: CodeBuild's phase rules, the shell, variables and secrets, artifacts,
and the ``cicd-check run`` command (what it passes to the build, and what it reports)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import runner as rn
from cicd_check.cli import main
from cicd_check.runner import BuildRun, match_files, retry_policy, run_buildspec
from snippets.build.codebuild import variable_names
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "snippets" / "build" / "examples"
FAST = 20.0  # seconds a phase may take in these tests (generous: the machine is shared)

ALL_PHASES_OK = [
    ("INSTALL", "SUCCEEDED"),
    ("PRE_BUILD", "SUCCEEDED"),
    ("BUILD", "SUCCEEDED"),
    ("POST_BUILD", "SUCCEEDED"),
    ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
]


def run(text: str, workdir: Path, **kwargs) -> BuildRun:
    kwargs.setdefault("phase_timeout", FAST)
    return run_buildspec(text, workdir, **kwargs)


def with_phases(phases: str, extra: str = "") -> str:
    return f"version: 0.2\nphases:\n{phases}\n{extra}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, rn.RetryPolicy("ABORT")),
        ("ABORT", rn.RetryPolicy("ABORT")),
        ("CONTINUE", rn.RetryPolicy("CONTINUE")),
        ("RETRY", rn.RetryPolicy("RETRY", 3)),
        ("RETRY-0", rn.RetryPolicy("RETRY", 0)),
        ("RETRY-100", rn.RetryPolicy("RETRY", 100)),
        ("RETRY-2-Connection reset", rn.RetryPolicy("RETRY", 2, "Connection reset")),
        ("RETRY-.*timeout.*", rn.RetryPolicy("RETRY", 3, ".*timeout.*")),
    ],
)
def test_retry_policy_reads_every_on_failure_form(value, expected) -> None:
    assert retry_policy(value) == expected


@pytest.mark.parametrize("value", ["IGNORE", "RETRY-101", "RETRY-1-(", "retry"])
def test_retry_policy_rejects_bad_values_with_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        retry_policy(value)


def test_a_catastrophic_retry_regex_is_bounded_in_time() -> None:
    started = time.monotonic()
    assert not rn.retry_matches("^(a|a)*$", "a" * 60 + "!", timeout=0.2)
    assert time.monotonic() - started < 5
    assert rn.retry_matches("exit status [0-9]+", "Reason: exit status 7")


def test_a_run_with_a_catastrophic_retry_regex_ends(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rn, "RETRY_MATCH_SECONDS", 0.2)
    started = time.monotonic()
    result = run(with_phases("  build:\n    on-failure: RETRY-2-^(E|E)*$\n"
                             "    commands: ['false']\n"), tmp_path)
    assert result.phase_status("BUILD") == "FAILED" and result.retries == {}
    assert time.monotonic() - started < 15


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
    assert set(rn.codebuild_environment(tmp_path)) <= variable_names()


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
    monkeypatch.setattr(rn, "MAX_OUTPUT_BYTES", 100_000)
    result = run(with_phases("  build:\n    commands: ['yes']\n"), tmp_path)
    assert result.phase_status("BUILD") == "FAILED"
    assert "Output over 100000 bytes: stopped yes" in result.log


def test_huge_command_output_is_truncated_in_the_log(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(rn, "MAX_COMMAND_OUTPUT", 100)
    result = run(with_phases("  build:\n    commands: ['seq 1 1000']\n"), tmp_path)
    assert "[output truncated by the local runner]" in result.log
    assert "\n999\n" not in result.log


def test_the_runner_leaves_only_its_artifacts_behind(tmp_path: Path) -> None:
    result = run(with_phases("  build:\n    commands: ['sleep 60 &', 'echo ok > ok.txt']\n",
                             "artifacts:\n  files: [ok.txt]\n"), tmp_path)
    assert result.succeeded
    local = tmp_path / rn.LOCAL_DIR
    assert sorted(p.name for p in local.iterdir()) == ["artifacts"], "the run's state is gone"
    assert sorted(p.name for p in tmp_path.iterdir()) == [rn.LOCAL_DIR, "ok.txt"]


# ---------------------------------------------------------------------------------------
# What the build sees, what it reports


def test_every_missing_secret_is_reported_at_once(tmp_path: Path) -> None:
    spec = ("version: 0.2\nenv:\n  parameter-store:\n    A: /a\n    B: /b\n"
            "  secrets-manager:\n    C: prod/c:key\nphases: {}\n")
    with pytest.raises(ValueError) as caught:
        run(spec, tmp_path, secrets={"/b": "2"})
    message = str(caught.value)
    assert message.startswith("2 stored values missing: ")
    assert "env.parameter-store.A: no value for '/a'" in message
    assert "env.secrets-manager.C: no value for 'prod/c:key'" in message
    assert "--secret /a=VALUE --secret prod/c:key=VALUE" in message
    assert "/b" not in message.split("(")[0].replace("'/a'", "")


def test_the_callers_environment_is_not_passed_to_the_build(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    run(with_phases("  build:\n    commands: [env > env.txt]\n"), tmp_path)
    seen = (tmp_path / "env.txt").read_text()
    assert "do-not-leak" not in seen and "AWS_PROFILE" not in seen
    assert "AWS_REGION=us-east-1" in seen, "the caller's Region is not taken either"
    assert f"PATH={os.environ['PATH']}" in seen, "PATH is, so programs are found"


def test_failing_commands_point_at_the_buildspecs_line(tmp_path: Path) -> None:
    spec = ("version: 0.2\nphases:\n  build:\n    commands:\n      - echo one\n"
            "      - |\n        echo two\n        no-such-program-xyz --flag\n")
    result = run(spec, tmp_path)
    assert "buildspec.yml: line 8: no-such-program-xyz: command not found" in result.log
    assert result.failed_commands == ["buildspec.yml:7: phases.build.commands[1]: echo two ..."]
    assert "the failing command is phases.build.commands[1], buildspec.yml:7" in result.log
    assert "command.sh" not in result.log, "never the runner's own script"


def test_a_mapping_has_no_lines_but_still_names_the_command(tmp_path: Path) -> None:
    result = run_buildspec({"version": "0.2", "phases": {"build": {"finally": ["exit 3"]}}},
                           tmp_path, phase_timeout=FAST)
    assert result.failed_commands == ["buildspec.yml: phases.build.finally[0]: exit 3"]


def test_an_invalid_buildspec_is_refused_with_every_error_and_its_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        run("version: 0.2\nphases:\n  biuld: {}\n  build:\n    commands: [echo a: b]\n",
            tmp_path)
    message = str(caught.value)
    assert message.startswith("invalid buildspec: ")
    assert "phases.biuld: unknown key (did you mean 'build'?) (line 3)" in message
    assert "phases.build.commands[0]" in message


def test_a_batch_only_buildspec_runs_no_phase_commands(tmp_path: Path) -> None:
    result = run("version: 0.2\nbatch:\n  build-list:\n    - identifier: a\n", tmp_path)
    assert result.succeeded and result.phases == ALL_PHASES_OK


# ---------------------------------------------------------------------------------------
# Bad input

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
bad_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                       st.sampled_from(["RETRY-1", "CONTINUE", "exit 3", "a: b", "yes"]),
                       st.lists(st.text(max_size=8), max_size=3), JUNK)
PLACES = [("version",), ("env", "variables", "A"), ("env", "shell"), ("env", "exported-variables"),
          ("phases", "build", "commands"), ("phases", "build", "commands", 0),
          ("phases", "build", "on-failure"), ("phases", "build", "finally"),
          ("artifacts", "files"), ("artifacts", "base-directory"), ("artifacts", "discard-paths"),
          ("reports", "r", "files"), ("reports", "r", "base-directory")]


def _spec_with(place: tuple, value: object) -> dict:
    spec: dict = {"version": "0.2", "env": {"variables": {"A": "1"}, "exported-variables": ["A"]},
                  "phases": {"build": {"commands": ["echo $A"], "finally": [":"]}},
                  "artifacts": {"files": ["**/*"]}, "reports": {"r": {"files": ["*.xml"]}}}
    node = spec
    for part in place[:-1]:
        node = node[part]
    node[place[-1]] = value
    return spec


@FUZZ
@given(st.sampled_from(PLACES), bad_values)
def test_one_bad_value_in_a_runnable_buildspec_is_a_value_error_or_a_run(place, value) -> None:
    with tempfile.TemporaryDirectory() as work:
        try:
            result = run_buildspec(_spec_with(place, value), Path(work), NO_PROGRAMS,
                                   phase_timeout=2)
        except ValueError as error:
            assert str(error)
        else:
            assert isinstance(result, BuildRun) and result.phases


@FUZZ
@given(st.one_of(JUNK, st.text(max_size=200)))
def test_run_buildspec_raises_only_value_error_on_garbage(source) -> None:
    with tempfile.TemporaryDirectory() as work:
        try:
            result = run_buildspec(source, Path(work), NO_PROGRAMS, phase_timeout=1)
        except ValueError as error:
            assert str(error)
        else:
            assert isinstance(result, BuildRun)


@FUZZ
@given(JUNK, JUNK, JUNK)
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
# cicd-check run


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["run", *argv])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def test_run_exits_0_when_the_build_succeeds_and_1_when_it_fails(tmp_path: Path) -> None:
    code, out, _ = cli(str(EXAMPLES / "one-shell.yml"), "--workdir", str(tmp_path))
    assert code == 0
    assert "UPLOAD_ARTIFACTS SUCCEEDED\nBUILD SUCCEEDED\n" in out
    code, out, _ = cli(str(EXAMPLES / "fails-in-pre-build.yml"), "--workdir", str(tmp_path),
                       "--timeout", "5")
    assert code == 1
    assert out.endswith("INSTALL          SUCCEEDED\nPRE_BUILD        FAILED\nBUILD FAILED\n")
    assert f"failed {EXAMPLES / 'fails-in-pre-build.yml'}:" in out


def test_run_takes_env_secrets_and_pass_env(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MY_PROFILE", "dev")
    spec = tmp_path / "b.yml"
    spec.write_text(
        "version: 0.2\nenv:\n  parameter-store:\n    PW: /p\n  exported-variables: [OUT]\n"
        "phases:\n  build:\n    commands: ['export OUT=\"$A-$PW-${MY_PROFILE:-none}\"']\n"
    )
    code, out, _ = cli(str(spec), "--workdir", str(tmp_path), "--env", "A=1", "--secret", "/p=2")
    assert code == 0 and "exported OUT=1-2-none" in out, "MY_PROFILE is not passed unasked"
    code, out, _ = cli(str(spec), "--workdir", str(tmp_path), "--env", "A=1", "--secret", "/p=2",
                       "--pass-env", "MY_PROFILE")
    assert code == 0 and "exported OUT=1-2-dev" in out
    code, _, err = cli(str(spec), "--workdir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "no value for '/p'" in err


def test_help_says_plainly_that_it_runs_commands_on_this_machine() -> None:
    code, out, _ = cli("--help")
    text = " ".join(out.split())
    assert code == 0 and "ON THIS MACHINE" in text and "never your AWS credentials" in text
    assert "--pass-env NAME" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("DIR", "is a directory"),
        (b"\xff\xfe\x00version", "not UTF-8 text"),
    ],
    ids=["missing", "directory", "binary"],
)
def test_unusable_input_exits_2_with_one_line(tmp_path, content, message) -> None:
    path = tmp_path / "buildspec.yml"
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    code, out, err = cli(str(path), "--workdir", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(
    ("content", "expected"),
    [("version: [0.2\n", "BS001"), ("- a\n- b\n", "BS001"), ("", "BS001"),
     ("version: 0.2\nphases:\n  compile: {}\n", "phases.compile: unknown key")],
    ids=["not yaml", "list", "empty", "unknown key"],
)
def test_an_invalid_buildspec_exits_1_and_runs_nothing(tmp_path, content, expected) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text(content)
    code, out, _ = cli(str(path), "--workdir", str(tmp_path))
    assert code == 1 and expected in out and "Entering phase" not in out
    assert not (tmp_path / rn.LOCAL_DIR).exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required"),
        (["B", "--env", "novalue"], "--env 'novalue': expected NAME=VALUE"),
        (["B", "--timeout", "soon"], "invalid float value"),
        (["B", "--timeout", "-1"], "phase_timeout: must be a number of seconds"),
        (["B", "--workdir", "MISSING"], "is not a directory"),
        (["B", "--pass-env", "CICD_CHECK_SURELY_UNSET"], "not set in your environment"),
        (["B", "extra"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, argv, message) -> None:
    (tmp_path / "B").write_text("version: 0.2\nphases: {}\n")
    argv = [str(tmp_path / a) if a in ("B", "MISSING") else a for a in argv]
    code, _, err = cli(*argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err, err


def test_the_command_runs_with_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cicd_check", "run", str(EXAMPLES / "one-shell.yml"),
         "--workdir", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("BUILD SUCCEEDED\n")


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_run_on_any_file_exits_0_1_or_2_and_never_tracebacks(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "buildspec.yml"
        path.write_bytes(content)
        code, out, err = cli(str(path), "--workdir", work, "--env", "PATH=/nonexistent",
                             "--timeout", "2")
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.count("\n") == 1


@FUZZ
@given(st.lists(st.sampled_from(["--workdir", "--env", "--secret", "--pass-env", "A=1",
                                 "--timeout", "x", "0.5", "nope.yml", "", "-", "--"]),
                max_size=6))
def test_run_on_any_arguments_exits_0_1_or_2(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as work, contextlib.chdir(work):
        code, _, err = cli(*argv)
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1, err
