"""The 5th-of-month evaluation: figures per BPP from the counters the write transactions
keep (population deltas and monthly counters). No scan, no query over farmers or payments:
O(kecamatan x months) items read whatever the number of farmers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sutasoma.domain.clock import WITA, iso_utc, period_of
from sutasoma.domain.counters import MonthCounters
from sutasoma.domain.errors import FieldError, ValidationFailed
from sutasoma.domain.periods import add_months, month_index, parse_period
from sutasoma.domain.places import REGENCY_CODE, REGENCY_NAME, kecamatan_codes, kecamatan_name
from sutasoma.domain.population import Population
from sutasoma.domain.tariff import BASE_TARIFFS
from sutasoma.reports.models import AgentRow, BestBpp, ByType, KecamatanRow, Report, TrendPoint

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


def _population_at(deltas: dict[str, dict[str, int]], month: str) -> Population:
    sums: Counter[str] = Counter()
    for changed, delta in deltas.items():
        if changed <= month:
            sums.update(delta)
    return Population.from_sums(sums)


def _agent_rows(counters: MonthCounters, incentive_rate: float) -> list[AgentRow]:
    rows = []
    for (kecamatan, username), values in sorted(counters.agents.items()):
        collected = values.get("collections_amount", 0)
        rows.append(
            AgentRow(
                username=username,
                kecamatan_code=kecamatan,
                registrations=values.get("registrations", 0),
                payments=values.get("payments", 0),
                collections_amount=collected,
                incentive=int(collected * incentive_rate),
            )
        )
    return rows


def _trend_point(month: str, rows: list[KecamatanRow]) -> TrendPoint:
    totals = regency_totals(rows)
    return TrendPoint(
        period=month,
        collection_rate=totals.collection_rate,
        contributions_collected=totals.contributions_collected,
        by_kecamatan={r.kecamatan_code: r.collection_rate for r in rows},
    )


def trend_months(period: str) -> list[str]:
    """The months the report's trend covers, oldest first, ending with `period`."""
    return [add_months(period, -i) for i in range(TREND_MONTHS - 1, -1, -1)]


def compute_report(
    period: str,
    now: datetime,
    deltas: dict[str, dict[str, dict[str, int]]],
    counters: dict[str, MonthCounters],
    incentive_rate: float,
) -> Report:
    """The report of `period` from the population deltas (per kecamatan, per month) and the
    monthly counters of the trend's months: O(kecamatan x months), whatever the farmers."""
    check_period(period)
    months = trend_months(period)
    rows_by_month = {
        month: [
            _row(code, kecamatan_name(code), _population_at(deltas.get(code, {}), month),
                 counters[month].kecamatan.get(code, {}), month)
            for code in kecamatan_codes()
        ]
        for month in months
    }  # fmt: skip
    rows = _ranked(rows_by_month[period])
    best = next((r for r in rows if r.rank == 1), None)
    return Report(
        period=period,
        generated_at=iso_utc(now),
        rows=rows,
        totals=regency_totals(rows),
        agents=_agent_rows(counters[period], incentive_rate),
        best_bpp=BestBpp(
            kecamatan_code=best.kecamatan_code, kecamatan_name=best.kecamatan_name, score=best.score
        )
        if best
        else None,
        ranking_formula=RANKING_FORMULA,
        incentive_rate=incentive_rate,
        trend=[_trend_point(month, rows_by_month[month]) for month in months],
    )
