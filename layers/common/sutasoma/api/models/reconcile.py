"""`/reports/{period}/reconcile` answers: a recount job and, once done, its result."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sutasoma.api.models.base import ApiModel


class Difference(ApiModel):
    """A figure the recount from the records and the kept counter disagree on."""

    counter: Literal["population", "monthly"]
    kecamatan_code: str
    period: str | None = Field(description="The counter's month; null for the population now")
    figure: str
    recounted: int
    kept: int


class ReconcileJobOut(ApiModel):
    job_id: str
    period: str
    status: Literal["QUEUED", "RUNNING", "DONE", "FAILED"] = Field(
        description="QUEUED, RUNNING (segments read so far in segments_done), DONE (result below), FAILED"
    )
    segments: int = Field(description="Parts of the table read side by side")
    segments_done: int
    requested_by: str
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    items_scanned: int | None = Field(None, description="Items read, once DONE")
    differences: list[Difference] | None = Field(
        None, description="Once DONE: where recount and counters disagree (the first 1000)"
    )
    differences_total: int | None = None
    failure: str | None = Field(None, description="What stopped a FAILED job")
