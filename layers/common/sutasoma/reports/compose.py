"""The report of a month, composed from the counters: rows, their change against last month and
their target, the agents by name, the 12-month trend (no data before the programme's first
month), the best BPP — or, for the current month, a provisional preview without rank."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sutasoma.domain.clock import WITA, iso_utc, period_of
from sutasoma.domain.counters import MonthCounters
from sutasoma.domain.coverage import DUE_DAY
from sutasoma.domain.periods import add_months
from sutasoma.domain.places import kecamatan_codes, kecamatan_name
from sutasoma.reports.figures import RANKING_FORMULA, kecamatan_row, population_at, ranked, regency_totals
from sutasoma.reports.models import AgentRow, BestBpp, KecamatanRow, Report, TrendPoint, VsLastMonth

TREND_MONTHS = 12


@dataclass(frozen=True)
class ReportInputs:
    """What a report is computed from: counters, deltas and names."""

    period: str
    now: datetime
    deltas: dict[str, dict[str, dict[str, int]]]  # kecamatan -> month of the change -> amounts
    counters: dict[str, MonthCounters]  # month -> that month's counters (the trend's months)
    incentive_rate: float = 0.0
    names: Mapping[str, str] = field(default_factory=dict)  # agent username -> full name
    targets: Mapping[str, float] = field(default_factory=dict)  # kecamatan -> collection target

    @property
    def provisional(self) -> bool:
        return self.period == period_of(self.now.astimezone(WITA).date())

    @property
    def grace(self) -> int:
        """Before the 16th of the current month its own contribution is due, not yet overdue."""
        return 1 if self.provisional and self.now.astimezone(WITA).day <= DUE_DAY else 0


def trend_months(period: str) -> list[str]:
    """The months the report's trend covers, oldest first, ending with `period`."""
    return [add_months(period, -i) for i in range(TREND_MONTHS - 1, -1, -1)]


def first_month(inputs: ReportInputs) -> str | None:
    """The programme's first month with any figure: the trend shows no data before it."""
    months = [
        m for changes in inputs.deltas.values() for m, amounts in changes.items() if any(amounts.values())
    ]
    months += [m for m, c in inputs.counters.items() if any(any(v.values()) for v in c.kecamatan.values())]
    return min(months, default=None)


def _rows(inputs: ReportInputs, month: str) -> list[KecamatanRow]:
    grace = inputs.grace if month == inputs.period else 0
    return [
        kecamatan_row(code, kecamatan_name(code), population_at(inputs.deltas.get(code, {}), month, grace),
                      inputs.counters[month].kecamatan.get(code, {}), month)
        for code in kecamatan_codes()
    ]  # fmt: skip


def _compared(
    rows: list[KecamatanRow], before: list[KecamatanRow] | None, targets: Mapping[str, float]
) -> list[KecamatanRow]:
    previous = {r.kecamatan_code: r for r in before or []}
    out = []
    for row in rows:
        last = previous.get(row.kecamatan_code)
        vs = None if last is None else VsLastMonth(
            collection_rate=round(row.collection_rate - last.collection_rate, 4), active=row.active - last.active,
            contributions_collected=row.contributions_collected - last.contributions_collected,
        )  # fmt: skip
        out.append(row.model_copy(update={"vs_last_month": vs, "target": targets.get(row.kecamatan_code)}))
    return out


def _agents(inputs: ReportInputs) -> list[AgentRow]:
    rows = []
    for (kecamatan, username), values in sorted(inputs.counters[inputs.period].agents.items()):
        collected = values.get("collections_amount", 0)
        rows.append(
            AgentRow(
                username=username, full_name=inputs.names.get(username, username), kecamatan_code=kecamatan,
                registrations=values.get("registrations", 0), payments=values.get("payments", 0),
                collections_amount=collected, incentive=int(collected * inputs.incentive_rate),
            )
        )  # fmt: skip
    return rows


def _trend_point(month: str, rows: list[KecamatanRow], has_data: bool) -> TrendPoint:
    totals = regency_totals(rows)
    return TrendPoint(
        period=month,
        collection_rate=totals.collection_rate if has_data else None,
        contributions_collected=totals.contributions_collected,
        by_kecamatan={r.kecamatan_code: r.collection_rate if has_data else None for r in rows},
    )


def compose_report(inputs: ReportInputs) -> Report:
    """The report of `inputs.period`: O(kecamatan x months) counters, whatever the farmers."""
    months = trend_months(inputs.period)
    start = first_month(inputs)
    by_month = {month: _rows(inputs, month) for month in months}
    has_data = {month: start is not None and month >= start for month in months}
    before = by_month[months[-2]] if has_data[months[-2]] else None
    rows = _compared(by_month[inputs.period], before, inputs.targets)
    if not inputs.provisional:
        rows = ranked(rows)
    best = next((r for r in rows if r.rank == 1), None)
    return Report(
        period=inputs.period, generated_at=iso_utc(inputs.now), version=0 if inputs.provisional else 1,
        provisional=inputs.provisional, rows=rows, totals=regency_totals(rows), agents=_agents(inputs),
        best_bpp=BestBpp(kecamatan_code=best.kecamatan_code, kecamatan_name=best.kecamatan_name, score=best.score)
        if best else None,
        ranking_formula=RANKING_FORMULA, incentive_rate=inputs.incentive_rate,
        trend=[_trend_point(month, by_month[month], has_data[month]) for month in months],
    )  # fmt: skip
