"""Run a buildspec's phases on THIS machine, the way CodeBuild runs them in its container.

The runner exists so a reader can see what CodeBuild does after a failing command (which
phases still run, what ``CODEBUILD_BUILD_SUCCEEDING`` says, which files become the
artifact) without an AWS account. It runs the buildspec's commands with bash, as the user
who calls it, in the directory it is given: run only buildspecs you trust.

The build sees only the environment the buildspec and the caller give it (``env``,
``secrets``; ``cicd-check run --env/--secret/--pass-env``), plus ``PATH`` so that programs
are found: never the caller's AWS credentials or other variables unless passed on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from cicd_check import output
from cicd_check.buildspec import (
    MAX_SOURCE_CHARS,
    RETRY,
    check_text,
    load_buildspec,
    retry_regex_problem,
)
from cicd_check.contract import OneLineParser, UnusableInput, read_text
from cicd_check.documents import load_document
from cicd_check.findings import dotted, errors
from cicd_check.safe_yaml import YamlError

PHASE_TRANSITIONS = (
    "https://docs.aws.amazon.com/codebuild/latest/userguide/"
    "view-build-details.html#view-build-details-phases"
)
MAX_COMMAND_OUTPUT = 1_000_000  # bytes of one command's output kept in the log
MAX_OUTPUT_BYTES = 50_000_000  # a command writing more output than this is stopped
BASH = shutil.which("bash") or "/bin/bash"
DEFAULT_PHASE_TIMEOUT = 600.0  # seconds; CodeBuild's own limit is the build timeout
LOCAL_DIR = ".codebuild-local"  # the runner's own files, inside the workdir
RETRY_MATCH_SECONDS = 1.0  # a RETRY-<regex> match that takes longer counts as no match
FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# --8<-- [start:phases]
# The build phases a buildspec declares, and the names CodeBuild reports them under.
BUILD_PHASES: dict[str, str] = {
    "install": "INSTALL",
    "pre_build": "PRE_BUILD",
    "build": "BUILD",
    "post_build": "POST_BUILD",
}
UPLOAD_ARTIFACTS = "UPLOAD_ARTIFACTS"
# A failure here skips straight to FINALIZING: no later phase, no artifact upload.
SKIP_TO_FINALIZING = {"install", "pre_build"}
DEFAULT_RETRIES = 3  # on-failure: RETRY
# --8<-- [end:phases]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."




# --8<-- [start:retry]
@dataclass(frozen=True)
class RetryPolicy:
    """What ``on-failure`` asks for: give up, continue, or retry the phase."""

    action: str  # "ABORT", "CONTINUE" or "RETRY"
    retries: int = 0
    pattern: str | None = None  # retry only when the error message matches this regex


def retry_policy(on_failure: str | None) -> RetryPolicy:
    """Read an ``on-failure`` value; ``ValueError`` names what is wrong with it."""
    if on_failure is None or on_failure == "ABORT":
        return RetryPolicy("ABORT")
    if on_failure == "CONTINUE":
        return RetryPolicy("CONTINUE")
    if on_failure == "RETRY":
        return RetryPolicy("RETRY", DEFAULT_RETRIES)
    match = re.fullmatch(RETRY, str(on_failure), re.DOTALL)
    if match is None:
        raise ValueError(f"{_short(on_failure)} is not ABORT, CONTINUE or RETRY[-count][-regex]")
    count, pattern = match.group(1), match.group(2) or match.group(3)
    retries = int(count) if count is not None else DEFAULT_RETRIES
    if retries > 100:
        raise ValueError(f"retry count {retries} is more than 100")
    if pattern is not None:
        problem = retry_regex_problem(pattern)
        if problem and problem[0] == "compile":
            raise ValueError(problem[1])
    return RetryPolicy("RETRY", retries, pattern)


def retry_matches(pattern: str, message: str, timeout: float = RETRY_MATCH_SECONDS) -> bool:
    """Does the error message match a RETRY regex? A match that runs too long is no match."""
    try:
        return regex.search(pattern, message, timeout=timeout) is not None
    except TimeoutError:
        return False
# --8<-- [end:retry]


# --8<-- [start:buildrun]
@dataclass
class BuildRun:
    """What a local run did, reported the way CodeBuild's console reports a build."""

    phases: list[tuple[str, str]] = field(default_factory=list)  # (INSTALL, SUCCEEDED), ...
    succeeded: bool = False
    log: str = ""
    artifacts: dict[str, list[str]] = field(default_factory=dict)  # identifier -> files
    artifacts_dir: Path | None = None
    reports: dict[str, list[str]] = field(default_factory=dict)  # report group -> files
    exported: dict[str, str] = field(default_factory=dict)  # env.exported-variables
    retries: dict[str, int] = field(default_factory=dict)  # phase -> retries used
    failed_commands: list[str] = field(default_factory=list)  # "buildspec.yml:12: ..."

    def phase_status(self, name: str) -> str | None:
        """The status of one phase, or None when it did not run."""
        return dict(self.phases).get(name)
