"""CodeBuild projects: what ``CreateProject`` (or CloudFormation) refuses, before you deploy.

The timeout ranges are EC2 compute's (5–2,160 minutes running, 5–480 queued). Lambda
compute has none: a build stops after 15 minutes, never queues, and the project may not
set either timeout, privileged mode, a VPC, EFS file systems or a cache. The same rules
run on ``AWS::CodeBuild::Project`` resources (PascalCase) through :func:`template_findings`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cicd_check.documents import Document
from cicd_check.findings import ERROR, Finding, errors, rule

PAGE = "project"


@cache
def _data() -> dict[str, Any]:
    text = resources.files("cicd_check").joinpath("data/codebuild.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Limit:
    """A setting's allowed range and default, in minutes, as the API reference gives it."""

    minimum: int
    maximum: int
    default: int


BUILD_TIMEOUT = Limit(**_data()["build_timeout"])
QUEUED_TIMEOUT = Limit(**_data()["queued_timeout"])
LAMBDA_COMPUTE_TYPES: tuple[str, ...] = tuple(_data()["lambda_compute_types"])
LAMBDA_ENVIRONMENT_TYPES: tuple[str, ...] = tuple(_data()["lambda_environment_types"])
LAMBDA_BUILD_LIMIT_MINUTES: int = _data()["lambda_build_limit_minutes"]
API = _data()["create_project"]
LAMBDA_PAGE = _data()["lambda_compute"]

REQUIRED = rule("CB001", "required-setting", ERROR,
                "A setting CreateProject requires is missing (name, source, artifacts, "
                "environment, serviceRole).", fix="add the missing setting", source=API,
                page=PAGE)
BUILD_RANGE = rule("CB002", "build-timeout-range", ERROR,
                   "A build timeout outside 5–2,160 minutes (EC2 compute).",
                   fix="set timeoutInMinutes between 5 and 2160", source=API, page=PAGE)
QUEUED_RANGE = rule("CB003", "queued-timeout-range", ERROR,
                    "A queued timeout outside 5–480 minutes (EC2 compute).",
                    fix="set queuedTimeoutInMinutes between 5 and 480", source=API, page=PAGE)
PIPELINE_PAIR = rule("CB004", "codepipeline-pair", ERROR,
                     "A CODEPIPELINE source without CODEPIPELINE artifacts, or the reverse.",
                     fix="set both source.type and artifacts.type to CODEPIPELINE", source=API,
                     page=PAGE)
LAMBDA_TYPE = rule("CB005", "lambda-environment-type", ERROR,
                   "A Lambda compute type with a non-Lambda environment type, or the reverse.",
                   fix="pair BUILD_LAMBDA_* with LINUX_LAMBDA_CONTAINER or ARM_LAMBDA_CONTAINER",
                   source=LAMBDA_PAGE, page=PAGE)
LAMBDA_TIMEOUT = rule("CB006", "lambda-timeout", ERROR,
                      "A build or queued timeout on Lambda compute, which has neither (builds "
                      "stop after 15 minutes and never queue).",
                      fix="remove timeoutInMinutes and queuedTimeoutInMinutes, or use EC2 "
                          "compute for builds over 15 minutes", source=LAMBDA_PAGE, page=PAGE)
LAMBDA_PRIVILEGED = rule("CB007", "lambda-privileged-mode", ERROR,
                         "Privileged mode (Docker builds) on Lambda compute.",
                         fix="use EC2 compute for docker build, or drop privileged mode",
                         source=LAMBDA_PAGE, page=PAGE)
LAMBDA_VPC = rule("CB008", "lambda-vpc", ERROR, "A VPC configuration on Lambda compute.",
                  fix="use EC2 compute to reach resources in a VPC", source=LAMBDA_PAGE,
                  page=PAGE)
LAMBDA_EFS = rule("CB009", "lambda-file-systems", ERROR,
                  "EFS file system locations on Lambda compute.",
                  fix="use EC2 compute to mount Amazon EFS", source=LAMBDA_PAGE, page=PAGE)
LAMBDA_CACHE = rule("CB010", "lambda-cache", ERROR, "A build cache on Lambda compute.",
                    fix="set the cache type to NO_CACHE, or use EC2 compute", source=LAMBDA_PAGE,
                    page=PAGE)


@dataclass(frozen=True)
class Keys:
    """The names of the settings: the API's camelCase or CloudFormation's PascalCase."""

    name: str = "name"
    source: str = "source"
    artifacts: str = "artifacts"
    environment: str = "environment"
    service_role: str = "serviceRole"
    timeout: str = "timeoutInMinutes"
    queued: str = "queuedTimeoutInMinutes"
    type: str = "type"
    compute_type: str = "computeType"
    privileged: str = "privilegedMode"
    vpc: str = "vpcConfig"
    file_systems: str = "fileSystemLocations"
    cache: str = "cache"


API_KEYS = Keys()
TEMPLATE_KEYS = Keys(*(name[0].upper() + name[1:] for name in Keys().__dict__.values()))


