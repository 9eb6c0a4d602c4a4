"""Member imports as the admin drives them (CONTRACT "Imports and exports", docs/imports.md):
open an import and get where to upload the file, read its progress, commit it, list the
imported members BPJS did not confirm. Checking the file is app/import_validation.py; writing
it, chunk by chunk, app/import_commit.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sutasoma.app.common import once
from sutasoma.app.import_commit import finish_if_complete
from sutasoma.domain.changes import ChangeSet, Created, Updated, WriteConflict
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.domain.errors import FieldError, NotFound, ValidationFailed
from sutasoma.domain.identity import IMPORT_MEMBERS, Caller
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.imports import (
    CONTENT_TYPES,
    MAX_IMPORT_BYTES,
    ChunkOutcome,
    FailedChunk,
    ImportInvalidState,
    ImportMismatch,
    ImportRecord,
    ImportStatus,
    file_type_of,
    upload_key,
)
from sutasoma.domain.records import Record
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import ChunkQueue, Idempotency, ImportFiles, ImportStore, UnitOfWork
    from sutasoma.domain.farmer import FarmerRecord


@dataclass(frozen=True)
class ImportView:
    """An import as the status route shows it: its record, where its results file is, and
    which rows a commit did not write."""

    record: ImportRecord
    results_url: str | None
    failed: list[FailedChunk]
    refused: list[ChunkOutcome]
    mismatches: int  # imported members BPJS's look-up did not confirm


class NewImport(Record):
    kind: str = "members"
    filename: str


class StartedImport(Record):
    """The answer to opening an import (replayed as it was for the same Idempotency-Key)."""

    import_id: str
    status: ImportStatus
    upload_url: str
    fields: dict[str, str]
    object_key: str
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class MismatchView:
    """A member BPJS disagrees about, with the farmer as stored now (None if gone)."""

    mismatch: ImportMismatch
    farmer: FarmerRecord | None


class ImportDesk:
    def __init__(
        self,
        store: ImportStore,
        unit: UnitOfWork,
        files: ImportFiles,
        chunks: ChunkQueue,
        idempotency: Idempotency,
        upload_expires_seconds: int,
        download_expires_seconds: int,
        max_bytes: int = MAX_IMPORT_BYTES,
    ) -> None:
        self.store = store
        self.unit = unit
        self.files = files
        self.chunks = chunks
        self.idempotency = idempotency
        self.upload_expires_seconds = upload_expires_seconds
        self.download_expires_seconds = download_expires_seconds
        self.max_bytes = max_bytes

    def start(self, caller: Caller, request: NewImport, idempotency_key: str | None = None) -> StartedImport:
        """A new import waiting for its file, and a presigned POST that S3 accepts only for a
        file of that type up to `max_bytes`; the same Idempotency-Key answers the same import."""
        caller.require(IMPORT_MEMBERS)
        return once(
            self.idempotency, "import", idempotency_key, caller.sub, request,
            lambda: self._start(caller, request.filename), StartedImport,
        )  # fmt: skip

    def _start(self, caller: Caller, filename: str) -> StartedImport:
        file_type = file_type_of(filename)
        if file_type is None:
            raise ValidationFailed(
                "Berkas impor harus XLSX atau CSV.",
                [FieldError("filename", "Nama berkas harus berakhiran .xlsx atau .csv.")],
            )
        import_id, stamp = new_id(), iso_utc(now_utc())
        record = ImportRecord(
            import_id=import_id, filename=filename.strip(), file_type=file_type,
            object_key=upload_key(import_id, file_type), created_by=caller.username, created_by_sub=caller.sub,
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        self.unit.commit(ChangeSet(writes=(Created(record),)))
        upload = self.files.presign_post(
            record.object_key, CONTENT_TYPES[file_type], self.max_bytes, self.upload_expires_seconds
        )
        logger.info("import opened", extra={"import_id": import_id, "file_type": file_type})
        return StartedImport(
            import_id=import_id, status=record.status, upload_url=upload.url, fields=upload.fields,
            object_key=record.object_key, max_bytes=self.max_bytes, expires_in=self.upload_expires_seconds,
        )  # fmt: skip

    def _load(self, caller: Caller, import_id: str) -> ImportRecord:
        caller.require(IMPORT_MEMBERS)
        record = self.store.get(import_id) if is_id(import_id) else None
        if record is None:
            raise NotFound("Impor tidak ditemukan.")
        return record

    def status(self, caller: Caller, import_id: str) -> ImportView:
        record = finish_if_complete(self.store, self.unit, self._load(caller, import_id))
        url = (
            self.files.presign_get(
                record.results_key, f"hasil-pemeriksaan-{record.import_id}.{record.file_type}",
                self.download_expires_seconds,
            )
            if record.results_key
            else None
        )  # fmt: skip
        failed = self.store.failed_chunks(import_id) if record.chunks_failed else []
        refused = self.store.refusals(import_id) if record.not_written else []
        mismatches = self.store.mismatch_count(import_id) if record.created else 0
        return ImportView(
            record, url, [f for f in failed if f.chunk in record.chunks_failed], refused, mismatches
        )

    def commit(self, caller: Caller, import_id: str) -> ImportRecord:
        """VALIDATED (or a commit that FAILED) → COMMITTING, and the chunks not done yet sent to
        the queue. Committing again while COMMITTING sends what was not sent; COMMITTED is final."""
        record = self._load(caller, import_id)
        committable = record.status is ImportStatus.VALIDATED or (
            record.status is ImportStatus.FAILED and record.validated_at is not None
        )
        if record.status is ImportStatus.COMMITTING:
            if record.chunks_sent_at is None:
                return self._send(record)
            return record
        if not committable:
            raise ImportInvalidState(_not_committable(record))
        stamp = iso_utc(now_utc())
        after = record.next(
            status=ImportStatus.COMMITTING, committed_by=caller.username, committed_by_sub=caller.sub,
            commit_request_id=caller.request_id, commit_started_at=record.commit_started_at or stamp,
            chunks_sent_at=None, failure=None, finished_at=None, updated_at=stamp,
        )  # fmt: skip
        try:
            self.unit.commit(ChangeSet(writes=(Updated(record, after),)))
        except WriteConflict:
            raise ImportInvalidState("Impor ini sedang diubah bersamaan; muat ulang statusnya.") from None
        if record.status is ImportStatus.FAILED:
            self.store.restart(import_id)
            after = self.store.get(import_id) or after  # without the failed chunks
        logger.info("import commit started", extra={"import_id": import_id, "chunks": after.chunks_total})
        return self._send(after)

    def _send(self, record: ImportRecord) -> ImportRecord:
        pending = record.pending_chunks()
        self.chunks.send_chunks(record.import_id, pending)
        after = record.next(chunks_sent_at=iso_utc(now_utc()))
        try:
            self.unit.commit(ChangeSet(writes=(Updated(record, after),)))
        except WriteConflict:
            return self.store.get(record.import_id) or after  # a chunk finished it meanwhile
        return finish_if_complete(self.store, self.unit, after)

    def mismatches(
        self, caller: Caller, import_id: str, limit: int, start_after: str | None
    ) -> tuple[list[MismatchView], bool]:
        """The import's members whose KPJ and NIK BPJS did not confirm, with their farmers."""
        self._load(caller, import_id)
        found, more = self.store.mismatches(import_id, limit, start_after)
        farmers = self.store.farmers([m.farmer_id for m in found]) if found else {}
        return [MismatchView(m, farmers.get(m.farmer_id)) for m in found], more


def mismatch_cursor(cursor: str | None) -> str | None:
    """The last farmer of the previous page (422 unless one of ours)."""
    if cursor is None:
        return None
    if not is_id(cursor):
        raise ValidationFailed("Cursor halaman tidak valid.", [FieldError("cursor", "Gunakan next_cursor.")])
    return cursor


def _not_committable(record: ImportRecord) -> str:
    texts = {
        ImportStatus.AWAITING_FILE: "Berkas impor belum diunggah.",
        ImportStatus.VALIDATING: "Berkas impor masih diperiksa; tunggu status VALIDATED.",
        ImportStatus.COMMITTED: "Impor ini sudah selesai; tidak dapat diimpor lagi.",
        ImportStatus.FAILED: "Berkas impor tidak dapat dibaca; unggah berkas yang benar lewat impor baru.",
    }
    return texts.get(record.status, "Impor ini tidak dapat diimpor sekarang.")
