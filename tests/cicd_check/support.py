"""Helpers shared by several test modules under tests/cicd_check/ (not a test module).

One source module, one test module (tests/test_inventory.py): where the tests of two modules
need the same policies, templates or strategies, they live here once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from cicd_check import url_auth as sec
from cicd_check.url_auth import (
    INVOKE,
    INVOKE_URL,
    evaluate,
)
from tests.support.fuzzing import JUNK

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "snippets" / "aws_lambda"


FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
ALIAS = f"{FUNCTION}:live"
SAME_ROLE = "arn:aws:iam::123456789012:role/app"
SAME_SESSION = "arn:aws:sts::123456789012:assumed-role/app/session-1"
SAME_USER = "arn:aws:iam::123456789012:user/dev/alice"
SAME_ROOT = "arn:aws:iam::123456789012:root"
OTHER_ROLE = "arn:aws:iam::444455556666:role/example"
OTHER_SESSION = "arn:aws:sts::444455556666:assumed-role/example/session-1"
OTHER_ROOT = "arn:aws:iam::444455556666:root"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], principal: Any = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": FUNCTION}
    if principal is not None:
        statement["Principal"] = principal
    return {**statement, **extra}


BOTH = [INVOKE_URL, INVOKE]
IDENTITY_BOTH = policy(allow(BOTH))


def decide(auth_type: str = "AWS_IAM", *, resource: Any = None, caller: str | None = SAME_SESSION,
           identity: Any = (), function: str = FUNCTION) -> sec.Decision:
    return evaluate(auth_type=auth_type, function_arn=function, resource_policy=resource,
                    caller_arn=caller, identity_policies=list(identity))


# ----------------------------------------------------------------- AWS's own examples
# From https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html (before and after Oct 2025)

AWS_CROSS_ACCOUNT_OLD = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:role/example"},
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
    }],
}
AWS_PUBLIC_OLD = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }],
}
AWS_DENY_UPDATE_NONE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["lambda:UpdateFunctionUrlConfig"],
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:*",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }],
}
AWS_SCP = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": ["lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"],
        "Resource": "arn:aws:lambda:*:123456789012:function:*",
        "Condition": {"StringNotEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
    }],
}
AWS_INVOKE_POLICY = {  # lambda-api-permissions-ref: an identity policy to invoke one function
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Invoke", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                   "Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function"}],
}


# ----------------------------------------------------------------- conditions


def with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return policy({"Effect": "Allow", "Action": BOTH, "Resource": FUNCTION,
                   "Condition": condition})


# ----------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
statement_like = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.text(max_size=8) | st.integers(),
        "Effect": st.sampled_from(["Allow", "Deny", "allow", ""]) | json_values,
        "Action": st.sampled_from(["*", "lambda:*", "lambda:InvokeFunction*", BOTH, "x"])
        | json_values,
        "Resource": st.sampled_from(["*", FUNCTION, "arn:aws:lambda:*"]) | json_values,
        "Principal": st.sampled_from(["*", {"AWS": OTHER_ROLE}, {"AWS": "123456789012"}])
        | json_values,
        "Condition": st.dictionaries(
            st.sampled_from(["StringEquals", "Bool", "ArnLike", "Null", "StringNotLike",
                             "NumericEquals", "Bogus"]) | st.text(max_size=10),
            st.dictionaries(st.sampled_from(["aws:PrincipalAccount", "aws:PrincipalArn",
                                             "lambda:FunctionUrlAuthType"]) | st.text(max_size=8),
                            json_values, max_size=2),
            max_size=2) | json_values,
    },
)
documents = st.fixed_dictionaries(
    {"Statement": st.lists(statement_like, max_size=3) | statement_like | json_values},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "x"])},
) | json_values


# ----------------------------------------------------------------- templates (FU001-FU006)

TEMPLATE_HALF = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: web
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/web
      Code: {ZipFile: "def handler(event, context): return 'hi'"}
  WebUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Web.Arn
      AuthType: NONE
  WebUrlPublic:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Web
      Action: lambda:InvokeFunctionUrl
      Principal: "*"
      FunctionUrlAuthType: NONE
"""
TEMPLATE_INVOKE = """\
  WebUrlPublicInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Web.Arn
      Action: lambda:InvokeFunction
      Principal: "*"
      InvokedViaFunctionUrl: true
"""


