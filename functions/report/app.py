"""The 5th-of-month evaluation: scheduled generation, /reports routes, and reconcile.

Scheduled (EventBridge Scheduler, 5th 08:00 Asia/Makassar): the period is the month before
the event's scheduled `time`, never "now", so a late or repeated run gives the same report.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api.models.reports import Report
from sutasoma.api.resolver import build_resolver, current_caller, lambda_entry
from sutasoma.app.reports import period_for_schedule, reconcile_period, require_admin
from sutasoma.runtime import wiring
from sutasoma.runtime.observability import logger, metrics
from sutasoma.runtime.settings import ReportSettings, SettingsSource

SETTINGS = SettingsSource(ReportSettings)  # validated now: a missing variable fails the cold start
app = build_resolver()

Period = Annotated[str, Path(description="YYYY-MM", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


@app.post("/reports/<period>", tags=["Reports"], responses={201: {"description": "Generated"}})
def generate(period: Period) -> Response[Report]:
    require_admin(current_caller(app))
    report = wiring.report_desk(SETTINGS.get()).generate(period)
    return Response(status_code=201, content_type="application/json", body=report)


@app.get("/reports/<period>", tags=["Reports"])
def read(period: Period) -> Report:
    return wiring.report_desk(SETTINGS.get()).read(current_caller(app), period)


@app.get("/reports/<period>/files/<file_type>", tags=["Reports"])
def file(period: Period, file_type: Annotated[Literal["csv", "xlsx", "html"], Path()]):  # type: ignore[no-untyped-def]
    # No return annotation on purpose: Powertools then passes a non-JSON body through as is
    # (the XLSX is binary); with one it would validate the bytes as text.
    body, content_type = wiring.report_desk(SETTINGS.get()).file(current_caller(app), period, file_type)
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={"Content-Disposition": f'attachment; filename="sutasoma-{period}.{file_type}"'},
    )


@app.post("/reports/<period>/reconcile", tags=["Reports"])
def recount(period: Period) -> dict[str, Any]:
    """Recount from the records (parallel scan) and list differences from the counters."""
    return reconcile_period(current_caller(app), period, wiring.scanner(SETTINGS.get()))


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
        report = wiring.report_desk(SETTINGS.get()).generate(period)
        return {
            "period": report.period,
            "best_bpp": report.best_bpp.kecamatan_code if report.best_bpp else None,
        }
    return _http_handler(event, context)
