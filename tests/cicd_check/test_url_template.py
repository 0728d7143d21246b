"""Tests for cicd_check.url_template: the Function URL rules FU001-FU006 in CloudFormation and
SAM templates, references as unknown values, real templates and structured fuzzing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.documents import load_document
from cicd_check.url_auth import (
    template_findings,
)
from tests.cicd_check.support import BAD_VALUES, TEMPLATE_HALF, TEMPLATE_INVOKE
from tests.support.fuzzing import FUZZ

REAL = Path(__file__).with_name("data") / "url-auth"


def findings_of(text: str) -> list[Any]:
    return template_findings(load_document(text, flavor="cloudformation"))


def ids(text: str) -> list[str]:
    return sorted(f.id for f in findings_of(text))


def test_a_public_url_with_only_the_url_grant_is_an_error_on_its_line() -> None:
    (finding,) = findings_of(TEMPLATE_HALF)
    assert finding.id == "FU001" and finding.is_error and finding.line == 15
    assert "lambda:InvokeFunction" in finding and sec.FORBIDDEN in finding
    assert ids(TEMPLATE_HALF + TEMPLATE_INVOKE) == []


@pytest.mark.parametrize("reference", [
    "!Ref Web", "!GetAtt Web.Arn", "!GetAtt [Web, Arn]", '!Sub "${Web.Arn}"', "web",
    "arn:aws:lambda:us-east-1:123456789012:function:web", "123456789012:function:web"])
def test_references_to_the_function_resolve(reference: str) -> None:
    invoke = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", reference)
    assert ids(TEMPLATE_HALF + invoke) == []


@pytest.mark.parametrize("reference", [
    "!ImportValue shared-fn", "!Ref FunctionParam", '!Sub "${FunctionParam}"',
    "!If [IsProd, !Ref Web, !Ref AWS::NoValue]", "!Select [0, [a, b]]", "{Fn::Sub: [x, {}]}"])
def test_unknown_references_are_never_an_error(reference: str) -> None:
    invoke = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", reference)
    assert ids(TEMPLATE_HALF + invoke) == []  # it may be the missing grant: no guess


def test_a_grant_for_another_function_or_alias_does_not_count() -> None:
    other = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", "other-function")
    assert ids(TEMPLATE_HALF + other) == ["FU001"]
    alias = TEMPLATE_INVOKE.replace("!GetAtt Web.Arn", '!Sub "${Web.Arn}:live"')
    assert ids(TEMPLATE_HALF + alias) == ["FU001"]


def test_an_alias_url_needs_grants_on_the_alias() -> None:
    alias = """\
  Live:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Web, FunctionVersion: "1", Name: live}
