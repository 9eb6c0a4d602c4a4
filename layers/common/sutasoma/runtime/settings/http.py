"""The settings of the functions that take requests from people (register, pay, claim, imports)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from sutasoma.runtime.settings import ApiSettings


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
