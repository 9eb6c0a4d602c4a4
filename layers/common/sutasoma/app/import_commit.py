"""Writing a validated import, one chunk per SQS message (docs/imports.md "Commit").

A chunk is idempotent: its rows carry the farmer ids and operation ids drawn at validation, so
a row written by an earlier attempt is recognised (its NIK claim names the planned farmer, or
the farmer names this import) and never written twice; its counts reach the import once (the
chunk's number joins a set under a condition). Rows are written in groups, one DynamoDB
transaction each (records, claims, counters, audit: all or nothing); a group that meets a
conflict is written again row by row, so one row changed since the validation never blocks
the others. The BPJS look-ups of written members are handed to the queue before the chunk
counts as done. A chunk that keeps failing reaches the dead-letter queue: `chunk_failed`
records which of its rows were written and which were not, and the import ends FAILED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sutasoma.app.packing import pack, together
from sutasoma.domain.changes import ChangeSet, Updated, WriteConflict
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.farmer import FarmerRecord, KpjClaim, NikClaim
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.import_plan import (
    PlannedRow,
    RowAction,
    created_changes,
    existing_refusal,
    updated_changes,
)
from sutasoma.domain.imports import ChunkOutcome, FailedChunk, ImportRecord, ImportStatus, failure_text
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import BatchQueue, ImportFiles, ImportStore, Outbox, UnitOfWork

UPDATE_ATTEMPTS = 3
NIK_TAKEN = "NIK sudah terdaftar di SUTASOMA sejak berkas diperiksa; baris tidak ditulis."
KPJ_TAKEN = "Nomor KPJ sudah dipakai petani lain sejak berkas diperiksa; baris tidak ditulis."


class ChunkNotReady(Exception):
    """The import is not committing (a message before its commit, or of an unknown import)."""


@dataclass
class Tally:
    """What one chunk of an import did to the table, row by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    to_send: list[OutboxEntry] = field(default_factory=list)

    def outcome(self, import_id: str, chunk: int, rows: int) -> ChunkOutcome:
        return ChunkOutcome(
            import_id=import_id, chunk=chunk, rows=rows, created=self.created, updated=self.updated,
            unchanged=self.unchanged, not_written=len(self.refused),
            refused_rows=tuple(r for r, _ in self.refused), reasons=tuple(m for _, m in self.refused),
        )  # fmt: skip


def committer_of(record: ImportRecord) -> Caller:
    """The admin who committed: the author of every audit record the chunks write."""
    return Caller(
        sub=record.committed_by_sub or "", username=record.committed_by or "import", role=Role.ADMIN,
        kecamatan=None, request_id=record.commit_request_id,
    )  # fmt: skip


def lookup_entry(row: PlannedRow, import_id: str, stamp: str) -> OutboxEntry:
    return OutboxEntry(
        op_id=row.lookup_op_id or row.farmer_id, op_type=OpType.PARTICIPANT_LOOKUP, farmer_id=row.farmer_id,
        created_at=stamp, sent_at=stamp, payload={"import_id": import_id},
    )  # fmt: skip


