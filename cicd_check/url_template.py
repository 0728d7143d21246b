"""Function URL permission mistakes in a CloudFormation or SAM template (rules FU001-FU006).

The template is read as CloudFormation reads it: ``!Ref Fn``, ``!GetAtt Fn.Arn`` and
``!Sub "${Fn.Arn}"`` point at the function ``Fn``; any other intrinsic function is an
unknown value, which may be the grant that seems missing, so it never causes an error.
A SAM function's ``FunctionUrlConfig`` gets both permissions from SAM itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cicd_check.findings import Finding, Rule, dotted
from cicd_check.iam_policy import SERVICE_PRINCIPAL
from cicd_check.url_auth import (
    AUTH_TYPE_MISMATCH,
    AUTH_TYPE_ON_WRONG_ACTION,
    AUTH_TYPES,
    FORBIDDEN,
    HALF_GRANTED,
    INVOKE,
    INVOKE_URL,
    NOT_GRANTED,
    OAC_UNSIGNED_BODY,
    ONLY_FOR_URL_ACTION,
    PUBLIC_INVOKE,
    SIGNATURE_MISMATCH,
    invoke_permissions,
    template_resource,
)

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(\.Arn)?\}(?::([A-Za-z0-9_$-]+))?")
_URL_ACTIONS = {INVOKE_URL.lower(), "lambda:*", "*"}
_INVOKE_ACTIONS = {INVOKE.lower(), "lambda:*", "*"}


@dataclass(frozen=True)
class _Permission:
    name: str
    function: Any  # (key, qualifier) or UNKNOWN
    action: Any  # lower-case action, or UNKNOWN
    principal: Any
    auth_type: Any  # None when absent
    via_url: Any  # True, False or UNKNOWN
    limited: bool  # SourceArn, SourceAccount, PrincipalOrgID or EventSourceToken set
    source_arn: Any  # as written (a string or an intrinsic function)


@dataclass(frozen=True)
class _Url:
    name: str
    function: Any  # (key, qualifier) or UNKNOWN
    auth_type: Any
    from_sam: bool  # SAM's FunctionUrlConfig: SAM adds both permissions itself


def template_findings(document: Any) -> list[Finding]:
    """Every FU finding in a template; unknown values (intrinsics) never cause one."""
    data = getattr(document, "data", None)
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    if not isinstance(resources, Mapping):
        return []
    model = _Model(document, resources)
    return [*model.permission_findings(), *model.url_findings(), *model.oac_findings()]


def template_fixes(document: Any) -> list[str]:
    """The ``AWS::Lambda::Permission`` resources (YAML) that FU001 and FU002 say are missing."""
    data = getattr(document, "data", None)
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    if not isinstance(resources, Mapping):
        return []
    model = _Model(document, resources)
    model.url_findings()
    return model.fixes


class _Model:
    def __init__(self, document: Any, resources: Mapping[Any, Any]) -> None:
        self.document = document
        self.resources = {str(k): v for k, v in resources.items() if isinstance(v, Mapping)}
        self.names: dict[str, str] = {}  # literal FunctionName -> logical id
        for name, resource in self.of_type(*FUNCTION_TYPES):
            literal = _properties(resource).get("FunctionName")
            if isinstance(literal, str):
                self.names[literal] = name
        self.permissions = [self._permission(n, r)
                            for n, r in self.of_type("AWS::Lambda::Permission")]
        self.urls = [self._url(n, r) for n, r in self.of_type("AWS::Lambda::Url")]
        self.urls += [url for n, r in self.of_type("AWS::Serverless::Function")
                      if (url := self._sam_url(n, r)) is not None]
        self.fixes: list[str] = []

    def of_type(self, *types: str) -> list[tuple[str, Mapping[Any, Any]]]:
        return [(n, r) for n, r in self.resources.items() if r.get("Type") in types]

    def at(self, rule: Rule, path: tuple[Any, ...], problem: str) -> Finding:
        line, column = self.document.where(path)
        return rule.at(dotted(path), problem, line=line, column=column)

    # ------------------------------------------------------------------ reading values

    def function(self, value: Any) -> Any:
        """(function key, qualifier) a value points at, or UNKNOWN."""
        if isinstance(value, str):
            return self._literal_function(value)
        if not isinstance(value, Mapping) or len(value) != 1:
            return UNKNOWN
        (name, argument), = value.items()
        if name == "Ref" and isinstance(argument, str):
            return self._by_ref(argument)
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if (isinstance(parts, list) and len(parts) == 2 and parts[1] == "Arn"
                    and self._is_function(parts[0])):
                return (parts[0], None)
            return UNKNOWN
        if name == "Fn::Sub" and isinstance(argument, str):
            match = _SUB_REF.fullmatch(argument)
            if match and self._is_function(match.group(1)):
                return (match.group(1), _qualifier(match.group(3)))
        return UNKNOWN

    def _is_function(self, name: object) -> bool:
        return isinstance(name, str) and self.resources.get(name, {}).get("Type") in FUNCTION_TYPES

    def _by_ref(self, name: str) -> Any:
        resource = self.resources.get(name)
        if resource is None:
            return UNKNOWN  # a parameter or a pseudo parameter
        if resource.get("Type") in FUNCTION_TYPES:
            return (name, None)
        if resource.get("Type") == "AWS::Lambda::Alias":  # Ref gives the alias ARN
            properties = _properties(resource)
            target, alias = self.function(properties.get("FunctionName")), properties.get("Name")
            if target is not UNKNOWN and isinstance(alias, str):
                return (target[0], _qualifier(alias))
        return UNKNOWN

    def _literal_function(self, text: str) -> Any:
        name, qualifier = text, None
        if ":function:" in text:
            name, _, qualifier = text.split(":function:", 1)[1].partition(":")
        elif ":" in text:
            name, _, qualifier = text.partition(":")
        if not name:
            return UNKNOWN
        return (self.names.get(name, f"name:{name}"), _qualifier(qualifier))

    def _permission(self, name: str, resource: Mapping[Any, Any]) -> _Permission:
        properties = _properties(resource)
        action = properties.get("Action")
        principal = properties.get("Principal")
        via = properties.get("InvokedViaFunctionUrl", False)
        if isinstance(via, str) and via.lower() in ("true", "false"):
            via = via.lower() == "true"
        return _Permission(
            name, self.function(properties.get("FunctionName")),
            action.lower() if isinstance(action, str) else UNKNOWN,
            principal if isinstance(principal, str) else UNKNOWN,
            _text_or_unknown(properties, "FunctionUrlAuthType"),
            via if isinstance(via, bool) else UNKNOWN,
            any(key in properties for key in ("SourceArn", "SourceAccount", "PrincipalOrgID",
                                               "EventSourceToken")),
            properties.get("SourceArn"),
        )

    def _url(self, name: str, resource: Mapping[Any, Any]) -> _Url:
        properties = _properties(resource)
        target = self.function(properties.get("TargetFunctionArn"))
        qualifier = properties.get("Qualifier")
        if target is not UNKNOWN and qualifier is not None:
            target = (target[0], _qualifier(qualifier) if isinstance(qualifier, str) else UNKNOWN)
        return _Url(name, target, _text_or_unknown(properties, "AuthType"), from_sam=False)

    def _sam_url(self, name: str, resource: Mapping[Any, Any]) -> _Url | None:
        properties = _properties(resource)
        config = properties.get("FunctionUrlConfig")
        if not isinstance(config, Mapping):
            return None
        alias = properties.get("AutoPublishAlias")
        qualifier = None if alias is None else (alias if isinstance(alias, str) else UNKNOWN)
        return _Url(name, (name, qualifier), _text_or_unknown(config, "AuthType"), from_sam=True)

    # ------------------------------------------------------------------ the rules

    def permission_findings(self) -> list[Finding]:
        found = []
        for perm in self.permissions:
            base = ("Resources", perm.name, "Properties")
            if (isinstance(perm.auth_type, str) and isinstance(perm.action, str)
                    and perm.action != INVOKE_URL.lower()):
                found.append(self.at(
                    AUTH_TYPE_ON_WRONG_ACTION, (*base, "FunctionUrlAuthType"),
                    f"FunctionUrlAuthType is set on a permission for {perm.action}; Lambda "
                    f"refuses it: {ONLY_FOR_URL_ACTION}"))
            elif isinstance(perm.auth_type, str) and perm.function is not UNKNOWN:
                urls = [u for u in self.urls if _same_target(u.function, perm.function) is True]
                kinds = {u.auth_type for u in urls}
                if urls and UNKNOWN not in kinds and perm.auth_type not in kinds:
                    found.append(self.at(
                        AUTH_TYPE_MISMATCH, (*base, "FunctionUrlAuthType"),
                        f"{perm.auth_type} never matches a call through {urls[0].name}, whose "
                        f"AuthType is {urls[0].auth_type}: the grant opens nothing ({FORBIDDEN})"))
            if (perm.principal == "*" and perm.via_url is False and not perm.limited
                    and perm.action in _INVOKE_ACTIONS):
                found.append(self.at(
                    PUBLIC_INVOKE, (*base, "Principal"),
                    "lambda:InvokeFunction is granted to \"*\" without InvokedViaFunctionUrl: "
                    "true: anyone can invoke the function directly, not only through its URL"))
        return found

    def url_findings(self) -> list[Finding]:
        found = []
        for url in self.urls:
            if url.from_sam or url.function is UNKNOWN or url.auth_type not in AUTH_TYPES:
                continue
            grants = [(p, hit) for p in self.permissions
                      if (hit := _same_target(url.function, p.function)) is not False]
            principals = {"*"} if url.auth_type == "NONE" else {
                p.principal for p, _ in grants
                if isinstance(p.principal, str) and SERVICE_PRINCIPAL.fullmatch(p.principal)}
            for principal in sorted(principals):
                found += self._pair(url, principal, grants)
        return found

    def _pair(self, url: _Url, principal: str, grants: list[tuple[_Permission, Any]]
              ) -> list[Finding]:
        path = ("Resources", url.name, "Properties", "AuthType")
        sure_url = maybe_url = sure_invoke = maybe_invoke = False
        for perm, hit in grants:
            for_url = _tri(perm.action in _URL_ACTIONS, perm.action)
            for_url = _and(for_url, _auth_matches(perm.auth_type, url.auth_type))
            for_invoke = _tri(perm.action in _INVOKE_ACTIONS, perm.action)
            who = _tri(perm.principal == principal, perm.principal)
            url_hit, invoke_hit = _and(_and(for_url, who), hit), _and(_and(for_invoke, who), hit)
            sure_url |= url_hit is True
            maybe_url |= url_hit is not False
            sure_invoke |= invoke_hit is True
            maybe_invoke |= invoke_hit is not False
        shown = '"*"' if principal == "*" else principal
        source = next((p.source_arn for p, hit in grants if p.principal == principal
                       and p.source_arn is not None), None)
        if not (maybe_url and maybe_invoke):
            self._fix(url, principal, source, grant_url=not maybe_url,
                      grant_invoke=not maybe_invoke)
        if sure_url and not maybe_invoke:
            return [self.at(HALF_GRANTED, path,
                            f"{url.name} ({url.auth_type}): {shown} is granted {INVOKE_URL} but no "
                            f"permission grants it {INVOKE}; since October 2025 every call "
                            f"through the URL gets {FORBIDDEN}")]
        if sure_invoke and not maybe_url:
            return [self.at(HALF_GRANTED, path,
                            f"{url.name} ({url.auth_type}): {shown} is granted {INVOKE} but no "
                            f"permission grants it {INVOKE_URL} with FunctionUrlAuthType "
                            f"{url.auth_type}; every call through the URL gets {FORBIDDEN}")]
        if principal == "*" and not maybe_url and not maybe_invoke:
            return [self.at(NOT_GRANTED, path,
                            f"{url.name} is public (AuthType NONE) but no permission in this "
                            f"template grants \"*\" {INVOKE_URL} and {INVOKE}; unless they are "
                            f"added elsewhere every call gets {FORBIDDEN}")]
        return []

    def _fix(self, url: _Url, principal: str, source: Any, *, grant_url: bool,
             grant_invoke: bool) -> None:
        key = url.function[0]
        function = key[5:] if key.startswith("name:") else None
        try:
            requests = invoke_permissions(
                "Function", auth_type=url.auth_type, principal=principal,
                qualifier=url.function[1] if isinstance(url.function[1], str) else None)
        except ValueError:  # a qualifier no URL can have: no fix to offer
            return
        for request, wanted in zip(requests, (grant_url, grant_invoke), strict=True):
            if wanted:
                if source is not None:
                    request["SourceArn"] = source
                request["StatementId"] = url.name + request["StatementId"]
                if function:
                    request["FunctionName"] = function
                self.fixes.append(template_resource(request, None if function else key))

    def oac_findings(self) -> list[Finding]:
        lambda_oacs = set()
        for name, resource in self.of_type("AWS::CloudFront::OriginAccessControl"):
            config = _properties(resource).get("OriginAccessControlConfig")
            if (isinstance(config, Mapping) and config.get("OriginAccessControlOriginType")
                    == "lambda" and config.get("SigningBehavior") != "never"):
                lambda_oacs.add(name)
        found = []
        for name, resource in self.of_type("AWS::CloudFront::Distribution"):
            config = _properties(resource).get("DistributionConfig")
            if not isinstance(config, Mapping):
                continue
            origins = config.get("Origins") if isinstance(config.get("Origins"), list) else []
            signed = {o.get("Id") for o in origins if isinstance(o, Mapping)
                      and isinstance(o.get("Id"), str)
                      and _resource_ref(o.get("OriginAccessControlId")) in lambda_oacs}
            behaviors: list[tuple[tuple[Any, ...], Any]] = [
                (("DefaultCacheBehavior",), config.get("DefaultCacheBehavior"))]
            if isinstance(config.get("CacheBehaviors"), list):
                behaviors += [(("CacheBehaviors", i), b)
                              for i, b in enumerate(config["CacheBehaviors"])]
            for where, behavior in behaviors:
                target = behavior.get("TargetOriginId") if isinstance(behavior, Mapping) else None
                if (isinstance(behavior, Mapping) and isinstance(target, str) and target in signed
                        and _allows_body(behavior) and not _signs_body(behavior)):
                    path = ("Resources", name, "Properties", "DistributionConfig", *where,
                            "AllowedMethods")
                    found.append(self.at(
                        OAC_UNSIGNED_BODY, path,
                        f"POST and PUT reach a Lambda function URL through origin access control "
                        f"({behavior.get('TargetOriginId')}); without x-amz-content-sha256 from "
                        f"the viewer Lambda answers {SIGNATURE_MISMATCH}"))
        return found


def _properties(resource: Mapping[Any, Any]) -> Mapping[Any, Any]:
    properties = resource.get("Properties")
    return properties if isinstance(properties, Mapping) else {}


def _text_or_unknown(properties: Mapping[Any, Any], key: str) -> Any:
    value = properties.get(key)
    return value if value is None or isinstance(value, str) else UNKNOWN


def _qualifier(value: str | None) -> str | None:
    return None if value in (None, "", "$LATEST") else value


def _same_target(a: Any, b: Any) -> Any:
    """True, False, or UNKNOWN when either side is unknown."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if a[0] != b[0]:
        return False
    return UNKNOWN if UNKNOWN in (a[1], b[1]) else a[1] == b[1]


def _tri(test: bool, value: Any) -> Any:
    return UNKNOWN if value is UNKNOWN else test


def _and(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    return True if a is True and b is True else UNKNOWN


def _auth_matches(granted: Any, url_auth_type: str) -> Any:
    if granted is None:
        return True  # no condition: the grant holds for any auth type
    return UNKNOWN if granted is UNKNOWN else granted == url_auth_type


def _resource_ref(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        (name, argument), = value.items()
        if name == "Ref" and isinstance(argument, str):
            return argument
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and parts and isinstance(parts[0], str):
                return parts[0]
    return None


def _allows_body(behavior: Mapping[Any, Any]) -> bool:
    methods = behavior.get("AllowedMethods")
    return isinstance(methods, list) and bool({"POST", "PUT"} & {m for m in methods
                                                                 if isinstance(m, str)})


def _signs_body(behavior: Mapping[Any, Any]) -> bool:
    """An origin-request (or viewer-request) Lambda@Edge function that reads the body."""
    associations = behavior.get("LambdaFunctionAssociations")
    if not isinstance(associations, list):
        return False
    return any(isinstance(a, Mapping) and a.get("IncludeBody") in (True, "true")
               and a.get("EventType") in ("origin-request", "viewer-request")
               for a in associations)