"""
    on_alias = TEMPLATE_HALF.replace("TargetFunctionArn: !GetAtt Web.Arn",
                                     "TargetFunctionArn: !Ref Live")
    assert ids(on_alias + alias) == ["FU002"]  # the grants are on $LATEST
    grants = (TEMPLATE_HALF.split("  WebUrlPublic:")[1] + TEMPLATE_INVOKE).replace(
        "!Ref Web", "!Ref Live").replace("!GetAtt Web.Arn", '!Sub "${Web.Arn}:live"')
    assert ids(on_alias + alias + "  WebUrlPublic:" + grants) == []
    qualified = TEMPLATE_HALF.replace("AuthType: NONE", "AuthType: NONE\n      Qualifier: live")
    assert ids(qualified + alias) == ["FU002"]
    unknown = TEMPLATE_HALF.replace("AuthType: NONE", "AuthType: NONE\n      Qualifier: !Ref Q")
    assert ids(unknown) == []


def test_only_the_invoke_grant_is_an_error_too() -> None:
    only_invoke = TEMPLATE_HALF.split("  WebUrlPublic:")[0] + TEMPLATE_INVOKE
    (finding,) = findings_of(only_invoke)
    assert finding.id == "FU001" and "no permission grants it lambda:InvokeFunctionUrl" in finding


def test_a_public_url_without_any_grant_is_a_warning() -> None:
    bare = TEMPLATE_HALF.split("  WebUrlPublic:")[0]
    (finding,) = findings_of(bare)
    assert finding.id == "FU002" and not finding.is_error
    assert ids(bare.replace("AuthType: NONE", "AuthType: AWS_IAM")) == []


def test_function_url_auth_type_on_invoke_function_fails_the_deployment() -> None:
    text = TEMPLATE_HALF + TEMPLATE_INVOKE + "      FunctionUrlAuthType: NONE\n"
    found = findings_of(text)
    assert [f.id for f in found] == ["FU003"]
    assert sec.ONLY_FOR_URL_ACTION in found[0]
    assert found[0].line == text.count("\n")  # the last line: FunctionUrlAuthType


def test_an_auth_type_that_differs_from_the_url_opens_nothing() -> None:
    iam = TEMPLATE_HALF.replace("AuthType: NONE\n", "AuthType: AWS_IAM\n", 1)
    assert ids(iam + TEMPLATE_INVOKE) == ["FU004"]
    assert ids(iam.replace("FunctionUrlAuthType: NONE", "FunctionUrlAuthType: AWS_IAM")
               + TEMPLATE_INVOKE) == []
    unknown = TEMPLATE_HALF.replace("AuthType: NONE\n", "AuthType: !Ref Auth\n", 1)
    assert ids(unknown) == []


def test_public_invoke_without_the_url_condition_is_a_warning() -> None:
    loose = TEMPLATE_INVOKE.replace("      InvokedViaFunctionUrl: true\n", "")
    found = findings_of(TEMPLATE_HALF + loose)
    assert [f.id for f in found] == ["FU006"] and not found[0].is_error
    assert ids(TEMPLATE_HALF + loose + "      SourceAccount: '123456789012'\n") == []
    as_text = TEMPLATE_INVOKE.replace("true", '"TRUE"')
    assert ids(TEMPLATE_HALF + as_text) == []


CLOUDFRONT_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/web
      Code: {ZipFile: "exports.handler = async () => 'hi'"}
  WebUrl:
    Type: AWS::Lambda::Url
    Properties: {TargetFunctionArn: !GetAtt Web.Arn, AuthType: AWS_IAM}
  Oac:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig:
        Name: web
        OriginAccessControlOriginType: lambda
        SigningBehavior: always
        SigningProtocol: sigv4
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: web
            DomainName: !Select [2, !Split ["/", !GetAtt WebUrl.FunctionUrl]]
            OriginAccessControlId: !GetAtt Oac.Id
            CustomOriginConfig: {OriginProtocolPolicy: https-only}
        DefaultCacheBehavior:
          TargetOriginId: web
          ViewerProtocolPolicy: redirect-to-https
          AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
          CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
  CdnInvokeUrl:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunctionUrl
      FunctionName: !GetAtt Web.Arn
      Principal: cloudfront.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
      FunctionUrlAuthType: AWS_IAM
"""
CLOUDFRONT_INVOKE = """\
  CdnInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Web.Arn
      Principal: cloudfront.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
"""


def test_cloudfront_oac_needs_both_grants_and_a_signed_body() -> None:
    assert ids(CLOUDFRONT_TEMPLATE) == ["FU001", "FU005"]
    fixes = sec_template_fixes(CLOUDFRONT_TEMPLATE)
    assert len(fixes) == 1 and "Principal: cloudfront.amazonaws.com" in fixes[0]
    assert 'SourceArn: {"Fn::Sub"' in fixes[0]
    assert ids(CLOUDFRONT_TEMPLATE + CLOUDFRONT_INVOKE) == ["FU005"]
    edge = """\
          LambdaFunctionAssociations:
            - EventType: origin-request
              IncludeBody: true
              LambdaFunctionARN: arn:aws:lambda:us-east-1:123456789012:function:sign:1
"""
    signed = CLOUDFRONT_TEMPLATE.replace(
        "          CachePolicyId:", edge + "          CachePolicyId:")
    assert ids(signed + CLOUDFRONT_INVOKE) == []
    reads = CLOUDFRONT_TEMPLATE.replace(", PUT, PATCH, POST, DELETE", "")
    assert ids(reads + CLOUDFRONT_INVOKE) == []
    never = CLOUDFRONT_TEMPLATE.replace("SigningBehavior: always", "SigningBehavior: never")
    assert ids(never + CLOUDFRONT_INVOKE) == []


