"""A Lambda function's ``Code`` in a template: what deploys, and what then fails to load.

Some mistakes pass cfn-lint's schema check and only fail at deploy time (a missing
``S3Key``), or deploy and then fail on the first invocation: inline (``ZipFile``) code whose
handler is not ``index.*``, or that imports a package the runtime does not have.
CloudFormation writes inline code to one file, ``index.py`` or ``index.js``, and adds nothing
but ``cfnresponse``. :func:`code_findings` looks for those, in ``AWS::Lambda::Function``
resources (for SAM templates, in the functions SAM generates).
"""

from __future__ import annotations

import ast
import io
import re
import sys
import zipfile
from collections.abc import Mapping
from typing import Any

from cicd_check.documents import Document
from cicd_check.findings import ERROR, Finding, dotted, rule

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
FUNCTION = "AWS::Lambda::Function"

CODE_SOURCE = rule(
    "CF010", "lambda-code-source", ERROR,
    "A Lambda function's Code needs exactly one source: ZipFile, S3Bucket with S3Key, or "
    "ImageUri (with PackageType Image).",
    fix="give Code exactly one of ZipFile, S3Bucket+S3Key or ImageUri",
    source=CODE_PAGE, page="template",
)
INLINE_RUNTIME = rule(
    "CF011", "inline-code-runtime", ERROR,
    "Inline code (Code.ZipFile) works only with Node.js and Python runtimes; CloudFormation "
    "refuses it for any other runtime.",
    fix="package the code as a .zip in S3 (or an image), or use a Node.js or Python runtime",
    source=CODE_PAGE, page="template",
)
INLINE_HANDLER = rule(
    "CF012", "inline-code-handler", ERROR,
    "CloudFormation saves inline code as index.py or index.js, so the handler must start "
    "with 'index.'.",
    fix="name the handler index.<function>, e.g. index.handler",
    source=CODE_PAGE, page="template",
)
INLINE_LOAD = rule(
    "CF014", "inline-code-load", ERROR,
    "Inline code would fail to load: it imports a module the runtime does not provide, "
    "does not parse, or uses syntax the single index file cannot use.",
    fix="use only the standard library, the AWS SDK and cfnresponse, or package the code",
    source=CFN_RESPONSE_PAGE, page="template",
)

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
MAX_SOURCE_CHARS = 8 * 1024 * 1024  # beyond any inline code; bounds parsing


def code_findings(document: Document) -> list[Finding]:
    """Problems in the Code of each AWS::Lambda::Function that cfn-lint lets through."""
    template = document.data
    resources = template.get("Resources") if isinstance(template, Mapping) else None
    if not isinstance(resources, Mapping):
        return []
    parameters = template.get("Parameters")
    parameters = parameters if isinstance(parameters, Mapping) else {}
    found: list[Finding] = []
    for name, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == FUNCTION:
            properties = resource.get("Properties")
            if isinstance(properties, Mapping):
                path = ("Resources", name, "Properties")
                found += _function(document, path, properties, parameters)
    return found


def _at(document: Document, kind: Any, path: tuple[Any, ...], problem: str) -> Finding:
    line, column = document.where(path)
    return kind.at(dotted(path), problem, line=line, column=column)


def _function(document: Document, path: tuple[Any, ...], props: Mapping[str, Any],
              parameters: Mapping[str, Any]) -> list[Finding]:
    code = props.get("Code")
    where = (*path, "Code")
    if not isinstance(code, Mapping):
        return []  # missing or an intrinsic function: cfn-lint's schema check covers it
    sources = [key for key in ("ZipFile", "S3Bucket", "ImageUri") if key in code]
    if "S3Key" in code and "S3Bucket" not in code:
        return [_at(document, CODE_SOURCE, (*where, "S3Key"),
                    "S3Key is set but S3Bucket is missing")]
    if len(sources) != 1:
        shown = ", ".join(sources) or "nothing"
        return [_at(document, CODE_SOURCE, where,
                    f"give exactly one of ZipFile, S3Bucket+S3Key or ImageUri (found {shown})")]
    if "S3Bucket" in code:
        if "S3Key" not in code:
            return [_at(document, CODE_SOURCE, where,
                        "S3Bucket is set but S3Key is missing; CloudFormation needs the full "
                        "key of the .zip in the bucket")]
        return []
    if "ImageUri" in code:
        package_type = _resolve(props.get("PackageType"), parameters)
        if package_type is not None and package_type != "Image":
            return [_at(document, CODE_SOURCE, (*path, "PackageType"),
                        f"is {package_type!r}; it must be Image when Code has an ImageUri")]
        if "PackageType" not in props:
            return [_at(document, CODE_SOURCE, path,
                        "Code has an ImageUri, so PackageType must be Image (it defaults to Zip)")]
        return []
    return _inline(document, path, props, code["ZipFile"], parameters)


