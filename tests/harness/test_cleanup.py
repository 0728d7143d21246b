"""What the examples create is deleted again, so they are safe against a real endpoint."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from moto import mock_aws

from tests.support import cleanup

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def create_one_of_everything() -> None:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    policy = iam.create_policy(
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
                ],
            }
        ),
    )
    iam.attach_role_policy(RoleName="fn-role", PolicyArn=policy["Policy"]["Arn"])
    iam.put_role_policy(
        RoleName="fn-role",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}
                ],
            }
        ),
    )
    iam.create_user(UserName="dev")
    iam.create_access_key(UserName="dev")
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName="fn",
        Runtime="python3.13",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": package()},
    )
    lam.create_function_url_config(FunctionName="fn", AuthType="AWS_IAM")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="handbook-cleanup-demo")
    s3.put_bucket_versioning(
        Bucket="handbook-cleanup-demo", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_object(Bucket="handbook-cleanup-demo", Key="a.zip", Body=b"1")
    s3.put_object(Bucket="handbook-cleanup-demo", Key="a.zip", Body=b"2")
    boto3.client("sqs").create_queue(QueueName="failures")
    events = boto3.client("events")
    pattern = json.dumps({"source": ["aws.codepipeline"]})
    events.put_rule(Name="pipeline-failed", EventPattern=pattern)
    events.put_targets(
        Rule="pipeline-failed",
        Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:failures"}],
    )
    boto3.client("codebuild").create_project(
        name="build",
        source={
            "type": "CODECOMMIT",
            "location": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/handbook",
        },
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=role,
    )
    boto3.client("codecommit").create_repository(repositoryName="handbook")
    boto3.client("codedeploy").create_application(applicationName="app", computePlatform="Lambda")
    boto3.client("ssm").put_parameter(Name="/handbook/flag", Value="on", Type="String")


def test_everything_created_is_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws(), cleanup.recording(monkeypatch) as recorder:
        create_one_of_everything()
        created = list(recorder.created)
        assert not recorder.unknown, recorder.unknown
        assert recorder.clean_up() == []
        assert cleanup.leftovers(created) == []
        assert boto3.client("ssm").describe_parameters()["Parameters"] == []
        assert boto3.client("iam").list_users()["Users"] == []


def test_leftovers_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws(), cleanup.recording(monkeypatch) as recorder:
        boto3.client("sqs").create_queue(QueueName="kept")
        created = list(recorder.created)
        recorder.created.clear()  # as if the cleanup had forgotten it
        assert any("sqs queues" in item and "kept" in item for item in cleanup.leftovers(created))


def test_creates_without_a_deleter_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws(), cleanup.recording(monkeypatch) as recorder:
        boto3.client("logs").create_log_group(logGroupName="/handbook/demo")
    assert recorder.unknown == {"logs.CreateLogGroup"}
