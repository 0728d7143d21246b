"""Keep pages, snippet modules and test modules in step (see docs/contributing.md).

Teaching pages map to snippet modules and their tests; cicd-check's modules map to their
tests, and each checker to its page in the Tools section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"
TESTS = REPO / "tests"
PACKAGE = REPO / "cicd_check"
TOOLS = DOCS / "tools"


def checker_modules() -> set[str]:
    """Modules with a Tools page: each file kind's, each subcommand's, each public function's.

    The rest (the command, loading, output, shared data) have tests but no page of their own:
    the Tools overview documents them.
    """
    import cicd_check
    from cicd_check import cli, kinds

    named = {*kinds.CHECKERS.values(), *(m for m, _ in cli.SUBCOMMANDS.values()),
             *cicd_check.PUBLIC.values()} - {"cicd_check.findings"}
    return {name.removeprefix("cicd_check.") for name in named}

# Pages that teach without examples of their own. Everything else under
# docs/<section>/ must have snippets/<section>/<page>.py and tests/<section>/test_<page>.py.
PAGES_WITHOUT_EXAMPLES = {
    "reference/exam-guide.md",
    "reference/whats-changed.md",
}
SECTION_PACKAGES = {"lambda": "aws_lambda"}
INCLUDE = re.compile(r"""^\s*-{1,}8<-{1,}\s+["']?(?P<target>[^"'\s]+)["']?\s*$""", re.MULTILINE)
BASE_PATHS = (SNIPPETS, REPO)  # the order pymdownx.snippets searches (mkdocs.yml)


def module_name(page: str) -> str:
    return page.removesuffix(".md").replace("-", "_")


def section_pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*/*.md") if p.parent.name not in ("assets", "tools"))


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))


def expected_files(page: Path) -> tuple[Path, Path]:
    section = SECTION_PACKAGES.get(page.parent.name, page.parent.name)
    name = module_name(page.name)
    return SNIPPETS / section / f"{name}.py", TESTS / section / f"test_{name}.py"


def includes() -> dict[str, list[str]]:
    """Map each page (relative path) to the include targets it names, sections stripped."""
    found: dict[str, list[str]] = {}
    for page in DOCS.rglob("*.md"):
        targets = [m.group("target") for m in INCLUDE.finditer(page.read_text())]
        found[str(page.relative_to(DOCS))] = [t.split(":")[0] for t in targets]
    return found


def resolve(target: str) -> Path | None:
    for base in BASE_PATHS:
        if (base / target).is_file():
            return base / target
    return None


@pytest.mark.parametrize("page", section_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_page_with_examples_has_a_snippet_module_and_tests(page: Path) -> None:
    relative = str(page.relative_to(DOCS))
    if relative in PAGES_WITHOUT_EXAMPLES:
        return
    snippet, test = expected_files(page)
    assert snippet.is_file(), f"{relative}: missing snippet module {snippet.relative_to(REPO)}"
    assert test.is_file(), f"{relative}: missing test module {test.relative_to(REPO)}"


def test_pages_listed_without_examples_exist() -> None:
    missing = [p for p in PAGES_WITHOUT_EXAMPLES if not (DOCS / p).is_file()]
    assert not missing, f"listed in PAGES_WITHOUT_EXAMPLES but not in docs/: {missing}"


def test_every_include_target_exists() -> None:
    broken = [
        f"{page}: {target}"
        for page, targets in includes().items()
        for target in targets
        if resolve(target) is None
    ]
    assert not broken, "includes that point at no file:\n" + "\n".join(broken)


def test_every_snippet_file_is_included_by_a_page() -> None:
    included = {resolve(t) for targets in includes().values() for t in targets}
    orphans = [
        str(path.relative_to(REPO))
        for path in sorted(SNIPPETS.rglob("*"))
        if path.is_file()
        and path.name != "__init__.py"
        and "__pycache__" not in path.parts
        and path not in included
    ]
    assert not orphans, "files under snippets/ that no page includes:\n" + "\n".join(orphans)


def test_every_snippet_module_has_a_test_module() -> None:
    missing = []
    for module in sorted(SNIPPETS.glob("*/*.py")):
        if module.name == "__init__.py":
            continue
        test = TESTS / module.parent.name / f"test_{module.name}"
        if not test.is_file():
            missing.append(str(module.relative_to(REPO)))
    assert not missing, "snippet modules without a test module:\n" + "\n".join(missing)


def test_every_page_is_in_the_navigation() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    pages = [str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")]
    missing = [page for page in pages if f" {page}" not in nav]
    assert not missing, f"pages missing from nav in mkdocs.yml: {missing}"


@pytest.mark.parametrize("module", package_modules(), ids=lambda p: p.name)
def test_every_cicd_check_module_has_a_test_module(module: Path) -> None:
    test = TESTS / "cicd_check" / f"test_{module.name}"
    assert test.is_file(), f"{module.relative_to(REPO)}: missing {test.relative_to(REPO)}"


@pytest.mark.parametrize("module", sorted(checker_modules()))
def test_every_checker_exists_and_has_a_tools_page(module: str) -> None:
    assert (PACKAGE / f"{module}.py").is_file(), f"cicd_check/{module}.py is named but missing"
    page = TOOLS / f"{module.replace('_', '-')}.md"
    assert page.is_file(), f"cicd_check/{module}.py: missing its page {page.relative_to(REPO)}"


def test_every_tools_page_documents_a_checker() -> None:
    modules = {m.replace("_", "-") for m in checker_modules()}
    pages = {p.stem for p in TOOLS.glob("*.md")} - {"index"}
    assert not pages - modules, f"Tools pages with no cicd_check module: {sorted(pages - modules)}"
