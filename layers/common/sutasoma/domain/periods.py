"""Contribution months (`YYYY-MM`) and arithmetic on them."""

from __future__ import annotations

import re

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
