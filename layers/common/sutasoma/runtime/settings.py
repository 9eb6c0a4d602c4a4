"""Typed configuration, read once from the environment. Logic never reads os.environ."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field, SecretStr


class Settings(BaseModel):
    stage: str = "dev"
    table_name: str
    idempotency_table_name: str = ""
    ktp_bucket: str = ""
    claims_bucket: str = ""
    reports_bucket: str = ""
    audit_archive_bucket: str = ""
    audit_archive_failure_queue_url: str = ""
    # Agent incentive as a share of collected contributions (Perisai pays 0.075); 0 by default.
    incentive_rate: float = Field(default=0.0, ge=0, le=0.5)
    # Policy: sources disagree (2 or 5 years).
    claim_deadline_years: int = Field(default=5, ge=1, le=10)
    bpjs_queue_url: str = ""
    # Production: the key lives in Secrets Manager; locally and in tests it may be given directly.
    nik_hash_secret_arn: str = ""
    nik_hash_key: SecretStr | None = None
    bpjs_base_url: str = ""
    bpjs_credentials_secret_arn: str = ""
    bpjs_callback_secret_arn: str = ""
    bpjs_dlq_url: str = ""
    # Seconds a callback's timestamp may differ from our clock (CONTRACT: 300).
    bpjs_callback_window_seconds: int = Field(default=300, ge=30, le=3600)
    # Outbox entries younger than this are left to the request that wrote them.
    outbox_grace_seconds: int = Field(default=60, ge=0)
    min_registration_age: int = Field(default=17, ge=0, le=120)
    max_registration_age: int = Field(default=65, ge=0, le=120)
    upload_url_expires_seconds: int = Field(default=900, ge=60, le=3600)
    idempotency_expires_seconds: int = Field(default=86_400, ge=60)


_ENV_NAMES = {
    "stage": "STAGE",
    "table_name": "TABLE_NAME",
    "idempotency_table_name": "IDEMPOTENCY_TABLE_NAME",
    "ktp_bucket": "KTP_BUCKET",
    "claims_bucket": "CLAIMS_BUCKET",
    "reports_bucket": "REPORTS_BUCKET",
    "audit_archive_bucket": "AUDIT_ARCHIVE_BUCKET",
    "audit_archive_failure_queue_url": "AUDIT_ARCHIVE_FAILURE_QUEUE_URL",
    "incentive_rate": "INCENTIVE_RATE",
    "claim_deadline_years": "CLAIM_DEADLINE_YEARS",
    "bpjs_queue_url": "BPJS_QUEUE_URL",
    "nik_hash_secret_arn": "NIK_HASH_SECRET_ARN",
    "nik_hash_key": "NIK_HASH_KEY",
    "bpjs_base_url": "BPJS_BASE_URL",
    "bpjs_credentials_secret_arn": "BPJS_CREDENTIALS_SECRET_ARN",
    "bpjs_callback_secret_arn": "BPJS_CALLBACK_SECRET_ARN",
    "bpjs_dlq_url": "BPJS_DLQ_URL",
    "bpjs_callback_window_seconds": "BPJS_CALLBACK_WINDOW_SECONDS",
    "outbox_grace_seconds": "OUTBOX_GRACE_SECONDS",
    "min_registration_age": "MIN_REGISTRATION_AGE",
    "max_registration_age": "MAX_REGISTRATION_AGE",
    "upload_url_expires_seconds": "UPLOAD_URL_EXPIRES_SECONDS",
    "idempotency_expires_seconds": "IDEMPOTENCY_EXPIRES_SECONDS",
}


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values = {field: env[name] for field, name in _ENV_NAMES.items() if env.get(name)}
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