class CommitChunk:
    def __init__(
        self, store: ImportStore, unit: UnitOfWork, files: ImportFiles, outbox: Outbox, queue: BatchQueue
    ) -> None:
        self.store = store
        self.unit = unit
        self.files = files
        self.outbox = outbox
        self.queue = queue

    def __call__(self, import_id: str, chunk: int) -> ChunkOutcome | None:
        """Write one chunk (None: it was done already). Raises to be tried again."""
        record = self.store.get(import_id)
        if record is None:
            raise ChunkNotReady("no such import")
        if chunk in record.chunks_done:
            finish_if_complete(self.store, self.unit, record)
            return None
        if record.status in (ImportStatus.FAILED, ImportStatus.COMMITTED):
            logger.info("import chunk skipped", extra={"import_id": import_id, "chunk": chunk})
            return None  # a copy of a chunk already given up on: a new commit sends it again
        if record.status is not ImportStatus.COMMITTING:
            raise ChunkNotReady(f"import is {record.status.value}")
        rows = self.files.chunk(import_id, chunk)
        stamp = iso_utc(now_utc())
        tally = self._write(record, rows, stamp)
        self.queue.send_many(tally.to_send)
        outcome = tally.outcome(import_id, chunk, len(rows))
        counted = self.store.add_chunk(import_id, outcome, stamp)
        finish_if_complete(self.store, self.unit, counted or self.store.get(import_id) or record)
        logger.info(
            "import chunk written",
            extra={"import_id": import_id, "chunk": chunk, "rows": len(rows), "rows_created": tally.created,
                   "rows_updated": tally.updated, "refused_rows": list(outcome.refused_rows)},
        )  # fmt: skip
        return outcome

    def _write(self, record: ImportRecord, rows: list[PlannedRow], stamp: str) -> Tally:
        tally = Tally()
        committer = committer_of(record)
        planned = self._plan(record, rows, committer, stamp, tally)
        for group in pack(planned):
            try:
                self.unit.commit(together(group))
            except WriteConflict:
                for row, changes in group:
                    self._one(record, row, changes, committer, stamp, tally)
                continue
            for row, changes in group:
                self._written(record, row, changes, tally)
        return tally

    def _plan(
        self, record: ImportRecord, rows: list[PlannedRow], committer: Caller, stamp: str, tally: Tally
    ) -> list[tuple[PlannedRow, ChangeSet]]:
        """Each row's change-set on what is stored now; rows done by an earlier attempt counted."""
        creates = [r for r in rows if r.action is RowAction.CREATE]
        claims = self.store.nik_claims([r.nik_hash for r in creates]) if creates else {}
        updates = [r for r in rows if r.action is RowAction.UPDATE]
        farmers = self.store.farmers([r.farmer_id for r in updates]) if updates else {}
        planned: list[tuple[PlannedRow, ChangeSet]] = []
        for row in rows:
            if row.action is RowAction.CREATE:
                holder = claims.get(row.nik_hash)
                if holder == row.farmer_id:
                    self._already(record, row, tally)
                elif holder is not None:
                    tally.refused.append((row.member.row, NIK_TAKEN))
                else:
                    planned.append((row, created_changes(row, record.import_id, committer, stamp)))
            elif row.action is RowAction.UPDATE:
                changes = self._update(record, row, farmers.get(row.farmer_id), committer, stamp, tally)
                if changes is not None:
                    planned.append((row, changes))
        return planned

    def _update(
        self, record: ImportRecord, row: PlannedRow, farmer: FarmerRecord | None, committer: Caller,
        stamp: str, tally: Tally,
    ) -> ChangeSet | None:  # fmt: skip
        """The row's update on the farmer as it is now; None when there is nothing to write."""
        refusal = "Petani tidak ditemukan lagi." if farmer is None else existing_refusal(row.member, farmer)
        if farmer is None or refusal is not None:
            tally.refused.append((row.member.row, refusal or ""))
            return None
        changes = updated_changes(row, farmer, record.import_id, committer, stamp, period_of(today_wita()))
        if changes is None:
            if farmer.last_import_id == record.import_id:
                self._already(record, row, tally)
            else:
                tally.unchanged += 1
        return changes

    def _already(self, record: ImportRecord, row: PlannedRow, tally: Tally) -> None:
        """Written by an earlier attempt of this chunk: counted, and its BPJS operation sent again
        (the queue and bpjs_sync apply an operation once)."""
        if row.action is RowAction.CREATE:
            tally.created += 1
            tally.to_send.append(lookup_entry(row, record.import_id, iso_utc(now_utc())))
            return
        tally.updated += 1
        entry = self.outbox.get(row.farmer_id, row.update_op_id) if row.update_op_id else None
        if entry is not None and entry.delivered_at is None:
            tally.to_send.append(entry)

    def _written(self, record: ImportRecord, row: PlannedRow, changes: ChangeSet, tally: Tally) -> None:
        if row.action is RowAction.CREATE:
            tally.created += 1
        else:
            tally.updated += 1
        tally.to_send.extend(changes.outbox)

    def _one(
        self, record: ImportRecord, row: PlannedRow, changes: ChangeSet, committer: Caller, stamp: str,
        tally: Tally,
    ) -> None:  # fmt: skip
        """A row alone, after its group met a conflict: written, found written, or refused."""
        for _ in range(UPDATE_ATTEMPTS):
            try:
                self.unit.commit(changes)
            except WriteConflict as conflict:
                current = conflict.current
                if current is None:
                    raise  # a collision with another transaction: the chunk is tried again
                if isinstance(current, NikClaim | KpjClaim):
                    if current.farmer_id == row.farmer_id:
                        self._already(record, row, tally)
                    else:
                        tally.refused.append(
                            (row.member.row, NIK_TAKEN if isinstance(current, NikClaim) else KPJ_TAKEN)
                        )
                    return
                if not isinstance(current, FarmerRecord) or not isinstance(conflict.write, Updated):
                    raise
                fresh = self._update(record, row, current, committer, stamp, tally)
                if fresh is None:
                    return
                changes = fresh
                continue
            self._written(record, row, changes, tally)
            return
        raise WriteConflict(changes.writes[0])


