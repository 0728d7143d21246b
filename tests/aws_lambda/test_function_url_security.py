"""Tests for snippets/aws_lambda/function_url_security.py: the page's examples.

The model itself is tested in tests/cicd_check/test_url_auth.py.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from cicd_check.iam_policy import policy_effect
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    evaluate,
    invoke_permissions,
    public_url_permissions,
    rendered_policy,
)
from snippets.aws_lambda.function_url_security import (
    TABLE_CALLERS,
    TABLE_FUNCTION,
    table_call,
    table_identity_policy,
    table_resource_policy,
    teaching_decide,
    truth_table,
    truth_table_markdown,
)
from tests.cicd_check.support import (
    FUNCTION,
    OTHER_ROLE,
    OTHER_ROOT,
    OTHER_SESSION,
    SAME_ROLE,
    SAME_SESSION,
    load,
    policy,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "snippets" / "aws_lambda"
PAGE = REPO / "docs" / "lambda" / "function-url-security.md"

# ----------------------------------------------------------------- permissions in moto


def add_permissions(requests: Any, client: Any) -> list[dict[str, Any]]:
    """Apply ``add_permission`` requests; the statements Lambda reports back."""
    return [json.loads(client.add_permission(**request)["Statement"]) for request in requests]


def make_function(name: str = "my-function") -> str:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(policy({
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"})),
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'ok'\n")
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": package.getvalue()},
    )["FunctionArn"]


def test_public_permissions_apply_in_moto_and_open_the_url(aws: None) -> None:
    arn = make_function()
    client = boto3.client("lambda")
    requests = public_url_permissions("my-function")
    add_permissions(requests, client=client)  # checked against botocore's model
    stored = json.loads(client.get_policy(FunctionName="my-function")["Policy"])["Statement"]
    rendered = rendered_policy(requests, arn)
    # moto returns the raw request, not AWS's rendering: compare what both say.
    for raw, ours in zip(stored, rendered["Statement"], strict=True):
        assert (raw["Sid"], raw["Action"], raw["Principal"], raw["Resource"]) == (
            ours["Sid"], ours["Action"], ours["Principal"], ours["Resource"])
        condition = json.dumps(ours["Condition"])
        if "FunctionUrlAuthType" in raw:
            assert raw["FunctionUrlAuthType"] in condition
        else:
            assert raw["InvokedViaFunctionUrl"] is True and "InvokedViaFunctionUrl" in condition
    assert evaluate(auth_type="NONE", function_arn=arn, resource_policy=rendered,
                    caller_arn=None).allowed
    assert rendered == load("function-url-public-policy.json")


def test_the_strict_model_check_rejects_what_moto_accepts(aws: None) -> None:
    from tests.support.strict_model import StrictModelError

    make_function()
    request = {**public_url_permissions("my-function")[0], "FunctionUrlAuthType": "PUBLIC"}
    with pytest.raises(StrictModelError, match="FunctionUrlAuthType"):
        add_permissions([request], client=boto3.client("lambda"))


def test_cross_account_setup_in_moto(aws: None) -> None:
    arn = make_function()
    lam = boto3.client("lambda")
    requests = invoke_permissions("my-function", auth_type="AWS_IAM", principal=OTHER_ROLE)
    add_permissions(requests, client=lam)
    resource = rendered_policy(requests, arn)
    assert resource == load("function-url-cross-account-resource-policy.json")

    # The other account: its admin creates the role and its identity policy.
    admin = boto3.client("sts").assume_role(
        RoleArn="arn:aws:iam::444455556666:role/admin", RoleSessionName="setup")["Credentials"]
    other = boto3.Session(aws_access_key_id=admin["AccessKeyId"],
                          aws_secret_access_key=admin["SecretAccessKey"],
                          aws_session_token=admin["SessionToken"], region_name="us-east-1")
    iam = other.client("iam")
    role = iam.create_role(RoleName="example", AssumeRolePolicyDocument=json.dumps(policy({
        "Effect": "Allow", "Principal": {"AWS": OTHER_ROOT}, "Action": "sts:AssumeRole"})))
    assert role["Role"]["Arn"] == OTHER_ROLE
    iam.put_role_policy(
        RoleName="example", PolicyName="call-my-function-url",
        PolicyDocument=(DATA / "function-url-cross-account-identity-policy.json").read_text())
    identity = iam.get_role_policy(RoleName="example",
                                   PolicyName="call-my-function-url")["PolicyDocument"]
    session = other.client("sts").assume_role(RoleArn=OTHER_ROLE, RoleSessionName="session-1")
    caller = session["AssumedRoleUser"]["Arn"]
    assert caller == OTHER_SESSION

    both = evaluate(auth_type="AWS_IAM", function_arn=arn, resource_policy=resource,
                    caller_arn=caller, identity_policies=[identity])
    assert both.allowed, both.explanation
    assert not evaluate(auth_type="AWS_IAM", function_arn=arn, resource_policy=resource,
                        caller_arn=caller).allowed
    assert not evaluate(auth_type="NONE", function_arn=arn, resource_policy=resource,
                        caller_arn=caller, identity_policies=[identity]).allowed


def test_the_shipped_identity_policy_is_least_privilege() -> None:
    document = load("function-url-cross-account-identity-policy.json")
    assert document == table_identity_policy()
    for statement in document["Statement"]:
        assert statement["Resource"] != "*" and "*" not in statement["Action"]
        assert "Condition" in statement


def test_the_guard_scp_blocks_public_urls_only() -> None:
    guard = load("function-url-guard-scp.json")
    for action in ("lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"):
        assert policy_effect(guard, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "NONE"})[0] == "Deny"
        assert policy_effect(guard, action=action, resource=FUNCTION,
                             context={"lambda:FunctionUrlAuthType": "AWS_IAM"})[0] is None
    assert policy_effect(guard, action="lambda:InvokeFunctionUrl", resource=FUNCTION,
                         context={"lambda:FunctionUrlAuthType": "NONE"})[0] is None
    allowed = policy({"Effect": "Allow", "Action": "lambda:CreateFunctionUrlConfig",
                      "Resource": FUNCTION})
    assert policy_effect(allowed, action="lambda:CreateFunctionUrlConfig",
                         resource=FUNCTION) == ("Allow", "policy statement 1")


# ----------------------------------------------------------------- the truth table


def test_the_page_shows_the_generated_truth_table() -> None:
    text = PAGE.read_text()
    match = re.search(r"<!-- truth-table:start -->\n(.*?)\n<!-- truth-table:end -->", text, re.S)
    assert match, "the page needs the truth-table markers"
    assert match.group(1).strip() == truth_table_markdown()


def test_the_truth_table_follows_the_documented_rules() -> None:
    for row in truth_table():
        iam, public = row.results
        if row.caller == "unsigned":
            assert not iam
        elif row.caller == "same account":
            assert iam == (row.identity or row.resource)
        else:
            assert iam == (row.identity and row.resource)
        assert public == row.resource  # NONE: only the public grant matters
    assert len(truth_table()) == 10


# ----------------------------------------------------------------- CloudFormation and files


def test_the_public_url_template_passes_cfn_lint() -> None:
    from cfnlint.api import ManualArgs, lint

    text = (DATA / "function-url-public-template.yaml").read_text()
    assert lint(text, config=ManualArgs(regions=["us-east-1"])) == []
    broken = text.replace("InvokedViaFunctionUrl: true", "InvokedViaFunctionUrl: maybe")
    assert any(m.rule.id == "E3012" for m in lint(broken, config=ManualArgs(
        regions=["us-east-1"])))


def test_the_template_grants_what_public_url_permissions_grants() -> None:
    import yaml

    resources = yaml.safe_load(
        (DATA / "function-url-public-template.yaml").read_text().replace("!Ref ", "").replace(
            "!GetAtt ", ""))["Resources"]
    permissions = [r["Properties"] for r in resources.values()
                   if r["Type"] == "AWS::Lambda::Permission"]
    expected = public_url_permissions("HelloFunction")
    for template, request in zip(permissions, expected, strict=True):
        assert {k: v for k, v in template.items() if k != "FunctionName"} == {
            k: v for k, v in request.items() if k not in ("FunctionName", "StatementId")}


def test_permissions_for_an_alias_url(aws: None) -> None:
    arn = make_function()
    lam = boto3.client("lambda")
    version = lam.publish_version(FunctionName="my-function")["Version"]
    lam.create_alias(FunctionName="my-function", Name="live", FunctionVersion=version)
    requests = invoke_permissions("my-function", auth_type="AWS_IAM", principal=SAME_ROLE,
                                  qualifier="live")
    statements = add_permissions(requests, client=lam)
    assert {s["Resource"] for s in statements} == {f"{arn}:live"}
    resource = rendered_policy(requests, arn)
    assert evaluate(auth_type="AWS_IAM", function_arn=f"{arn}:live", resource_policy=resource,
                    caller_arn=SAME_SESSION).allowed
    assert "Qualifier" not in invoke_permissions("my-function", auth_type="NONE",
                                                 principal="*", qualifier="$LATEST")[0]
    with pytest.raises(ValueError, match="version number"):
        invoke_permissions("my-function", auth_type="NONE", principal="*", qualifier="1")


def test_the_page_shows_the_cli_output_it_gets(capsys: pytest.CaptureFixture[str]) -> None:
    from cicd_check.cli import main

    code = main(["url-auth", "--auth-type", "AWS_IAM", "--function-arn", FUNCTION,
                 "--caller", OTHER_SESSION, "--identity-policy",
                 str(DATA / "function-url-cross-account-identity-policy.json")])
    shown = page_block("cli-output").rstrip("\n") + "\n" + page_block("cli-rest")
    assert code == 1 and capsys.readouterr().out.rstrip("\n") == shown.rstrip("\n")


def test_the_teaching_version_agrees_with_the_full_model_on_every_case() -> None:
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "lambda:Invoke*", "Resource": "*"}]}
    both = {INVOKE_URL, INVOKE}
    cases = 0
    for label, caller in TABLE_CALLERS.items():
        for auth_type in ("AWS_IAM", "NONE"):
            for identity, resource, denied in [(i, r, d) for i in (False, True)
                                               for r in (False, True) for d in (False, True)]:
                if caller is None and (identity or denied):
                    continue  # an unsigned request has no identity policies
                full = evaluate(
                    auth_type=auth_type, function_arn=TABLE_FUNCTION,
                    resource_policy=table_resource_policy(auth_type, caller) if resource else None,
                    caller_arn=caller,
                    identity_policies=([table_identity_policy()] if identity else [])
                    + ([deny] if denied else []))
                # NONE ignores identity policies, and so the Deny in them.
                taught = teaching_decide(auth_type, label, both if identity else set(),
                                         both if resource else set(),
                                         both if denied and auth_type == "AWS_IAM" else set())
                assert taught == full.allowed, (label, auth_type, identity, resource, denied,
                                                full.explanation)
                cases += 1
    assert cases >= 2 * len(truth_table()), cases


def test_the_teaching_version_needs_both_actions() -> None:
    both, one = {INVOKE_URL, INVOKE}, {INVOKE_URL}
    assert teaching_decide("NONE", "unsigned", set(), both)
    assert not teaching_decide("NONE", "unsigned", set(), one)
    assert not teaching_decide("AWS_IAM", "same account", one, {INVOKE_URL})
    assert teaching_decide("AWS_IAM", "same account", {INVOKE}, {INVOKE_URL})
    assert not teaching_decide("AWS_IAM", "other account", {INVOKE}, {INVOKE_URL})
    assert not teaching_decide("AWS_IAM", "same account", both, both, deny={INVOKE})


def page_block(name: str) -> str:
    """The text between a page's ``<!-- name:start -->`` and ``<!-- name:end -->`` markers."""
    match = re.search(rf"<!-- {name}:start -->\n *```text[^\n]*\n(.*?) *```\n *<!-- {name}:end -->",
                      PAGE.read_text(), re.S)
    assert match, f"the page needs the {name} markers"
    return "\n".join(line.removeprefix("    ") for line in match.group(1).splitlines())