# --8<-- [end:buildrun]


@dataclass(frozen=True)
class _Result:
    exit_code: int
    output: str
    stopped: str  # "" ran to the end; "timeout" or "output" when the runner killed it


# The command itself is sourced from a file padded to its buildspec line, so bash's own
# errors ("line 12: npx: command not found") name the buildspec's line, not this script's.
# bash that restores the previous command's shell state, runs one command, saves the state.
# Each command gets its own process, so a runaway command can be killed without losing
# what earlier commands did (cd, export, plain variables, functions, set -o options).
# Only bash builtins are used, so a command that empties PATH cannot break the hand-over.
_COMMAND_SCRIPT = r"""
__cb_state="$1"; __cb_command="$2"; __cb_succeeding="$CODEBUILD_BUILD_SUCCEEDING"
if [ -n "$__cb_state" ] && [ -f "$__cb_state" ]; then
  for __cb_name in $(compgen -e); do unset "$__cb_name" 2>/dev/null; done
  . "$__cb_state"
fi
export CODEBUILD_BUILD_SUCCEEDING="$__cb_succeeding"
__cb_save() {
  __cb_rc=$?
  if [ -n "$__cb_state" ]; then
    {
      for __cb_name in $(compgen -v); do
        case "$__cb_name" in
          BASH*|EUID|UID|PPID|SHELLOPTS|FUNCNAME|GROUPS|RANDOM|SRANDOM|SECONDS|LINENO|\
HISTCMD|PIPESTATUS|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|COMP_*|_|__cb_*|PWD|OLDPWD|SHLVL|\
OPTIND|OPTARG|CODEBUILD_BUILD_SUCCEEDING) continue ;;
        esac
        __cb_decl=$(declare -p "$__cb_name" 2>/dev/null) || continue
        __cb_flags="${__cb_decl#declare }"
        case "${__cb_flags%% *}" in *r*) continue ;; esac
        case "$__cb_decl" in "declare -"*) printf '%s\n' "$__cb_decl" ;; esac
      done
      declare -f
      while IFS= read -r __cb_line; do
        case "$__cb_line" in *" history"|*" monitor"|*" interactive-comments") ;;
          *) printf '%s\n' "$__cb_line" ;; esac
      done < <(set +o)
      printf 'cd -- %q 2>/dev/null || true\n' "$PWD"
    } > "$__cb_state" 2>/dev/null
  fi
  exit "$__cb_rc"
}
trap __cb_save EXIT
. "$__cb_command"
"""


