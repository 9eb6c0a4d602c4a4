"""Table-driven: which months a payment covers, what it costs, and when it is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sutasoma.domain.coverage import CoverageState, PlanRefusal, coverage_on, plan_payment
from sutasoma.domain.errors import FarmerLapsed, TooFarAhead
from sutasoma.domain.payment import quote_for, receipt_number

NOV_29 = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("paid_through", "months", "on", "periods"),
    [
        # Never paid: starts with the month of the payment.
        (None, 1, NOV_29, ["2026-11"]),
        (None, 3, NOV_29, ["2026-11", "2026-12", "2027-01"]),
        (None, 1, date(2026, 12, 1), ["2026-12"]),
        (None, 1, date(2027, 1, 1), ["2027-01"]),  # across the year
        # Active: the months that follow.
        ("2026-11", 1, NOV_29, ["2026-12"]),
        ("2026-12", 2, NOV_29, ["2027-01", "2027-02"]),
        # Arrears of 1, 2 and 3 months: oldest first, then onward.
        ("2026-10", 1, NOV_29, ["2026-11"]),
        ("2026-09", 2, NOV_29, ["2026-10", "2026-11"]),
        ("2026-08", 1, NOV_29, ["2026-09"]),
        ("2026-08", 4, NOV_29, ["2026-09", "2026-10", "2026-11", "2026-12"]),
        # Advance payments up to a year of cover.
        ("2026-11", 11, NOV_29, [f"{2026 + (11 + i) // 12}-{(11 + i) % 12 + 1:02d}" for i in range(11)]),
        (None, 12, NOV_29, [f"{2026 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(12)]),
    ],
)
def test_periods(paid_through: str | None, months: int, on: date, periods: list[str]) -> None:
    plan = plan_payment(paid_through, months, on)
    assert plan.refusal is None
    assert list(plan.periods) == periods


@pytest.mark.parametrize(
    ("paid_through", "months", "refusal"),
    [
        ("2026-07", 1, PlanRefusal.LAPSED),  # 4 unpaid months: Aug, Sep, Oct, Nov
        ("2025-12", 12, PlanRefusal.LAPSED),
        (None, 12, None),  # Nov 2026 .. Oct 2027: exactly current + 11
        ("2026-11", 12, PlanRefusal.TOO_FAR_AHEAD),  # would reach Nov 2027
        ("2027-10", 1, PlanRefusal.TOO_FAR_AHEAD),
        ("2027-09", 1, None),
    ],
)
def test_refusals(paid_through: str | None, months: int, refusal: PlanRefusal | None) -> None:
    assert plan_payment(paid_through, months, NOV_29).refusal is refusal


@pytest.mark.parametrize(
    ("paid_through", "on", "state"),
    [
        ("2026-11", date(2026, 11, 30), CoverageState.ACTIVE),
        ("2026-11", date(2026, 12, 1), CoverageState.ARREARS),  # the month boundary
        ("2026-08", date(2026, 11, 30), CoverageState.ARREARS),
        ("2026-08", date(2026, 12, 1), CoverageState.LAPSED),
    ],
)
def test_state_flips_at_month_boundaries(paid_through: str, on: date, state: CoverageState) -> None:
    assert coverage_on(paid_through, on).state is state


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("paid_through", "months", "paid_at", "amounts"),
    [
        (None, 3, at("2026-11-29T10:00:00+08:00"), [8_400, 8_400, 16_800]),  # DOMAIN's example
        (None, 1, at("2026-03-31T12:00:00+08:00"), [16_800]),  # before PP 50/2025
        (None, 1, at("2026-04-01T00:00:00+08:00"), [8_400]),  # PP 50/2025 starts
        ("2026-11", 2, at("2026-11-29T10:00:00+08:00"), [8_400, 16_800]),  # Dec 2026 is the last relief month
        (None, 6, at("2027-01-10T10:00:00+08:00"), [16_800] * 6),  # Rp 100,800: the Soppeng offer
        ("2026-02", 3, at("2026-05-02T10:00:00+08:00"), [16_800, 8_400, 8_400]),  # arrears across the start
    ],
)
def test_quote_amounts(paid_through: str | None, months: int, paid_at: datetime, amounts: list[int]) -> None:
    quote = quote_for(paid_through, months, 1_000_000, paid_at)
    assert [line.amount for line in quote.lines] == amounts
    assert quote.amount == sum(amounts)
    assert all(line.jkk + line.jkm == line.amount for line in quote.lines)


def test_income_above_minimum() -> None:
    quote = quote_for(None, 2, 3_000_000, at("2026-12-15T10:00:00+08:00"))
    assert [(line.jkk, line.jkm) for line in quote.lines] == [(15_000, 3_400), (30_000, 6_800)]


def test_last_day_of_month_is_decided_in_wita_not_utc() -> None:
    # 30 Nov 23:30 WITA is 15:30 UTC the same day: November.
    late_evening = quote_for(None, 1, 1_000_000, at("2026-11-30T15:30:00+00:00"))
    # 1 Dec 00:30 WITA is still 30 Nov in UTC (16:30): December already.
    after_midnight = quote_for(None, 1, 1_000_000, datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    assert list(late_evening.periods) == ["2026-11"]
    assert list(after_midnight.periods) == ["2026-12"]
    # And at the end of the relief: 31 Dec 2026 16:30 UTC is January 2027 in WITA, full tariff.
    new_year = quote_for(None, 1, 1_000_000, datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert (list(new_year.periods), new_year.amount) == (["2027-01"], 16_800)


def test_refusals_as_errors() -> None:
    with pytest.raises(FarmerLapsed):
        quote_for("2026-07", 1, 1_000_000, at("2026-11-29T10:00:00+08:00"))
    with pytest.raises(TooFarAhead) as too_far:
        quote_for("2027-10", 1, 1_000_000, at("2026-11-29T10:00:00+08:00"))
    assert too_far.value.extra == {"latest_period": "2027-10"}


def test_receipt_numbers_name_the_bpp_and_year() -> None:
    assert receipt_number("73.12.04", 2026, 123) == "BPP04-2026-000123"
