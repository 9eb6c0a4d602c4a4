"""The 5th-of-month evaluation as a record: each generation is a new version, never overwriting
an earlier one (what a meeting saw); while the month runs its versions are previews
(provisional: no rank, no best BPP), and its first version after the month ended is the
evaluation (the schedule's, on the 5th)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sutasoma.app.ports import Counters, Directory, Documents, Reports, VersionTaken
from sutasoma.domain.clock import WITA, now_utc
from sutasoma.domain.errors import FieldError, NotFound, ValidationFailed
from sutasoma.domain.places import kecamatan_codes
from sutasoma.reports.access import filter_for_kecamatan, require_admin, visible_to
from sutasoma.reports.compose import ReportInputs, compose_report, trend_months
from sutasoma.reports.models import Report
from sutasoma.reports.periods import check_period, period_for_schedule
from sutasoma.reports.render import FILE_TYPES, render
from sutasoma.reports.revisions import as_revision
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.domain.identity import Caller

__all__ = ["ReportDesk", "period_for_schedule", "require_admin"]

SCHEDULE = "jadwal"  # `generated_by` of the 5th-of-month run
# Two admins generating at once both compute; one writes version N, the other retries as N+1.
VERSION_ATTEMPTS = 5


def not_generated(period: str) -> NotFound:
    return NotFound(f"Laporan {period} belum dibuat. Admin dapat membuatnya (POST /reports/{period}).")


def no_version(period: str, version: int) -> NotFound:
    return NotFound(f"Laporan {period} versi {version} tidak ada.")


class ReportDesk:
    def __init__(
        self, counters: Counters, reports: Reports, files: Documents, directory: Directory,
        incentive_rate: float, targets: Mapping[str, float],
    ) -> None:  # fmt: skip
        self.counters = counters
        self.reports = reports
        self.files = files
        self.directory = directory
        self.incentive_rate = incentive_rate
        self.targets = dict(targets)

    def compute(self, period: str, now: datetime) -> Report:
        check_period(period, now.astimezone(WITA).date())
        # One query per kecamatan (every month's deltas up to the period), one per trend month.
        inputs = ReportInputs(
            period=period, now=now,
            deltas={code: self.counters.population_deltas(code, period) for code in kecamatan_codes()},
            counters={month: self.counters.month(month) for month in trend_months(period)},
            incentive_rate=self.incentive_rate, names=self.directory.names(), targets=self.targets,
        )  # fmt: skip
        return compose_report(inputs)

    def generate(self, period: str, generated_by: str = SCHEDULE, now: datetime | None = None) -> Report:
        """The month's next version (1 if none yet): of an ended month, an evaluation; of the
        current month, a preview (provisional: no rank, no best BPP)."""
        report = self.compute(period, now or now_utc()).model_copy(update={"generated_by": generated_by})
        stored = self._store_version(report)
        for file_type, content_type in FILE_TYPES.items():
            name = f"reports/{period}/v{stored.version}/sutasoma-{period}-v{stored.version}.{file_type}"
            self.files.put(name, render(stored, file_type), content_type)
        best = stored.best_bpp.kecamatan_code if stored.best_bpp else None
        logger.info("report generated", extra={"period": period, "version": stored.version, "best_bpp": best})
        return stored

    def generate_scheduled(self, period: str, now: datetime | None = None) -> Report:
        """The 5th-of-month run; a retry of it (Scheduler retries, a timeout after the write)
        returns the version it already made instead of adding one."""
        made = self._scheduled_version(period)
        if made is not None:
            logger.info("scheduled report already made", extra={"period": period, "version": made.version})
            return made
        return self.generate(period, SCHEDULE, now)

    def _scheduled_version(self, period: str) -> Report | None:
        """The version the schedule made, if any (an admin may have made versions around it)."""
        latest = self.reports.latest(period)
        report = Report.model_validate_json(latest) if latest else None
        while report is not None and report.generated_by != SCHEDULE:
            earlier = self.reports.version(period, report.version - 1) if report.version > 1 else None
            report = Report.model_validate_json(earlier) if earlier else None
        return report

    def _store_version(self, report: Report) -> Report:
        for _ in range(VERSION_ATTEMPTS):
            latest = self.reports.latest(report.period)
            revision = as_revision(report, Report.model_validate_json(latest) if latest else None)
            try:
                self.reports.put_version(
                    report.period, revision.version, revision.model_dump_json(), revision.generated_at
                )
                return revision
            except VersionTaken:
                continue
        raise RuntimeError(f"report {report.period}: no free version after {VERSION_ATTEMPTS} attempts")

    def exists(self, period: str) -> bool:
        """Is there an evaluated version (not only a preview) of the month?"""
        latest = self.reports.latest(period)
        return latest is not None and not Report.model_validate_json(latest).provisional

    def stored(self, period: str, version: int | None = None) -> Report:
        """The month's latest version (a preview while the month runs), or version `version`."""
        check_period(period, now_utc().astimezone(WITA).date())
        if version is not None:
            if version < 1:
                raise ValidationFailed("Versi laporan mulai dari 1.", [FieldError("version", "Contoh: 1.")])
            found = self.reports.version(period, version)
            if found is None:
                raise no_version(period, version)
            return Report.model_validate_json(found)
        found = self.reports.latest(period)
        if found is None:
            raise not_generated(period)
        return Report.model_validate_json(found)

    def read(self, caller: Caller, period: str, version: int | None = None) -> Report:
        scope = visible_to(caller)
        report = self.stored(period, version)
        return report if scope is None else filter_for_kecamatan(report, scope)

    def file(
        self, caller: Caller, period: str, file_type: str, version: int | None = None
    ) -> tuple[bytes, str, Report]:
        if file_type not in FILE_TYPES:
            raise ValidationFailed(
                "Jenis berkas tidak dikenal.", [FieldError("file_type", "csv, xlsx, atau html.")]
            )
        report = self.read(caller, period, version)
        return render(report, file_type), FILE_TYPES[file_type], report
