"""Record what the examples create and delete it afterwards.

Against moto nothing outlives a test, but a reader who points the examples at
LocalStack or a sandbox account must not be left paying for them. Every
successful create call is recorded while the ``aws`` fixture is active, and the
fixture deletes the resources in reverse order when the test ends. In the moto
modes the suite also proves that the cleanup is complete: after it, the account
holds nothing the test created (``leftovers``).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

Deleter = Callable[[BaseClient, Mapping[str, Any], Mapping[str, Any]], None]


def _moto_lacks(error: Exception) -> bool:
    """moto does not implement the call: raised in process, an untyped 500/501 from its
    server. AWS's own server errors always carry a code (InternalFailure...)."""
    if isinstance(error, NotImplementedError):
        return True
    if isinstance(error, ResponseParserError):  # XML services get moto's HTML error page
        return "500 Internal Server Error" in str(error)
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in (
        "500", "501")


def _empty_bucket_and_delete(s3: BaseClient, params: Mapping[str, Any], _: Any) -> None:
    bucket = params["Bucket"]
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def _delete_role(iam: BaseClient, params: Mapping[str, Any], _: Any) -> None:
    role = params["RoleName"]
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    for profile in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=role
        )
    iam.delete_role(RoleName=role)


def _delete_user(iam: BaseClient, params: Mapping[str, Any], _: Any) -> None:
    user = params["UserName"]
    for policy in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
    for name in iam.list_user_policies(UserName=user)["PolicyNames"]:
        iam.delete_user_policy(UserName=user, PolicyName=name)
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    for key in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]:
        iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key["SSHPublicKeyId"])
    try:
        credentials = iam.list_service_specific_credentials(UserName=user)
    except (NotImplementedError, ClientError, ResponseParserError) as error:
        if not _moto_lacks(error):
            raise
        credentials = {}  # moto has no service-specific credentials; AWS does
    for credential in credentials.get("ServiceSpecificCredentials", []):
        iam.delete_service_specific_credential(
            UserName=user,
            ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"],
        )
    iam.delete_user(UserName=user)


def _delete_policy(iam: BaseClient, _: Any, response: Mapping[str, Any]) -> None:
    arn = response["Policy"]["Arn"]
    for role in iam.list_entities_for_policy(PolicyArn=arn).get("PolicyRoles", []):
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    for user in iam.list_entities_for_policy(PolicyArn=arn).get("PolicyUsers", []):
        iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)


def _delete_appconfig_application(appconfig: BaseClient, _: Any,
                                  response: Mapping[str, Any]) -> None:
    """AWS deletes an application only once its profiles (and their versions) are gone."""
    app = response["Id"]
    for profile in appconfig.list_configuration_profiles(ApplicationId=app)["Items"]:
        versions: list[Mapping[str, Any]] = []
        if profile.get("LocationUri") == "hosted":
            try:
                versions = appconfig.list_hosted_configuration_versions(
                    ApplicationId=app, ConfigurationProfileId=profile["Id"])["Items"]
            except Exception as error:  # moto lacks the listing; it drops versions with a profile
                if not _moto_lacks(error):
                    raise
        for version in versions:
            appconfig.delete_hosted_configuration_version(
                ApplicationId=app, ConfigurationProfileId=profile["Id"],
                VersionNumber=version["VersionNumber"])
        appconfig.delete_configuration_profile(ApplicationId=app,
                                               ConfigurationProfileId=profile["Id"])
    appconfig.delete_application(ApplicationId=app)


def _delete_rule(events: BaseClient, params: Mapping[str, Any], _: Any) -> None:
    bus = {"EventBusName": params["EventBusName"]} if params.get("EventBusName") else {}
    targets = events.list_targets_by_rule(Rule=params["Name"], **bus)["Targets"]
    if targets:
        events.remove_targets(Rule=params["Name"], Ids=[t["Id"] for t in targets], **bus)
    events.delete_rule(Name=params["Name"], **bus)


