"""Keeping the audit archive (adapters/audit_archive.py): each audit record archived once,
failed stream batches replayed, and a subject's trail verified against its archived copy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sutasoma.domain.audit_seal import canonical_json, digest
from sutasoma.domain.clock import now_utc
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import AuditArchiveStore

WRITTEN = "written"
ALREADY_ARCHIVED = "already archived"
# Missing-from-the-archive records younger than this are reported apart: the archive follows
# the table by seconds (the stream's batching window and retries), not at once.
DEFAULT_GRACE_SECONDS = 300


@dataclass
class Verification:
    """What verify found for one subject; `ok` when the table and the archive agree."""

    subject_id: str
    in_table: int = 0
    in_archive: int = 0
    matching: int = 0
    missing_from_archive: list[str] = field(default_factory=list)
    not_yet_archived: list[str] = field(default_factory=list)
    altered_in_table: list[dict[str, Any]] = field(default_factory=list)
    missing_from_table: list[str] = field(default_factory=list)
    rewritten_in_archive: list[str] = field(default_factory=list)
    corrupt_in_archive: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.missing_from_archive or self.altered_in_table or self.missing_from_table
            or self.rewritten_in_archive or self.corrupt_in_archive
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return {"subject_id": self.subject_id, "ok": self.ok} | {
            name: getattr(self, name)
            for name in ("in_table", "in_archive", "matching", "missing_from_archive", "not_yet_archived",
                         "altered_in_table", "missing_from_table", "rewritten_in_archive", "corrupt_in_archive")
        }  # fmt: skip


def _written_after(sk: str, moment: datetime) -> bool:
    try:
        written = datetime.fromisoformat(sk.split("#", 1)[0])
    except ValueError:
        return False
    return written.tzinfo is not None and written >= moment


def changed_fields(item: Mapping[str, Any], archived: Mapping[str, Any]) -> list[str]:
    """Names of the fields that differ, never their values."""
    return sorted(
        k for k in set(item) | set(archived) if canonical_json(item.get(k)) != canonical_json(archived.get(k))
    )


class AuditArchiver:
    def __init__(self, store: AuditArchiveStore) -> None:
        self.store = store

    def archive_record(self, record: Mapping[str, Any]) -> str:
        """One stream record: WRITTEN or ALREADY_ARCHIVED; raises on anything else (the batch
        then reports this record as its first failure)."""
        return WRITTEN if self.store.put_once(self.store.audit_item(record)) else ALREADY_ARCHIVED

    def replay_failures(self, queue_url: str, max_messages: int = 100) -> dict[str, int]:
        """Archive each batch the failure queue names (oldest first); a message goes once its
        batch is archived. A batch the stream no longer holds stays, counted as `expired`."""
        totals = {"batches": 0, "expired": 0, "records": 0, WRITTEN: 0, ALREADY_ARCHIVED: 0}
        for batch, receipt in self.store.failed_batches(queue_url, max_messages):
            try:
                outcomes = [self.archive_record(record) for record in self.store.batch_records(batch)]
            except Exception as error:
                code = self.store.expired(error)
                if code is None:
                    raise
                totals["expired"] += 1
                logger.error(
                    "audit batch no longer in the stream",
                    extra={"shard": batch.shard_id, "start": batch.start, "code": code},
                )
                continue
            totals["records"] += len(outcomes)
            for outcome in outcomes:
                totals[outcome] += 1
            totals["batches"] += 1
            self.store.batch_done(queue_url, receipt)
        logger.info("audit failures replayed", extra=totals)
        return totals

    def verify(self, subject_id: str, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> Verification:
        self.store.check_subject(subject_id)
        table = self.store.trail_items(subject_id)
        versions = self.store.versions(subject_id)
        result = Verification(subject_id, in_table=len(table), in_archive=len(versions))
        recent_from = now_utc() - timedelta(seconds=grace_seconds)
        for sk, item in sorted(table.items()):
            if sk not in versions:
                (
                    result.not_yet_archived
                    if _written_after(sk, recent_from)
                    else result.missing_from_archive
                ).append(sk)
                continue
            # The item as first archived (a later version is reported anyway).
            first = next((v for v in versions[sk] if not v.deleted), None)
            archived = self.store.archived_item(subject_id, sk, first) if first else None
            if archived is None:
                result.corrupt_in_archive.append(sk)
            elif digest(archived) == digest(item):
                result.matching += 1
            else:
                result.altered_in_table.append({"sk": sk, "fields": changed_fields(item, archived)})
        for sk, kept in sorted(versions.items()):
            if sk not in table:
                result.missing_from_table.append(sk)
            if len(kept) > 1:
                result.rewritten_in_archive.append(sk)
        logger.info(
            "audit trail verified",
            extra={"subject_id": subject_id, "ok": result.ok, "in_table": result.in_table,
                   "in_archive": result.in_archive, "matching": result.matching},
        )  # fmt: skip
        return result
