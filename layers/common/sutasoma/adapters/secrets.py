"""Secrets from Secrets Manager, cached by Powertools Parameters (production and local alike)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sutasoma.adapters import aws

SECRET_MAX_AGE_SECONDS = 300


@cache
def _provider() -> Any:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    # Our client: shared session and the fail-fast timeouts, not botocore's 60 s defaults.
    return SecretsProvider(boto3_client=aws.client("secretsmanager"))


def secret_text(secret_arn: str) -> str:
    value = _provider().get(secret_arn, max_age=SECRET_MAX_AGE_SECONDS)
    return value.decode() if isinstance(value, bytes) else str(value)


def secret_json(secret_arn: str) -> dict[str, Any]:
    value = json.loads(secret_text(secret_arn))
    if not isinstance(value, dict):
        raise ValueError("secret is not a JSON object")
    return value


def reset() -> None:
    _provider.cache_clear()
