"""Check a CodeBuild buildspec against our schema, and run it locally the way CodeBuild would.

AWS publishes no JSON Schema for buildspec files, so ``buildspec.schema.json`` (next to this
module) is written from the buildspec reference. The local runner exists so a reader can see
what CodeBuild does after a failing command (which phases still run, what
``CODEBUILD_BUILD_SUCCEEDING`` says, which files become the artifact) without an AWS account.

Command line::

    python -m snippets.build.buildspec check buildspec.yml
    python -m snippets.build.buildspec run buildspec.yml [--workdir DIR]
"""

from __future__ import annotations

import contextlib
import difflib
import json
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
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from cicd_check.contract import OneLineParser, read_text
from cicd_check.safe_yaml import load_yaml

REFERENCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
PHASE_TRANSITIONS = (
    "https://docs.aws.amazon.com/codebuild/latest/userguide/"
    "view-build-details.html#view-build-details-phases"
)
SCHEMA_PATH = Path(__file__).with_name("buildspec.schema.json")
EXAMPLES = Path(__file__).with_name("examples")  # the buildspecs the pages run
MAX_SOURCE_CHARS = 1_000_000  # a buildspec is a few KB; refuse megabytes of YAML
MAX_COMMAND_OUTPUT = 1_000_000  # bytes of one command's output kept in the log
MAX_OUTPUT_BYTES = 50_000_000  # a command writing more output than this is stopped
BASH = shutil.which("bash") or "/bin/bash"
DEFAULT_PHASE_TIMEOUT = 600.0  # seconds; CodeBuild's own limit is the build timeout
LOCAL_DIR = ".codebuild-local"  # the runner's own files, inside the workdir

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
_RETRY = r"RETRY-(?:(\d+)(?:-(.+))?|(.+))"  # RETRY-<count>, -<count>-<regex>, -<regex>


# ---------------------------------------------------------------------------------------
# Loading


def parse_buildspec(text: str) -> Any:
    """Parse buildspec YAML text safely; raise ``ValueError`` with a one-line reason.

    Every plain scalar stays a string, as a buildspec means it: ``yaml.safe_load``
    would turn the command ``- true`` into a boolean, ``version: 0.2`` into a float
    and ``discard-paths: yes`` into ``True``. The schema accepts both forms. Aliases
    are bounded (snippets/safe_yaml.py), so an alias bomb is refused, not expanded.
    """
    return load_yaml(text, flavor="strings", what="buildspec", max_chars=MAX_SOURCE_CHARS)


def _plain(value: Any, path: str, problems: list[str], depth: int = 0) -> Any:
    """Copy ``value`` into JSON-like data; report keys that are not strings."""
    if depth > 50:
        problems.append(f"{path or 'buildspec'}: nested more than 50 levels deep")
        return None
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{path or 'buildspec'}: key {key!r} must be a string")
                key = str(key)
            out[key] = _plain(item, f"{path}.{key}" if path else key, problems, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]", problems, depth + 1) for i, item in enumerate(value)]
    return value


# ---------------------------------------------------------------------------------------
# Validation


