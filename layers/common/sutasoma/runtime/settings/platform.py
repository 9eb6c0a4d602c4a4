"""The settings of the functions around the data: the audit archive, the upload check, Cognito's token trigger."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from sutasoma.runtime.settings import Settings


class AuditArchiveSettings(Settings):
    ENV: ClassVar[dict[str, str]] = {
        "audit_archive_bucket": "AUDIT_ARCHIVE_BUCKET",
        "audit_archive_failure_queue_url": "AUDIT_ARCHIVE_FAILURE_QUEUE_URL",
    }
    audit_archive_bucket: str = Field(min_length=1)
    audit_archive_failure_queue_url: str = Field(min_length=1)


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