class _Shell:
    """Runs commands one at a time, carrying shell state over in version 0.2."""

    def __init__(self, workdir: Path, env: dict[str, str], state_dir: Path, keep_state: bool):
        self.workdir = workdir
        self.env = env
        self.output_file = state_dir / "command.out"
        self.command_file = state_dir / "command.sh"
        self.state_file = state_dir / "shell.state" if keep_state else None
        self.sessions: list[int] = []
        self.name = "buildspec"  # how the output names the buildspec

    def run(self, command: str, timeout: float, line: int | None = None) -> _Result:
        state = str(self.state_file) if self.state_file else ""
        padding = "\n" * (line - 1) if line and line < 100_000 else ""
        self.command_file.write_text(padding + command + "\n", encoding="utf-8",
                                     errors="surrogateescape")
        deadline = time.monotonic() + max(timeout, 0.01)
        with self.output_file.open("wb") as out:
            process = subprocess.Popen(
                [BASH, "--noprofile", "--norc", "-c", _COMMAND_SCRIPT, "bash", state,
                 str(self.command_file)],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.sessions.append(process.pid)
            stopped = ""
            while (exit_code := process.poll()) is None:
                if time.monotonic() >= deadline:
                    stopped = "timeout"
                elif self.output_file.stat().st_size > MAX_OUTPUT_BYTES:
                    stopped = "output"  # `yes` would otherwise fill the disk
                if stopped:
                    _kill_group(process.pid)
                    exit_code = process.wait()
                    break
                time.sleep(0.02)
        text = self.output_file.read_bytes()[:MAX_COMMAND_OUTPUT].decode(errors="replace")
        if self.output_file.stat().st_size > MAX_COMMAND_OUTPUT:
            text += "\n[output truncated by the local runner]\n"
        text = text.replace(f"{self.command_file}: ", f"{self.name}: ")
        return _Result(exit_code, text, stopped)

    def stop_leftovers(self) -> None:
        """Kill background processes the commands left behind (CodeBuild drops the box)."""
        for pid in self.sessions:
            _kill_group(pid)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"


class _Log:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def container(self, message: str) -> None:
        self.parts.append(f"[Container] {_stamp()} {message}\n")

    def output(self, text: str) -> None:
        if text:
            self.parts.append(text if text.endswith("\n") else text + "\n")

    def text(self) -> str:
        return "".join(self.parts)


def _command_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"yes", "true", "on", "y"}


# --8<-- [start:environment]
def codebuild_environment(
    workdir: Path, project: str = "local-project", region: str = "us-east-1"
) -> dict[str, str]:
    """The variables CodeBuild sets in every build that make sense on this machine."""
    build_id = f"{project}:{uuid.uuid4()}"
    account = "123456789012"  # a placeholder: a local run belongs to no account
    return {
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": f"arn:aws:codebuild:{region}:{account}:build/{build_id}",
        "CODEBUILD_BUILD_NUMBER": "1",
        "CODEBUILD_BUILD_IMAGE": "local",
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": "local",
        "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{region}:{account}:project/{project}",
        "CODEBUILD_SRC_DIR": str(workdir),
        "CODEBUILD_START_TIME": str(int(time.time() * 1000)),
    }
# --8<-- [end:environment]


def _resolve_secrets(
    env_section: Mapping[str, Any], secrets: Mapping[str, str] | None
) -> dict[str, str]:
    """The stored values the buildspec names; every missing one is reported at once."""
    values: dict[str, str] = {}
    missing: list[str] = []
    secrets = secrets or {}
    for kind in ("parameter-store", "secrets-manager"):
        for name, reference in (env_section.get(kind) or {}).items():
            if reference in secrets:
                values[name] = secrets[reference]
            else:
                missing.append(f"env.{kind}.{name}: no value for {reference!r}")
    if missing:
        options = " ".join(f"--secret {m.split(' for ')[-1].strip(chr(39))}=VALUE"
                           for m in missing)
        raise ValueError(f"{len(missing)} stored value{'s' * (len(missing) != 1)} missing: "
                         + "; ".join(missing) + f" (pass them in secrets, or {options})")
    return values