def _intrinsic(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _set(value: Any) -> bool:
    """True when a setting is really given (not None, not empty, not ``false``)."""
    return value not in (None, False, "", "false", "False", [], {})


def project_findings(project: Any, *, keys: Keys = API_KEYS, template: bool = False,
                     prefix: str = "",
                     where: Callable[[tuple[Any, ...]], int | None] | None = None
                     ) -> list[Finding]:
    """Every finding for one project (CreateProject-shaped, or a template's Properties)."""
    found: list[Finding] = []

    def add(rule_: Any, path: tuple[Any, ...], problem: str) -> None:
        field = prefix + ".".join(str(p) for p in path)
        found.append(rule_.at(field, problem, line=where(path) if where else None))

    if not isinstance(project, Mapping):
        add(REQUIRED, ("project",), f"expected a mapping, got {type(project).__name__}")
        return found
    required = [keys.source, keys.artifacts, keys.environment, keys.service_role]
    if not template:  # CloudFormation names the project itself when Name is missing
        required.insert(0, keys.name)
    for key in required:
        if key not in project:
            add(REQUIRED, (key,), "required setting is missing")
    environment = project.get(keys.environment)
    env = environment if isinstance(environment, Mapping) and not _intrinsic(environment) else {}
    if keys.environment in project and not isinstance(environment, Mapping):
        add(REQUIRED, (keys.environment,), "required mapping (type, image, computeType)")
    compute, env_type = env.get(keys.compute_type), env.get(keys.type)
    on_lambda = compute in LAMBDA_COMPUTE_TYPES or (
        env_type in LAMBDA_ENVIRONMENT_TYPES and not isinstance(compute, str))
    for key, limit, range_rule in ((keys.timeout, BUILD_TIMEOUT, BUILD_RANGE),
                                   (keys.queued, QUEUED_TIMEOUT, QUEUED_RANGE)):
        value = project.get(key)
        if value is None or (template and _intrinsic(value)):
            continue  # not set, or unknown until deployment (it may be AWS::NoValue)
        if on_lambda:
            add(LAMBDA_TIMEOUT, (key,), f"Cannot specify {_api(key)} for lambda compute: "
                                        f"Lambda compute builds stop after "
                                        f"{LAMBDA_BUILD_LIMIT_MINUTES} minutes and never queue")
            continue
        number = _minutes(value, template)
        if number is None:
            add(range_rule, (key,), "must be a whole number of minutes")
        elif not limit.minimum <= number <= limit.maximum:
            add(range_rule, (key,), f"{number} is outside {limit.minimum}-{limit.maximum} "
                                    "minutes")
    source, artifacts = project.get(keys.source), project.get(keys.artifacts)
    source_type = source.get(keys.type) if isinstance(source, Mapping) else None
    artifacts_type = artifacts.get(keys.type) if isinstance(artifacts, Mapping) else None
    if (isinstance(source_type, str) and isinstance(artifacts_type, str)
            and (source_type == "CODEPIPELINE") != (artifacts_type == "CODEPIPELINE")):
        add(PIPELINE_PAIR, (keys.source, keys.type),
            "CODEPIPELINE needs both source.type and artifacts.type to be CODEPIPELINE")
    if isinstance(compute, str) and isinstance(env_type, str):
        if compute in LAMBDA_COMPUTE_TYPES and env_type not in LAMBDA_ENVIRONMENT_TYPES:
            add(LAMBDA_TYPE, (keys.environment, keys.type),
                f"Lambda compute ({compute}) needs LINUX_LAMBDA_CONTAINER or "
                "ARM_LAMBDA_CONTAINER")
        elif env_type in LAMBDA_ENVIRONMENT_TYPES and compute not in LAMBDA_COMPUTE_TYPES:
            add(LAMBDA_TYPE, (keys.environment, keys.compute_type),
                f"{env_type} needs a Lambda compute type (BUILD_LAMBDA_1GB … 10GB)")
    if not on_lambda:
        return found
    if _set(env.get(keys.privileged)) and not _intrinsic(env.get(keys.privileged)):
        add(LAMBDA_PRIVILEGED, (keys.environment, keys.privileged),
            "not supported with Lambda compute (no Docker builds)")
    vpc = project.get(keys.vpc)
    if isinstance(vpc, Mapping) and not _intrinsic(vpc) and any(_set(v) for v in vpc.values()):
        add(LAMBDA_VPC, (keys.vpc,), "Lambda compute has no VPC connectivity")
    if _set(project.get(keys.file_systems)) and not _intrinsic(project.get(keys.file_systems)):
        add(LAMBDA_EFS, (keys.file_systems,), "Lambda compute cannot mount Amazon EFS")
    cache_ = project.get(keys.cache)
    cache_type = cache_.get(keys.type, "NO_CACHE") if isinstance(cache_, Mapping) else "NO_CACHE"
    if isinstance(cache_type, str) and cache_type != "NO_CACHE":
        add(LAMBDA_CACHE, (keys.cache, keys.type), "Lambda compute does not support caching")
    return found


def _api(key: str) -> str:
    return key[0].lower() + key[1:]


def _minutes(value: Any, template: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if template and isinstance(value, str) and re.fullmatch(r"\d{1,9}", value.strip()):
        return int(value)
    return None


def check_project(project: Any) -> list[Finding]:
    """Problems AWS would reject in a CreateProject request; ``[]`` when none."""
    return errors(project_findings(project))


def template_findings(document: Document) -> list[Finding]:
    """The same checks on every ``AWS::CodeBuild::Project`` resource of a template."""
    template = document.data
    resources_ = template.get("Resources") if isinstance(template, Mapping) else None
    if not isinstance(resources_, Mapping):
        return []
    found: list[Finding] = []
    for name, resource in resources_.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CodeBuild::Project":
            continue
        props = resource.get("Properties")
        if not isinstance(props, Mapping) or _intrinsic(props):
            continue

        def where(path: tuple[Any, ...], name: Any = name) -> int | None:
            return document.line(("Resources", name, "Properties", *path))

        found += project_findings(props, keys=TEMPLATE_KEYS, template=True,
                                  prefix=f"Resources.{name}.Properties.",
                                  where=where)
    return found
