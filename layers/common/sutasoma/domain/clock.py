"""Business time: dates and months are those of Asia/Makassar (WITA, UTC+8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_time


def now_utc() -> datetime:
    """The business clock: the system's, unless a tool moved it (`use_clock`)."""
    return _source()


@contextmanager
def use_clock(source: Callable[[], datetime]) -> Iterator[None]:
    """Run the whole process on another clock (the local history seed replays past months).

    Every reader goes through `now_utc`, so modules that imported it by name follow too.
    """
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def today_wita(at: datetime | None = None) -> date:
    return (at or now_utc()).astimezone(WITA).date()


def period_of(day: date) -> str:
    """Contribution month `YYYY-MM` of a business date."""
    return f"{day.year:04d}-{day.month:02d}"


def iso_utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def day_wita_of(stamp: str) -> date:
    """The business date (WITA) of a stored `iso_utc` stamp."""
    return datetime.fromisoformat(stamp).astimezone(WITA).date()
