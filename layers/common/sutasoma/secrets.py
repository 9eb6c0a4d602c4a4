"""Secrets: the NIK lookup key. Secrets Manager in production (cached), env locally."""

from __future__ import annotations

from sutasoma.settings import Settings

_SECRET_MAX_AGE_SECONDS = 3600


def nik_hash_key(settings: Settings) -> bytes:
    if settings.nik_hash_key is not None:
        return settings.nik_hash_key.get_secret_value().encode()
    if not settings.nik_hash_secret_arn:
        raise RuntimeError("NIK hash key not configured (NIK_HASH_KEY or NIK_HASH_SECRET_ARN)")
    from aws_lambda_powertools.utilities.parameters import get_secret

    value = get_secret(settings.nik_hash_secret_arn, max_age=_SECRET_MAX_AGE_SECONDS)
    return value.encode() if isinstance(value, str) else bytes(value)
