"""Run AWS's own SAM translator offline: the CloudFormation a SAM template becomes.

cfn-lint 1.x checks ``AWS::Serverless::*`` resources against SAM's schemas without running
the transform, so what SAM *generates* (versions, aliases, CodeDeploy groups, function URL
permissions) is never checked. :func:`translate_sam` runs ``aws-sam-translator`` itself and
returns what CloudFormation would deploy, with nothing looked up in AWS: the Region is given
to the translator (never read from ``os.environ`` or ``~/.aws``), managed-policy ARNs come
from the map the translator bundles, and Serverless Application Repository applications get
a placeholder template URL instead of a call to SAR.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

from cicd_check.safe_yaml import YamlError, load_yaml

TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_PREFIX = "AWS::Serverless::"
DEFAULT_REGION = "us-east-1"
MAX_TEMPLATE_CHARS = 1_000_000
# `sam package` uploads local code and rewrites these to S3 (or image) locations before
# CloudFormation sees the template; a template in a repository still has the local paths.
_LOCAL_URIS = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
}
PLACEHOLDER_BUCKET = "cicd-check-packaged"
PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/cicd-check:packaged"
_LOCK = threading.Lock()  # the translator keeps the Region in a class attribute

logging.getLogger("samtranslator").addHandler(logging.NullHandler())


class SamTranslationError(ValueError):
    """The SAM translator rejected the template; the message is the translator's own.

    ``causes`` holds (logical ID or None, message) for each error the translator found, so
    a checker can put each one on its resource's line.
    """

    def __init__(self, message: str, causes: list[tuple[str | None, str]] | None = None,
                 summary: str = "") -> None:
        super().__init__(message)
        self.causes = causes if causes is not None else [(None, message)]
        self.summary = summary  # "Invalid Serverless Application Specification document. ..."


class _OfflineSession:
    """What the translator asks a boto3 session for: a Region, and nothing else."""

    def __init__(self, region: str) -> None:
        self.region_name = region

    def get_available_regions(self, *_: Any, **__: Any) -> list[str]:
        return [self.region_name]


class _BundledPolicies:
    """Managed-policy names -> ARNs from the map the translator ships (no IAM ListPolicies)."""

    def __init__(self, partition: str) -> None:
        self.partition = partition

    def load(self) -> dict[str, str]:
        from samtranslator.internal.managed_policies import get_bundled_managed_policy_map

        return dict(get_bundled_managed_policy_map(self.partition) or {})


def _offline_app_plugin() -> Any:
    """The SAR plugin, with the SAR call replaced by a placeholder template URL."""
    from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
    from samtranslator.sdk.resource import SamResourceType
    from samtranslator.sdk.template import SamTemplate

    class OfflineAppPlugin(ServerlessAppPlugin):  # type: ignore[misc]
        def on_before_transform_template(self, template_dict: dict[str, Any]) -> None:
            template = SamTemplate(template_dict)
            resolvers = self._get_intrinsic_resolvers(template_dict.get("Mappings", {}))
            for _, app in template.iterate({SamResourceType.Application.value}):
                if not self._can_process_application(app):
                    continue
                location = app.properties[self.LOCATION_KEY]
                app_id = self._replace_value(location, self.APPLICATION_ID_KEY, resolvers)
                semver = self._replace_value(location, self.SEMANTIC_VERSION_KEY, resolvers)
                key = self._make_app_key(app_id, semver)
                name = re.sub(r"[^A-Za-z0-9._-]", "-", f"{app_id}-{semver}")[:200]
                self._applications[key] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/{name}"

    return OfflineAppPlugin()


def _partition(region: str) -> str:
    from samtranslator.translator.arn_generator import _region_to_partition

    return str(_region_to_partition(region))


def packaged(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with local code paths replaced by S3/ECR placeholders, as ``sam package`` does."""
    result = copy.deepcopy(dict(template))
    resources = result.get("Resources")
    sections = [resources] if isinstance(resources, dict) else []
    globals_ = result.get("Globals")
    if isinstance(globals_, dict):
        sections.append({"Globals": {"Type": "AWS::Serverless::Function",
                                     "Properties": globals_.get("Function")}})
    for section in sections:
        for resource in section.values():
            if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict):
                _package_resource(resource)
    return result


def _package_resource(resource: dict[str, Any]) -> None:
    properties = resource["Properties"]
    for key in _LOCAL_URIS.get(str(resource.get("Type")), ()):
        value = properties.get(key)
        if isinstance(value, str) and not value.startswith("s3://"):
            path = value.strip("./") or "code"
            properties[key] = f"s3://{PLACEHOLDER_BUCKET}/{path[:200]}"
    if resource.get("Type") == "AWS::Serverless::Function" and \
            properties.get("PackageType") == "Image" and "ImageUri" not in properties:
        properties["ImageUri"] = PLACEHOLDER_IMAGE  # `sam build` fills it from Metadata