def _inline(document: Document, path: tuple[Any, ...], props: Mapping[str, Any],
            zip_file: Any, parameters: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    runtime = _resolve(props.get("Runtime"), parameters)
    handler = _resolve(props.get("Handler"), parameters)
    language = _language(runtime)
    if isinstance(runtime, str) and language is None:
        found.append(_at(document, INLINE_RUNTIME, (*path, "Runtime"),
                         f"{runtime} cannot run inline code; CloudFormation says \"The ZipFile "
                         f"attribute is not supported for the runtime '{runtime}'\""))
    if isinstance(handler, str) and not handler.startswith("index."):
        found.append(_at(document, INLINE_HANDLER, (*path, "Handler"),
                         f"{handler[:80]} must start with 'index.': CloudFormation saves inline "
                         "code as index.py or index.js"))
    source = _literal_text(zip_file)
    if source is None:
        return found
    code_path = (*path, "Code", "ZipFile")
    # No size check: a template is at most 1 MB, so its inline code never zips to 4 MB.
    if language is not None:
        layers = props.get("Layers")
        for problem in inline_code_problems(source, language, runtime=runtime,
                                            layers=bool(layers)):
            found.append(_at(document, INLINE_LOAD, code_path, problem))
    return found


def _language(runtime: Any) -> str | None:
    if not isinstance(runtime, str):
        return None
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "nodejs"
    return None


# --8<-- [start:imports]
def inline_code_problems(source: str, language: str, runtime: str | None = None, *,
                         layers: bool = False) -> list[str]:
    """Why inline code would fail to load: CloudFormation creates one file and nothing else.

    With ``layers`` (the function has Layers), imports the runtime lacks may come from a
    layer, so they are not reported.
    """
    if not isinstance(source, str) or language not in ("python", "nodejs"):
        return ["expected source text and language 'python' or 'nodejs'"]
    if len(source) > MAX_SOURCE_CHARS:
        return [f"{len(source):,} characters: too large for inline code"]
    if language == "python":
        return _python_problems(source, runtime if isinstance(runtime, str) else None, layers)
    return _node_problems(source, layers)


def _python_problems(source: str, runtime: str | None, layers: bool) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        return [f"Python code does not parse (line {line}: {getattr(error, 'msg', error)})"]
    found: list[str] = []
    for node in ast.walk(tree):
        if _odd_cfnresponse_import(node):
            found.append(f"line {node.lineno}: write exactly 'import cfnresponse'; "
                         "CloudFormation only adds the module for that statement")
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
                found.append(f"line {node.lineno}: imports {top}, which was removed from the "
                             f"standard library in Python {removed_in}")
            elif top not in sys.stdlib_module_names and top not in PYTHON_PROVIDED \
                    and not layers:
                found.append(f"line {node.lineno}: imports {top}, which the runtime does not "
                             "provide; inline code cannot bring packages (use S3, a layer or "
                             "an image)")
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


def _node_problems(source: str, layers: bool) -> list[str]:
    found: list[str] = []
    if NODE_ESM.search(source):
        found.append("uses ES module syntax (import/export); inline Node.js code is saved as "
                     "index.js, a CommonJS module: use require()")
    for module in NODE_REQUIRE.findall(source) + NODE_ESM_FROM.findall(source):
        top = module.removeprefix("node:").split("/")[0]
        if module.startswith("node:") or top in NODE_BUILTINS:
            continue
        if module.startswith("@aws-sdk/") or module == "cfn-response":
            continue
        if module == "aws-sdk":
            found.append("requires aws-sdk (SDK v2), which Node.js 18 and later no longer "
                         "include; use the v3 clients in @aws-sdk/*")
        elif not layers:
            found.append(f"requires {module[:80]}, which the runtime does not provide; inline "
                         "code cannot bring packages")
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


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    """A literal, or a Ref to a parameter with a Default; None when unknown."""
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        parameter = parameters.get(value["Ref"]) if isinstance(value["Ref"], str) else None
        default = parameter.get("Default") if isinstance(parameter, Mapping) else None
        return default if isinstance(default, str) else None
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