# (service, operation) -> how to delete what it created. Resources that live inside
# another one (aliases, versions, URLs, permissions, deployment groups) go with it.
DELETERS: dict[tuple[str, str], Deleter] = {
    ("lambda", "CreateFunction"): lambda c, p, r: c.delete_function(FunctionName=p["FunctionName"]),
    ("lambda", "PublishLayerVersion"): lambda c, p, r: c.delete_layer_version(
        LayerName=p["LayerName"], VersionNumber=r["Version"]),
    ("s3", "CreateBucket"): _empty_bucket_and_delete,
    ("iam", "CreateRole"): _delete_role,
    ("iam", "CreateUser"): _delete_user,
    ("iam", "CreatePolicy"): _delete_policy,
    ("codepipeline", "CreatePipeline"): lambda c, p, r: c.delete_pipeline(
        name=p["pipeline"]["name"]),
    ("codebuild", "CreateProject"): lambda c, p, r: c.delete_project(name=p["name"]),
    ("codecommit", "CreateRepository"): lambda c, p, r: c.delete_repository(
        repositoryName=p["repositoryName"]),
    ("cloudformation", "CreateStack"): lambda c, p, r: c.delete_stack(StackName=p["StackName"]),
    ("events", "PutRule"): _delete_rule,
    ("sqs", "CreateQueue"): lambda c, p, r: c.delete_queue(QueueUrl=r["QueueUrl"]),
    ("sns", "CreateTopic"): lambda c, p, r: c.delete_topic(TopicArn=r["TopicArn"]),
    ("codedeploy", "CreateApplication"): lambda c, p, r: c.delete_application(
        applicationName=p["applicationName"]),
    ("codedeploy", "CreateDeploymentConfig"): lambda c, p, r: c.delete_deployment_config(
        deploymentConfigName=p["deploymentConfigName"]),
    ("ecr", "CreateRepository"): lambda c, p, r: c.delete_repository(
        repositoryName=p["repositoryName"], force=True),
    ("ssm", "PutParameter"): lambda c, p, r: c.delete_parameter(Name=p["Name"]),
    ("secretsmanager", "CreateSecret"): lambda c, p, r: c.delete_secret(
        SecretId=r["ARN"], ForceDeleteWithoutRecovery=True),
    ("kms", "CreateKey"): lambda c, p, r: c.schedule_key_deletion(
        KeyId=r["KeyMetadata"]["KeyId"], PendingWindowInDays=7),
    ("kms", "CreateAlias"): lambda c, p, r: c.delete_alias(AliasName=p["AliasName"]),
    ("codeguruprofiler", "CreateProfilingGroup"): lambda c, p, r: c.delete_profiling_group(
        profilingGroupName=p["profilingGroupName"]),
    ("dynamodb", "CreateTable"): lambda c, p, r: c.delete_table(TableName=p["TableName"]),
    ("ecs", "CreateCluster"): lambda c, p, r: c.delete_cluster(cluster=p["clusterName"]),
    ("ecs", "CreateService"): lambda c, p, r: c.delete_service(
        cluster=p.get("cluster", "default"), service=p["serviceName"], force=True),
    ("ecs", "RegisterTaskDefinition"): lambda c, p, r: c.deregister_task_definition(
        taskDefinition=r["taskDefinition"]["taskDefinitionArn"]),
    ("elasticbeanstalk", "CreateApplication"): lambda c, p, r: c.delete_application(
        ApplicationName=p["ApplicationName"], TerminateEnvByForce=True),
    ("apigateway", "CreateRestApi"): lambda c, p, r: c.delete_rest_api(restApiId=r["id"]),
    ("ec2", "CreateVpc"): lambda c, p, r: c.delete_vpc(VpcId=r["Vpc"]["VpcId"]),
    ("ec2", "CreateSubnet"): lambda c, p, r: c.delete_subnet(SubnetId=r["Subnet"]["SubnetId"]),
    ("appconfig", "CreateApplication"): _delete_appconfig_application,
}


# Created inside a resource above and deleted with it.
DELETED_WITH_PARENT = {
    ("lambda", "CreateAlias"),
    ("lambda", "CreateFunctionUrlConfig"),
    ("lambda", "CreateEventSourceMapping"),
    ("codedeploy", "CreateDeploymentGroup"),
    ("codedeploy", "CreateDeployment"),
    ("codecommit", "CreateBranch"),
    ("codecommit", "CreateCommit"),
    ("codebuild", "CreateReportGroup"),
    ("iam", "CreateAccessKey"),
    ("iam", "CreateServiceSpecificCredential"),
    ("iam", "CreatePolicyVersion"),
    ("iam", "CreateInstanceProfile"),
    ("ecr", "CreateRepositoryCreationTemplate"),
    ("ecs", "CreateTaskSet"),
    ("elasticbeanstalk", "CreateEnvironment"),
    ("elasticbeanstalk", "CreateApplicationVersion"),
    ("apigateway", "CreateDeployment"),
    ("apigateway", "CreateStage"),
    ("appconfig", "CreateConfigurationProfile"),
    ("appconfig", "CreateHostedConfigurationVersion"),
}


@dataclass
class Created:
    service: str
    operation: str
    params: Mapping[str, Any]
    response: Mapping[str, Any]
    region: str
    credentials: Any


