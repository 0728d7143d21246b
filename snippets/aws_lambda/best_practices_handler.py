"""A Lambda handler laid out the way AWS recommends (snippets/aws_lambda/best_practices.py).

Lambda imports this module once per execution environment (the "init" phase) and then
calls ``handler`` for every event that environment serves. So the module level is where
the expensive, shareable work goes; the handler stays small and calls tested logic.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import boto3

from snippets.aws_lambda.best_practices import (
    DuplicateEvent,
    load_settings,
    read_secret,
    record_once,
    validate_order,
)

# --8<-- [start:init]
# Init phase: runs once per execution environment, not once per event.
ENVIRONMENT_ID = uuid.uuid4().hex[:8]           # tells environments apart in the demo
SETTINGS = load_settings(os.environ)             # configuration from environment variables
DYNAMODB = boto3.client("dynamodb")              # SDK clients are created once and reused
SECRETS = boto3.client("secretsmanager")
_cache: dict[str, str] = {}                      # the secret, fetched on first use
invocations = 0


def api_key() -> str:
    """The secret, read from Secrets Manager once and then served from memory."""
    if "api_key" not in _cache:
        _cache["api_key"] = read_secret(SETTINGS.secret_id, secretsmanager=SECRETS)
    return _cache["api_key"]
# --8<-- [end:init]


# --8<-- [start:handler]
def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Record an order exactly once; a repeated delivery of the same event is harmless."""
    global invocations
    invocations += 1
    base = {"environment": ENVIRONMENT_ID, "invocation": invocations}
    try:
        order_id, amount = validate_order(event)
    except ValueError as error:
        return {**base, "status": "rejected", "reason": str(error)}
    api_key()  # e.g. to sign a call to a payment provider
    try:
        record_once(SETTINGS.table_name, order_id, amount, client=DYNAMODB)
    except DuplicateEvent:
        return {**base, "status": "duplicate", "order_id": order_id}
    return {**base, "status": "recorded", "order_id": order_id}
# --8<-- [end:handler]
