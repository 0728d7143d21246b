"""Tests for cicd_check.pipeline_model: CodePipeline's declaration shape from botocore's service
model (enums, bounds, patterns), the provider table, and checking a value against a shape."""

from __future__ import annotations

import re

from cicd_check.pipeline_model import (
    UNKNOWN,
    WRAPPER_KEYS,
    Unknown,
    actions_table,
    aws_providers,
    bounds,
    check_shape,
    declaration_shape,
    enum,
    is_wrapped,
    render,
    service_model,
    shape,
    unwrap,
)

# --- the model is botocore's ---------------------------------------------------------------


def test_enums_and_ranges_come_from_botocore() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("codepipeline")
    assert enum("ActionCategory") == tuple(model.shape_for("ActionCategory").enum)
    assert "Compute" in enum("ActionCategory")
    assert bounds("ActionRunOrder") == (1, 999)
    assert bounds("ActionTimeout") == (5, 86_400)
    assert bounds("PipelineName") == (1, 100)


def test_the_provider_table_fits_the_model() -> None:
    table = actions_table()
    assert list(table["aws"]) == list(table["category_order"])
    assert set(table["aws"]) == set(enum("ActionCategory"))
    pattern = re.compile(declaration_shape().members["stages"].member.members["actions"]
                         .member.members["actionTypeId"].members["provider"].metadata["pattern"])
    for providers in table["aws"].values():
        assert all(pattern.fullmatch(name) and len(name) <= 35 for name in providers)
    assert list(table["aws"]["Compute"]) == ["Commands"], "Commands exists only in Compute"
    assert "Commands" not in table["aws"]["Build"]
    assert table["aws"]["Deploy"]["OpsWorks"]["retired"] == "2024-05-26"


def test_render_survives_huge_numbers() -> None:
    import sys

    digits = sys.get_int_max_str_digits()
    assert render(10 ** (digits + 10)) == "<a very long number>"
    assert list(check_shape(True, declaration_shape().members["version"])) != []


# --- checking values against the model -----------------------------------------------------


def test_unwrap_reads_get_pipeline_output_and_leaves_a_declaration_alone() -> None:
    declaration = {"name": "p", "stages": []}
    assert unwrap({"pipeline": declaration, "metadata": {}}) is declaration
    assert is_wrapped({"pipeline": declaration}) and not is_wrapped(declaration)
    assert unwrap(declaration) is declaration
    assert not is_wrapped({"pipeline": "p"}) and unwrap([1]) == [1]
    assert {"pipeline", "metadata", "tags"} <= WRAPPER_KEYS


def test_check_shape_reports_every_kind_of_problem_with_its_path() -> None:
    action = shape("ActionDeclaration")
    value = {"name": "Build", "runOrder": 0, "actionTypeId": {
        "category": "Bild", "owner": "AWS", "provider": "CodeBuild", "version": 1},
        "colour": "blue", "inputArtifacts": "SourceOutput"}
    found = {(p.kind, p.path) for p in check_shape(value, action)}
    assert found == {
        ("unknown", ("colour",)),
        ("value", ("runOrder",)),
        ("value", ("actionTypeId", "category")),
        ("type", ("actionTypeId", "version")),
        ("type", ("inputArtifacts",)),
    }
    messages = [p.message for p in check_shape({"name": "x"}, action)]
    assert messages == ["missing required parameter 'actionTypeId'"]
    assert list(check_shape(UNKNOWN, action)) == []
    assert list(check_shape({"name": UNKNOWN, "actionTypeId": UNKNOWN}, action)) == []


def test_enum_messages_are_botocores_and_render_is_short() -> None:
    (problem,) = check_shape("Bild", shape("ActionCategory"))
    assert problem.message.startswith("value 'Bild' failed to satisfy constraint: Member must "
                                      "satisfy enum value set: [")
    assert render("x" * 100) == repr("x" * 100)[:57] + "..." and len(render("x" * 100)) == 60
    assert Unknown() is UNKNOWN and repr(UNKNOWN) == "<unknown until deploy>"
    assert set(aws_providers()) == set(enum("ActionCategory"))
    assert service_model() is service_model()  # read once