def test_the_page_shows_what_fix_prints_for_a_one_statement_policy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from cicd_check.cli import main

    before = load("function-url-public-policy.json")
    before["Statement"] = before["Statement"][:1]  # the setup from before October 2025
    (tmp_path / "policy.json").write_text(json.dumps(  # as aws lambda get-policy prints it
        {"Policy": json.dumps(before), "RevisionId": "4c5bd3a1-0000-4000-8000-000000000000"}))
    monkeypatch.chdir(tmp_path)
    command = re.search(r"^cicd-check url-auth --auth-type NONE policy\.json --fix$",
                        PAGE.read_text(), re.M)
    assert command, "the page runs this exact command"
    assert main(command.group(0).split()[1:]) == 1, "access is missing"
    printed = capsys.readouterr().out.rstrip("\n")
    assert printed == page_block("fix-output").rstrip("\n") + "\n" + page_block(
        "fix-rest").rstrip("\n")
    assert "--statement-id UrlPublicInvoke --action lambda:InvokeFunction" in printed


def test_the_cross_account_command_on_the_page_allows_the_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    from cicd_check.cli import main

    match = re.search(r"```bash[^\n]*\n(cicd-check url-auth --auth-type AWS_IAM \\\n.*?)```",
                      PAGE.read_text(), re.S)
    assert match, "the page shows the cross-account command"
    monkeypatch.chdir(REPO)
    assert main(shlex.split(match.group(1).replace("\\\n", " "))[1:]) == 0


@pytest.mark.parametrize("flags, allowed", [
    ({"identity": True}, False),
    ({"resource": True}, True),
    ({"public": True}, True),
    ({"public": True, "deny": True}, True),  # nobody is authenticated: no identity to deny
    ({"resource": True, "first_only": True}, False),
])
def test_table_call_builds_the_policies_it_names(flags: dict[str, bool], allowed: bool) -> None:
    """For NONE, only the function's grant to "*" counts, and both statements are needed."""
    assert table_call("NONE", "unsigned", **flags).allowed is allowed
    assert not table_call("AWS_IAM", "same account", public=True, deny=True).allowed


def test_table_call_agrees_with_the_truth_table() -> None:
    for row in truth_table():
        for auth_type, result in zip(("AWS_IAM", "NONE"), row.results, strict=True):
            decision = table_call(auth_type, row.caller, identity=row.identity,
                                  resource=row.resource)
            assert decision.allowed is result
