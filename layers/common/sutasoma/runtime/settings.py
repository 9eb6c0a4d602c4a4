"""Typed configuration per function, read once from the environment and validated when the
function starts: a missing resource name fails the cold start with a clear message, not the
first request that needs it. Logic never reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sutasoma.domain.places import is_kecamatan


class Settings(BaseModel):
    """What every function has: the stage and the domain table."""

    # defer_build: a function validates its own settings class only, so only that one is built
    # (at its cold start); the other functions' classes cost nothing at import.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
    ENV: ClassVar[dict[str, str]] = {"stage": "STAGE", "table_name": "TABLE_NAME"}

    stage: str = "dev"
    table_name: str = Field(min_length=1)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        names: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            names.update(getattr(klass, "ENV", {}))
        return names


class ApiSettings(Settings):
    """Functions that take requests from people: idempotent writes."""

    ENV: ClassVar[dict[str, str]] = {
        "idempotency_table_name": "IDEMPOTENCY_TABLE_NAME",
        "idempotency_expires_seconds": "IDEMPOTENCY_EXPIRES_SECONDS",
        "upload_url_expires_seconds": "UPLOAD_URL_EXPIRES_SECONDS",
        "download_url_expires_seconds": "DOWNLOAD_URL_EXPIRES_SECONDS",
        "bpjs_queue_url": "BPJS_QUEUE_URL",
    }
    idempotency_table_name: str = Field(min_length=1)
    idempotency_expires_seconds: int = Field(default=86_400, ge=60)
    upload_url_expires_seconds: int = Field(default=900, ge=60, le=3600)
    # A link to a KTP copy or a claim document: short, each one audited when issued.
    download_url_expires_seconds: int = Field(default=300, ge=30, le=3600)
    bpjs_queue_url: str = Field(min_length=1)


class RegisterSettings(ApiSettings):
    ENV: ClassVar[dict[str, str]] = {
        "ktp_bucket": "KTP_BUCKET",
        "nik_hash_secret_arn": "NIK_HASH_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "min_registration_age": "MIN_REGISTRATION_AGE",
        "max_registration_age": "MAX_REGISTRATION_AGE",
    }
    ktp_bucket: str = Field(min_length=1)
    nik_hash_secret_arn: str = Field(min_length=1)
    min_registration_age: int = Field(default=17, ge=0, le=120)
    max_registration_age: int = Field(default=65, ge=0, le=120)


class PaySettings(ApiSettings):
    pass


class ClaimSettings(ApiSettings):
    ENV: ClassVar[dict[str, str]] = {
        "claims_bucket": "CLAIMS_BUCKET",
        "claim_deadline_years": "CLAIM_DEADLINE_YEARS",
    }
    claims_bucket: str = Field(min_length=1)
    # Policy: sources disagree (2 or 5 years).
    claim_deadline_years: int = Field(default=5, ge=1, le=10)


class ReportSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "reports_bucket": "REPORTS_BUCKET",
        "incentive_rate": "INCENTIVE_RATE",
        "user_pool_id": "USER_POOL_ID",
        "collection_targets": "COLLECTION_TARGETS",
    }
    reports_bucket: str = Field(min_length=1)
    # Agent incentive as a share of collected contributions (Perisai pays 0.075); 0 by default.
    incentive_rate: float = Field(default=0.0, ge=0, le=0.5)
    # Where the agents' full names come from (their Cognito `name`); empty: usernames are shown.
    user_pool_id: str = ""
    # Each BPP's collection target, "73.12.01=0.85,73.12.06=0.9"; a BPP not named has none.
    # Kept as the text (settings are hashable: functions cache what they build from them).
    collection_targets: str = ""

    @field_validator("collection_targets")
    @classmethod
    def check_targets(cls, value: str) -> str:
        parse_targets(value)
        return value

    @property
    def targets(self) -> dict[str, float]:
        return parse_targets(self.collection_targets)


def parse_targets(text: str) -> dict[str, float]:
    targets: dict[str, float] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        code, _, target = (part.strip() for part in pair.partition("="))
        try:
            valid = is_kecamatan(code) and 0 < float(target) <= 1
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"COLLECTION_TARGETS: {pair!r} is not <kecamatan code>=<fraction 0..1>")
        targets[code] = float(target)
    return targets


class ReconcileSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "reconcile_queue_url": "RECONCILE_QUEUE_URL",
        "reconcile_segments": "RECONCILE_SEGMENTS",
    }
    reconcile_queue_url: str = Field(min_length=1)
    # Segments of the parallel Scan, one task (and worker) each: more for a bigger table.
    reconcile_segments: int = Field(default=8, ge=1, le=1000)


class BpjsSyncSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "bpjs_base_url": "BPJS_BASE_URL",
        "bpjs_credentials_secret_arn": "BPJS_CREDENTIALS_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "bpjs_rate_limit": "BPJS_RATE_LIMIT",
        "bpjs_max_concurrency": "BPJS_MAX_CONCURRENCY",
        "bpjs_parallel_messages": "BPJS_PARALLEL_MESSAGES",
    }
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_base_url: str = Field(min_length=1)
    bpjs_credentials_secret_arn: str = Field(min_length=1)
    # BPJS's limit, calls per second across all consumers, and how many consumers share it (the
    # event source's MaximumConcurrency): sutasoma.adapters.pacer. At least 2 x consumers + 1.
    bpjs_rate_limit: float = Field(default=20, gt=0, le=10_000)
    bpjs_max_concurrency: int = Field(default=2, ge=1, le=1000)
    # Messages of different farmers in flight at once within one batch (threads).
    bpjs_parallel_messages: int = Field(default=10, ge=1, le=10)

    @model_validator(mode="after")
    def _limit_can_be_shared(self) -> BpjsSyncSettings:
        if self.bpjs_rate_limit < 2 * self.bpjs_max_concurrency + 1:
            raise ValueError("BPJS_RATE_LIMIT below 2 x BPJS_MAX_CONCURRENCY + 1")
        return self


class CallbackSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "bpjs_callback_secret_arn": "BPJS_CALLBACK_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "bpjs_callback_window_seconds": "BPJS_CALLBACK_WINDOW_SECONDS",
    }
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_callback_secret_arn: str = Field(min_length=1)
    # Seconds a callback's timestamp may differ from our clock (CONTRACT: 300).
    bpjs_callback_window_seconds: int = Field(default=300, ge=30, le=3600)


class SweeperSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "outbox_grace_seconds": "OUTBOX_GRACE_SECONDS",
    }
    bpjs_queue_url: str = Field(min_length=1)
    # Outbox entries younger than this are left to the request that wrote them.
    outbox_grace_seconds: int = Field(default=60, ge=0)


class RedriveSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {"bpjs_queue_url": "BPJS_QUEUE_URL", "bpjs_dlq_url": "BPJS_DLQ_URL"}
    bpjs_queue_url: str = Field(min_length=1)
    bpjs_dlq_url: str = Field(min_length=1)


class AuditArchiveSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "audit_archive_bucket": "AUDIT_ARCHIVE_BUCKET",
        "audit_archive_failure_queue_url": "AUDIT_ARCHIVE_FAILURE_QUEUE_URL",
    }
    audit_archive_bucket: str = Field(min_length=1)
    audit_archive_failure_queue_url: str = Field(min_length=1)


class ImportSettings(ApiSettings):
    """The imports and exports routes (functions/imports)."""

    ENV: ClassVar[dict[str, str]] = {
        "imports_bucket": "IMPORTS_BUCKET",
        "import_chunk_queue_url": "IMPORT_CHUNK_QUEUE_URL",
        "download_url_expires_seconds": "DOWNLOAD_URL_EXPIRES_SECONDS",
        "export_max_rows": "EXPORT_MAX_ROWS",
    }
    imports_bucket: str = Field(min_length=1)
    import_chunk_queue_url: str = Field(min_length=1)
    download_url_expires_seconds: int = Field(default=900, ge=60, le=3600)
    # An export is answered in the response (Lambda's 6 MB): past this, narrow it by kecamatan/village.
    export_max_rows: int = Field(default=20_000, ge=100, le=50_000)


class ImportValidateSettings(Settings):
    """The function that checks an uploaded member file (functions/import_validate)."""

    ENV: ClassVar[dict[str, str]] = {
        "imports_bucket": "IMPORTS_BUCKET",
        "user_pool_id": "USER_POOL_ID",
        "nik_hash_secret_arn": "NIK_HASH_SECRET_ARN",  # nosec B105 # - the name of an environment variable holding an ARN
        "min_registration_age": "MIN_REGISTRATION_AGE",
        "max_registration_age": "MAX_REGISTRATION_AGE",
        "import_chunk_rows": "IMPORT_CHUNK_ROWS",
    }
    imports_bucket: str = Field(min_length=1)
    user_pool_id: str = Field(min_length=1)
    nik_hash_secret_arn: str = Field(min_length=1)
    min_registration_age: int = Field(default=17, ge=0, le=120)
    max_registration_age: int = Field(default=65, ge=0, le=120)
    # Rows per chunk of the commit: one SQS message and one invocation of import_chunk each.
    import_chunk_rows: int = Field(default=250, ge=10, le=2_000)


class ImportChunkSettings(Settings):
    """The function that writes an import's chunks (functions/import_chunk)."""

    ENV: ClassVar[dict[str, str]] = {
        "imports_bucket": "IMPORTS_BUCKET",
        "bpjs_queue_url": "BPJS_QUEUE_URL",
        "import_chunk_dlq_arn": "IMPORT_CHUNK_DLQ_ARN",
    }
    imports_bucket: str = Field(min_length=1)
    bpjs_queue_url: str = Field(min_length=1)
    # Messages from this queue are chunks that kept failing: recorded, not written.
    import_chunk_dlq_arn: str = Field(min_length=1)


