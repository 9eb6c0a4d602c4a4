"""Coverage state of a farmer on a business date (DOMAIN.md "Coverage").

A month is due by its 15th (WITA) and overdue from the 16th. On a date:
NOT_STARTED  never paid;
ACTIVE       the current month is paid;
DUE          the current month is unpaid but not yet overdue, and nothing earlier is overdue;
ARREARS      1-3 months overdue;
LAPSED       more than 3 months overdue (the farmer must be registered again);
ENDED        the membership is over (the farmer died, or BPJS rejected the registration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sutasoma.domain.clock import period_of
from sutasoma.domain.periods import add_months, months_between

# A month's contribution is due by this day of the month; from the next day it is overdue.
DUE_DAY = 15
# More than this many overdue months ends the membership (LAPSED).
MAX_ARREARS_MONTHS = 3


class CoverageState(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ACTIVE = "ACTIVE"
    DUE = "DUE"
    ARREARS = "ARREARS"
    LAPSED = "LAPSED"
    ENDED = "ENDED"


@dataclass(frozen=True)
class Coverage:
    """A member's coverage on a given day, from the months paid."""

    state: CoverageState
    paid_through: str | None
    months_unpaid: int  # unpaid months up to and including the current one
    months_overdue: int  # of those, the ones past their 15th


def overdue_months(paid_through: str, on: date) -> int:
    """Unpaid months after `paid_through` whose 15th has passed on `on`."""
    current = period_of(on)
    unpaid = months_between(paid_through, current)
    if unpaid <= 0:
        return 0
    return unpaid - 1 + (1 if on.day > DUE_DAY else 0)


def coverage_on(paid_through: str | None, on: date, *, ended: bool = False) -> Coverage:
    if ended:
        return Coverage(CoverageState.ENDED, paid_through, 0, 0)
    if paid_through is None:
        return Coverage(CoverageState.NOT_STARTED, None, 0, 0)
    unpaid = max(0, months_between(paid_through, period_of(on)))
    overdue = overdue_months(paid_through, on)
    if unpaid == 0:
        state = CoverageState.ACTIVE
    elif overdue == 0:
        state = CoverageState.DUE
    elif overdue <= MAX_ARREARS_MONTHS:
        state = CoverageState.ARREARS
    else:
        state = CoverageState.LAPSED
    return Coverage(state, paid_through, unpaid, overdue)


def lapses_on(paid_through: str) -> date:
    """The first day on which a member paid through `paid_through` is LAPSED: the 16th of the
    month whose 15th makes the fourth overdue month."""
    year, month = (int(part) for part in add_months(paid_through, MAX_ARREARS_MONTHS + 1).split("-"))
    return date(year, month, DUE_DAY + 1)


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


def first_unpaid(paid_through: str | None, on: date) -> str:
    """The month a payment starts with: the one after paid-through, or for a farmer who never
    paid, the month of the payment."""
    return period_of(on) if paid_through is None else add_months(paid_through, 1)


def plan_payment(paid_through: str | None, months: int, on: date, today: date | None = None) -> PaymentPlan:
    """Arrears first (oldest month first), then the months that follow, for a payment made `on`.

    A farmer who never paid starts with the month of the payment; a lapsed one must be
    reactivated first; paid-through may not pass the current month (of `today`, by default
    `on`) + 11.
    """
    if not 1 <= months <= MAX_MONTHS_PER_PAYMENT:
        raise ValueError("months must be 1-12")
    current = period_of(today or on)
    start = first_unpaid(paid_through, on)
    periods = tuple(add_months(start, i) for i in range(months))
    latest = add_months(current, MAX_MONTHS_AHEAD)
    refusal = None
    if coverage_on(paid_through, on).state is CoverageState.LAPSED:
        refusal = PlanRefusal.LAPSED
    elif months_between(periods[-1], latest) < 0:
        refusal = PlanRefusal.TOO_FAR_AHEAD
    return PaymentPlan(periods=periods, refusal=refusal, latest_allowed=latest)