def translate(template: Mapping[str, Any], *, region: str = DEFAULT_REGION,
              parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The CloudFormation SAM makes of parsed template data; SamTranslationError if it refuses.

    Local ``CodeUri`` paths are first replaced by S3 placeholders (:func:`packaged`), since a
    template in a repository is deployed through ``sam package`` or ``sam deploy``.
    """
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator

    if not isinstance(template, Mapping):
        raise SamTranslationError("template: the top level must be a mapping with Resources")
    if not isinstance(region, str) or not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        raise SamTranslationError(f"region: {str(region)[:40]!r} is not an AWS Region name")
    source = packaged(template)
    partition = _partition(region)
    values = dict(parameters or {})
    values.setdefault("AWS::Region", region)
    values.setdefault("AWS::Partition", partition)
    policies = _BundledPolicies(partition)
    with _LOCK:
        saved = ArnGenerator.BOTO_SESSION_REGION_NAME
        try:
            translator = Translator(None, Parser(), plugins=[_offline_app_plugin()],
                                    boto_session=_OfflineSession(region))
            result = translator.translate(source, parameter_values=values,
                                          get_managed_policy_map=policies.load)
        except InvalidDocumentException as error:
            causes = [(_logical_id(cause), str(cause.message)) for cause in error.causes]
            text = " ".join([str(error.message), *(message for _, message in causes)])
            raise SamTranslationError(text, causes, str(error.message)) from None
        except ExceptionWithMessage as error:
            raise SamTranslationError(str(error.message)) from None
        except RecursionError:
            raise SamTranslationError("the template is nested too deeply to translate") from None
        except Exception as error:  # the translator assumes well-formed input
            raise SamTranslationError(
                f"the SAM translator could not process this template ({type(error).__name__}: "
                f"{str(error)[:160]})") from None
        finally:
            ArnGenerator.BOTO_SESSION_REGION_NAME = saved
    return _plain(result)


def _logical_id(cause: Any) -> str | None:
    found = getattr(cause, "_logical_id", None)
    return found if isinstance(found, str) else None


def _plain(value: Any) -> Any:
    """Plain dicts and lists (the translator returns its own str/dict subclasses)."""
    stack: list[tuple[Any, Any]] = []
    root = _shell(value)
    stack.append((value, root))
    while stack:
        original, copy_ = stack.pop()
        items = original.items() if isinstance(original, Mapping) else enumerate(original)
        for key, child in items:
            new = _shell(child)
            if isinstance(copy_, dict):
                copy_[str(key)] = new
            else:
                copy_.append(new)
            if isinstance(child, Mapping | list):
                stack.append((child, new))
    return root


def _shell(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {}
    if isinstance(value, list):
        return []
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


# --8<-- [start:translate]
def translate_sam(template_text: str) -> dict[str, Any]:
    """The CloudFormation template AWS's SAM translator makes of ``template_text``, offline.

    Raises SamTranslationError (a ValueError) with the translator's own message when SAM
    would refuse the template, e.g. "Invalid Serverless Application Specification document.
    Number of errors found: 1. Resource with id [Fn] is invalid. ...".
    """
    if not isinstance(template_text, str):
        raise SamTranslationError(f"template: expected text, got {type(template_text).__name__}")
    try:
        data = load_yaml(template_text, flavor="cloudformation", what="template",
                         max_chars=MAX_TEMPLATE_CHARS)
    except YamlError as error:
        raise SamTranslationError(str(error)) from None
    if not isinstance(data, Mapping):
        raise SamTranslationError("template: the top level must be a mapping with Resources")
    return translate(data)
# --8<-- [end:translate]


def is_sam(template: Mapping[str, Any]) -> bool:
    """Does the template declare the SAM transform?"""
    transform = template.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    return TRANSFORM in transforms


def sam_resources(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical ID -> type of every ``AWS::Serverless::*`` resource."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return {}
    return {str(name): str(resource["Type"]) for name, resource in resources.items()
            if isinstance(resource, Mapping) and isinstance(resource.get("Type"), str)
            and resource["Type"].startswith(SAM_PREFIX)}


def origins(source: Mapping[str, Any], translated: Mapping[str, Any]) -> dict[str, str]:
    """Generated logical ID -> the source resource SAM made it from.

    SAM names what it generates after the source resource (``MyFunctionAliaslive``,
    ``MyFunctionRole``); the resources it shares between functions (the CodeDeploy
    application and role, the implicit APIs) are credited to the first function that
    needs them.
    """
    source_resources = source.get("Resources") if isinstance(source.get("Resources"),
                                                             Mapping) else {}
    made = translated.get("Resources") if isinstance(translated.get("Resources"),
                                                     Mapping) else {}
    sam = sam_resources(source)
    by_length = sorted(sam, key=len, reverse=True)
    shared = _shared_owners(source_resources, sam)
    found: dict[str, str] = {}
    for name in made:
        if name in source_resources:
            continue
        owner = next((s for s in by_length if name.startswith(s)), None)
        if owner is None:
            owner = next((o for prefix, o in shared.items() if name.startswith(prefix)), None)
        if owner is not None:
            found[str(name)] = owner
    return found


def _shared_owners(resources: Mapping[str, Any], sam: Mapping[str, str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for name, kind in sam.items():
        if kind != "AWS::Serverless::Function":
            continue
        properties = resources[name].get("Properties")
        properties = properties if isinstance(properties, Mapping) else {}
        if properties.get("DeploymentPreference") is not None:
            owners.setdefault("ServerlessDeploymentApplication", name)
            owners.setdefault("CodeDeployServiceRole", name)
        events = properties.get("Events")
        for event in (events.values() if isinstance(events, Mapping) else []):
            kind_ = event.get("Type") if isinstance(event, Mapping) else None
            if kind_ == "Api":
                owners.setdefault("ServerlessRestApi", name)
            elif kind_ == "HttpApi":
                owners.setdefault("ServerlessHttpApi", name)
    first = next(iter(sam), None)
    if first is not None:  # globals-driven deployment preferences, and anything else shared
        owners.setdefault("ServerlessDeploymentApplication", first)
        owners.setdefault("CodeDeployServiceRole", first)
    return owners
