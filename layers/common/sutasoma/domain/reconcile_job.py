"""A reconcile job (sutasoma.app.reconcile_jobs): its states, and the task of reading one segment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "QUEUED"  # asked for; no segment finished yet
    RUNNING = "RUNNING"  # some segments read
    DONE = "DONE"  # every segment read, the result written
    FAILED = "FAILED"  # a task failed too often, or could not be queued (`failure` says which)


@dataclass(frozen=True)
class ReconcileJob:
    """A recount of the counters against the records, run in segments."""

    job_id: str
    period: str
    status: JobStatus
    segments: int
    requested_by: str
    created_at: str
    segments_done: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    items_scanned: int | None = None
    differences: tuple[dict[str, Any], ...] | None = None
    differences_total: int | None = None
    failure: str | None = None


@dataclass(frozen=True)
class SegmentTask:
    """Read `segment` of `segments` from `start_key` (None: from its beginning) as piece `piece`."""

    job_id: str
    segment: int
    segments: int
    piece: int = 0
    start_key: dict[str, Any] | None = None

    def rest(self, start_key: dict[str, Any]) -> SegmentTask:
        return replace(self, piece=self.piece + 1, start_key=start_key)

    def as_json(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "segment": self.segment, "segments": self.segments,
                "piece": self.piece, "start_key": self.start_key}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentTask:
        return cls(str(data["job_id"]), int(data["segment"]), int(data["segments"]), int(data.get("piece", 0)),
                   data.get("start_key") or None)  # fmt: skip
