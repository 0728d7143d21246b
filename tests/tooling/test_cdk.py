"""The CDK app synthesises here, from Python, with Node.js: once per session, in the
in-process pass of `make test` only (see README: it takes about half a minute).

The Orders stack's template is also committed (snippets/tooling/cdk-orders.template.json)
so the page can show it and its fences can check it in every pass; the first test proves
the committed file is what the app synthesises today.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cicd_check import template
from cicd_check.findings import errors

COMMITTED = Path(__file__).resolve().parents[2] / "snippets" / "tooling" / \
    "cdk-orders.template.json"

# CDK synthesis (about 30 s) runs once, in the first pass of `make test`; the parallel
# passes deselect it with -m "not synth" (Makefile, README).
pytestmark = [pytest.mark.slow, pytest.mark.synth]


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from snippets.tooling.cdk import build_app

    return build_app(tmp_path_factory.mktemp("cdk.out")).synth()


def _template(assembly: Any, name: str) -> dict[str, Any]:
    return assembly.get_stack_by_name(name).template


def _text(assembly: Any, name: str) -> str:
    stack = assembly.get_stack_by_name(name)
    return Path(assembly.directory, stack.template_file).read_text()


def test_the_committed_template_is_what_the_app_synthesises(assembly: Any) -> None:
    assert json.loads(COMMITTED.read_text()) == _template(assembly, "Orders"), (
        "regenerate snippets/tooling/cdk-orders.template.json from the app")


def test_the_alias_is_released_by_codedeploy_with_the_canary(assembly: Any) -> None:
    resources = _template(assembly, "Orders")["Resources"]
    by_type = {r["Type"]: (name, r) for name, r in resources.items()}
    version_name, _ = by_type["AWS::Lambda::Version"]
    _, alias = by_type["AWS::Lambda::Alias"]
    group_name, group = by_type["AWS::CodeDeploy::DeploymentGroup"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_name, "Version"]}
    assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"] == {
        "Ref": group_name}
    assert group["Properties"]["DeploymentConfigName"] == \
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert group["Properties"]["AutoRollbackConfiguration"]["Enabled"] is True


def test_the_pipeline_synthesises_source_build_self_mutation_and_the_stage(
        assembly: Any) -> None:
    resources = _template(assembly, "OrdersPipeline")["Resources"]
    pipeline = next(r for r in resources.values() if r["Type"] == "AWS::CodePipeline::Pipeline")
    stages = [s["Name"] for s in pipeline["Properties"]["Stages"]]
    assert stages == ["Source", "Build", "UpdatePipeline", "Prod"]
    source = pipeline["Properties"]["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    prod = [a["Name"] for a in pipeline["Properties"]["Stages"][3]["Actions"]]
    assert prod == ["PromoteToProd", "Orders.Prepare", "Orders.Deploy"]
    deploy = pipeline["Properties"]["Stages"][3]["Actions"][1]["Configuration"]
    assert deploy["ActionMode"] == "CHANGE_SET_REPLACE"


def test_the_app_stack_passes_cfn_lint_and_cicd_check(assembly: Any) -> None:
    findings = template.check_text(_text(assembly, "Orders"), file="Orders.template.json")
    assert errors(findings) == []
    # the one warning: cfn-lint W3005, a DependsOn CDK always adds next to a GetAtt
    assert [(f.id, "W3005" in str(f)) for f in findings] == [("CF002", True)]


def test_the_pipeline_stack_has_no_error_and_cfn_lints_hint_is_a_warning(assembly: Any) -> None:
    # cfn-lint 1.58 reports its informational I1022 hint ("Prefer using Fn::Sub over
    # Fn::Join") through the error rule E3703 on the deploy action's RoleArn; CloudFormation
    # accepts the template, so cicd-check reports it as the warning it is.
    found = template.check_text(_text(assembly, "OrdersPipeline"))
    assert errors(found) == []
    hints = [f for f in found if "[E3703] Prefer using Fn::Sub over Fn::Join" in f]
    assert [f.id for f in hints] == ["CF002"]
    assert "Stages[3].Actions[1].Configuration.RoleArn" in str(hints[0])


def test_the_cdk_pages_alias_excerpt_is_the_synthesised_alias() -> None:
    import re

    page = COMMITTED.parents[2] / "docs" / "tooling" / "cdk.md"
    excerpt = re.search(r"```json[^\n]*\n(.*?)```", page.read_text(), re.S)
    assert excerpt is not None
    resources = json.loads(COMMITTED.read_text())["Resources"]
    alias = next(r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias")
    assert json.loads(excerpt.group(1)) == alias