class DocumentCheckSettings(Settings):
    """The check of uploads that landed (functions/document_check): both upload buckets."""

    ENV: ClassVar[dict[str, str]] = {
        "ktp_bucket": "KTP_BUCKET",
        "claims_bucket": "CLAIMS_BUCKET",
        "bpjs_queue_url": "BPJS_QUEUE_URL",
    }
    ktp_bucket: str = Field(min_length=1)
    claims_bucket: str = Field(min_length=1)
    bpjs_queue_url: str = Field(min_length=1)  # the writer's; a check queues nothing


class TokenGateSettings(Settings):
    """Cognito's pre-token-generation trigger (functions/token_gate): is TOTP required of staff?"""

    ENV: ClassVar[dict[str, str]] = {"staff_mfa": "STAFF_MFA"}
    staff_mfa: Literal["required", "optional"] = "required"


class MissingConfiguration(RuntimeError):
    """The function's environment lacks what it needs: it must not start."""


S = TypeVar("S", bound=Settings)


def settings_from_env[S: Settings](model: type[S], environ: Mapping[str, str] | None = None) -> S:
    env = os.environ if environ is None else environ
    names = model.env_names()
    values: dict[str, Any] = {field: env[name] for field, name in names.items() if env.get(name)}
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        wrong = sorted(
            {
                names.get(str(e["loc"][0]), str(e["loc"][0])) if e["loc"] else e["msg"]
                for e in invalid.errors()
            }
        )
        raise MissingConfiguration(
            f"{model.__name__}: environment variables missing or invalid: {', '.join(wrong)}"
        ) from None


class SettingsSource[S: Settings]:
    """A function's settings: validated at import (cold start), re-read after reset()."""

    _all: ClassVar[list[SettingsSource[Any]]] = []

    def __init__(self, model: type[S]) -> None:
        self.model = model
        self._value: S | None = None
        SettingsSource._all.append(self)
        self.get()

    def get(self) -> S:
        if self._value is None:
            self._value = settings_from_env(self.model)
        return self._value

    @classmethod
    def reset_all(cls) -> None:
        for source in cls._all:
            source._value = None
