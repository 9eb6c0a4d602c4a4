"""Which month a report (or a recount) can be about, and which month the 5th-of-month run reports on.

Apart from the figures (reports/figures.py): the reconcile job checks its period with these and
never computes a report's rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sutasoma.domain.clock import WITA, period_of
from sutasoma.domain.errors import FieldError, PeriodNotEnded, ValidationFailed
from sutasoma.domain.periods import add_months, month_index, parse_period
from sutasoma.domain.tariff import BASE_TARIFFS

# Months a report can be about: SUTASOMA's era, and room for date arithmetic on either side.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
FIRST_TARIFF_PERIOD = min((t.valid_from for t in BASE_TARIFFS), key=month_index)


def check_period(period: str, today: date | None = None) -> str:
    """A month that can be reported on: well-formed, after the first tariff, not in the future
    (the current month is a provisional preview)."""
    try:
        year, _ = parse_period(period)
    except ValueError:
        raise ValidationFailed(
            "Periode harus berformat YYYY-MM.", [FieldError("period", "Contoh: 2026-11.")]
        ) from None
    if today is not None and month_index(period) > month_index(period_of(today)):
        raise PeriodNotEnded(
            f"Bulan {period} belum berjalan: laporan hanya untuk bulan yang sudah berakhir "
            f"(bulan berjalan {period_of(today)} sebagai laporan sementara).",
            [FieldError("period", f"Paling akhir {period_of(today)}.")],
        )
    if year > LATEST_YEAR:  # a month after the current one, with no date to compare it with
        raise PeriodNotEnded(
            f"Bulan {period} belum berjalan.", [FieldError("period", "Bulan yang akan datang.")]
        )
    if year < EARLIEST_YEAR or month_index(period) < month_index(FIRST_TARIFF_PERIOD):
        # No contribution was due before the first tariff: there is nothing to report on.
        raise ValidationFailed(
            f"Belum ada iuran sebelum {FIRST_TARIFF_PERIOD}: periode ini tidak dapat dilaporkan.",
            [FieldError("period", f"Paling awal {FIRST_TARIFF_PERIOD}.")],
        )
    return period


def period_for_schedule(scheduled_time: str) -> str:
    """The month a scheduled run reports on: the month before its scheduled time in WITA (so a
    late or repeated run produces the same report)."""
    at = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00")).astimezone(WITA)
    return add_months(period_of(at.date()), -1)
