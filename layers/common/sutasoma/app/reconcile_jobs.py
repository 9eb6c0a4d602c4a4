"""The reconcile as a job: asked for over HTTP (202 and a job id), the table read in parallel
segments by queued workers outside the request, the result read back with the job id.

A job is cut into `segments` tasks, one per segment of a parallel Scan, each a message of its own
(the worker function's event source runs them side by side). A worker reads its segment page by
page, adding up the records (sutasoma.app.reconcile.Tally), until the segment ends or its time is
short; what it read is stored as a *piece* of the job, and if the segment is not done the rest goes
on as a new task from where it stopped. The worker that stores a segment's last piece counts the
segment done; the one that completes the count adds all pieces up and writes the result.

Delivery may repeat: a piece is stored once (the first wins; a repeat of a stored piece only passes
its continuation on again), so nothing is counted twice. A task that keeps failing marks the job
FAILED after `MAX_ATTEMPTS`; nobody waits for it forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sutasoma.app.reconcile import Tally, differences_of, tally
from sutasoma.domain.clock import WITA, iso_utc, now_utc
from sutasoma.domain.errors import NotFound
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.reconcile_job import JobStatus, ReconcileJob, SegmentTask
from sutasoma.reports.access import require_admin
from sutasoma.reports.periods import check_period
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import ReconcileJobStore, ReconcileTaskQueue, SegmentScanner
    from sutasoma.domain.identity import Caller

__all__ = ["MAX_ATTEMPTS", "JobStatus", "Piece", "ReconcileJob", "ReconcileJobs", "SegmentTask"]

# A worker stops reading pages when less than this is left of its invocation: enough to store
# its piece and queue the rest (a page is one Scan call of up to 1 MB).
STOP_READING_MS = 30_000
# Receives of one task before the job is given up as FAILED (the queue's DLQ comes after).
MAX_ATTEMPTS = 3
# Differences kept in the job's result; the count says how many there were in all.
MAX_DIFFERENCES = 1000


@dataclass(frozen=True)
class Piece:
    """What one worker read of one segment: its tally, and where the segment goes on (None: done)."""

    tally: Tally
    next_key: dict[str, Any] | None

    @classmethod
    def stored(cls, found: tuple[dict[str, Any], dict[str, Any] | None] | None) -> Piece | None:
        return cls(Tally.from_json(found[0]), found[1]) if found is not None else None


class ReconcileJobs:
    def __init__(
        self, store: ReconcileJobStore, queue: ReconcileTaskQueue, scanner: SegmentScanner, segments: int
    ) -> None:
        self.store = store
        self.queue = queue
        self.scanner = scanner
        self.segments = segments

    # ------------------------------------------------------------------ HTTP: ask, read

    def start(self, caller: Caller, period: str) -> ReconcileJob:
        require_admin(caller)
        check_period(period, now_utc().astimezone(WITA).date())
        job = ReconcileJob(
            job_id=new_id(), period=period, status=JobStatus.QUEUED, segments=self.segments,
            requested_by=caller.username, created_at=iso_utc(now_utc()),
        )  # fmt: skip
        self.store.create(job)
        try:
            self.queue.send([SegmentTask(job.job_id, n, self.segments) for n in range(self.segments)])
        except Exception:
            self.store.fail(job.job_id, "NOT_QUEUED", iso_utc(now_utc()))
            raise
        logger.info("reconcile job queued", extra={"job_id": job.job_id, "segments": self.segments})
        return job

    def read(self, caller: Caller, period: str, job_id: str) -> ReconcileJob:
        require_admin(caller)
        job = self.store.get(job_id) if is_id(job_id) else None
        if job is None or job.period != period:
            raise NotFound("Pekerjaan rekonsiliasi tidak ditemukan.")
        return job

    # ------------------------------------------------------------------ the queued workers

    def work(self, task: SegmentTask, remaining_ms: Callable[[], int]) -> str:
        """Read one piece of a segment; returns what happened (for the log)."""
        job = self.store.get(task.job_id)
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return "NOTHING_TO_DO"
        stored = Piece.stored(self.store.piece(task))
        if stored is None:
            stored = self._read(task, remaining_ms)
            if not self.store.save_piece(task, stored.tally.as_json(), stored.next_key, iso_utc(now_utc())):
                stored = Piece.stored(self.store.piece(task)) or stored  # a repeat delivery stored it first
        if stored.next_key is not None:
            self.queue.send([task.rest(stored.next_key)])
            return "CONTINUED"
        return "FINISHED" if self._finish_if_complete(task.job_id) else "SEGMENT_DONE"

    def give_up(self, task: SegmentTask, error: str) -> None:
        """A task that failed MAX_ATTEMPTS times: the job cannot complete."""
        self.store.fail(task.job_id, f"SEGMENT_{task.segment}_{error}", iso_utc(now_utc()))
        logger.warning("reconcile job failed", extra={"job_id": task.job_id, "segment": task.segment})

    def _read(self, task: SegmentTask, remaining_ms: Callable[[], int]) -> Piece:
        part = Tally()
        key = task.start_key
        while True:
            contents, key = self.scanner.page(task.segment, task.segments, key)
            part.add(tally(contents))
            if key is None or remaining_ms() < STOP_READING_MS:
                return Piece(part, key)

    def _finish_if_complete(self, job_id: str) -> bool:
        job = self.store.get(job_id)
        if job is None or job.status is JobStatus.DONE or job.segments_done < job.segments:
            return False
        whole = Tally()
        for part in self.store.pieces(job_id):
            whole.add(Tally.from_json(part))
        found = differences_of(whole)
        self.store.finish(
            job_id, whole.items_scanned, found[:MAX_DIFFERENCES], len(found), iso_utc(now_utc())
        )
        logger.info(
            "reconcile job done",
            extra={"job_id": job_id, "items_scanned": whole.items_scanned, "differences": len(found)},
        )
        return True
