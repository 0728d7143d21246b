"""The public functions other code calls: where they live, their signatures, and that each
is defined exactly once in the whole project (the page examples import them)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import cicd_check

REPO = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("cicd_check", "snippets", "tests", "scripts")
           for p in (REPO / folder).rglob("*.py")] + [REPO / "conftest.py"]
FUNCTIONS = ["validate_buildspec", "run_buildspec", "validate_pipeline", "execution_plan",
             "validate_appspec", "appspec_hooks", "traffic_schedule", "evaluate",
             "check_function_config", "check_project", "check_dockerfile", "translate_sam"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_public_function_is_defined_once_where_the_package_says(name: str) -> None:
    pattern = re.compile(rf"^\s*def {name}\(", re.MULTILINE)
    places = [p.relative_to(REPO).as_posix() for p in SOURCES
              if pattern.search(p.read_text(encoding="utf-8"))]
    expected = cicd_check.PUBLIC[name].replace(".", "/") + ".py"
    assert places == [expected], f"{name} is defined in {places}; expected only {expected}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_public_function_is_importable_from_the_package(name: str) -> None:
    function = getattr(cicd_check, name)
    assert callable(function)
    assert function is getattr(importlib.import_module(cicd_check.PUBLIC[name]), name)


def test_the_documented_signatures() -> None:
    assert list(inspect.signature(cicd_check.translate_sam).parameters) == ["template_text"]
    hooks = inspect.signature(cicd_check.appspec_hooks).parameters
    assert list(hooks) == ["compute_platform", "load_balancer"]
    assert hooks["load_balancer"].kind is inspect.Parameter.KEYWORD_ONLY
    assert hooks["load_balancer"].default is False


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'validate_everything'"):
        cicd_check.validate_everything  # noqa: B018
