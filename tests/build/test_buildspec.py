"""The buildspec page's own examples: the example buildspecs, the helper that runs one, and
the handbook's own buildspec, checked and run with cicd-check. The checker and the runner
themselves are tested in tests/cicd_check/test_buildspec.py and test_runner.py."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cicd_check import run_buildspec, validate_buildspec
from cicd_check.buildspec import check_text, load_buildspec
from cicd_check.cli import main
from cicd_check.runner import BuildRun
from snippets.build import buildspec as page
from snippets.build.buildspec import EXAMPLES, run_example

REPO = Path(__file__).resolve().parents[2]
PROJECT_BUILDSPEC = REPO / "snippets" / "build" / "buildspec.yml"
FAST = 20.0
ALL_PHASES_OK = [("INSTALL", "SUCCEEDED"), ("PRE_BUILD", "SUCCEEDED"), ("BUILD", "SUCCEEDED"),
                 ("POST_BUILD", "SUCCEEDED"), ("UPLOAD_ARTIFACTS", "SUCCEEDED")]
EXPECTED_EXIT = {
    "continue-and-retry.yml": 1,
    "fails-in-build.yml": 1,
    "fails-in-install.yml": 1,
    "fails-in-post-build.yml": 1,
    "fails-in-pre-build.yml": 1,
    "one-shell.yml": 0,
    "version-0.1.yml": 0,
}


def run(text: str, workdir: Path, **kwargs) -> BuildRun:
    kwargs.setdefault("phase_timeout", FAST)
    return run_buildspec(text, workdir, **kwargs)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "path", [*sorted(EXAMPLES.glob("*.yml")), PROJECT_BUILDSPEC], ids=lambda p: p.name
)
def test_the_buildspecs_the_page_shows_are_valid(path: Path) -> None:
    assert validate_buildspec(path.read_text()) == []
    warnings = [f.id for f in check_text(path.read_text())]
    assert warnings == (["BS014"] if path.name == "version-0.1.yml" else []), warnings


def test_the_page_module_holds_only_the_pages_examples() -> None:
    public = {name for name in vars(page) if not name.startswith("_")}
    assert public >= {"EXAMPLES", "run_example"}
    assert not {"validate_buildspec", "main", "schema", "retry_policy"} & (
        {n for n, v in vars(page).items() if getattr(v, "__module__", "") == page.__name__})


def test_run_example_runs_in_a_throwaway_directory_and_lists_the_files() -> None:
    result, files = run_example("one-shell.yml")
    assert result.succeeded and "out/greeting.txt" in files
    result, files = run_example("version-0.1.yml")
    assert files == ["where.txt"]


def test_every_example_on_the_page_is_covered_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yml")) == sorted(EXPECTED_EXIT)


@pytest.mark.parametrize(("name", "exit_code"), sorted(EXPECTED_EXIT.items()))
def test_cicd_check_checks_and_runs_every_example(tmp_path, name, exit_code) -> None:
    path = EXAMPLES / name
    assert cli(str(path))[0] == 0
    code, out, err = cli("run", str(path), "--workdir", str(tmp_path), "--timeout", "10")
    assert (code, err) == (exit_code, ""), out
    assert out.endswith(("BUILD SUCCEEDED\n", "BUILD FAILED\n"))


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
    (root / "Makefile").write_text(STAND_IN_MAKEFILE.replace("$(FAILURES)", str(failures)))


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
    assert result.failed_commands[0].startswith("buildspec.yml:17: phases.build.commands[0]")


def test_the_project_buildspec_fits_on_the_page_in_one_block() -> None:
    # The page shows it whole: a teaching block is at most 40 lines.
    assert len(PROJECT_BUILDSPEC.read_text().splitlines()) <= 40


def test_the_project_buildspec_asks_for_a_python_the_projects_image_has() -> None:
    # The CodeBuild page's project runs this buildspec on the curated Amazon Linux 2023 image,
    # which offers Python 3.10 to 3.14 (aws/aws-codebuild-docker-images, al/x86_64/standard/6.0).
    from snippets.build.codebuild import IMAGE

    assert IMAGE == "aws/codebuild/amazonlinux-x86_64-standard:6.0"
    python = load_buildspec(PROJECT_BUILDSPEC.read_text())["phases"]["install"]["runtime-versions"]
    assert python["python"] in {"3.10", "3.11", "3.12", "3.13", "3.14"}
    page = (REPO / "docs" / "build" / "buildspec.md").read_text()
    assert IMAGE in page, "the page names the image the project uses"


def test_the_page_keeps_its_proofs_folded_and_its_examples_tested() -> None:
    page = (REPO / "docs" / "build" / "buildspec.md").read_text()
    for name in EXPECTED_EXIT:
        assert f'--8<-- "build/examples/{name}"' in page, f"the page shows {name}"
    assert '--8<-- "build/buildspec.py' not in page, "the helper is plumbing, not a lesson"


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
