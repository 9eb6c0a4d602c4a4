"""Coverage state of a farmer on a business date (DOMAIN.md "Coverage")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sutasoma.domain.clock import period_of
from sutasoma.domain.periods import add_months, months_between

# More than this many consecutive unpaid months ends the membership (LAPSED).
MAX_ARREARS_MONTHS = 3


class CoverageState(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ACTIVE = "ACTIVE"
    ARREARS = "ARREARS"
    LAPSED = "LAPSED"


@dataclass(frozen=True)
class Coverage:
    state: CoverageState
    paid_through: str | None
    months_unpaid: int


def coverage_on(paid_through: str | None, on: date) -> Coverage:
    if paid_through is None:
        return Coverage(CoverageState.NOT_STARTED, None, 0)
    unpaid = max(0, months_between(paid_through, period_of(on)))
    if unpaid == 0:
        state = CoverageState.ACTIVE
    elif unpaid <= MAX_ARREARS_MONTHS:
        state = CoverageState.ARREARS
    else:
        state = CoverageState.LAPSED
    return Coverage(state, paid_through, unpaid)


# Paying ahead: the paid-through month may reach at most the current month + 11 (a year).
MAX_MONTHS_AHEAD = 11
MAX_MONTHS_PER_PAYMENT = 12


class PlanRefusal(StrEnum):
    LAPSED = "LAPSED"
    TOO_FAR_AHEAD = "TOO_FAR_AHEAD"


@dataclass(frozen=True)
class PaymentPlan:
    """The months a payment of `months` months covers, decided on a business date."""

    periods: tuple[str, ...]
    refusal: PlanRefusal | None
    latest_allowed: str

    @property
    def first(self) -> str:
        return self.periods[0]

    @property
    def last(self) -> str:
        return self.periods[-1]


def plan_payment(paid_through: str | None, months: int, on: date) -> PaymentPlan:
    """Arrears first (oldest month first), then the months that follow.

    A farmer who never paid starts with the month of the payment; a lapsed one must be
    reactivated first; paid-through may not pass the current month + 11.
    """
    if not 1 <= months <= MAX_MONTHS_PER_PAYMENT:
        raise ValueError("months must be 1-12")
    current = period_of(on)
    coverage = coverage_on(paid_through, on)
    start = current if paid_through is None else add_months(paid_through, 1)
    periods = tuple(add_months(start, i) for i in range(months))
    latest = add_months(current, MAX_MONTHS_AHEAD)
    refusal = None
    if coverage.state is CoverageState.LAPSED:
        refusal = PlanRefusal.LAPSED
    elif months_between(periods[-1], latest) < 0:
        refusal = PlanRefusal.TOO_FAR_AHEAD
    return PaymentPlan(periods=periods, refusal=refusal, latest_allowed=latest)