def sec_template_fixes(text: str) -> list[str]:
    from cicd_check.url_template import template_fixes

    return template_fixes(load_document(text, flavor="cloudformation"))


def test_sam_function_url_config_gets_both_grants_from_sam() -> None:
    sam = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): return 'hi'"
      AutoPublishAlias: live
      FunctionUrlConfig: {AuthType: NONE}
"""
    assert ids(sam) == []
    wrong = sam + """\
  Extra:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunctionUrl
      FunctionName: !Sub "${Web.Arn}:live"
      Principal: "*"
      FunctionUrlAuthType: AWS_IAM
"""
    assert ids(wrong) == ["FU004"]


@pytest.mark.parametrize("data", [None, [], "text", {"Resources": []}, {"Resources": {"a": 1}},
                                  {"Resources": {"u": {"Type": "AWS::Lambda::Url"}}},
                                  {"Resources": {"u": {"Type": "AWS::Lambda::Url",
                                                       "Properties": []}}}])
def test_odd_templates_give_no_findings(data: Any) -> None:
    class Doc:
        def __init__(self, value: Any) -> None:
            self.data = value

        def where(self, path: Any) -> tuple[None, None]:
            return None, None

    assert template_findings(Doc(data)) == []
    assert template_findings(object()) == []


# ----------------------------------------------------------------- real files

REAL_FILES = sorted(REAL.glob("*.y*ml")) + sorted(REAL.glob("*.json"))


def test_there_are_real_files() -> None:
    assert len(REAL_FILES) >= 3, REAL_FILES


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_templates_aws_accepts_have_no_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and "github.com" in text.splitlines()[0], (
        f"{path.name}: the first line must name the repository and path it came from")
    document = load_document(text, flavor="cloudformation", what=path.name)
    found = template_findings(document)
    expected = re.findall(r"# expect: (FU\d{3})", text)
    assert sorted(f.id for f in found) == sorted(expected), [str(f) for f in found]
    assert all(not f.is_error for f in found if f.id not in expected)


TEMPLATE_VALUES = [("WebUrl", "TargetFunctionArn"), ("WebUrl", "AuthType"),
                   ("WebUrl", "Qualifier"), ("WebUrlPublic", "FunctionName"),
                   ("WebUrlPublic", "Action"), ("WebUrlPublic", "Principal"),
                   ("WebUrlPublic", "FunctionUrlAuthType"),
                   ("WebUrlPublicInvoke", "InvokedViaFunctionUrl"),
                   ("WebUrlPublicInvoke", "FunctionName")]
INTRINSICS = st.sampled_from([{"Ref": ["a", "b"]}, {"Fn::GetAtt": {"a": 1}}, {"Fn::GetAtt": []},
                              {"Fn::Sub": ["${Web.Arn}", {"x": 1}]}, {"Fn::If": [1, 2]},
                              {"Ref": "Web", "Extra": 1}, {"Fn::GetAtt": "Web"},
                              {"Fn::GetAtt": ["Oac", "Id"]}, {"Ref": "Missing"}])


@FUZZ
@given(target=st.sampled_from(TEMPLATE_VALUES), bad=INTRINSICS | BAD_VALUES)
def test_well_formed_templates_with_one_bad_value_never_crash(target: tuple[str, str],
                                                               bad: Any) -> None:
    document = load_document(TEMPLATE_HALF + TEMPLATE_INVOKE, flavor="cloudformation")
    resource, key = target
    document.data["Resources"][resource]["Properties"][key] = bad
    found = template_findings(document)
    assert all(f.id.startswith("FU") for f in found)


@FUZZ
@given(path=st.sampled_from([("Origins", 0, "OriginAccessControlId"),
                             ("DefaultCacheBehavior", "AllowedMethods"),
                             ("DefaultCacheBehavior", "TargetOriginId"),
                             ("DefaultCacheBehavior", "LambdaFunctionAssociations"),
                             ("Origins",), ("CacheBehaviors",)]),
       bad=INTRINSICS | BAD_VALUES)
def test_well_formed_cloudfront_templates_with_one_bad_value_never_crash(
    path: tuple[Any, ...], bad: Any
) -> None:
    document = load_document(CLOUDFRONT_TEMPLATE, flavor="cloudformation")
    node = document.data["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    assert all(f.id.startswith("FU") for f in template_findings(document))
