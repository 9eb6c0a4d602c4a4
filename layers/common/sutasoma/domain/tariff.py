"""The BPU contribution tariff, as an effective-dated schedule keyed by contribution month.

Contribution for a month = JKK + JKM (JHT is not offered by SUTASOMA).
The base rule and each relief are data with their legal source: when the next regulation
comes, add a row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sutasoma.domain.periods import month_index

MIN_REPORTED_INCOME = 1_000_000


@dataclass(frozen=True)
class BaseTariff:
    """A BPU tariff in force from a month on."""

    valid_from: str  # first contribution month, inclusive
    jkk_rate_per_mille: int  # JKK as a share of reported income, in 1/1000
    jkm_flat: int
    min_income: int
    source: str


@dataclass(frozen=True)
class Relief:
    """A period when only part of the contribution is payable (PP 50/2025)."""

    valid_from: str  # inclusive
    valid_to: str  # inclusive
    percent_payable: int  # share of JKK + JKM still paid
    source: str


BASE_TARIFFS: tuple[BaseTariff, ...] = (
    BaseTariff(
        valid_from="2015-07",
        jkk_rate_per_mille=10,
        jkm_flat=6_800,
        min_income=MIN_REPORTED_INCOME,
        source="PP 44/2015 jo. PP 82/2019; Permenaker 5/2021 (BPU)",
    ),
)

# Reliefs for BPU participants not paid from APBN/APBD, non-transport workers (farmers).
RELIEFS: tuple[Relief, ...] = (
    Relief(
        valid_from="2026-04",
        valid_to="2026-12",
        percent_payable=50,
        source="PP 50/2025 (diskon 50% iuran JKK dan JKM BPU non-transportasi, Apr-Des 2026)",
    ),
)


@dataclass(frozen=True)
class ContributionLine:
    """One month's contribution, split into JKK and JKM."""

    period: str
    jkk: int
    jkm: int
    sources: tuple[str, ...]

    @property
    def amount(self) -> int:
        return self.jkk + self.jkm


def _round_rupiah(numerator: int, denominator: int) -> int:
    """Half-up rounding to whole Rupiah, in integers (no float money)."""
    return (2 * numerator + denominator) // (2 * denominator)


def base_tariff_for(period: str) -> BaseTariff:
    applicable = [t for t in BASE_TARIFFS if month_index(t.valid_from) <= month_index(period)]
    if not applicable:
        raise ValueError(f"no tariff in force for {period}")
    return max(applicable, key=lambda t: month_index(t.valid_from))


def relief_for(period: str) -> Relief | None:
    index = month_index(period)
    for relief in RELIEFS:
        if month_index(relief.valid_from) <= index <= month_index(relief.valid_to):
            return relief
    return None


def contribution_for(period: str, reported_income: int) -> ContributionLine:
    tariff = base_tariff_for(period)
    income = max(reported_income, tariff.min_income)
    jkk = _round_rupiah(income * tariff.jkk_rate_per_mille, 1000)
    jkm = tariff.jkm_flat
    sources = [tariff.source]
    relief = relief_for(period)
    if relief is not None:
        jkk = _round_rupiah(jkk * relief.percent_payable, 100)
        jkm = _round_rupiah(jkm * relief.percent_payable, 100)
        sources.append(relief.source)
    return ContributionLine(period=period, jkk=jkk, jkm=jkm, sources=tuple(sources))
