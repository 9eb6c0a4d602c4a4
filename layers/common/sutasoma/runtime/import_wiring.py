"""Member imports and farmer exports (functions imports, import_validate, import_chunk): their use
cases built as sutasoma.runtime.wiring builds the others, on its table, storage and queues."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sutasoma.runtime.wiring import idempotency, outbound_queue, storage, table

if TYPE_CHECKING:
    from sutasoma.app.exports import FarmerExports
    from sutasoma.app.import_commit import ChunkFailed, CommitChunk
    from sutasoma.app.import_validation import ValidateImport
    from sutasoma.app.imports import ImportDesk
    from sutasoma.runtime.settings import Settings
    from sutasoma.runtime.settings.http import ImportSettings
    from sutasoma.runtime.settings.imports import ImportChunkSettings, ImportValidateSettings


@cache
def import_store(settings: Settings):  # type: ignore[no-untyped-def]
    from sutasoma.adapters.dynamo.imports import ImportRepository

    return ImportRepository(table(settings.table_name))


def _import_bucket(bucket: str):  # type: ignore[no-untyped-def]
    from sutasoma.adapters.import_files import ImportBucket

    return ImportBucket(bucket)


@cache
def import_desk(settings: ImportSettings) -> ImportDesk:
    from sutasoma.adapters.queue import ImportChunkQueue
    from sutasoma.app.imports import ImportDesk

    return ImportDesk(
        import_store(settings), storage(settings).unit, _import_bucket(settings.imports_bucket),
        ImportChunkQueue(settings.import_chunk_queue_url), idempotency(settings), settings.upload_url_expires_seconds,
        settings.download_url_expires_seconds,
    )  # fmt: skip


@cache
def farmer_exports(settings: ImportSettings) -> FarmerExports:
    from sutasoma.app.exports import FarmerExports

    store = storage(settings)
    return FarmerExports(store.farmers, store.audit, settings.export_max_rows)


@cache
def validate_import(settings: ImportValidateSettings) -> ValidateImport:
    from sutasoma.adapters.agents import CognitoAgents
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.app.import_validation import ValidateImport
    from sutasoma.app.registration import AgePolicy

    return ValidateImport(
        import_store(settings), storage(settings).unit, _import_bucket(settings.imports_bucket),
        CognitoAgents(settings.user_pool_id), nik_key=lambda: secret_text(settings.nik_hash_secret_arn).encode(),
        ages=AgePolicy(settings.min_registration_age, settings.max_registration_age),
        chunk_rows=settings.import_chunk_rows,
    )  # fmt: skip


@cache
def commit_chunk(settings: ImportChunkSettings) -> CommitChunk:
    from sutasoma.app.import_commit import CommitChunk

    store = storage(settings)
    return CommitChunk(
        import_store(settings), store.unit, _import_bucket(settings.imports_bucket), store.outbox,
        outbound_queue(settings.bpjs_queue_url),
    )  # fmt: skip


@cache
def chunk_failed(settings: ImportChunkSettings) -> ChunkFailed:
    from sutasoma.app.import_commit import ChunkFailed

    return ChunkFailed(
        import_store(settings), storage(settings).unit, _import_bucket(settings.imports_bucket)
    )


def reset() -> None:
    for built in (import_store, import_desk, farmer_exports, validate_import, commit_chunk, chunk_failed):
        built.cache_clear()
