"""Table-driven: which months a payment covers, what it costs, and when it is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sutasoma.domain.clock import WITA
from sutasoma.domain.coverage import CoverageState, PlanRefusal, coverage_on, lapses_on, plan_payment
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


def test_a_year_ahead_counts_from_today_not_from_a_back_dated_receipt() -> None:
    """CONTRACT: paid-through may not pass "the current month + 11: at most a year of cover from
    now" — a receipt of 29 November recorded on 7 December may pay up to November 2027."""
    december_7 = date(2026, 12, 7)
    plan = plan_payment("2027-01", 10, NOV_29, december_7)
    assert (plan.refusal, plan.last, plan.latest_allowed) == (None, "2027-11", "2027-11")
    assert plan_payment("2027-01", 11, NOV_29, december_7).refusal is PlanRefusal.TOO_FAR_AHEAD
    assert plan_payment("2027-01", 10, NOV_29).refusal is PlanRefusal.TOO_FAR_AHEAD  # counted on 29 Nov


@pytest.mark.parametrize(
    ("paid_through", "on", "state"),
    [
        ("2026-11", date(2026, 11, 30), CoverageState.ACTIVE),
        ("2026-11", date(2026, 12, 1), CoverageState.DUE),  # December is due by its 15th
        ("2026-11", date(2026, 12, 6), CoverageState.DUE),  # DOMAIN.md's example: not in arrears
        ("2026-11", date(2026, 12, 15), CoverageState.DUE),
        ("2026-11", date(2026, 12, 16), CoverageState.ARREARS),  # overdue from the 16th
        ("2026-08", date(2026, 12, 6), CoverageState.ARREARS),  # Sep-Nov overdue: 3, not LAPSED
        ("2026-08", date(2026, 12, 15), CoverageState.ARREARS),
        ("2026-08", date(2026, 12, 16), CoverageState.LAPSED),  # December the 4th overdue month
    ],
)
def test_state_flips_on_the_15th(paid_through: str, on: date, state: CoverageState) -> None:
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


@pytest.mark.parametrize(
    ("moment", "state", "overdue"),
    [
        ("2026-12-15T15:59:59Z", CoverageState.DUE, 0),  # 15 Dec 23:59:59 WITA
        ("2026-12-15T16:00:00Z", CoverageState.ARREARS, 1),  # 16 Dec 00:00 WITA
    ],
)
def test_the_15th_ends_at_midnight_wita(moment: str, state: CoverageState, overdue: int) -> None:
    on = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(WITA).date()
    coverage = coverage_on("2026-11", on)
    assert (coverage.state, coverage.months_overdue) == (state, overdue)


@pytest.mark.parametrize(
    ("on", "state", "overdue"),
    [(date(2027, 1, 15), CoverageState.ARREARS, 3), (date(2027, 1, 16), CoverageState.LAPSED, 4)],
)
def test_three_overdue_months_are_arrears_four_a_lapse(on: date, state: CoverageState, overdue: int) -> None:
    coverage = coverage_on("2026-09", on)  # Oct, Nov, Dec overdue; January from the 16th
    assert (coverage.state, coverage.months_overdue) == (state, overdue)
    assert lapses_on("2026-09") == date(2027, 1, 16)


def test_a_month_paid_late_keeps_its_due_a_month_paid_ahead_adds_its_payment() -> None:
    # Paid in December: October and November late (owed at their end, counted so by the
    # population), December on time, January ahead.
    from sutasoma.app.payments import payment_counts
    from sutasoma.domain.identity import Caller, Role
    from sutasoma.domain.payment import PaidLine, PaymentRecord

    months = ("2026-10", "2026-11", "2026-12", "2027-01")
    lines = [PaidLine(period=m, jkk=5_000, jkm=3_400, amount=8_400, income=1_000_000) for m in months]
    payment = PaymentRecord.model_construct(
        kecamatan_code="73.12.04", amount=33_600, periods=months, lines=lines
    )
    agent = Caller(sub="s", username="agen.lalabata", role=Role.AGENT, kecamatan="73.12.04")
    counts = payment_counts(agent, payment, "2026-12")
    received = {c.period: c.amounts["paid_for_month"] for c in counts if "paid_for_month" in c.amounts}
    assert received == {"2026-12": 8_400, "2027-01": 8_400}
    (collected,) = [c for c in counts if "contributions_collected" in c.amounts]
    assert (collected.period, collected.amounts["contributions_collected"]) == ("2026-12", 33_600)
