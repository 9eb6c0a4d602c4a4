"""The 5th-of-month evaluation: generate (from counters), store and serve the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sutasoma.app.ports import Counters, Documents, Reports, Scanner
from sutasoma.app.reconcile import reconcile
from sutasoma.domain.clock import now_utc
from sutasoma.domain.errors import FieldError, Forbidden, NotFound, ValidationFailed
from sutasoma.domain.identity import Caller
from sutasoma.domain.places import kecamatan_codes
from sutasoma.reports.access import filter_for_kecamatan, visible_to
from sutasoma.reports.figures import check_period, compute_report, period_for_schedule, trend_months
from sutasoma.reports.models import Report
from sutasoma.reports.render import FILE_TYPES, render
from sutasoma.runtime.observability import logger

__all__ = ["ReportDesk", "period_for_schedule", "reconcile_period", "require_admin"]


def not_generated(period: str) -> NotFound:
    return NotFound(f"Laporan {period} belum dibuat.")


class ReportDesk:
    def __init__(self, counters: Counters, reports: Reports, files: Documents, incentive_rate: float) -> None:
        self.counters = counters
        self.reports = reports
        self.files = files
        self.incentive_rate = incentive_rate

    def compute(self, period: str, now: datetime) -> Report:
        check_period(period)
        # One query per kecamatan (every month's deltas up to the period), one per trend month.
        deltas = {code: self.counters.population_deltas(code, period) for code in kecamatan_codes()}
        counters = {month: self.counters.month(month) for month in trend_months(period)}
        return compute_report(period, now, deltas, counters, self.incentive_rate)

    def generate(self, period: str, now: datetime | None = None) -> Report:
        report = self.compute(period, now or now_utc())
        self.reports.put(period, report.model_dump_json(), report.generated_at)
        for file_type, content_type in FILE_TYPES.items():
            self.files.put(
                f"reports/{period}/sutasoma-{period}.{file_type}", render(report, file_type), content_type
            )
        best = report.best_bpp.kecamatan_code if report.best_bpp else None
        logger.info("report generated", extra={"period": period, "best_bpp": best})
        return report

    def exists(self, period: str) -> bool:
        return self.reports.get(period) is not None

    def read(self, caller: Caller, period: str) -> Report:
        scope = visible_to(caller)
        stored = self.reports.get(check_period(period))
        if stored is None:
            raise not_generated(period)
        report = Report.model_validate_json(stored)
        return report if scope is None else filter_for_kecamatan(report, scope)

    def file(self, caller: Caller, period: str, file_type: str) -> tuple[bytes, str]:
        if file_type not in FILE_TYPES:
            raise ValidationFailed(
                "Jenis berkas tidak dikenal.", [FieldError("file_type", "csv, xlsx, atau html.")]
            )
        return render(self.read(caller, period), file_type), FILE_TYPES[file_type]


def require_admin(caller: Caller) -> None:
    """Generating a report (or recounting) is for Dinas Pertanian's admins."""
    if not caller.is_admin:
        raise Forbidden("Hanya admin Dinas Pertanian yang dapat membuat laporan.")


def reconcile_period(caller: Caller, period: str, scanner: Scanner) -> dict[str, Any]:
    """Recount from the records (a full scan) and list differences from the counters."""
    require_admin(caller)
    check_period(period)
    return reconcile(scanner)
