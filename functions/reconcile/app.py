"""The reconcile job: `POST /reports/{period}/reconcile` answers 202 with a job id at once, the
table is read by this same function's queued workers, segment by segment in parallel (the
`ReconcileQueue` event), and `GET /reports/{period}/reconcile/{job_id}` reads the job and, once
DONE, its result (sutasoma.app.reconcile_jobs)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api.http import Path, Response
from sutasoma.api.models.reconcile import ReconcileJobOut
from sutasoma.api.resolver import build_resolver, current_caller, lambda_entry
from sutasoma.app.reconcile_jobs import MAX_ATTEMPTS, ReconcileJob, SegmentTask
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics, tracer
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.reports import ReconcileSettings

SETTINGS = SettingsSource(ReconcileSettings)  # validated now: a missing variable fails the cold start
app = build_resolver()

Period = Annotated[str, Path(description="YYYY-MM", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
JobId = Annotated[str, Path(description="The job's id, from the 202 answer", max_length=64)]


def job_out(job: ReconcileJob) -> ReconcileJobOut:
    return ReconcileJobOut.model_validate(asdict(job))


@app.post(
    "/reports/<period>/reconcile",
    tags=["Reports"],
    responses={202: {"description": "Accepted: the recount runs; GET the job for its result"}},
)
def start(period: Period) -> Response[ReconcileJobOut]:
    """Recount every record (a parallel scan, outside the request) and list where the counters differ."""
    job = wiring.reconcile_jobs(SETTINGS.get()).start(current_caller(app), period)
    location = f"/reports/{period}/reconcile/{job.job_id}"
    return Response(
        status_code=202, content_type="application/json", body=job_out(job), headers={"Location": location}
    )


@app.get("/reports/<period>/reconcile/<job_id>", tags=["Reports"])
def read(period: Period, job_id: JobId) -> ReconcileJobOut:
    return job_out(wiring.reconcile_jobs(SETTINGS.get()).read(current_caller(app), period, job_id))


_http_handler = lambda_entry(app)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def work(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The queue's records (one a batch): each reads a piece of a segment. A failure goes back to
    the queue; after MAX_ATTEMPTS receives the job is marked FAILED instead."""
    jobs = wiring.reconcile_jobs(SETTINGS.get())
    failures = []
    for record in event["Records"]:
        task = SegmentTask.from_json(json.loads(record["body"]))
        try:
            outcome = jobs.work(task, context.get_remaining_time_in_millis)
            logger.info(
                "reconcile task", extra={"job_id": task.job_id, "segment": task.segment, "outcome": outcome}
            )
        except Exception as error:
            receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            logger.warning(
                "reconcile task failed",
                extra={"job_id": task.job_id, "segment": task.segment, "receives": receives,
                       "error": type(error).__name__},
            )  # fmt: skip
            if receives >= MAX_ATTEMPTS:
                jobs.give_up(task, type(error).__name__)
            else:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if "Records" in event:
        return work(event, context)
    return _http_handler(event, context)