# ----------------------------------------------------------------- structured fuzzing

ARNS_OF_EVERY_FORM = [
    "*", "123456789012", "444455556666", SAME_ROOT, OTHER_ROOT, SAME_ROLE, OTHER_ROLE,
    SAME_USER, SAME_SESSION, OTHER_SESSION, "arn:aws:iam::123456789012:role/team/app",
]
principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": st.sampled_from(ARNS_OF_EVERY_FORM)
                           | st.lists(st.sampled_from(ARNS_OF_EVERY_FORM), min_size=1,
                                      max_size=3)}),
    st.fixed_dictionaries({"Service": st.sampled_from(["cloudfront.amazonaws.com",
                                                       "apigateway.amazonaws.com"])}),
    st.fixed_dictionaries({"Federated": st.just("cognito-identity.amazonaws.com")}),
    st.fixed_dictionaries({"CanonicalUser": st.just("79a59df900b949e55d96a1e698fbace")}),
)
condition_values = (st.sampled_from(["NONE", "AWS_IAM", "true", "123456789012", SAME_ROLE,
                                     "arn:aws:cloudfront::123456789012:distribution/*"])
                    | st.booleans() | st.integers(-5, 5))
conditions = st.dictionaries(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "ArnLike", "ArnEquals",
                     "Bool", "Null", "StringEqualsIfExists", "ForAnyValue:StringEquals",
                     "ForAllValues:StringLike", "StringEqualsIgnoreCase"]),
    st.dictionaries(st.sampled_from(["lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl",
                                     "aws:PrincipalAccount", "aws:PrincipalArn",
                                     "AWS:SourceArn", "aws:SourceAccount"]),
                    condition_values | st.lists(condition_values, min_size=1, max_size=3),
                    min_size=1, max_size=2),
    max_size=2)
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]),
     "Action": st.sampled_from([INVOKE_URL, INVOKE, "lambda:*", "lambda:Invoke*", BOTH]),
     "Resource": st.sampled_from([FUNCTION, "*", ALIAS, "arn:aws:lambda:*:*:function:my-*"]),
     "Principal": principals},
    optional={"Sid": st.sampled_from(["A", "B"]), "Condition": conditions})
policies = st.builds(lambda s: {"Version": "2012-10-17", "Statement": s},
                     st.lists(statements, min_size=1, max_size=4))
BAD_VALUES = (st.sampled_from([{"AWS": []}, {"AWS": {"x": 1}}, ["Allow"], {"StringEquals": 1},
                               "", None, 10**400, "\ud800", {"Fn::Sub": ["x", {}]}, "${aws:x}",
                               {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}])
              | st.recursive(st.text(max_size=5) | st.integers(),
                             lambda inner: st.lists(inner, max_size=2)
                             | st.dictionaries(st.text(max_size=4), inner, max_size=2),
                             max_leaves=4))


def with_one_bad_value(document: dict, where: int, key: str, bad: Any) -> dict:
    statement = document["Statement"][where % len(document["Statement"])]
    if key == "Condition" and isinstance(statement.get("Condition"), dict) and \
            statement["Condition"]:
        operator = next(iter(statement["Condition"]))
        inner = statement["Condition"][operator]
        inner[next(iter(inner))] = bad  # a condition value that is a list/map/junk
    else:
        statement[key] = bad
    return document


# ----------------------------------------------------------------- Lambda templates

ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def function(code: object, runtime: object = "python3.13", handler: object = "index.handler",
             **extra: object) -> dict:
    properties = {"Runtime": runtime, "Handler": handler, "Role": ROLE, "Code": code, **extra}
    return {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": properties}}}


# ----------------------------------------------------------------- pipelines


def ids(findings: list[Any]) -> set[str]:
    return {finding.id for finding in findings}


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += value_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += value_paths(item, (*prefix, index))
    return found


PIPELINE_BAD_VALUES = (
    JUNK | st.sampled_from(["", "x" * 200, "CodeBuild", "Compute", "V1", 0, 10**30,
                            {"Ref": "X"}, {"Fn::If": ["C", [1], {"a": "b"}]}])
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