def finish_if_complete(store: ImportStore, unit: UnitOfWork, record: ImportRecord) -> ImportRecord:
    """COMMITTING → COMMITTED once every chunk is done, or FAILED if one kept failing (whoever
    sees it first: the last chunk, a retried one, or a status read)."""
    for _ in range(3):
        complete = record.chunks_total == record.chunks_accounted
        if record.status is not ImportStatus.COMMITTING or record.chunks_sent_at is None or not complete:
            return record
        stamp = iso_utc(now_utc())
        failed = record.chunks_failed - record.chunks_done
        if failed:
            notes = [c for c in store.failed_chunks(record.import_id) if c.chunk in failed]
            after = record.next(status=ImportStatus.FAILED, failure=failure_text(record, notes),
                                finished_at=stamp, updated_at=stamp)  # fmt: skip
        else:
            after = record.next(status=ImportStatus.COMMITTED, finished_at=stamp, updated_at=stamp)
        try:
            unit.commit(ChangeSet(writes=(Updated(record, after),)))
        except WriteConflict:
            record = store.get(record.import_id) or record
            continue
        logger.info("import finished", extra={"import_id": record.import_id, "status": after.status.value})
        return after
    return record


class ChunkFailed:
    """A chunk's message reached the dead-letter queue: what of it was written, what was not."""

    def __init__(self, store: ImportStore, unit: UnitOfWork, files: ImportFiles) -> None:
        self.store = store
        self.unit = unit
        self.files = files

    def __call__(self, import_id: str, chunk: int) -> FailedChunk | None:
        record = self.store.get(import_id)
        if record is None or chunk in record.chunks_done or chunk in record.chunks_failed:
            return None
        rows = self.files.chunk(import_id, chunk)
        claims = self.store.nik_claims([r.nik_hash for r in rows if r.action is RowAction.CREATE])
        farmers = self.store.farmers([r.farmer_id for r in rows if r.action is RowAction.UPDATE])
        written = {
            r.member.row
            for r in rows
            if claims.get(r.nik_hash) == r.farmer_id
            or (
                r.action is RowAction.UPDATE
                and getattr(farmers.get(r.farmer_id), "last_import_id", None) == import_id
            )
        }
        failed = FailedChunk(
            import_id=import_id, chunk=chunk, first_row=min((r.member.row for r in rows), default=0),
            last_row=max((r.member.row for r in rows), default=0), written=len(written),
            rows_not_written=tuple(r.member.row for r in rows if r.member.row not in written),
            failed_at=iso_utc(now_utc()),
        )  # fmt: skip
        counted = self.store.add_failed_chunk(failed)
        logger.error(
            "import chunk failed for good",
            extra={"import_id": import_id, "chunk": chunk, "written": failed.written,
                   "not_written": len(failed.rows_not_written)},
        )  # fmt: skip
        finish_if_complete(self.store, self.unit, counted or self.store.get(import_id) or record)
        return failed
