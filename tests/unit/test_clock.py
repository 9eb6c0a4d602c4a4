"""sutasoma.domain.clock: business dates in WITA, and the one hook that moves the business clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sutasoma.app import payments
from sutasoma.domain import clock


def test_the_business_date_is_that_of_makassar() -> None:
    # 16:30 UTC on the last day of November is already 1 December 00:30 WITA.
    assert clock.today_wita(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert clock.today_wita(datetime(2026, 11, 30, 15, 30, tzinfo=UTC)) == date(2026, 11, 30)
    assert clock.iso_utc(datetime(2026, 12, 1, 0, 30, tzinfo=clock.WITA)) == "2026-11-30T16:30:00Z"


def test_use_clock_moves_every_reader_and_gives_the_time_back() -> None:
    moment = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    with clock.use_clock(lambda: moment):
        assert clock.now_utc() == moment
        assert payments.now_utc() == moment  # imported by name, still follows the hook
        assert clock.today_wita() == date(2026, 6, 1)
        assert clock.period_of(clock.today_wita()) == "2026-06"
    assert abs((clock.now_utc() - datetime.now(UTC)).total_seconds()) < 60
