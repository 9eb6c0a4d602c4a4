"""Contribution months (`YYYY-MM`) and arithmetic on them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(value: str) -> tuple[int, int]:
    match = _PERIOD.match(value)
    if match is None:
        raise ValueError(f"not a period YYYY-MM: {value!r}")
    return int(match.group(1)), int(match.group(2))


def month_index(period: str) -> int:
    year, month = parse_period(period)
    return year * 12 + (month - 1)


def from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(period: str, months: int) -> str:
    return from_index(month_index(period) + months)


def months_between(start: str, end: str) -> int:
    """`end - start` in months (negative when end comes first)."""
    return month_index(end) - month_index(start)


# ------------------------------------------------------------------ months and dates in words
# How a penyuluh reads them in a message: "November 2026", "10 Januari 2027" (the codes and the
# fields keep YYYY-MM and YYYY-MM-DD).
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def month_words(period: str) -> str:
    """`2026-11` -> `November 2026`."""
    year, month = parse_period(period)
    return f"{MONTHS_ID[month - 1]} {year}"


def months_words(periods: Sequence[str]) -> str:
    """One month, or the first and last of a run: `November 2026 s.d. Januari 2027`."""
    first, last = month_words(periods[0]), month_words(periods[-1])
    return first if len(periods) == 1 else f"{first} s.d. {last}"


def date_words(day: date) -> str:
    """`2027-01-10` -> `10 Januari 2027`."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"
