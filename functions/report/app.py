"""The 5th-of-month evaluation: scheduled generation and the /reports routes (the reconcile is
functions/reconcile: a job).

Scheduled (EventBridge Scheduler, 5th 08:00 Asia/Makassar): the period is the month before
the event's scheduled `time`, never "now", so a late or repeated run gives the same report.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api.http import Path, Query, Response
from sutasoma.api.models.reports import Report
from sutasoma.api.resolver import build_resolver, current_caller, lambda_entry
from sutasoma.app.reports import period_for_schedule, require_admin
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.reports import ReportSettings

SETTINGS = SettingsSource(ReportSettings)  # validated now: a missing variable fails the cold start
app = build_resolver()

Period = Annotated[str, Path(description="YYYY-MM", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


Version = Annotated[
    int | None, Query(ge=1, le=10_000, description="An earlier version of the report, unchanged (r2)")
]


@app.post("/reports/<period>", tags=["Reports"], responses={201: {"description": "Generated"}})
def generate(period: Period) -> Response[Report]:
    """An ended month: a new version (1 if none yet). The current month: a provisional preview."""
    caller = current_caller(app)
    require_admin(caller)
    report = wiring.report_desk(SETTINGS.get()).generate(period, generated_by=caller.username)
    return Response(status_code=201, content_type="application/json", body=report)


@app.get("/reports/<period>", tags=["Reports"])
def read(period: Period, version: Version = None) -> Report:
    return wiring.report_desk(SETTINGS.get()).read(current_caller(app), period, version)


@app.get("/reports/<period>/files/<file_type>", tags=["Reports"])
def file(  # type: ignore[no-untyped-def]
    period: Period,
    file_type: Annotated[Literal["csv", "xlsx", "html"], Path()],
    version: Version = None,
    download: Annotated[bool, Query(description="HTML: save instead of opening in the browser")] = False,
):
    # No return annotation on purpose: Powertools then passes a non-JSON body through as is
    # (the XLSX is binary); with one it would validate the bytes as text.
    desk = wiring.report_desk(SETTINGS.get())
    body, content_type, report = desk.file(current_caller(app), period, file_type, version)
    suffix = f"v{report.version}-sementara" if report.provisional else f"v{report.version}"
    # The HTML opens in the browser (it carries its own download link); CSV and XLSX are saved.
    disposition = "inline" if file_type == "html" and not download else "attachment"
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={"Content-Disposition": f'{disposition}; filename="sutasoma-{period}-{suffix}.{file_type}"'},
    )


_http_handler = lambda_entry(app)


def _watchdog(scheduled_time: str) -> dict[str, Any]:
    """09:00 on the 5th: is last month's report there? The metric feeds the ReportNotGenerated
    alarm (1 = missing), so a failed 08:00 run is noticed before the meeting, not at it."""
    period = period_for_schedule(scheduled_time)
    present = wiring.report_desk(SETTINGS.get()).exists(period)
    metrics.add_metric(name="ReportWatchdogFailed", unit=MetricUnit.Count, value=0 if present else 1)
    metrics.flush_metrics()
    if not present:
        logger.error("report missing at the watchdog check", extra={"period": period})
    return {"period": period, "report_present": present}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if event.get("watchdog") and "time" in event:
        # Scheduler input: {"watchdog": true, "time": "<aws.scheduler.scheduled-time>"}
        return _watchdog(str(event["time"]))
    if event.get("source") in ("aws.scheduler", "aws.events") and "time" in event:
        period = period_for_schedule(event["time"])
        logger.info("scheduled report", extra={"period": period, "scheduled_time": event["time"]})
        report = wiring.report_desk(SETTINGS.get()).generate_scheduled(period)
        return {
            "period": report.period,
            "version": report.version,
            "best_bpp": report.best_bpp.kecamatan_code if report.best_bpp else None,
        }
    return _http_handler(event, context)
