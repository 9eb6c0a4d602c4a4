"""The 5th-of-month evaluation: figures per BPP from the counters the write transactions
keep (population deltas and monthly counters). No scan, no query over farmers or payments:
O(kecamatan x months) items read whatever the number of farmers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sutasoma.adapters.store import DomainStore
from sutasoma.domain.clock import WITA, iso_utc, period_of
from sutasoma.domain.errors import FieldError, NotFound, ValidationFailed
from sutasoma.domain.identity import Caller
from sutasoma.domain.periods import add_months, month_index, parse_period
from sutasoma.domain.places import REGENCY_CODE, REGENCY_NAME, kecamatan_codes, kecamatan_name
from sutasoma.domain.population import Population
from sutasoma.domain.tariff import BASE_TARIFFS
from sutasoma.reports.access import filter_for_kecamatan, visible_to
from sutasoma.reports.models import AgentRow, BestBpp, ByType, KecamatanRow, Report, TrendPoint
from sutasoma.reports.render import FILE_TYPES, render
from sutasoma.runtime.observability import logger

TREND_MONTHS = 12
RANKING_FORMULA = (
    "Peringkat menurut tingkat kolektabilitas (peserta aktif / (aktif + menunggak)) tertinggi; bila sama, "
    "iuran terkumpul terbanyak, lalu pendaftaran baru terbanyak. BPP tanpa peserta tidak diberi peringkat."
)


# Months a report can be about: SUTASOMA's era, and room for date arithmetic on either side.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
FIRST_TARIFF_PERIOD = min((t.valid_from for t in BASE_TARIFFS), key=month_index)


def check_period(period: str) -> str:
    try:
        year, _ = parse_period(period)
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise ValueError(period)
    except ValueError:
        raise ValidationFailed(
            "Periode harus berformat YYYY-MM.", [FieldError("period", "Contoh: 2026-11.")]
        ) from None
    if month_index(period) < month_index(FIRST_TARIFF_PERIOD):
        # No contribution was due before the first tariff: there is nothing to report on.
        raise ValidationFailed(
            f"Belum ada iuran sebelum {FIRST_TARIFF_PERIOD}: periode ini tidak dapat dilaporkan.",
            [FieldError("period", f"Paling awal {FIRST_TARIFF_PERIOD}.")],
        )
    return period


def period_for_schedule(scheduled_time: str) -> str:
    """The month a scheduled run reports on: the month before its scheduled time in WITA (so a
    late or repeated run produces the same report)."""
    at = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00")).astimezone(WITA)
    return add_months(period_of(at.date()), -1)


def _rate(active: int, arrears: int) -> float:
    return round(active / (active + arrears), 4) if active + arrears else 0.0


def _row(code: str, name: str, population: Population, counters: dict[str, int], period: str) -> KecamatanRow:
    active, arrears = population.active(period), population.arrears(period)
    return KecamatanRow(
        kecamatan_code=code,
        kecamatan_name=name,
        registered=population.registered,
        new_registrations=counters.get("new_registrations", 0),
        active=active,
        arrears=arrears,
        lapsed=population.lapsed(period),
        not_started=population.not_started(),
        contributions_due=population.contributions_due(period),
        contributions_collected=counters.get("contributions_collected", 0),
        payments=counters.get("payments", 0),
        collection_rate=_rate(active, arrears),
        claims_submitted=ByType(
            JKK=counters.get("claims_submitted_JKK", 0), JKM=counters.get("claims_submitted_JKM", 0)
        ),
        claims_amount=ByType(
            JKK=counters.get("claims_amount_JKK", 0), JKM=counters.get("claims_amount_JKM", 0)
        ),
        claims_paid=ByType(JKK=counters.get("claims_paid_JKK", 0), JKM=counters.get("claims_paid_JKM", 0)),
        score=_rate(active, arrears),
        rank=None,
    )


def _ranked(rows: list[KecamatanRow]) -> list[KecamatanRow]:
    members = [r for r in rows if r.active + r.arrears > 0]
    ordered = sorted(
        members,
        key=lambda r: (
            -r.collection_rate,
            -r.contributions_collected,
            -r.new_registrations,
            r.kecamatan_code,
        ),
    )
    ranks = {r.kecamatan_code: index + 1 for index, r in enumerate(ordered)}
    return [r.model_copy(update={"rank": ranks.get(r.kecamatan_code)}) for r in rows]


def regency_totals(rows: list[KecamatanRow]) -> KecamatanRow:
    """The JUMLAH row: the kecamatan rows summed, the rates computed from the sums."""

    def total(field: str) -> int:
        return sum(int(getattr(r, field)) for r in rows)

    active, arrears = total("active"), total("arrears")
    return KecamatanRow(
        kecamatan_code=REGENCY_CODE,
        kecamatan_name=REGENCY_NAME,
        registered=total("registered"),
        new_registrations=total("new_registrations"),
        active=active,
        arrears=arrears,
        lapsed=total("lapsed"),
        not_started=total("not_started"),
        contributions_due=total("contributions_due"),
        contributions_collected=total("contributions_collected"),
        payments=total("payments"),
        collection_rate=_rate(active, arrears),
        claims_submitted=ByType(
            JKK=sum(r.claims_submitted.JKK for r in rows), JKM=sum(r.claims_submitted.JKM for r in rows)
        ),
        claims_amount=ByType(
            JKK=sum(r.claims_amount.JKK for r in rows), JKM=sum(r.claims_amount.JKM for r in rows)
        ),
        claims_paid=ByType(
            JKK=sum(r.claims_paid.JKK for r in rows), JKM=sum(r.claims_paid.JKM for r in rows)
        ),
        score=_rate(active, arrears),
        rank=None,
    )


class ReportService:
    def __init__(self, store: DomainStore, incentive_rate: float) -> None:
        self.store = store
        self.incentive_rate = incentive_rate

    def compute(self, period: str, now: datetime) -> Report:
        check_period(period)
        months = [add_months(period, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
        # Population: one query per kecamatan, every month's deltas up to the period.
        deltas = {code: self.store.population_deltas(code, period) for code in kecamatan_codes()}
        counters = {month: self.store.counters_of(month) for month in months}

        def population_at(code: str, month: str) -> Population:
            sums: Counter[str] = Counter()
            for changed, delta in deltas[code].items():
                if changed <= month:
                    sums.update(delta)
            return Population.from_sums(sums)

        rows_by_month: dict[str, list[KecamatanRow]] = {
            month: [
                _row(
                    code,
                    kecamatan_name(code),
                    population_at(code, month),
                    counters[month].get(f"KEC#{code}", {}),
                    month,
                )
                for code in kecamatan_codes()
            ]
            for month in months
        }
        rows = _ranked(rows_by_month[period])
        best = next((r for r in rows if r.rank == 1), None)
        agents = []
        for scope, values in sorted(counters[period].items()):
            if not scope.startswith("AGENT#"):
                continue
            _, kecamatan, username = scope.split("#", 2)
            collected = values.get("collections_amount", 0)
            agents.append(
                AgentRow(
                    username=username,
                    kecamatan_code=kecamatan,
                    registrations=values.get("registrations", 0),
                    payments=values.get("payments", 0),
                    collections_amount=collected,
                    incentive=int(collected * self.incentive_rate),
                )
            )
        trend = []
        for month in months:
            month_rows = rows_by_month[month]
            totals = regency_totals(month_rows)
            trend.append(
                TrendPoint(
                    period=month,
                    collection_rate=totals.collection_rate,
                    contributions_collected=totals.contributions_collected,
                    by_kecamatan={r.kecamatan_code: r.collection_rate for r in month_rows},
                )
            )
        return Report(
            period=period,
            generated_at=iso_utc(now),
            rows=rows,
            totals=regency_totals(rows),
            agents=agents,
            best_bpp=BestBpp(
                kecamatan_code=best.kecamatan_code, kecamatan_name=best.kecamatan_name, score=best.score
            )
            if best
            else None,
            ranking_formula=RANKING_FORMULA,
            incentive_rate=self.incentive_rate,
            trend=trend,
        )


def not_generated(period: str) -> NotFound:
    return NotFound(f"Laporan {period} belum dibuat.")


def report_from(item: dict[str, Any]) -> Report:
    return Report.model_validate(item)


class ReportDesk:
    """Generate, store and serve reports: the JSON in the table, the files in S3."""

    def __init__(self, service: ReportService, documents: Any) -> None:
        self.service = service
        self.store = service.store
        self.documents = documents

    def generate(self, period: str, now: datetime) -> Report:
        report = self.service.compute(period, now)
        self.store.put_report(period, report.model_dump_json(), report.generated_at)
        for file_type, content_type in FILE_TYPES.items():
            self.documents.put(
                f"reports/{period}/sutasoma-{period}.{file_type}", render(report, file_type), content_type
            )
        logger.info(
            "report generated",
            extra={"period": period, "best_bpp": report.best_bpp.kecamatan_code if report.best_bpp else None},
        )
        return report

    def read(self, caller: Caller, period: str) -> Report:
        scope = visible_to(caller)
        stored = self.store.get_report(check_period(period))
        if stored is None:
            raise not_generated(period)
        report = Report.model_validate_json(stored)
        if scope is None:
            return report
        return filter_for_kecamatan(report, scope)

    def file(self, caller: Caller, period: str, file_type: str) -> tuple[bytes, str]:
        if file_type not in FILE_TYPES:
            raise ValidationFailed(
                "Jenis berkas tidak dikenal.", [FieldError("file_type", "csv, xlsx, atau html.")]
            )
        return render(self.read(caller, period), file_type), FILE_TYPES[file_type]
