from datetime import date

import pytest

from sutasoma.domain.coverage import CoverageState, coverage_on
from sutasoma.domain.farmer import age_on
from sutasoma.domain.tariff import contribution_for


@pytest.mark.parametrize(
    ("period", "amount"),
    [
        ("2025-12", 16_800),
        ("2026-03", 16_800),  # the month before PP 50/2025 relief starts
        ("2026-04", 8_400),  # first relief month
        ("2026-11", 8_400),
        ("2026-12", 8_400),  # last relief month
        ("2027-01", 16_800),
    ],
)
def test_tariff_at_minimum_income(period: str, amount: int) -> None:
    assert contribution_for(period, 1_000_000).amount == amount


def test_quote_nov_2026_to_jan_2027() -> None:
    assert [contribution_for(p, 1_000_000).amount for p in ("2026-11", "2026-12", "2027-01")] == [
        8_400,
        8_400,
        16_800,
    ]


def test_components_and_sources() -> None:
    line = contribution_for("2026-05", 1_000_000)
    assert (line.jkk, line.jkm) == (5_000, 3_400)
    assert any("PP 50/2025" in s for s in line.sources)


def test_income_above_minimum() -> None:
    assert contribution_for("2027-02", 2_500_000).amount == 25_000 + 6_800
    assert contribution_for("2026-06", 2_500_000).amount == 12_500 + 3_400
    assert contribution_for("2027-02", 1_234_567).jkk == 12_346  # half-up to whole Rupiah


def test_income_below_minimum_pays_minimum() -> None:
    assert contribution_for("2027-02", 500_000).amount == 16_800


@pytest.mark.parametrize(
    ("paid_through", "on", "state", "unpaid"),
    [
        (None, date(2026, 11, 29), CoverageState.NOT_STARTED, 0),
        ("2026-11", date(2026, 11, 30), CoverageState.ACTIVE, 0),
        ("2027-03", date(2026, 11, 1), CoverageState.ACTIVE, 0),
        ("2026-10", date(2026, 11, 1), CoverageState.ARREARS, 1),
        ("2026-08", date(2026, 11, 29), CoverageState.ARREARS, 3),
        ("2026-07", date(2026, 11, 1), CoverageState.LAPSED, 4),
        ("2025-12", date(2026, 1, 1), CoverageState.ARREARS, 1),
    ],
)
def test_coverage_state(paid_through: str | None, on: date, state: CoverageState, unpaid: int) -> None:
    coverage = coverage_on(paid_through, on)
    assert (coverage.state, coverage.months_unpaid) == (state, unpaid)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2009, 11, 29), date(2026, 11, 29), 17),
        (date(2009, 11, 30), date(2026, 11, 29), 16),
        (date(1961, 11, 29), date(2026, 11, 29), 65),
        (date(1960, 11, 29), date(2026, 11, 29), 66),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age