def _check_string_mapping(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected a mapping of names to strings")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ValueError(f"{what}: {_short(key)} must map a string to a string")
        if "\0" in key or "\0" in item or "=" in key or not key:
            raise ValueError(f"{what}: {_short(key)} is not a usable variable name or value")
    return dict(value)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A CodeBuild-style path glob: ``**`` spans directories, ``*`` and ``?`` do not."""
    out = ""
    i = 0
    pattern = pattern.strip().removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "(?:/.*)?", re.DOTALL)  # naming a directory takes its files


def _inside(base: Path, relative: str) -> Path:
    target = (base / relative).resolve()
    if target != base.resolve() and base.resolve() not in target.parents:
        raise ValueError(f"{relative!r} points outside the source directory")
    return target


def match_files(
    base: Path, patterns: Sequence[str], exclude: Sequence[str] = (), skip: Sequence[Path] = ()
) -> list[str]:
    """Files under ``base`` (relative, POSIX style) that match ``patterns`` and no exclude."""
    includes = [_glob_regex(str(p)) for p in patterns]
    excludes = [_glob_regex(str(p)) for p in exclude]
    skipped = {s.resolve() for s in skip}
    found = []
    for root, dirs, files in os.walk(base):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skipped)
        for name in sorted(files):
            relative = (here / name).relative_to(base).as_posix()
            if any(r.fullmatch(relative) for r in includes) and not any(
                r.fullmatch(relative) for r in excludes
            ):
                found.append(relative)
    return found


def _upload(
    spec: Mapping[str, Any], identifier: str, workdir: Path, output: Path, skip: list[Path]
) -> list[str]:
    base = _inside(workdir, str(spec.get("base-directory", ".")))
    files = match_files(base, spec["files"], spec.get("exclude-paths", ()), skip)
    if not files:
        raise ValueError(f"no matching artifact paths found for {identifier}")
    target = output / identifier
    copied = []
    for relative in files:
        source = base / relative
        name = Path(relative).name if _truthy(spec.get("discard-paths", False)) else relative
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink() and _truthy(spec.get("enable-symlinks", False)):
            destination.unlink(missing_ok=True)
            destination.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copyfile(source, destination)
        else:
            continue  # a dangling link: CodeBuild skips it too
        copied.append(Path(name).as_posix())
    return copied


@dataclass
class _Build:
    spec: dict[str, Any]
    shell: _Shell
    log: _Log
    timeout: float
    run: BuildRun
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)  # command path -> line
    healthy: bool = True

    def command(self, command: str, deadline: float, path: tuple[Any, ...] = ()) -> str | None:
        """Run one command; return CodeBuild's error message if it failed."""
        self.log.container(f"Running command {command}")
        self.shell.env["CODEBUILD_BUILD_SUCCEEDING"] = "1" if self.healthy else "0"
        line = self.lines.get(path)
        result = self.shell.run(command, deadline - time.monotonic(), line)
        self.log.output(result.output)
        if result.stopped or result.exit_code != 0:
            where = f"{self.shell.name}:{line}" if line else self.shell.name
            first = command.splitlines()[0] if command.strip() else command
            shown = first + (" ..." if first != command.rstrip("\n") else "")
            self.run.failed_commands.append(f"{where}: {dotted(path)}: {shown}")
            self.log.container(f"Local run: the failing command is {dotted(path)}, {where}")
        if result.stopped == "timeout":
            self.log.container(f"Phase timeout of {self.timeout:g} s reached: stopped {command}")
            return (
                f"Error while executing command: {command}. "
                f"Reason: the phase ran out of its {self.timeout:g} s timeout; command stopped"
            )
        if result.stopped == "output":
            self.log.container(f"Output over {MAX_OUTPUT_BYTES} bytes: stopped {command}")
            return (
                f"Error while executing command: {command}. "
                f"Reason: more than {MAX_OUTPUT_BYTES} bytes of output; command stopped"
            )
        if result.exit_code != 0:
            self.log.container(
                f"Command did not exit successfully {command} exit status {result.exit_code}"
            )
            return (
                f"Error while executing command: {command}. "
                f"Reason: exit status {result.exit_code}"
            )
        return None

    def phase(self, key: str) -> str | None:
        """Run a phase's commands, then its finally block; return the first error."""
        spec = self.spec.get("phases", {}).get(key) or {}
        for setting in ("runtime-versions", "run-as"):
            if setting in spec:  # the container's job on CodeBuild; not imitated here
                self.log.container(f"Local run: {setting} {spec[setting]} not applied")
        error = None
        deadline = time.monotonic() + self.timeout
        for index, command in enumerate(spec.get("commands") or []):
            path = ("phases", key, "commands", index)
            error = self.command(_command_text(command), deadline, path)
            if error:
                self.healthy = False
                break
        deadline = time.monotonic() + self.timeout  # finally gets its own time budget
        for index, command in enumerate(spec.get("finally") or []):  # runs after a failure too
            path = ("phases", key, "finally", index)
            finally_error = self.command(_command_text(command), deadline, path)
            if finally_error:
                self.healthy = False
                error = error or finally_error
                break
        return error


# --8<-- [start:run]
def run_buildspec(
    source: str | Mapping[str, Any],
    workdir: Path,
    env: Mapping[str, str] | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    phase_timeout: float = DEFAULT_PHASE_TIMEOUT,
    output_dir: Path | None = None,
    project: str = "local-project",
) -> BuildRun:
    """Run a buildspec's phases on this machine, in ``workdir``, the way CodeBuild would.

    ``env`` overrides the buildspec's variables (as project and StartBuild settings do);
    ``secrets`` maps Parameter Store names and Secrets Manager references to values.
    Raises ``ValueError`` for an invalid buildspec, workdir, env or missing secrets (all of
    them at once). The build's environment is the buildspec's, ``env`` and ``secrets``, the
    variables CodeBuild sets, and ``PATH``: nothing else of the caller's.
    """
    return _run(source, workdir, env, secrets=secrets, phase_timeout=phase_timeout,
                output_dir=output_dir, project=project)
# --8<-- [end:run]


def _load(source: str | Mapping[str, Any]) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """The buildspec's data and the line of each command; ValueError naming every error."""
    if not isinstance(source, str):
        return load_buildspec(source), {}
    problems = errors(check_text(source))
    if problems:
        raise ValueError("invalid buildspec: " + "; ".join(
            f"{p} (line {p.line})" if p.line else str(p) for p in problems))
    return load_buildspec(source), _command_lines(source)


def _command_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Where each command's text starts: the line after ``- |`` for a block scalar."""
    try:
        document = load_document(text, flavor="strings", what="buildspec",
                                 max_chars=MAX_SOURCE_CHARS)
    except YamlError:  # pragma: no cover - the text was just checked
        return {}
    lines = text.splitlines()
    found = {}
    for path, (line, column) in document.positions.items():
        if len(path) == 4 and path[0] == "phases" and path[2] in ("commands", "finally"):
            rest = lines[line - 1][column - 1:] if line <= len(lines) else ""
            found[path] = line + 1 if rest.startswith(("|", ">")) else line
    return found


def _run(source: str | Mapping[str, Any], workdir: Path, env: Mapping[str, str] | None = None,
         *, secrets: Mapping[str, str] | None = None,
         phase_timeout: float = DEFAULT_PHASE_TIMEOUT, output_dir: Path | None = None,
         project: str = "local-project", name: str = "buildspec.yml") -> BuildRun:
    data, lines = _load(source)
    workdir = Path(workdir)
    if not workdir.is_dir():
        raise ValueError(f"workdir: {workdir} is not a directory")
    workdir = workdir.resolve()
    env_section = data.get("env") or {}
    if env_section.get("shell") in ("powershell.exe", "cmd.exe"):
        raise ValueError("env.shell: the local runner runs Linux shells only (bash, /bin/sh)")
    if not isinstance(phase_timeout, int | float) or not 0 < phase_timeout <= 36 * 3600:
        raise ValueError("phase_timeout: must be a number of seconds, above 0 and up to 36 h")
    overrides = _check_string_mapping(env, "env")
    secret_values = _resolve_secrets(env_section, _check_string_mapping(secrets, "secrets"))

    local = workdir / LOCAL_DIR
    state_dir = local / f"run-{uuid.uuid4().hex[:8]}"
    (state_dir / "home").mkdir(parents=True)
    (state_dir / "tmp").mkdir()
    output = Path(output_dir) if output_dir is not None else local / "artifacts"
    variables = {k: _command_text(v) for k, v in (env_section.get("variables") or {}).items()}
    if str(data["version"]) == "0.1":
        plaintext = (data.get("environment_variables") or {}).get("plaintext") or {}
        variables = {k: _command_text(v) for k, v in plaintext.items()}
    process_env = {
        "PATH": os.environ.get("PATH") or FALLBACK_PATH,  # so programs are found
        "LANG": "C.UTF-8",
        "HOME": str(state_dir / "home"),  # CodeBuild's is /root; this keeps writes inside
        "TMPDIR": str(state_dir / "tmp"),
        **codebuild_environment(workdir, project),  # us-east-1 unless env sets AWS_REGION
        **variables,
        **secret_values,
        **overrides,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
    }
    keep_state = str(data["version"]) != "0.1"  # 0.1: every command in a fresh shell
    shell = _Shell(workdir, process_env, state_dir, keep_state)
    shell.name = name
    build = _Build(data, shell, _Log(), phase_timeout, BuildRun(), lines)
    try:
        if _run_phases(build):
            _finish(build, workdir, output, [local, output])
        else:
            build.log.container("Skipping to FINALIZING: no later phase, no artifact upload")
    finally:
        build.shell.stop_leftovers()
        shutil.rmtree(state_dir, ignore_errors=True)
    build.run.log = build.log.text()
    return build.run


# --8<-- [start:transitions]
def _run_phases(build: _Build) -> bool:
    """INSTALL, PRE_BUILD, BUILD, POST_BUILD, with CodeBuild's rules after a failure.

    Returns True when the build goes on to UPLOAD_ARTIFACTS, False when a failure sends it
    straight to FINALIZING.
    """
    build.run.succeeded = True
    for key, name in BUILD_PHASES.items():
        policy = retry_policy((build.spec.get("phases", {}).get(key) or {}).get("on-failure"))
        build.log.container(f"Entering phase {name}")
        error = build.phase(key)
        attempt = 0
        while error and policy.action == "RETRY" and attempt < policy.retries:
            if policy.pattern and not retry_matches(policy.pattern, error):
                break
            attempt += 1
            build.log.container(f"Phase {name} failed: retry {attempt} of {policy.retries}")
            build.healthy = True
            error = build.phase(key)
        if attempt:
            build.run.retries[name] = attempt
        status = "FAILED" if error else "SUCCEEDED"
        build.run.phases.append((name, status))
        build.log.container(f"Phase complete: {name} State: {status}")
        if not error:
            continue
        build.log.container(f"Phase context status code: COMMAND_EXECUTION_ERROR Message: {error}")
        build.run.succeeded = False
        build.healthy = False
        if policy.action == "CONTINUE":
            continue  # on-failure: CONTINUE moves on to the next phase
        if key in SKIP_TO_FINALIZING:
            return False
        # A failed BUILD still runs POST_BUILD; a failed POST_BUILD still uploads.
    return True
# --8<-- [end:transitions]


def _finish(build: _Build, workdir: Path, output: Path, skip: list[Path]) -> None:
    run = build.run
    _capture_exported(build)
    build.log.container(f"Entering phase {UPLOAD_ARTIFACTS}")
    try:
        _upload_all(build, workdir, output, skip)
        run.phases.append((UPLOAD_ARTIFACTS, "SUCCEEDED"))
    except (ValueError, OSError) as error:
        run.phases.append((UPLOAD_ARTIFACTS, "FAILED"))
        run.succeeded = False
        build.log.container(f"Phase context status code: CLIENT_ERROR Message: {error}")
    build.log.container(f"Phase complete: {UPLOAD_ARTIFACTS} State: {run.phases[-1][1]}")


def _upload_all(build: _Build, workdir: Path, output: Path, skip: list[Path]) -> None:
    run = build.run
    for group, report in (build.spec.get("reports") or {}).items():
        base = _inside(workdir, str(report.get("base-directory", ".")))
        run.reports[group] = match_files(base, report["files"], (), skip) if base.is_dir() else []
        build.log.container(f"Report group {group}: {len(run.reports[group])} file(s)")
    artifacts = build.spec.get("artifacts")
    if not artifacts:
        return
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    run.artifacts_dir = output
    wanted = {"primary": artifacts, **(artifacts.get("secondary-artifacts") or {})}
    for identifier, spec in wanted.items():
        run.artifacts[identifier] = _upload(spec, identifier, workdir, output, skip)
        build.log.container(f"Artifact {identifier}: {len(run.artifacts[identifier])} file(s)")


def _capture_exported(build: _Build) -> None:
    names = (build.spec.get("env") or {}).get("exported-variables") or []
    if not names:
        return
    dump = build.shell.output_file.with_name("exported.out")
    script = " ".join(
        f"printf '%s\\0%s\\0' {n} \"${{{n}-}}\" >> {_shell_quote(str(dump))};" for n in names
    )
    build.shell.run(script, build.timeout)
    if dump.exists():
        parts = dump.read_text(encoding="utf-8", errors="replace").split("\0")
        build.run.exported = dict(zip(parts[0:-1:2], parts[1::2], strict=True))


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------------------
# cicd-check run

RUN_WARNING = (
    "Runs the buildspec's commands ON THIS MACHINE, with bash, as your user, in WORKDIR, the "
    "way CodeBuild runs them in its container: run only buildspecs you trust. The build sees "
    "only the buildspec's variables, --env, --secret and --pass-env values, the variables "
    "CodeBuild sets and PATH: never your AWS credentials or other variables unless you pass "
    "them with --pass-env NAME."
)


def configure(parser: OneLineParser) -> None:
    """The options of ``cicd-check run``."""
    parser.description = RUN_WARNING
    parser.epilog = ("Exit status: 0 the build succeeded, 1 it failed (or the buildspec has "
                     "errors), 2 unusable input.")
    parser.add_argument("buildspec", help="the buildspec file to run")
    parser.add_argument("--workdir", default=".",
                        help="the source directory the commands run in (default: current)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set a variable for the build (overrides the buildspec's, as "
                        "project and StartBuild settings do); repeatable")
    parser.add_argument("--secret", action="append", default=[], metavar="REFERENCE=VALUE",
                        help="value of a parameter-store name or secrets-manager reference "
                        "the buildspec names; repeatable")
    parser.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                        help="pass this variable of your own environment to the build "
                        "(e.g. AWS_PROFILE); repeatable. Nothing else of yours is passed")
    parser.add_argument("--timeout", type=float, default=DEFAULT_PHASE_TIMEOUT,
                        help="seconds each phase may run (default: %(default)s)")


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, item = value.partition("=")
        if not sep or not name:
            raise UnusableInput(f"{option} {value!r}: expected NAME=VALUE")
        out[name] = item
    return out