@cache
def schema() -> dict[str, Any]:
    """The buildspec JSON Schema shipped next to this module."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dotted(parts: Sequence[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _messages(error: jsonschema.ValidationError) -> list[str]:
    """Turn one schema error into readable problems naming the key path and the rule."""
    path = _dotted(error.absolute_path)
    where = path or "buildspec"
    rule = error.schema.get("x-rule") if isinstance(error.schema, dict) else None
    instance = error.instance
    if error.validator == "required":
        return [
            f"{_dotted([*error.absolute_path, name])}: required key is missing"
            for name in error.validator_value
            if isinstance(instance, dict) and name not in instance
        ]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        problems = []
        for key in instance:
            if key in allowed:
                continue
            key_path = f"{where}.{key}" if path else key
            if key == "runtime-versions":
                problems.append(f"{key_path}: allowed only in the install phase")
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(allowed)}"
            problems.append(f"{key_path}: unknown key{hint}")
        return problems
    if "propertyNames" in error.absolute_schema_path:  # the key itself breaks the rule
        return [f"{where}: key {_short(instance)} {rule or 'is not allowed'}"]
    if rule:
        if error.validator == "type" and isinstance(instance, dict | list):
            return [f"{where}: {rule}"]
        return [f"{where}: {_short(instance)} {rule}"]
    return [f"{where}: {error.message[:200]}"]


def _version_problems(data: Mapping[str, Any]) -> list[str]:
    version = str(data.get("version"))
    if version == "0.2" and "environment_variables" in data:
        return ["environment_variables: renamed to env in version 0.2 (plaintext is variables)"]
    if version == "0.1" and "env" in data:
        return ["env: needs version 0.2 (version 0.1 uses environment_variables.plaintext)"]
    return []


def _retry_problems(data: Mapping[str, Any]) -> list[str]:
    """The schema checks the shape of on-failure; here: does its regex compile?"""
    problems = []
    phases = data.get("phases")
    for name, phase in phases.items() if isinstance(phases, Mapping) else ():
        value = phase.get("on-failure") if isinstance(phase, Mapping) else None
        match = re.fullmatch(_RETRY, value, re.DOTALL) if isinstance(value, str) else None
        regex = match and (match.group(2) or match.group(3))
        if regex:
            try:
                re.compile(regex)
            except re.error as error:
                problems.append(f"phases.{name}.on-failure: regex {regex!r} does not compile: "
                                f"{error}")
    return problems


def _batch_problems(data: Mapping[str, Any]) -> list[str]:
    batch = data.get("batch")
    kinds = ("build-list", "build-graph", "build-matrix", "build-fanout")
    used = [kind for kind in kinds if isinstance(batch, Mapping) and kind in batch]
    if len(used) > 1:
        return [f"batch: use one batch type, not {' and '.join(used)}"]
    return []


# --8<-- [start:validate]
def validate_buildspec(source: str | Mapping[str, Any]) -> list[str]:
    """Return one readable problem per rule the buildspec breaks; ``[]`` when it is valid.

    ``source`` is YAML text or an already parsed mapping. Nothing here raises on bad input:
    unparseable YAML, a top level that is not a mapping and a missing version are problems.
    """
    if isinstance(source, str):
        try:
            data = parse_buildspec(source)
        except ValueError as error:
            return [str(error)]
    elif isinstance(source, Mapping):
        data = source
    else:
        return [f"buildspec: expected YAML text or a mapping, got {type(source).__name__}"]
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else type(data).__name__
        return [f"buildspec: the top level must be a mapping of keys, got {kind}"]
    problems: list[str] = []
    plain = _plain(data, "", problems)
    for error in _validator().iter_errors(plain):  # _plain stopped at 50 levels deep
        problems.extend(_messages(error))
    problems += _version_problems(plain) + _retry_problems(plain) + _batch_problems(plain)
    return sorted(set(problems), key=lambda p: (p.split(":")[0], p))
# --8<-- [end:validate]


def load_buildspec(source: str | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and validate; raise ``ValueError`` listing the problems if it is not valid."""
    problems = validate_buildspec(source)
    if problems:
        raise ValueError("invalid buildspec: " + "; ".join(problems))
    data = parse_buildspec(source) if isinstance(source, str) else source
    return _plain(data, "", [])


# ---------------------------------------------------------------------------------------
# Running


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
    match = re.fullmatch(_RETRY, str(on_failure), re.DOTALL)
    if match is None:
        raise ValueError(f"{_short(on_failure)} is not ABORT, CONTINUE or RETRY[-count][-regex]")
    count, regex = match.group(1), match.group(2) or match.group(3)
    retries = int(count) if count is not None else DEFAULT_RETRIES
    if retries > 100:
        raise ValueError(f"retry count {retries} is more than 100")
    if regex is not None:
        try:
            re.compile(regex)
        except re.error as error:
            raise ValueError(f"regex {regex!r} does not compile: {error}") from None
    return RetryPolicy("RETRY", retries, regex)
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

    def phase_status(self, name: str) -> str | None:
        """The status of one phase, or None when it did not run."""
        return dict(self.phases).get(name)
# --8<-- [end:buildrun]


