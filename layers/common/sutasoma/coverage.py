"""Coverage state of a farmer on a business date (DOMAIN.md "Coverage")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sutasoma.clock import period_of
from sutasoma.periods import months_between

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
