"""Business time: dates and months are those of Asia/Makassar (WITA, UTC+8)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_wita(at: datetime | None = None) -> date:
    return (at or now_utc()).astimezone(WITA).date()


def period_of(day: date) -> str:
    """Contribution month `YYYY-MM` of a business date."""
    return f"{day.year:04d}-{day.month:02d}"


def iso_utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
