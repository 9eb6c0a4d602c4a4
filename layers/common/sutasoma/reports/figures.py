"""The 5th-of-month evaluation's figures per BPP, from the counters the write transactions keep
(population deltas and monthly counters): the rows, the JUMLAH row, the ranking, and which
months can be reported. No scan, no query over farmers or payments."""

from __future__ import annotations

from collections import Counter

from sutasoma.domain.places import REGENCY_CODE, REGENCY_NAME
from sutasoma.domain.population import Population
from sutasoma.reports.models import ByType, KecamatanRow

RANKING_FORMULA = (
    "Peringkat menurut tingkat kolektibilitas (peserta aktif / (aktif + menunggak + terdaftar lebih dari "
    "2 bulan tanpa pernah membayar)) tertinggi; bila sama, iuran terkumpul terbanyak, lalu pendaftaran "
    "baru terbanyak. BPP tanpa peserta tidak diberi peringkat; laporan sementara tidak diberi peringkat."
)


def rate(active: int, unpaid: int) -> float:
    return round(active / (active + unpaid), 4) if active + unpaid else 0.0


def population_at(deltas: dict[str, dict[str, int]], month: str, grace: int = 0) -> Population:
    """A kecamatan's population at the end of `month`: its deltas of that month and before."""
    sums: Counter[str] = Counter()
    for changed, delta in deltas.items():
        if changed <= month:
            sums.update(delta)
    return Population.from_sums(sums, grace)


def kecamatan_row(
    code: str, name: str, population: Population, counters: dict[str, int], period: str
) -> KecamatanRow:
    active, arrears, not_paying = (
        population.active(period),
        population.arrears(period),
        population.not_paying(period),
    )
    score = rate(active, arrears + not_paying)
    return KecamatanRow(
        kecamatan_code=code, kecamatan_name=name, registered=population.registered,
        new_registrations=counters.get("new_registrations", 0), active=active, due=population.due(period),
        arrears=arrears, lapsed=population.lapsed(period), not_started=population.not_started(),
        not_paying=not_paying, ended=population.ended,
        contributions_due=counters.get("paid_for_month", 0) + population.arrears_due(period),
        contributions_collected=counters.get("contributions_collected", 0), payments=counters.get("payments", 0),
        collection_rate=score, claims_submitted=_by_type(counters, "claims_submitted"),
        claims_amount=_by_type(counters, "claims_amount"), claims_paid=_by_type(counters, "claims_paid"),
        claims_in_progress=population.open_claims, refunds_open=population.open_refunds,
        refunds_open_amount=population.open_refunds_amount, refunds_settled=counters.get("refunds_settled", 0),
        refunds_settled_amount=counters.get("refunds_settled_amount", 0), score=score, rank=None,
    )  # fmt: skip


def _by_type(counters: dict[str, int], name: str) -> ByType:
    return ByType(JKK=counters.get(f"{name}_JKK", 0), JKM=counters.get(f"{name}_JKM", 0))


def ranked(rows: list[KecamatanRow]) -> list[KecamatanRow]:
    """Ranks by the score, then collections, then new registrations; BPPs without members none."""
    members = [r for r in rows if r.active + r.arrears + r.not_paying > 0]
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


SUMMED = (
    "registered", "new_registrations", "active", "due", "arrears", "lapsed", "not_started", "not_paying", "ended",
    "contributions_due", "contributions_collected", "payments", "claims_in_progress", "refunds_open",
    "refunds_open_amount", "refunds_settled", "refunds_settled_amount",
)  # fmt: skip


def regency_totals(rows: list[KecamatanRow]) -> KecamatanRow:
    """The JUMLAH row: the kecamatan rows summed, the rates computed from the sums."""
    sums = {name: sum(int(getattr(r, name)) for r in rows) for name in SUMMED}
    score = rate(sums["active"], sums["arrears"] + sums["not_paying"])

    def by_type(name: str) -> ByType:
        return ByType(
            JKK=sum(getattr(r, name).JKK for r in rows), JKM=sum(getattr(r, name).JKM for r in rows)
        )

    return KecamatanRow(
        kecamatan_code=REGENCY_CODE, kecamatan_name=REGENCY_NAME, **sums, collection_rate=score,
        claims_submitted=by_type("claims_submitted"), claims_amount=by_type("claims_amount"),
        claims_paid=by_type("claims_paid"), score=score, rank=None,
    )  # fmt: skip