@dataclass(frozen=True)
class _Result:
    exit_code: int
    output: str
    stopped: str  # "" ran to the end; "timeout" or "output" when the runner killed it


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
eval "$__cb_command"
"""


class _Shell:
    """Runs commands one at a time, carrying shell state over in version 0.2."""

    def __init__(self, workdir: Path, env: dict[str, str], state_dir: Path, keep_state: bool):
        self.workdir = workdir
        self.env = env
        self.output_file = state_dir / "command.out"
        self.state_file = state_dir / "shell.state" if keep_state else None
        self.sessions: list[int] = []

    def run(self, command: str, timeout: float) -> _Result:
        state = str(self.state_file) if self.state_file else ""
        deadline = time.monotonic() + max(timeout, 0.01)
        with self.output_file.open("wb") as out:
            process = subprocess.Popen(
                [BASH, "--noprofile", "--norc", "-c", _COMMAND_SCRIPT, "bash", state, command],
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
    values: dict[str, str] = {}
    secrets = secrets or {}
    for kind in ("parameter-store", "secrets-manager"):
        for name, reference in (env_section.get(kind) or {}).items():
            if reference not in secrets:
                raise ValueError(
                    f"env.{kind}.{name}: no value for {reference!r}; pass it in secrets "
                    f"(--secret {reference}=VALUE)"
                )
            values[name] = secrets[reference]
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
    healthy: bool = True

    def command(self, command: str, deadline: float) -> str | None:
        """Run one command; return CodeBuild's error message if it failed."""
        self.log.container(f"Running command {command}")
        self.shell.env["CODEBUILD_BUILD_SUCCEEDING"] = "1" if self.healthy else "0"
        result = self.shell.run(command, deadline - time.monotonic())
        self.log.output(result.output)
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
        for command in spec.get("commands", []):
            error = self.command(_command_text(command), deadline)
            if error:
                self.healthy = False
                break
        deadline = time.monotonic() + self.timeout  # finally gets its own time budget
        for command in spec.get("finally", []):  # runs even when a command failed
            finally_error = self.command(_command_text(command), deadline)
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
    Raises ``ValueError`` for an invalid buildspec, workdir, env or a missing secret.
    """
    data = load_buildspec(source)
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
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(state_dir / "home"),  # CodeBuild's is /root; this keeps writes inside
        "TMPDIR": str(state_dir / "tmp"),
        **codebuild_environment(workdir, project, os.environ.get("AWS_REGION", "us-east-1")),
        **variables,
        **secret_values,
        **overrides,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
    }
    keep_state = str(data["version"]) != "0.1"  # 0.1: every command in a fresh shell
    build = _Build(
        data, _Shell(workdir, process_env, state_dir, keep_state), _Log(), phase_timeout, BuildRun()
    )
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
# --8<-- [end:run]


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
            if policy.pattern and not re.search(policy.pattern, error):
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
# Command line


def _read(path_text: str) -> Any:
    """Load a buildspec file; raise ``ValueError`` (exit 2) when it is unusable."""
    text = read_text(path_text, what="buildspec file", max_bytes=MAX_SOURCE_CHARS * 4)
    try:
        data = parse_buildspec(text)
    except ValueError as error:
        raise ValueError(f"{path_text}: {error}") from None
    if not isinstance(data, Mapping):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ValueError(f"{path_text}: the top level must be a mapping of keys, got {kind}")
    return data


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, item = value.partition("=")
        if not sep or not name:
            raise ValueError(f"{option} {value!r}: expected NAME=VALUE")
        out[name] = item
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``check`` or ``run`` a buildspec; exit 0 ok, 1 problems or failed, 2 unusable input."""
    parser = OneLineParser(
        prog="python -m snippets.build.buildspec",
        description="Check a CodeBuild buildspec against the handbook's schema, or run it "
        "locally the way CodeBuild would.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a buildspec file")
    check.add_argument("buildspec", help="path to a buildspec YAML file")
    run = commands.add_parser("run", help="run a buildspec's phases on this machine")
    run.add_argument("buildspec", help="path to a buildspec YAML file")
    run.add_argument("--workdir", default=".", help="source directory (default: current)")
    run.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--secret", action="append", default=[], metavar="REFERENCE=VALUE",
                     help="value for a parameter-store name or secrets-manager reference")
    run.add_argument("--timeout", type=float, default=DEFAULT_PHASE_TIMEOUT,
                     help="seconds each command may run (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        data = _read(args.buildspec)
        problems = validate_buildspec(data)
        if args.command == "check" or problems:
            for problem in problems:
                print(f"{args.buildspec}: {problem}")
            if not problems:
                print(f"{args.buildspec}: valid buildspec")
            return 1 if problems else 0
        result = run_buildspec(
            data,
            Path(args.workdir),
            _pairs(args.env, "--env"),
            secrets=_pairs(args.secret, "--secret"),
            phase_timeout=args.timeout,
        )
    except ValueError as error:
        print(str(error).splitlines()[0] if str(error) else "error", file=sys.stderr)
        return 2
    sys.stdout.write(result.log)
    for name, value in result.exported.items():
        print(f"exported {name}={value}")
    for name, status in result.phases:
        print(f"{name:<17}{status}")
    print(f"BUILD {'SUCCEEDED' if result.succeeded else 'FAILED'}")
    return 0 if result.succeeded else 1


if __name__ == "__main__":
    raise SystemExit(main())
