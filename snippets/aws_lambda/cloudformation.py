"""Lambda functions in CloudFormation: inline code, code from S3, deploying and releasing.

The checks of a function's ``Code`` that cfn-lint misses live in ``cicd_check`` (run
``cicd-check template.yaml``; see docs/tools/template.md); this module holds the page's
examples: the two templates, deploying a stack and releasing new code to it.

``release_code`` spells out the other parameters' current values instead of sending
``UsePreviousValue``: moto mishandles ``UsePreviousValue`` on parameters with defaults
(docs/how-examples-run.md, "Lambda and CloudFormation").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cicd_check.safe_yaml import load_yaml

MAX_TEMPLATE_BYTES = 1024 * 1024  # characters; far above any real template, keeps parsing bounded
HERE = Path(__file__).resolve().parent
INLINE_TEMPLATE = HERE / "function-inline.yaml"
S3_TEMPLATE = HERE / "function-s3.yaml"


def load_template(text: str) -> dict[str, Any]:
    """Parse a YAML or JSON template (short forms like !Ref included); ValueError if unusable.

    Goes through the handbook's one bounded, safe YAML loader (cicd_check/safe_yaml.py).
    """
    data = load_yaml(text, flavor="cloudformation", what="template", max_chars=MAX_TEMPLATE_BYTES)
    if not isinstance(data, dict):
        raise ValueError("template: the top level must be a mapping with Resources")
    return data


def inline_code(template: Mapping[str, Any], resource: str = "Function") -> str:
    """The inline source of one function, e.g. to unit-test its handler before deploying."""
    try:
        code = template["Resources"][resource]["Properties"]["Code"]["ZipFile"]
    except (KeyError, TypeError, IndexError):
        raise ValueError(f"{resource}.Code.ZipFile: no inline code in this template") from None
    if not isinstance(code, str):
        raise ValueError(f"{resource}.Code.ZipFile: not literal text")
    return code


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)


# --8<-- [start:deploy]
def deploy_stack(
    template_text: str, stack_name: str, parameters: Mapping[str, str], client: Any = None
) -> str:
    """Create a stack and wait for it; returns the final stack status."""
    client = client or _client("cloudformation")
    client.create_stack(
        StackName=stack_name,
        TemplateBody=template_text,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    client.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
    )
    return client.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]


def read_function(function_name: str, client: Any = None) -> dict[str, Any]:
    """What Lambda says it runs: the proof a stack did what it claims."""
    client = client or _client("lambda")
    config = client.get_function(FunctionName=function_name)["Configuration"]
    keys = ("Runtime", "Handler", "MemorySize", "CodeSize", "CodeSha256", "PackageType")
    return {key: config.get(key) for key in keys}
# --8<-- [end:deploy]


# --8<-- [start:release]
def release_code(stack_name: str, bucket: str, key: str, zip_bytes: bytes,
                 s3_client: Any = None, cfn_client: Any = None) -> str:
    """Upload new code to the same key, then update the stack with the new object version."""
    s3_client = s3_client or _client("s3")
    cfn_client = cfn_client or _client("cloudformation")
    version = s3_client.put_object(Bucket=bucket, Key=key, Body=zip_bytes).get("VersionId")
    if not version or version == "null":
        raise ValueError(f"bucket: {bucket} is not versioned, so the key alone cannot change")
    stack = cfn_client.describe_stacks(StackName=stack_name)["Stacks"][0]
    # Every other parameter keeps the value the stack has now.
    parameters = [
        {"ParameterKey": p["ParameterKey"], "ParameterValue": p["ParameterValue"]}
        for p in stack.get("Parameters", [])
        if p["ParameterKey"] != "CodeObjectVersion"
    ]
    parameters.append({"ParameterKey": "CodeObjectVersion", "ParameterValue": version})
    cfn_client.update_stack(
        StackName=stack_name,
        UsePreviousTemplate=True,
        Parameters=parameters,
        Capabilities=["CAPABILITY_IAM"],
    )
    cfn_client.get_waiter("stack_update_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
    )
    return version
# --8<-- [end:release]