@dataclass
class Recorder:
    """Collects successful create calls made through any boto3 client."""

    created: list[Created] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)

    def record(self, client: BaseClient, operation: str, params: Mapping[str, Any],
               response: Mapping[str, Any]) -> None:
        service = client.meta.service_model.service_name
        if "HTTPStatusCode" not in response.get("ResponseMetadata", {}):
            return  # answered by a botocore Stubber or a stand-in: nothing was created
        if (service, operation) in DELETERS:
            region = client.meta.region_name
            if region in (None, "aws-global"):  # global services (IAM) sign for us-east-1
                region = "us-east-1"
            self.created.append(Created(service, operation, params, response, region,
                                        client._request_signer._credentials))
        elif operation.startswith("Create") and (service, operation) not in DELETED_WITH_PARENT:
            self.unknown.add(f"{service}.{operation}")

    def clean_up(self) -> list[str]:
        """Delete everything recorded, newest first; return what could not be deleted."""
        failures = []
        for item in reversed(self.created):
            client = _client(item.service, item.region, _key(item.credentials))
            try:
                DELETERS[(item.service, item.operation)](client, item.params, item.response)
            except (NotImplementedError, ClientError) as error:
                if _moto_lacks(error):
                    continue  # moto lacks a few deletes (CodeDeploy DeleteApplication)
                assert isinstance(error, ClientError)
                code = error.response.get("Error", {}).get("Code", "")
                if "NotFound" not in code and "NoSuch" not in code and code not in (
                    "ResourceNotFoundException", "RepositoryDoesNotExistException",
                    "PipelineNotFoundException", "ValidationError",
                    "ApplicationDoesNotExistException", "ParameterNotFound",
                    "InvalidArgumentException", "AWS.SimpleQueueService.NonExistentQueue",
                ):
                    failures.append(f"{item.service}.{item.operation}: {code}")
        self.created.clear()
        return failures


@contextlib.contextmanager
def recording(monkeypatch: Any) -> Iterator[Recorder]:
    """Wrap the (already strict) API call so successful creates are recorded."""
    recorder = Recorder()
    inner = BaseClient._make_api_call

    def recorded_call(self: BaseClient, operation: str, params: dict) -> Any:
        response = inner(self, operation, params)
        recorder.record(self, operation, params, response)
        return response

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded_call)
    yield recorder


CredentialKey = tuple[str, str, str | None]


def _key(credentials: Any) -> CredentialKey:
    return (credentials.access_key, credentials.secret_key, credentials.token)


@functools.lru_cache(maxsize=64)
def _client(service: str, region: str, credentials: CredentialKey) -> BaseClient:
    """Clients are cached: creating one costs more than the calls made with it."""
    access_key, secret_key, token = credentials
    session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                    aws_session_token=token, region_name=region)
    return session.client(service, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


# service -> (what it lists, how). Not listed: CodeCommit (moto has no
# ListRepositories) and CodeDeploy (moto has no DeleteApplication to test against).
LISTERS: dict[str, tuple[str, Callable[[BaseClient], list[str]]]] = {
    "lambda": ("functions", lambda c: [f["FunctionName"] for f in
                                       c.list_functions()["Functions"]]),
    "s3": ("buckets", lambda c: [b["Name"] for b in c.list_buckets()["Buckets"]]),
    "iam": ("roles", lambda c: [r["RoleName"] for r in c.list_roles()["Roles"]
                                if not r["Path"].startswith("/aws-service-role/")]),
    "codepipeline": ("pipelines", lambda c: [p["name"] for p in
                                             c.list_pipelines()["pipelines"]]),
    "codebuild": ("projects", lambda c: c.list_projects()["projects"]),
    "cloudformation": ("stacks", lambda c: [s["StackName"] for s in
                                            c.list_stacks()["StackSummaries"]
                                            if s["StackStatus"] != "DELETE_COMPLETE"]),
    "events": ("rules", lambda c: [r["Name"] for r in c.list_rules()["Rules"]]),
    "sqs": ("queues", lambda c: c.list_queues().get("QueueUrls", [])),
}


def leftovers(created: list[Created]) -> list[str]:
    """What remains, after cleanup, of the kinds of resource the test created.

    For the moto modes only: there the account starts empty, so anything listed
    was made by the test. A stack's resources are made by CloudFormation, not by
    a recorded call, so a test that used CloudFormation is checked for every kind.
    """
    services = {item.service for item in created}
    if "cloudformation" in services:
        services |= set(LISTERS)
    found = []
    for key in {_key(item.credentials) for item in created}:
        for region in {item.region for item in created}:
            for service in sorted(services & set(LISTERS)):
                kind, lister = LISTERS[service]
                names = lister(_client(service, region, key))
                if names:
                    found.append(f"{service} {kind} in {region}: {', '.join(map(str, names))}")
    return found
