"""Numbers, months, times and titles as the report's readers write them, in Bahasa Indonesia:
`Rp 1.234.567`, `81,25 %`, `November 2026`, `5 Desember 2026 pukul 08.00 WITA`. Every file
format takes its texts from here, so the CSV, XLSX and HTML of one report say the same."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sutasoma.domain.clock import WITA
from sutasoma.domain.money import format_int as format_int
from sutasoma.domain.money import format_rupiah as format_rupiah
from sutasoma.domain.periods import MONTHS_ID, add_months, month_words, parse_period

if TYPE_CHECKING:  # annotations only
    from sutasoma.reports.models import Report

REGENCY_NAME = "Kabupaten Soppeng"
MONTHS_ID_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


# --------------------------------------------------------------------------- months and times


month_name = month_words  # `2026-11` -> `November 2026`


def month_short(period: str) -> str:
    """`2026-11` -> `Nov 26`: the line chart's axis labels."""
    year, month = parse_period(period)
    return f"{MONTHS_ID_SHORT[month - 1]} {year % 100:02d}"


def parse_generated(report: Report) -> datetime | None:
    """`generated_at` as an aware datetime (UTC when it carries no offset), None if not ISO."""
    try:
        at = datetime.fromisoformat(report.generated_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def generated_label(report: Report) -> str:
    """`5 Desember 2026 pukul 08.00 WITA`; the raw text if it is not an ISO timestamp."""
    at = parse_generated(report)
    if at is None:
        return report.generated_at
    local = at.astimezone(WITA)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year} pukul {local:%H.%M} WITA"


# --------------------------------------------------------------------------- numbers


def finite(value: float) -> float:
    """NaN and infinities as 0: a broken rate never breaks a file."""
    return value if math.isfinite(value) else 0.0


def clamp01(value: float) -> float:
    return min(1.0, max(0.0, finite(value)))


def format_percent(rate: float, decimals: int = 2) -> str:
    """A fraction as an Indonesian percentage: 0.8125 -> `81,25 %`."""
    if not math.isfinite(rate):
        return "–"
    return f"{rate * 100:.{decimals}f}".replace(".", ",") + " %"


def format_decimal(value: float, decimals: int = 3) -> str:
    """`1.234,568`: `.` groups thousands, `,` is the decimal point; `–` if not finite."""
    if not math.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_rate_plain(rate: float) -> str:
    """The incentive rate without trailing zeros: 0.02 -> `2 %`, 0.025 -> `2,5 %`."""
    text = f"{finite(rate) * 100:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def format_points(delta: float) -> str:
    """A change of a rate in percentage points: 0.021 -> `+2,1 poin`, -0.005 -> `−0,5 poin`."""
    points = round(finite(delta) * 100, 1)
    if points == 0:
        return "±0,0 poin"
    return ("+" if points > 0 else "−") + f"{abs(points):.1f}".replace(".", ",") + " poin"


def arrow(delta: float) -> str:
    """▲ up, ▼ down, = unchanged (to the tenth of a point for rates, to the unit for counts)."""
    points = round(finite(delta) * 100, 1) if isinstance(delta, float) else delta
    return "▲" if points > 0 else "▼" if points < 0 else "="


def format_signed(value: int, *, rupiah: bool = False) -> str:
    """A count or an amount with its sign: `+3`, `−2`, `±0`, `+Rp 12.300`."""
    if value == 0:
        return "±Rp 0" if rupiah else "±0"
    body = format_rupiah(abs(value)) if rupiah else format_int(abs(value))
    return ("+" if value > 0 else "−") + body


# --------------------------------------------------------------------------- titles

PROVISIONAL = "SEMENTARA"  # how every file marks a provisional report
NO_DATA = "tidak ada data"
NO_TARGET = "belum ditetapkan"


def report_title(report: Report) -> str:
    title = f"Evaluasi Bulanan SUTASOMA — {month_name(report.period)}"
    return f"{title} ({PROVISIONAL})" if report.provisional else title


def version_label(report: Report) -> str:
    """`Versi 1 — rapat evaluasi`, `Versi 2 (menggantikan versi 1)`, or the provisional mark."""
    if report.provisional:
        return f"Versi {report.version} — {PROVISIONAL}: pratinjau bulan berjalan, belum dievaluasi"
    if report.supersedes is None:
        return f"Versi {report.version} — rapat evaluasi"
    return f"Versi {report.version} (menggantikan versi {report.supersedes})"


def author_label(report: Report) -> str:
    """Who made it: the 5th-of-month schedule, or the admin's username."""
    return "jadwal otomatis tanggal 5" if report.generated_by == "jadwal" else report.generated_by


def made_label(report: Report) -> str:
    return f"dibuat {generated_label(report)} oleh {author_label(report)}"


def provisional_note(report: Report) -> str:
    """What a provisional report is, in one sentence for the banner, the sheet and the page."""
    evaluation = f"5 {month_name(add_months(report.period, 1))}"
    return (
        f"Laporan {PROVISIONAL}: {month_name(report.period)} belum berakhir, angka masih dapat berubah. "
        f"Tanpa peringkat dan tanpa BPP terbaik; evaluasi resmi dibuat tanggal {evaluation}."
    )


def target_text(target: float | None) -> str:
    return NO_TARGET if target is None else format_percent(target)


def gap_text(gap: float | None) -> str | None:
    """A coordinator's copy: how far the BPP is behind the best one (None elsewhere)."""
    if gap is None:
        return None
    if round(finite(gap) * 100, 1) <= 0:
        return "sama dengan BPP terbaik"
    return f"tertinggal {format_points(gap)[1:]} dari BPP terbaik"


def scope_label(report: Report) -> str:
    """Whose figures: the regency, or one BPP for a report filtered to it."""
    if len(report.rows) == 1:
        return f"BPP {report.rows[0].kecamatan_name}"
    return REGENCY_NAME


def best_text(report: Report) -> str:
    """The best BPP announced in one line, or why there is none this month."""
    best = report.best_bpp
    if report.provisional:
        return f"Laporan {PROVISIONAL}: belum ada peringkat dan BPP terbaik."
    if best is None:
        return "Belum ada BPP terbaik bulan ini: tidak ada BPP yang memiliki peserta."
    return (
        f"BPP terbaik {month_name(report.period)}: BPP {best.kecamatan_name} "
        f"(kolektibilitas {format_percent(best.score)})"
    )
