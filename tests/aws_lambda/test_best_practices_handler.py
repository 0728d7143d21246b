"""The handler module (snippets/aws_lambda/best_practices_handler.py), run as Lambda would."""

from __future__ import annotations

import boto3
import pytest

from snippets.aws_lambda.best_practices import new_execution_environment

ENV = {"TABLE_NAME": "orders", "SECRET_ID": "payments/api-key"}


@pytest.fixture
def environment(aws: None):  # type: ignore[no-untyped-def]
    boto3.client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("secretsmanager").create_secret(Name="payments/api-key", SecretString="k")
    return new_execution_environment(ENV)


def test_handler_results(environment) -> None:  # type: ignore[no-untyped-def]
    first = environment.handler({"order_id": "a-1", "amount": 5}, None)
    assert first == {"environment": environment.ENVIRONMENT_ID, "invocation": 1,
                     "status": "recorded", "order_id": "a-1"}
    again = environment.handler({"order_id": "a-1", "amount": 5})
    assert again["status"] == "duplicate" and again["invocation"] == 2
    rejected = environment.handler(["not", "an", "object"])
    assert rejected["status"] == "rejected"
    assert rejected["reason"] == "event: must be a JSON object, got list"
    item = boto3.client("dynamodb").get_item(TableName="orders", Key={"pk": {"S": "order#a-1"}})
    assert item["Item"]["amount"] == {"N": "5"}


def test_secret_is_cached_per_environment(environment) -> None:  # type: ignore[no-untyped-def]
    assert environment.api_key() == "k"
    boto3.client("secretsmanager").put_secret_value(SecretId="payments/api-key",
                                                    SecretString="rotated")
    assert environment.api_key() == "k", "a warm environment keeps its cached copy"
    assert new_execution_environment(ENV).api_key() == "rotated", "a new one reads it again"