def _passed(names: Sequence[str]) -> dict[str, str]:
    missing = [name for name in names if name not in os.environ]
    if missing:
        raise UnusableInput(f"--pass-env: not set in your environment: {', '.join(missing)}")
    return {name: os.environ[name] for name in names}


def command(args: argparse.Namespace) -> int:
    """``cicd-check run``: 0 the build succeeded, 1 it failed or has errors; UnusableInput."""
    text = read_text(args.buildspec, what="buildspec file", max_bytes=MAX_SOURCE_CHARS * 4)
    problems = errors(check_text(text, file=args.buildspec))
    if problems:
        output.text(problems, [(args.buildspec, "buildspec")], [], sys.stdout)
        return 1
    env = {**_passed(args.pass_env), **_pairs(args.env, "--env")}
    try:
        result = _run(text, Path(args.workdir), env, secrets=_pairs(args.secret, "--secret"),
                      phase_timeout=args.timeout, name=args.buildspec)
    except ValueError as error:
        raise UnusableInput(str(error).splitlines()[0] if str(error) else "error") from None
    sys.stdout.write(result.log)
    for name, value in result.exported.items():
        print(f"exported {name}={value}")
    for failed in result.failed_commands:
        print(f"failed {failed}")
    for name, status in result.phases:
        print(f"{name:<17}{status}")
    print(f"BUILD {'SUCCEEDED' if result.succeeded else 'FAILED'}")
    return 0 if result.succeeded else 1
