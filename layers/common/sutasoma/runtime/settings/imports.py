"""The settings of the member import's workers (the file check and the chunk writer)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from sutasoma.runtime.settings import Settings


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
