"""Secrets from Secrets Manager (cached by Powertools Parameters), or given directly locally."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sutasoma.adapters import aws
from sutasoma.runtime.settings import Settings

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


def nik_hash_key(settings: Settings) -> bytes:
    if settings.nik_hash_key is not None:
        return settings.nik_hash_key.get_secret_value().encode()
    if not settings.nik_hash_secret_arn:
        raise RuntimeError("NIK hash key not configured (NIK_HASH_KEY or NIK_HASH_SECRET_ARN)")
    return secret_text(settings.nik_hash_secret_arn).encode()


def reset() -> None:
    _provider.cache_clear()
