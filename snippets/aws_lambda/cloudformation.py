"""Lambda functions in CloudFormation: inline code, code from S3, and what cfn-lint misses.

cfn-lint checks a template against the resource schemas. Some mistakes in a function's
``Code`` pass that check and only fail at deploy time, or worse, deploy and then fail on
the first invocation: a missing ``S3Key``, a handler that is not ``index.*`` for inline
code, inline code that imports a package which is not there. ``check_template`` looks for
those.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cicd_check.contract import OneLineParser, UnusableInput, read_text, unusable
from cicd_check.safe_yaml import load_yaml

CODE_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-properties-lambda-function-code.html"
)
CFN_RESPONSE_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
    "cfn-lambda-function-code-cfnresponsemodule.html"
)
# A CloudFormation limit, not a Lambda quota: "the resulting zip cannot exceed 4 MB"
# (older pages said 4,096 characters). Source: CODE_PAGE, checked 2026-11-26.
INLINE_ZIP_LIMIT = 4 * 1024 * 1024
MAX_TEMPLATE_BYTES = 1024 * 1024  # characters; far above any real template, keeps parsing bounded
HERE = Path(__file__).resolve().parent
INLINE_TEMPLATE = HERE / "function-inline.yaml"
S3_TEMPLATE = HERE / "function-s3.yaml"

# What the Python runtimes provide besides the standard library: the SDK and what it needs,
# and cfnresponse, which CloudFormation adds to inline (ZipFile) code only.
PYTHON_PROVIDED = {
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "cfnresponse",
}
# Modules the interpreter's standard library dropped (PEP 632, PEP 594): code that still
# imports them fails on the newer runtimes even though it ran on older ones.
REMOVED_FROM_STDLIB = {
    "3.12": {"distutils", "imp", "asynchat", "asyncore", "smtpd"},
    "3.13": {
        "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib",
        "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu",
        "xdrlib", "lib2to3",
    },
}
NODE_BUILTINS = {
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http",
    "http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process",
    "punycode", "querystring", "readline", "repl", "stream", "string_decoder", "sys",
    "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
    "worker_threads", "zlib",
}
NODE_REQUIRE = re.compile(r"""\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)""")
NODE_ESM = re.compile(r"""^\s*(?:import\s[^(]|import\s*['"{*]|export\s)""", re.MULTILINE)
NODE_ESM_FROM = re.compile(r"""^\s*import\s.*?from\s*['"]([^'"]+)['"]""", re.MULTILINE)


def load_template(text: str) -> dict[str, Any]:
    """Parse a YAML or JSON template (short forms like !Ref included); ValueError if unusable.

    Goes through the handbook's one bounded, safe YAML loader (snippets/safe_yaml.py).
    """
    data = load_yaml(text, flavor="cloudformation", what="template", max_chars=MAX_TEMPLATE_BYTES)
    if not isinstance(data, dict):
        raise ValueError("template: the top level must be a mapping with Resources")
    return data


def lint_template(text: str) -> list[str]:
    """cfn-lint's findings as ``RULE line N: message`` strings ([] when clean)."""
    from cfnlint.api import ManualArgs, lint

    if not isinstance(text, str):
        raise ValueError(f"template: expected text, got {type(text).__name__}")
    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches]


# --8<-- [start:check]
def check_template(template: Any) -> list[str]:
    """Problems in Lambda functions' Code that cfn-lint lets through ([] when clean).

    Accepts the template text or the parsed mapping; never raises on bad input.
    """
    if isinstance(template, str):
        try:
            template = load_template(template)
        except ValueError as error:
            return [str(error)]
    if not isinstance(template, Mapping):
        return [f"template: expected a mapping or template text, got {type(template).__name__}"]
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        return ["Resources: the template needs a Resources mapping"]
    parameters = template.get("Parameters")
    parameters = parameters if isinstance(parameters, Mapping) else {}
    problems: list[str] = []
    for name, resource in resources.items():
        if not isinstance(resource, Mapping):
            problems.append(f"{name}: a resource must be a mapping")
        elif resource.get("Type") == "AWS::Lambda::Function":
            problems.extend(_check_function(str(name), resource, parameters))
    return problems


def _check_function(name: str, resource: Mapping, parameters: Mapping) -> list[str]:
    props = resource.get("Properties")
    if not isinstance(props, Mapping):
        return [f"{name}.Properties: a function needs Properties with Code"]
    code = props.get("Code")
    where = f"{name}.Code"
    if not isinstance(code, Mapping):
        return [f"{where}: must be a mapping with ZipFile, S3Bucket and S3Key, or ImageUri"]
    sources = [key for key in ("ZipFile", "S3Bucket", "ImageUri") if key in code]
    if "S3Key" in code and "S3Bucket" not in code:
        return [f"{where}.S3Bucket: S3Key is set but the bucket is missing"]
    if len(sources) != 1:
        found = ", ".join(sources) or "nothing"
        return [f"{where}: give exactly one of ZipFile, S3Bucket+S3Key or ImageUri (found {found})"]
    if "S3Bucket" in code:
        if "S3Key" not in code:
            return [
                f"{where}.S3Key: missing; CloudFormation needs the full key of the .zip in "
                "the bucket (cfn-lint does not report this)"
            ]
        return []
    if "ImageUri" in code:
        if _resolve(props.get("PackageType"), parameters) != "Image":
            return [f"{name}.PackageType: must be Image when Code has an ImageUri"]
        return []
    return _check_inline(name, props, code["ZipFile"], parameters)


def _check_inline(name: str, props: Mapping, zip_file: Any, parameters: Mapping) -> list[str]:
    problems: list[str] = []
    runtime = _resolve(props.get("Runtime"), parameters)
    handler = _resolve(props.get("Handler"), parameters)
    language = None
    if isinstance(runtime, str):
        if runtime.startswith("python"):
            language = "python"
        elif runtime.startswith("nodejs"):
            language = "nodejs"
        else:
            problems.append(
                f"{name}.Runtime: {runtime} cannot use inline ZipFile code; only Node.js and "
                "Python runtimes can (package the code and put it in S3)"
            )
    if isinstance(handler, str) and not handler.startswith("index."):
        problems.append(
            f"{name}.Handler: {handler} must start with 'index.': CloudFormation saves inline "
            "code as index.py or index.js"
        )
    source = _literal_text(zip_file)
    if source is None:
        return problems
    size = inline_zip_size(source, language or "python")
    if size > INLINE_ZIP_LIMIT:
        problems.append(
            f"{name}.Code.ZipFile: zips to {size:,} bytes, over CloudFormation's "
            f"{INLINE_ZIP_LIMIT:,}-byte (4 MB) limit for inline code"
        )
    if language is not None:
        found = inline_code_problems(source, language, runtime=runtime)
        problems.extend(f"{name}.Code.ZipFile: {problem}" for problem in found)
    return problems
# --8<-- [end:check]


# --8<-- [start:imports]
def inline_code_problems(source: str, language: str, runtime: str | None = None) -> list[str]:
    """Imports inline code cannot satisfy: CloudFormation creates one file and nothing else."""
    if not isinstance(source, str) or language not in ("python", "nodejs"):
        return ["expected source text and language 'python' or 'nodejs'"]
    if language == "python":
        return _python_problems(source, runtime if isinstance(runtime, str) else None)
    return _node_problems(source)


def _python_problems(source: str, runtime: str | None) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        return [f"Python code does not parse (line {line}: {getattr(error, 'msg', error)})"]
    found: list[str] = []
    for node in ast.walk(tree):
        if _odd_cfnresponse_import(node):
            found.append(
                f"line {node.lineno}: write exactly 'import cfnresponse'; CloudFormation only "
                "adds the module for that statement"
            )
            continue
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.ImportFrom):
            found.append(f"line {node.lineno}: relative import; inline code is a single file")
            continue
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            removed_in = _removed_in(top, runtime)
            if removed_in:
                found.append(
                    f"line {node.lineno}: imports {top}, which was removed from the standard "
                    f"library in Python {removed_in}"
                )
            elif top not in sys.stdlib_module_names and top not in PYTHON_PROVIDED:
                found.append(
                    f"line {node.lineno}: imports {top}, which the runtime does not provide; "
                    "inline code cannot bring packages (use S3, a layer or an image)"
                )
    return found


def _removed_in(module: str, runtime: str | None) -> str | None:
    """The Python version that dropped ``module``, if the runtime is that version or newer."""
    match = re.fullmatch(r"python3\.(\d+)", runtime or "")
    if match is None:
        return None
    for version, modules in REMOVED_FROM_STDLIB.items():
        if module in modules and int(match[1]) >= int(version.split(".")[1]):
            return version
    return None


def _odd_cfnresponse_import(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "cfnresponse"
    if isinstance(node, ast.Import):
        return any(a.name == "cfnresponse" and a.asname for a in node.names)
    return False


def _node_problems(source: str) -> list[str]:
    found: list[str] = []
    if NODE_ESM.search(source):
        found.append(
            "uses ES module syntax (import/export); inline Node.js code is saved as index.js, "
            "a CommonJS module: use require()"
        )
    for module in NODE_REQUIRE.findall(source) + NODE_ESM_FROM.findall(source):
        top = module.removeprefix("node:").split("/")[0]
        if module.startswith("node:") or top in NODE_BUILTINS:
            continue
        if module.startswith("@aws-sdk/") or module == "cfn-response":
            continue
        if module == "aws-sdk":
            found.append(
                "requires aws-sdk (SDK v2), which Node.js 18 and later no longer include; "
                "use the v3 clients in @aws-sdk/*"
            )
        else:
            found.append(
                f"requires {module}, which the runtime does not provide; inline code cannot "
                "bring packages"
            )
    return found
# --8<-- [end:imports]


def inline_zip_size(source: str, language: str = "python") -> int:
    """Size of the .zip CloudFormation would make from inline code (one index file)."""
    if not isinstance(source, str):
        raise ValueError(f"source: expected text, got {type(source).__name__}")
    buffer = io.BytesIO()
    name = "index.js" if language == "nodejs" else "index.py"
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, source.encode("utf-8", "surrogatepass"))
    return len(buffer.getvalue())


def inline_code(template: Mapping[str, Any], resource: str = "Function") -> str:
    """The inline source of one function, e.g. to unit-test its handler before deploying."""
    try:
        code = template["Resources"][resource]["Properties"]["Code"]["ZipFile"]
    except (KeyError, TypeError, IndexError):
        raise ValueError(f"{resource}.Code.ZipFile: no inline code in this template") from None
    if not isinstance(code, str):
        raise ValueError(f"{resource}.Code.ZipFile: not literal text")
    return code


def _resolve(value: Any, parameters: Mapping) -> Any:
    """A literal, or a Ref to a parameter with a Default; None when unknown."""
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        parameter = parameters.get(value["Ref"]) if isinstance(value["Ref"], str) else None
        return parameter.get("Default") if isinstance(parameter, Mapping) else None
    return value if isinstance(value, str) else None


def _literal_text(value: Any) -> str | None:
    """Inline code as text: plain, inside Fn::Sub, or the literal parts of Fn::Join."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        if "Fn::Sub" in value:
            body = value["Fn::Sub"]
            body = body[0] if isinstance(body, list) and body else body
            return body if isinstance(body, str) else None
        if "Fn::Join" in value:
            args = value["Fn::Join"]
            if isinstance(args, list) and len(args) == 2 and isinstance(args[0], str):
                parts = args[1] if isinstance(args[1], list) else []
                return args[0].join(part for part in parts if isinstance(part, str))
    return None


# --8<-- [start:deploy]
def deploy_stack(
    template_text: str, stack_name: str, parameters: Mapping[str, str], client: Any = None
) -> str:
    """Create a stack and wait for it; returns the final stack status."""
    if client is None:
        import boto3

        client = boto3.client("cloudformation")
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
    if client is None:
        import boto3

        client = boto3.client("lambda")
    config = client.get_function(FunctionName=function_name)["Configuration"]
    keys = ("Runtime", "Handler", "MemorySize", "CodeSize", "CodeSha256", "PackageType")
    return {key: config.get(key) for key in keys}
# --8<-- [end:deploy]


# --8<-- [start:release]
def release_code(
    stack_name: str,
    bucket: str,
    key: str,
    zip_bytes: bytes,
    s3_client: Any = None,
    cfn_client: Any = None,
) -> str:
    """Upload new code to the same key and tell the stack about the new object version.

    Uploading alone changes nothing: the template still names the old version, so
    CloudFormation sees no change. The new version ID is what makes it update the code.
    """
    if s3_client is None or cfn_client is None:
        import boto3

        s3_client = s3_client or boto3.client("s3")
        cfn_client = cfn_client or boto3.client("cloudformation")
    version = s3_client.put_object(Bucket=bucket, Key=key, Body=zip_bytes).get("VersionId")
    if not version or version == "null":
        raise ValueError(f"bucket: {bucket} is not versioned, so the key alone cannot change")
    stack = cfn_client.describe_stacks(StackName=stack_name)["Stacks"][0]
    # The previous values, spelled out (moto mishandles UsePreviousValue on defaults).
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


def main(argv: Sequence[str] | None = None) -> int:
    """``check TEMPLATE``: cfn-lint, then the Code checks cfn-lint misses."""
    parser = OneLineParser(
        prog="python -m snippets.aws_lambda.cloudformation",
        description="Check the Lambda functions in a CloudFormation template.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="exit 0 clean, 1 problems, 2 unusable input")
    check.add_argument("template", help="template file (YAML or JSON)")
    check.add_argument("--skip-cfn-lint", action="store_true", help="only the Code checks")
    args = parser.parse_args(argv)
    try:
        text = read_text(args.template, what="template", max_bytes=MAX_TEMPLATE_BYTES * 4)
        load_template(text)
    except UnusableInput as error:
        return unusable(error)
    except ValueError as error:
        return unusable(f"{args.template}: {error}")
    problems = [] if args.skip_cfn_lint else lint_template(text)
    problems += check_template(text)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
