"""The buildspec checker: schema rules, CodeBuild's own error texts, real files, fuzzing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import buildspec as bs
from cicd_check.buildspec import check_text, load_buildspec, validate_buildspec
from cicd_check.cli import main
from cicd_check.findings import Finding
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).with_name("data") / "buildspec"
EXAMPLES = REPO / "snippets" / "build" / "examples"


def ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


# ---------------------------------------------------------------------------------------
# Real files: AWS's own and public projects' buildspecs produce no error


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yml")), ids=lambda p: p.name)
def test_real_buildspecs_have_no_errors(path: Path) -> None:
    findings = check_text(path.read_text(encoding="utf-8"), file=path.name)
    assert [f for f in findings if f.is_error] == [], findings
    assert validate_buildspec(path.read_text(encoding="utf-8")) == []


def test_every_real_file_names_where_it_came_from() -> None:
    files = sorted(DATA.glob("*.yml"))
    assert len(files) >= 12, "a dozen real files at least"
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: say its source"


def test_batch_only_buildspecs_need_no_phases() -> None:
    text = (DATA / "exasol-generated-batch-only.yml").read_text()
    assert "phases" not in text.split("batch:")[1]
    assert check_text(text) == []
    assert ids(validate_buildspec("version: 0.2\nenv:\n  variables: {A: b}\n")) == ["BS002"]


def test_empty_commands_are_a_warning_and_read_as_no_commands() -> None:
    text = ("version: 0.2\nphases:\n  pre_build:\n    commands:\n  build:\n    finally:\n"
            "  post_build:\n")
    findings = check_text(text)
    assert ids(findings) == ["BS010", "BS010", "BS010"]
    assert [f.line for f in findings] == [4, 6, 7]
    assert validate_buildspec(text) == []
    assert load_buildspec(text)["phases"] == {
        "pre_build": {"commands": []}, "build": {"finally": []}, "post_build": {}}
    mapping = {"version": "0.2", "phases": {"build": {"commands": None}}}
    assert ids(check_text_of(mapping)) == ["BS010"]


def check_text_of(mapping: dict) -> list[Finding]:
    return bs._findings(mapping)


def test_duplicate_keys_are_a_warning_naming_both_lines() -> None:
    text = "version: 0.2\nphases:\n  build:\n    commands: [a]\n    commands: [b]\n"
    (finding,) = check_text(text)
    assert finding.id == "BS009" and not finding.is_error
    assert "lines 4 and 5" in finding and finding.line == 5
    assert validate_buildspec(text) == []


@pytest.mark.parametrize(("key", "hint"), [("fail-fast", "fast-fail"), ("fastfail", "fast-fail"),
                                           ("build-lists", "build-list")])
def test_near_miss_keys_get_a_hint(key: str, hint: str) -> None:
    (finding,) = validate_buildspec(
        f"version: 0.2\nbatch:\n  {key}: true\n  build-list:\n    - identifier: a\n")
    assert finding.id == "BS003" and f"(did you mean {hint!r}?)" in finding, finding
    assert finding.line == 3


def test_an_unquoted_colon_prints_codebuilds_own_error_and_the_fix() -> None:
    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - ls\n      - echo Tag: v1\n"
    (finding,) = validate_buildspec(text)
    assert finding.id == "BS006" and finding.line == 6
    assert ("YAML_FILE_ERROR Message: Expected Commands[1] to be of string type: found subkeys "
            "instead at line 6, value of the key tag on line 5 might be empty") in finding
    assert "quote" in finding.fix
    assert check_text(text.replace("- echo Tag: v1", "- \"echo Tag: v1\"")) == []


def test_a_list_or_a_mapping_in_finally_is_reported_without_codebuilds_commands_text() -> None:
    (finding,) = validate_buildspec("version: 0.2\nphases:\n  build:\n    finally:\n"
                                    "      - - nested\n")
    assert finding.id == "BS006" and "as a list" in finding and "Expected" not in finding


@pytest.mark.parametrize(
    ("text", "codebuild"),
    [
        ("version: 0.2\nphases:\n\tbuild: {}\n",
         "YAML_FILE_ERROR Message: found character that cannot start any token at line 3"),
        ("version: 0.2\nphases:\n  build:\n    commands: [a, b\n  post_build: {}\n",
         "YAML_FILE_ERROR Message: did not find expected ',' or ']' at line 4"),
        ("version: 0.2\nphases: {build: {commands: [a]}\n",
         "YAML_FILE_ERROR Message: did not find expected ',' or '}'"),
        ("version: 0.2\nphases: build: x\n",
         "YAML_FILE_ERROR Message: mapping values are not allowed in this context at line 2"),
    ],
    ids=["tab", "flow sequence", "flow mapping", "mapping value"],
)
def test_yaml_errors_print_codebuilds_wording(text: str, codebuild: str) -> None:
    (finding,) = check_text(text)
    assert finding.id == "BS001" and finding.line, finding
    assert codebuild in finding, finding


def test_yaml_errors_without_a_known_codebuild_wording_still_name_the_line() -> None:
    (finding,) = check_text("version: 0.2\nphases:\n  build:\n    commands:\n    - a\n   - b\n")
    assert finding.id == "BS001" and finding.line == 6 and "CodeBuild" not in finding
    assert bs.codebuild_yaml_error("version: 0.2\n") is None
    assert bs.codebuild_yaml_error("a: &x [*x]\n") is None


def test_runtime_versions_outside_install_and_unknown_runtimes() -> None:
    findings = check_text("version: 0.2\nphases:\n  install:\n    runtime-versions:\n"
                          "      python3.12: latest\n  build:\n    runtime-versions: {python: 3}\n")
    assert sorted(ids(findings)) == ["BS004", "BS013"]
    by_id = {f.id: f for f in findings}
    assert by_id["BS004"].line == 7 and by_id["BS013"].line == 5
    assert "Unknown runtime named 'python3.12'" in by_id["BS013"]


def test_version_0_1_warns_once_about_separate_shells() -> None:
    text = ("version: 0.1\nphases:\n  install:\n    commands: [cd a, make]\n"
            "  build:\n    commands: [export X=1, make, cd b]\n")
    (finding,) = check_text(text)
    assert finding.id == "BS014" and finding.line == 4
    assert check_text("version: 0.1\nphases:\n  build:\n    commands: [make, cd b]\n") == []


def test_the_version_keys_rule_both_ways() -> None:
    assert ids(validate_buildspec("version: 0.1\nenv: {variables: {A: b}}\nphases: {}\n")) == [
        "BS011"]
    assert ids(validate_buildspec(
        "version: 0.2\nenvironment_variables: {plaintext: {A: b}}\nphases: {}\n")) == ["BS011"]


# ---------------------------------------------------------------------------------------
# RETRY-<regex>


@pytest.mark.parametrize(("pattern", "kind"), [
    ("(x", "compile"), ("[x", "compile"), ("^(a|a)*$", "slow"), ("^(ab|ab)*$", "slow"),
    ("Connection reset", None), ("exit status [0-9]+", None), (".*timeout.*", None)])
def test_retry_regexes_are_compiled_and_bounded_in_time(pattern: str, kind: str | None) -> None:
    started = time.monotonic()
    problem = bs.retry_regex_problem(pattern)
    assert (problem[0] if problem else None) == kind, problem
    assert time.monotonic() - started < 5, "the check itself is bounded"


def test_a_slow_retry_regex_is_a_warning_and_a_broken_one_an_error() -> None:
    slow = check_text("version: 0.2\nphases:\n  build:\n    on-failure: RETRY-2-^(a|a)*$\n")
    assert ids(slow) == ["BS008"] and not slow[0].is_error and slow[0].line == 4
    broken = validate_buildspec("version: 0.2\nphases:\n  build:\n    on-failure: RETRY-(x\n")
    assert ids(broken) == ["BS007"] and "does not compile" in broken[0]


# ---------------------------------------------------------------------------------------
# The schema, rule by rule (mapping input: what CDK or a JSON buildspec gives)


def test_the_schema_is_a_valid_draft_2020_12_schema_without_duplicate_keys() -> None:
    jsonschema.Draft202012Validator.check_schema(bs.schema())

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(bs.SCHEMA_PATH.read_text(), object_pairs_hook=no_duplicates)


def test_parsed_json_style_mappings_are_accepted_too() -> None:
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
    text = ("version: 0.2\nx-common: &common\n  commands: [echo hi]\n"
            "phases:\n  build:\n    <<: *common\n")
    (finding,) = validate_buildspec(text)
    assert finding.id == "BS003" and finding.line == 2 and finding.startswith("x-common: unknown")
    assert bs.parse_buildspec(text)["phases"]["build"] == {"commands": ["echo hi"]}


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
     "phases.build.commands[0]: must be a command string, but YAML reads it as a mapping"),
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
    problems = validate_buildspec({**VALID, **change})
    assert any(expected in problem for problem in problems), problems
    assert all(isinstance(p, Finding) and p.is_error for p in problems)


def test_required_top_level_keys() -> None:
    assert validate_buildspec({"phases": {}}) == ["version: required key is missing"]
    assert validate_buildspec({"version": "0.2"}) == [
        "phases: required key is missing (only a batch buildspec may leave it out)"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("version: [0.2\n", "buildspec: not valid YAML"),
        ("- version: 0.2\n", "buildspec: the top level must be a mapping of keys, got list"),
        ("", "buildspec: the top level must be a mapping of keys, got empty"),
        ("just text", "buildspec: the top level must be a mapping of keys, got str"),
        ("!!python/object/apply:os.system ['echo hacked']", "buildspec: not valid YAML"),
        ("x" * (bs.MAX_SOURCE_CHARS + 1), "characters, more than"),
        ("[" * 10_000, "buildspec: not valid YAML"),
    ],
    ids=["unclosed", "list", "empty", "scalar", "python tag", "huge", "deep"],
)
def test_unusable_text_is_a_finding_not_an_exception(source: str, expected: str) -> None:
    (problem,) = validate_buildspec(source)
    assert problem.id == "BS001" and expected in problem, problem


def test_non_mapping_inputs_and_odd_keys_are_findings() -> None:
    assert validate_buildspec(42) == ["buildspec: expected YAML text or a mapping, got int"]
    assert validate_buildspec(None) == ["buildspec: expected YAML text or a mapping, got NoneType"]
    assert "buildspec: key 1 must be a string" in validate_buildspec({**VALID, 1: "x"})
    deep: dict = {}
    node = deep
    for _ in range(80):
        node["a"] = {}
        node = node["a"]
    assert "nested more than 50 levels deep" in " ".join(validate_buildspec({**VALID, "x": deep}))


def test_load_buildspec_raises_value_error_listing_the_errors() -> None:
    with pytest.raises(ValueError, match=r"invalid buildspec: version: required key"):
        load_buildspec("phases: {}")
    assert load_buildspec("version: 0.2\nphases: {}\n") == {"version": "0.2", "phases": {}}


def test_check_text_locates_every_finding_in_its_file() -> None:
    findings = check_text("version: 0.3\nphases:\n  biuld: {}\n", file="ci/buildspec.yml")
    assert {(f.id, f.line, f.file) for f in findings} == {
        ("BS005", 1, "ci/buildspec.yml"), ("BS003", 3, "ci/buildspec.yml")}
    assert "(did you mean 'build'?)" in " ".join(findings)


# ---------------------------------------------------------------------------------------
# The command line: cicd-check on buildspecs


def test_cicd_check_prints_the_line_the_rule_and_the_fix(tmp_path, capsys) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n")
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:5:" in out and "BS006 [error]" in out and "fix: quote" in out


def test_warnings_fail_only_with_strict_and_inline_ignores_work(tmp_path, capsys) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text("version: 0.2\nphases:\n  install:\n    runtime-versions:\n"
                    "      docker: 19\n  build:\n    commands: [make]\n")
    assert main([str(path)]) == 0
    assert main(["--strict", str(path)]) == 1
    path.write_text(path.read_text().replace("docker: 19",
                                             "docker: 19  # cicd-check: ignore BS013"))
    assert main(["--strict", str(path)]) == 0
    capsys.readouterr()


def test_a_buildspec_under_any_name_is_found_by_its_content(tmp_path, capsys) -> None:
    path = tmp_path / "ci" / "build.yaml"
    path.parent.mkdir()
    path.write_text("version: 0.2\nbatch:\n  build-list:\n    - identifier: a\n")
    assert main(["--verbose", str(tmp_path)]) == 0
    assert "as buildspec" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------
# Structured fuzzing: well-formed buildspecs with one bad value inside

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), names,
                    st.sampled_from(["", "RETRY-", "RETRY-101", "RETRY-2-(", "RETRY-^(a|a)*$",
                                     "yes", "maybe", "0.3", "**/*", "a: b", "- x"]))
bad_values = st.one_of(scalars, st.lists(scalars, max_size=3),
                       st.dictionaries(names, scalars, max_size=3), JUNK)
PLACES = [
    ("version",), ("run-as",), ("env",), ("env", "shell"), ("env", "variables"),
    ("env", "variables", "STAGE"), ("env", "parameter-store", "P"),
    ("env", "exported-variables"), ("env", "exported-variables", 0),
    ("env", "git-credential-helper"),
    ("proxy", "logs"), ("batch", "fast-fail"), ("batch", "build-list"),
    ("batch", "build-list", 0, "identifier"), ("batch", "build-list", 0, "depend-on"),
    ("phases",), ("phases", "install", "runtime-versions"),
    ("phases", "install", "runtime-versions", "python"), ("phases", "build"),
    ("phases", "build", "commands"), ("phases", "build", "commands", 0),
    ("phases", "build", "on-failure"), ("phases", "build", "finally"),
    ("phases", "build", "run-as"),
    ("reports", "tests", "files"), ("reports", "tests", "file-format"),
    ("artifacts", "files"), ("artifacts", "files", 0), ("artifacts", "discard-paths"),
    ("artifacts", "secondary-artifacts", "site", "files"), ("cache", "paths"),
    ("cache", "fallback-keys"), ("cache", "action"),
]


def well_formed() -> dict:
    return {
        "version": "0.2", "run-as": "root",
        "env": {"shell": "bash", "variables": {"STAGE": "test"},
                "parameter-store": {"P": "/p"}, "exported-variables": ["TAG"],
                "git-credential-helper": "yes"},
        "proxy": {"logs": "no"},
        "batch": {"fast-fail": "false", "build-list": [{"identifier": "a", "depend-on": []}]},
        "phases": {"install": {"runtime-versions": {"python": "3.12"}, "commands": ["ls"]},
                   "build": {"commands": ["make"], "on-failure": "RETRY-2", "finally": ["ls"],
                             "run-as": "root"}},
        "reports": {"tests": {"files": ["*.xml"], "file-format": "JUNITXML"}},
        "artifacts": {"files": ["**/*"], "discard-paths": "no",
                      "secondary-artifacts": {"site": {"files": ["site/**/*"]}}},
        "cache": {"paths": ["/root/.cache"], "fallback-keys": ["k"], "action": "save"},
    }


def with_bad_value(place: tuple, value: object) -> dict:
    spec = well_formed()
    node = spec
    for part in place[:-1]:
        node = node[part]
    node[place[-1]] = value
    return spec


def test_the_well_formed_fuzz_base_is_clean() -> None:
    import yaml

    assert check_text(yaml.safe_dump(well_formed(), sort_keys=False)) == []


@FUZZ
@given(st.sampled_from(PLACES), bad_values)
def test_one_bad_value_in_a_well_formed_mapping(place: tuple, value: object) -> None:
    problems = validate_buildspec(with_bad_value(place, value))
    assert all(isinstance(p, Finding) and p.is_error and ": " in p for p in problems), problems


@FUZZ
@given(st.sampled_from(PLACES), bad_values)
def test_one_bad_value_in_well_formed_yaml_text(place: tuple, value: object) -> None:
    import yaml

    try:
        text = yaml.safe_dump(with_bad_value(place, value), sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return  # a value YAML cannot write (bytes with odd content): nothing to check
    findings = check_text(text, file="buildspec.yml")
    for finding in findings:
        assert finding.file == "buildspec.yml" and finding.id.startswith("BS")
        assert finding.line is None or 1 <= finding.line <= text.count("\n") + 1, finding


@FUZZ
@given(st.text(max_size=300))
def test_any_text_gives_findings_never_an_exception(text: str) -> None:
    assert all(isinstance(f, Finding) for f in check_text(text))


def test_a_huge_integer_and_a_lone_surrogate_are_just_values() -> None:
    assert ids(validate_buildspec("version: " + "9" * 5000 + "\nphases: {}\n")) == ["BS005"]
    assert ids(validate_buildspec({"version": "0.2", "phases": {"build": {"commands": ["\ud800"]}}})
               ) == []
    assert ids(check_text('version: 0.2\nphases: {build: {commands: ["\\ud800"]}}\n')) == []


def test_a_schema_rule_without_its_own_sentence_still_names_the_key() -> None:
    (error,) = jsonschema.Draft202012Validator({"type": "string"}).iter_errors(1)
    (finding,) = bs._schema_findings(error, bs._Where(None))
    assert finding.id == "BS005" and finding == "buildspec: 1 is not of type 'string'"
