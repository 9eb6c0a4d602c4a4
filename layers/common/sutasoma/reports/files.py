"""The monthly evaluation report as files people open (CONTRACT.md "Reports"): CSV for
machines, XLSX for the spreadsheet users, HTML for reading on screen and printing on A4.

Pure functions over `Report` (report_models.py), which is the single source of the numbers:
nothing here computes a figure the report does not already hold, except the sums of the
agent table's columns. See docs/reports.md.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from sutasoma.domain.clock import WITA
from sutasoma.domain.periods import parse_period
from sutasoma.reports.models import AgentRow, KecamatanRow, Report, TrendPoint

REGENCY_NAME = "Kabupaten Soppeng"
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_ID_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")

# CSV columns: KecamatanRow's fields in order, claims split by type, the rate in percent.
CSV_COLUMNS = (
    "period",
    "kecamatan_code",
    "kecamatan_name",
    "registered",
    "new_registrations",
    "active",
    "arrears",
    "lapsed",
    "not_started",
    "contributions_due",
    "contributions_collected",
    "payments",
    "collection_rate_pct",
    "claims_submitted_jkk",
    "claims_submitted_jkm",
    "claims_amount_jkk",
    "claims_amount_jkm",
    "claims_paid_jkk",
    "claims_paid_jkm",
    "score",
    "rank",
)
CSV_TOTAL_CODE = "TOTAL"


# --------------------------------------------------------------------------- shared helpers


def month_name(period: str) -> str:
    """`2026-11` -> `November 2026`."""
    year, month = parse_period(period)
    return f"{MONTHS_ID[month - 1]} {year}"


def _month_short(period: str) -> str:
    year, month = parse_period(period)
    return f"{MONTHS_ID_SHORT[month - 1]} {year % 100:02d}"


def report_title(report: Report) -> str:
    return f"Evaluasi Bulanan SUTASOMA — {month_name(report.period)}"


def _scope(report: Report) -> str:
    """Whose figures: the regency, or one BPP for a report filtered to it."""
    if len(report.rows) == 1:
        return f"BPP {report.rows[0].kecamatan_name}"
    return REGENCY_NAME


def _parse_generated(report: Report) -> datetime | None:
    """`generated_at` as an aware datetime (UTC when it carries no offset), None if not ISO."""
    try:
        at = datetime.fromisoformat(report.generated_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _generated_label(report: Report) -> str:
    """`5 Desember 2026 pukul 08.00 WITA`; the raw text if it is not an ISO timestamp."""
    at = _parse_generated(report)
    if at is None:
        return report.generated_at
    local = at.astimezone(WITA)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year} pukul {local:%H.%M} WITA"


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, _finite(value)))


def format_int(value: int) -> str:
    """Indonesian thousands separator: 1234567 -> `1.234.567`."""
    return f"{value:,}".replace(",", ".")


def format_rupiah(value: int) -> str:
    """`Rp 1.234.567` (`-Rp 5.000` for a negative amount)."""
    return f"-Rp {format_int(-value)}" if value < 0 else f"Rp {format_int(value)}"


def format_percent(rate: float, decimals: int = 2) -> str:
    """A fraction as an Indonesian percentage: 0.8125 -> `81,25 %`."""
    if not math.isfinite(rate):
        return "–"
    return f"{rate * 100:.{decimals}f}".replace(".", ",") + " %"


def format_decimal(value: float, decimals: int = 3) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _format_rate_plain(rate: float) -> str:
    """The incentive rate without trailing zeros: 0.02 -> `2 %`, 0.025 -> `2,5 %`."""
    text = f"{_finite(rate) * 100:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def _ranked(rows: Sequence[KecamatanRow]) -> list[KecamatanRow]:
    """Rank order; rows without a rank last, in code order."""
    return sorted(rows, key=lambda r: (r.rank is None, r.rank if r.rank is not None else 0, r.kecamatan_code))


def _sorted_agents(report: Report) -> list[AgentRow]:
    """Grouped by BPP (code order; agents without a kecamatan last), biggest collections first."""
    return sorted(
        report.agents,
        key=lambda a: (a.kecamatan_code is None, a.kecamatan_code or "", -a.collections_amount, a.username),
    )


def _kecamatan_names(report: Report) -> dict[str, str]:
    names = {row.kecamatan_code: row.kecamatan_name for row in report.rows}
    if report.best_bpp is not None:
        names.setdefault(report.best_bpp.kecamatan_code, report.best_bpp.kecamatan_name)
    return names


def _is_best(report: Report, row: KecamatanRow) -> bool:
    return report.best_bpp is not None and report.best_bpp.kecamatan_code == row.kecamatan_code


def _best_text(report: Report) -> str:
    best = report.best_bpp
    if best is None:
        return "Belum ada BPP terbaik bulan ini: tidak ada BPP yang memiliki peserta."
    return f"BPP terbaik {month_name(report.period)}: BPP {best.kecamatan_name} (skor {format_decimal(best.score)})"


# --------------------------------------------------------------------------- filtering


def filter_for_kecamatan(report: Report, kecamatan_code: str) -> Report:
    """What a coordinator of one BPP sees: that BPP's row (its rank among the 8 kept), its own
    agents, its own trend series, and totals that are that row. `best_bpp` is kept: the winner
    is announced to all. The trend's `contributions_collected` is a regency figure the model has
    no per-kecamatan counterpart for: it is kept only for the report's own month (from the
    row) and 0 for the months before."""
    rows = [row for row in report.rows if row.kecamatan_code == kecamatan_code]
    if not rows:
        raise ValueError(f"kecamatan {kecamatan_code!r} is not in the report")
    row = rows[0]
    trend = [
        TrendPoint(
            period=point.period,
            collection_rate=point.by_kecamatan.get(kecamatan_code, 0.0),
            contributions_collected=row.contributions_collected if point.period == report.period else 0,
            by_kecamatan={k: v for k, v in point.by_kecamatan.items() if k == kecamatan_code},
        )
        for point in report.trend
    ]
    return report.model_copy(
        update={
            "rows": [row.model_copy(deep=True)],
            "totals": row.model_copy(deep=True),
            "agents": [a.model_copy() for a in report.agents if a.kecamatan_code == kecamatan_code],
            "trend": trend,
        },
        deep=True,
    )


# --------------------------------------------------------------------------- CSV


def _csv_text(value: str) -> str:
    """Text cells that a spreadsheet would take for a formula are quoted with an apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(period: str, row: KecamatanRow, *, total: bool) -> list[str]:
    return [
        period,
        CSV_TOTAL_CODE if total else _csv_text(row.kecamatan_code),
        _csv_text(row.kecamatan_name),
        str(row.registered),
        str(row.new_registrations),
        str(row.active),
        str(row.arrears),
        str(row.lapsed),
        str(row.not_started),
        str(row.contributions_due),
        str(row.contributions_collected),
        str(row.payments),
        f"{_finite(row.collection_rate) * 100:.2f}",
        str(row.claims_submitted.JKK),
        str(row.claims_submitted.JKM),
        str(row.claims_amount.JKK),
        str(row.claims_amount.JKM),
        str(row.claims_paid.JKK),
        str(row.claims_paid.JKM),
        "" if total else f"{_finite(row.score):.4f}",
        "" if total or row.rank is None else str(row.rank),
    ]


def render_csv(report: Report) -> bytes:
    """One line per kecamatan (code order) and a last `TOTAL` line; UTF-8 with a BOM, `,`
    separated, `.` as decimal point, CRLF line ends. Money in whole Rupiah, the collection
    rate in percent with 2 decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(_csv_row(report.period, row, total=False))
    writer.writerow(_csv_row(report.period, report.totals, total=True))
    return out.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- XLSX

# Excel number formats. `,` and `.` in a format code are the locale's grouping and decimal
# separators, not literal characters: with Indonesian regional settings Excel and LibreOffice
# show 1234567 as `Rp 1.234.567` and 0.8125 as `81,25%`, and the cells stay numbers.
RUPIAH_FORMAT = '"Rp "#,##0'
INT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
SCORE_FORMAT = "0.000"

_HEADER_BG = "#243B53"
_BEST_BG = "#C6F6D5"
_TOTAL_BG = "#E4E7EB"


class _Formats:
    def __init__(self, workbook: Any) -> None:
        def fmt(**props: Any) -> Any:
            return workbook.add_format({"font_name": "Calibri", "font_size": 10, **props})

        self.title = fmt(bold=True, font_size=14)
        self.subtitle = fmt(italic=True, font_color="#52606D")
        self.best_note = fmt(bold=True, font_color="#1E6B3A")
        self.note = fmt(font_color="#52606D")
        self.header = fmt(
            bold=True,
            font_color="#FFFFFF",
            bg_color=_HEADER_BG,
            text_wrap=True,
            align="center",
            valign="vcenter",
            border=1,
        )
        self.cells: dict[tuple[str, str], Any] = {}
        for style, extra in (
            ("plain", {}),
            ("best", {"bg_color": _BEST_BG, "bold": True}),
            ("total", {"bg_color": _TOTAL_BG, "bold": True, "top": 2}),
        ):
            for kind, num in (
                ("text", None),
                ("int", INT_FORMAT),
                ("rank", "0"),
                ("rp", RUPIAH_FORMAT),
                ("pct", PERCENT_FORMAT),
                ("score", SCORE_FORMAT),
            ):
                props: dict[str, Any] = {"bottom": 1, "bottom_color": "#D9E2EC", **extra}
                if num is not None:
                    props["num_format"] = num
                if kind == "int" and style != "total":
                    props["align"] = "right"
                if kind == "rank":
                    props["align"] = "center"
                self.cells[(style, kind)] = fmt(**props)

    def cell(self, style: str, kind: str) -> Any:
        return self.cells[(style, kind)]


# (header, width, kind, value of a row)
_Column = tuple[str, float, str, Callable[[KecamatanRow], object]]

_SUMMARY_COLUMNS: tuple[_Column, ...] = (
    ("Peringkat", 10, "rank", lambda r: r.rank),
    ("Kode", 10, "text", lambda r: r.kecamatan_code),
    ("BPP (kecamatan)", 16, "text", lambda r: r.kecamatan_name),
    ("Skor", 8, "score", lambda r: r.score),
    ("Kolektibilitas", 12, "pct", lambda r: r.collection_rate),
    ("Peserta terdaftar", 11, "int", lambda r: r.registered),
    ("Pendaftar baru", 10, "int", lambda r: r.new_registrations),
    ("Aktif\n(iuran lunas)", 11, "int", lambda r: r.active),
    ("Menunggak\n(1–3 bln)", 12, "int", lambda r: r.arrears),
    ("Nonaktif\n(> 3 bln)", 12, "int", lambda r: r.lapsed),
    ("Belum pernah\nbayar", 11, "int", lambda r: r.not_started),
    ("Iuran wajib (Rp)", 16, "rp", lambda r: r.contributions_due),
    ("Iuran terkumpul (Rp)", 16, "rp", lambda r: r.contributions_collected),
    ("Transaksi pembayaran", 12, "int", lambda r: r.payments),
    ("Klaim diajukan JKK", 11, "int", lambda r: r.claims_submitted.JKK),
    ("Klaim diajukan JKM", 11, "int", lambda r: r.claims_submitted.JKM),
    ("Klaim dibayar JKK", 11, "int", lambda r: r.claims_paid.JKK),
    ("Klaim dibayar JKM", 11, "int", lambda r: r.claims_paid.JKM),
    ("Nilai klaim\ndibayar JKK (Rp)", 16, "rp", lambda r: r.claims_amount.JKK),
    ("Nilai klaim\ndibayar JKM (Rp)", 16, "rp", lambda r: r.claims_amount.JKM),
)


def _write(sheet: Any, row: int, col: int, value: object, fmt: Any) -> None:
    """Strings are always written as text (never as formulas or links); None as a blank."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, _finite(float(value)), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _sheet_heading(sheet: Any, f: _Formats, report: Report, last_col: int, subtitle: str) -> None:
    sheet.merge_range(0, 0, 0, last_col, report_title(report), f.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, subtitle, f.subtitle)


def _summary_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Ringkasan BPP")
    last = len(_SUMMARY_COLUMNS) - 1
    _sheet_heading(
        sheet, f, report, last, f"{_scope(report)} · dibuat {_generated_label(report)} · urut peringkat"
    )
    sheet.write_string(2, 0, ("★ " if report.best_bpp else "") + _best_text(report), f.best_note)
    header_row = 3
    sheet.set_row(header_row, 42)
    for col, (header, width, _, _) in enumerate(_SUMMARY_COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(header_row, col, header, f.header)
    row_index = header_row + 1
    for row in _ranked(report.rows):
        style = "best" if _is_best(report, row) else "plain"
        for col, (_, _, kind, value) in enumerate(_SUMMARY_COLUMNS):
            _write(sheet, row_index, col, value(row), f.cell(style, kind))
        row_index += 1
    totals = report.totals
    for col, (_, _, kind, value) in enumerate(_SUMMARY_COLUMNS):
        if col == 0 or kind == "score":
            cell: object = None
        elif col == 1:
            cell = "JUMLAH"
        elif col == 2:
            cell = _scope(report)
        else:
            cell = value(totals)
        _write(sheet, row_index, col, cell, f.cell("total", kind))
    note_row = row_index + 2
    sheet.write_string(note_row, 0, f"Cara pemeringkatan: {report.ranking_formula}", f.note)
    sheet.write_string(
        note_row + 1, 0, "Kolektibilitas = peserta aktif ÷ (aktif + menunggak) pada akhir bulan.", f.note
    )
    sheet.freeze_panes(header_row + 1, 3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)


def _agents_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Agen")
    names = _kecamatan_names(report)
    columns: tuple[tuple[str, float, str], ...] = (
        ("No", 5, "rank"),
        ("Agen (nama pengguna)", 24, "text"),
        ("Kode BPP", 10, "text"),
        ("BPP", 16, "text"),
        ("Pendaftaran", 12, "int"),
        ("Pembayaran", 12, "int"),
        ("Iuran dipungut (Rp)", 18, "rp"),
        ("Insentif (Rp)", 16, "rp"),
    )
    _sheet_heading(
        sheet,
        f,
        report,
        len(columns) - 1,
        f"Kinerja agen · {_scope(report)} · insentif = {_format_rate_plain(report.incentive_rate)}"
        " × iuran dipungut, dibulatkan ke bawah",
    )
    header_row = 2
    sheet.set_row(header_row, 30)
    for col, (header, width, _) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(header_row, col, header, f.header)
    agents = _sorted_agents(report)
    row_index = header_row + 1
    for number, agent in enumerate(agents, start=1):
        values: tuple[object, ...] = (
            number,
            agent.username,
            agent.kecamatan_code or "",
            names.get(agent.kecamatan_code or "", "—"),
            agent.registrations,
            agent.payments,
            agent.collections_amount,
            agent.incentive,
        )
        for col, value in enumerate(values):
            _write(sheet, row_index, col, value, f.cell("plain", columns[col][2]))
        row_index += 1
    if not agents:
        sheet.write_string(row_index, 1, "Tidak ada kegiatan agen bulan ini.", f.note)
        row_index += 1
    totals: tuple[object, ...] = (
        None,
        "JUMLAH",
        None,
        None,
        sum(a.registrations for a in agents),
        sum(a.payments for a in agents),
        sum(a.collections_amount for a in agents),
        sum(a.incentive for a in agents),
    )
    for col, value in enumerate(totals):
        _write(sheet, row_index, col, value, f.cell("total", columns[col][2]))
    sheet.freeze_panes(header_row + 1, 2)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)


def _trend_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Tren 12 bulan")
    regency = len(report.rows) > 1
    columns: list[tuple[str, float, str]] = [
        ("Periode", 10, "text"),
        ("Bulan", 16, "text"),
        (f"Kolektibilitas {_scope(report)}", 16, "pct"),
    ]
    if regency:
        columns.append(("Iuran terkumpul (Rp)", 18, "rp"))
        columns.extend((f"BPP {row.kecamatan_name}", 12, "pct") for row in report.rows)
    _sheet_heading(sheet, f, report, len(columns) - 1, f"Kolektibilitas 12 bulan terakhir · {_scope(report)}")
    header_row = 2
    sheet.set_row(header_row, 30)
    for col, (header, width, _) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(header_row, col, header, f.header)
    row_index = header_row + 1
    for point in report.trend:
        values: list[object] = [point.period, month_name(point.period), point.collection_rate]
        if regency:
            values.append(point.contributions_collected)
            values.extend(point.by_kecamatan.get(row.kecamatan_code) for row in report.rows)
        for col, value in enumerate(values):
            _write(sheet, row_index, col, value, f.cell("plain", columns[col][2]))
        row_index += 1
    if not report.trend:
        sheet.write_string(row_index, 0, "Belum ada data tren.", f.note)
    else:
        first, last = header_row + 1, row_index - 1
        chart = workbook.add_chart({"type": "line"})
        chart.add_series(
            {
                "name": ["Tren 12 bulan", header_row, 2],
                "categories": ["Tren 12 bulan", first, 1, last, 1],
                "values": ["Tren 12 bulan", first, 2, last, 2],
                "marker": {"type": "circle", "size": 6},
                "data_labels": {"value": True, "position": "above", "num_format": "0.0%"},
                "line": {"color": "#2F855A", "width": 2.25},
            }
        )
        chart.set_title({"name": f"Kolektibilitas {_scope(report)}"})
        chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 760, "height": 320})
        sheet.insert_chart(row_index + 1, 0, chart)
    sheet.freeze_panes(header_row + 1, 2)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def render_xlsx(report: Report) -> bytes:
    """Three sheets: "Ringkasan BPP" (the 8 BPP in rank order and the regency total, the best
    BPP highlighted), "Agen" (per agent with incentive), "Tren 12 bulan" (rates and a chart)."""
    import xlsxwriter  # type: ignore[import-untyped]  # here: CSV, HTML and filtering do without it

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    properties: dict[str, Any] = {
        "title": report_title(report),
        "subject": f"{_scope(report)} — {month_name(report.period)}",
        "author": "SUTASOMA",
    }
    generated = _parse_generated(report)
    if generated is not None:
        properties["created"] = generated.astimezone(UTC).replace(tzinfo=None)
    workbook.set_properties(properties)
    formats = _Formats(workbook)
    _summary_sheet(workbook, formats, report)
    _agents_sheet(workbook, formats, report)
    _trend_sheet(workbook, formats, report)
    workbook.close()
    return out.getvalue()


# --------------------------------------------------------------------------- HTML: charts

_SVG_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
_BAR = "#3B7DD8"
_BAR_BEST = "#2F855A"
_GRID = "#D9E2EC"
_INK = "#1F2933"
_MUTED = "#52606D"


def _svg_open(width: int, height: int, title: str, desc: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="{ident}-title {ident}-desc" aria-label="{escape(title)}"'
        f' font-family="{_SVG_FONT}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def bar_chart_svg(report: Report) -> str:
    """Horizontal bars: the collection rate of each BPP, highest first, the best BPP in green."""
    rows = sorted(report.rows, key=lambda r: (-_clamp01(r.collection_rate), r.kecamatan_name))
    title = f"Kolektibilitas per BPP, {month_name(report.period)}"
    desc = (
        "; ".join(f"{r.kecamatan_name} {format_percent(r.collection_rate)}" for r in rows)
        or "Tidak ada data."
    )
    width, left, right, top, bar, gap = 1000, 150, 90, 10, 20, 7
    plot = width - left - right
    height = top + max(1, len(rows)) * (bar + gap) + 52
    axis_y = top + max(1, len(rows)) * (bar + gap)
    parts = [_svg_open(width, height, title, desc, "bar-chart")]
    for tick in range(0, 101, 25):
        x = left + plot * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="{_GRID}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 18}" font-size="14" text-anchor="middle" fill="{_MUTED}">{tick} %</text>'
        )
    if not rows:
        parts.append(
            f'<text x="{left + plot / 2:.1f}" y="{top + 24}" font-size="18" text-anchor="middle"'
            f' fill="{_MUTED}">Tidak ada data</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        best = _is_best(report, row)
        w = plot * _clamp01(row.collection_rate)
        label = escape(row.kecamatan_name)
        weight = ' font-weight="bold"' if best else ""
        parts.append(
            f'<text x="{left - 8}" y="{y + bar / 2 + 5:.1f}" font-size="15" text-anchor="end"'
            f' fill="{_INK}"{weight}>{"★ " if best else ""}{label}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" rx="3"'
            f' fill="{_BAR_BEST if best else _BAR}"/>'
        )
        parts.append(
            f'<text x="{left + w + 6:.1f}" y="{y + bar / 2 + 5:.1f}" font-size="14"'
            f' fill="{_INK}"{weight}>{escape(format_percent(row.collection_rate))}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top - 6}" x2="{left}" y2="{axis_y}" stroke="{_MUTED}"/>')
    parts.append(
        f'<text x="{left + plot / 2:.1f}" y="{axis_y + 42}" font-size="14" text-anchor="middle"'
        f' fill="{_MUTED}">Kolektibilitas: peserta aktif ÷ (aktif + menunggak)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(report: Report) -> str:
    """The collection rate over the trend months (0-100 %), each point labelled."""
    points = report.trend
    scope = _scope(report)
    title = f"Kolektibilitas {scope}, 12 bulan terakhir"
    desc = (
        "; ".join(f"{month_name(p.period)} {format_percent(p.collection_rate)}" for p in points)
        or "Tidak ada data."
    )
    width, height, left, right, top, bottom, pad = 1000, 270, 74, 16, 28, 52, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    parts = [_svg_open(width, height, title, desc, "line-chart")]
    for tick in range(0, 101, 25):
        y = base - plot_h * tick / 100
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{_GRID}"/>')
        parts.append(
            f'<text x="{left - 8}" y="{y + 5:.1f}" font-size="14" text-anchor="end" fill="{_MUTED}">{tick} %</text>'
        )
    parts.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" font-size="14"'
        f' text-anchor="middle" fill="{_MUTED}">Kolektibilitas</text>'
    )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="14" text-anchor="middle"'
        f' fill="{_MUTED}">Bulan</text>'
    )
    if not points:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="18"'
            f' text-anchor="middle" fill="{_MUTED}">Belum ada data tren</text>'
        )
    # The points keep clear of the y labels and of the right edge.
    step = (plot_w - 2 * pad) / (len(points) - 1) if len(points) > 1 else 0.0
    coords = [
        (
            left + (pad + i * step if len(points) > 1 else plot_w / 2),
            base - plot_h * _clamp01(p.collection_rate),
        )
        for i, p in enumerate(points)
    ]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_BAR_BEST}" stroke-width="3"/>')
    for (x, y), point in zip(coords, points, strict=True):
        last = point.period == report.period
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if last else 4.5}" fill="{_BAR_BEST}"'
            f' stroke="#FFFFFF" stroke-width="1.5"/>'
        )
        label_y = y - 12 if y - 12 > top - 24 else y + 24
        weight = ' font-weight="bold"' if last else ""
        parts.append(
            f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="14" text-anchor="middle" fill="{_INK}"'
            f"{weight}>{escape(format_percent(point.collection_rate, 1))}</text>"
        )
        parts.append(
            f'<text x="{x:.1f}" y="{base + 20}" font-size="14" text-anchor="middle" fill="{_MUTED}">'
            f"{escape(_month_short(point.period))}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{_MUTED}"/>')
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- HTML: page

_CSS = """
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, Helvetica, sans-serif; color: #1f2933;
  font-size: 15px; line-height: 1.35; max-width: 1200px; margin: 0 auto; padding: 24px 36px; }
header { border-bottom: 3px solid #243b53; padding-bottom: 8px; margin-bottom: 12px; }
.kicker { margin: 0; color: #52606d; font-size: 0.85em; letter-spacing: 0.04em; text-transform: uppercase; }
h1 { margin: 4px 0 4px; font-size: 1.8em; color: #102a43; }
.meta { margin: 0; color: #52606d; }
h2 { font-size: 1.2em; color: #102a43; margin: 16px 0 6px; break-after: avoid; page-break-after: avoid; }
.best-bpp { border: 2px solid #2f855a; background: #e3f9e5; border-radius: 6px; padding: 10px 14px;
  margin: 0 0 14px; break-inside: avoid; }
.best-bpp strong { font-size: 1.25em; color: #1e6b3a; }
.best-bpp.none { border-color: #9aa5b1; background: #f0f4f8; }
.best-bpp.none strong { color: #3e4c59; font-size: 1.1em; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 0 0 6px; break-inside: avoid; }
.kpi { border: 1px solid #d9e2ec; border-radius: 6px; padding: 8px 10px; }
.kpi .label { color: #52606d; font-size: 0.85em; }
.kpi .value { font-size: 1.35em; font-weight: bold; white-space: nowrap; }
.kpi .sub { color: #52606d; font-size: 0.8em; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0 0 6px; }
th, td { padding: 3px 6px; border-bottom: 1px solid #d9e2ec; }
thead th { background: #243b53; color: #ffffff; font-weight: bold; text-align: center;
  vertical-align: bottom; border: 1px solid #486581; font-size: 0.9em; }
td.num { text-align: right; white-space: nowrap; }
td.name { white-space: nowrap; }
td.rank { text-align: center; font-weight: bold; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tbody tr:nth-child(even) td { background: #f8fafc; }
tbody tr.best td { background: #c6f6d5; font-weight: bold; }
.badge { display: inline-block; background: #2f855a; color: #ffffff; border-radius: 3px;
  padding: 0 5px; font-size: 0.75em; margin-left: 4px; vertical-align: 1px; }
tfoot td { border-top: 2px solid #243b53; font-weight: bold; background: #e4e7eb; }
figure { margin: 16px 0 4px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-weight: bold; color: #102a43; margin-bottom: 4px; }
.charts { break-inside: avoid; }
footer { margin-top: 18px; border-top: 1px solid #9aa5b1; padding-top: 8px; color: #3e4c59; font-size: 0.85em; }
footer p { margin: 0 0 4px; }
footer dl { margin: 4px 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
footer dt { font-weight: bold; }
footer dd { margin: 0; }
.empty { color: #52606d; font-style: italic; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 8.5pt; }
  h1 { font-size: 16pt; }
  figure { margin: 8px 0 2px; }
  footer { margin-top: 10px; }
  h2 { margin: 12px 0 5px; }
}
"""


def _page_css(report: Report) -> str:
    """A4 with page numbers in the bottom margin (the month name is letters and digits only)."""
    footer = f"SUTASOMA · Evaluasi Bulanan {month_name(report.period)}"
    margin_box = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 7.5pt; color: #52606d;"
    return (
        "\n@page { size: A4; margin: 15mm;"
        f' @bottom-left {{ content: "{footer}"; {margin_box} }}'
        f' @bottom-right {{ content: "Halaman " counter(page) " dari " counter(pages); {margin_box} }} }}'
    )


def _td_num(text: str) -> str:
    return f'<td class="num">{escape(text)}</td>'


def _name_cell(report: Report, row: KecamatanRow) -> str:
    badge = '<span class="badge">Terbaik</span>' if _is_best(report, row) else ""
    return f'<td class="name">{escape(row.kecamatan_name)}{badge}</td>'


def _row_class(report: Report, row: KecamatanRow) -> str:
    return ' class="best"' if _is_best(report, row) else ""


def _ranking_table(report: Report) -> str:
    head = (
        "<thead><tr><th>Peringkat</th><th>BPP</th><th>Skor</th><th>Kolektibilitas</th>"
        "<th>Terdaftar</th><th>Pendaftar<br>baru</th><th>Aktif</th><th>Menunggak<br>1–3 bln</th>"
        "<th>Nonaktif<br>&gt; 3 bln</th><th>Belum<br>pernah bayar</th></tr></thead>"
    )

    def cells(row: KecamatanRow) -> str:
        return "".join(
            _td_num(text)
            for text in (
                format_percent(row.collection_rate),
                format_int(row.registered),
                format_int(row.new_registrations),
                format_int(row.active),
                format_int(row.arrears),
                format_int(row.lapsed),
                format_int(row.not_started),
            )
        )

    body = "".join(
        f"<tr{_row_class(report, row)}>"
        + f'<td class="rank">{"—" if row.rank is None else row.rank}</td>'
        + _name_cell(report, row)
        + _td_num(format_decimal(row.score))
        + cells(row)
        + "</tr>"
        for row in _ranked(report.rows)
    )
    foot = (
        f'<tfoot><tr><td></td><td class="name">Jumlah {escape(_scope(report))}</td><td></td>'
        f"{cells(report.totals)}</tr></tfoot>"
    )
    return f'<table class="ranking">{head}<tbody>{body}</tbody>{foot}</table>'


def _money_table(report: Report) -> str:
    head = (
        '<thead><tr><th rowspan="2">BPP</th><th rowspan="2">Iuran wajib</th>'
        '<th rowspan="2">Iuran terkumpul</th><th rowspan="2">Transaksi</th>'
        '<th colspan="2">Klaim diajukan</th><th colspan="2">Klaim dibayar</th>'
        '<th colspan="2">Nilai klaim dibayar</th></tr>'
        "<tr><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th></tr></thead>"
    )

    def cells(row: KecamatanRow) -> str:
        return "".join(
            _td_num(text)
            for text in (
                format_rupiah(row.contributions_due),
                format_rupiah(row.contributions_collected),
                format_int(row.payments),
                format_int(row.claims_submitted.JKK),
                format_int(row.claims_submitted.JKM),
                format_int(row.claims_paid.JKK),
                format_int(row.claims_paid.JKM),
                format_rupiah(row.claims_amount.JKK),
                format_rupiah(row.claims_amount.JKM),
            )
        )

    body = "".join(
        f"<tr{_row_class(report, row)}>{_name_cell(report, row)}{cells(row)}</tr>"
        for row in _ranked(report.rows)
    )
    foot = f'<tfoot><tr><td class="name">Jumlah</td>{cells(report.totals)}</tr></tfoot>'
    return f'<table class="money">{head}<tbody>{body}</tbody>{foot}</table>'


def _agents_table(report: Report) -> str:
    agents = _sorted_agents(report)
    if not agents:
        return '<p class="empty">Tidak ada kegiatan agen bulan ini.</p>'
    names = _kecamatan_names(report)
    head = (
        "<thead><tr><th>No</th><th>Agen</th><th>BPP</th><th>Pendaftaran</th><th>Pembayaran</th>"
        "<th>Iuran dipungut</th><th>Insentif</th></tr></thead>"
    )
    body = "".join(
        "<tr>"
        + _td_num(str(number))
        + f'<td class="name">{escape(agent.username)}</td>'
        + f'<td class="name">{escape(names.get(agent.kecamatan_code or "", "—"))}</td>'
        + _td_num(format_int(agent.registrations))
        + _td_num(format_int(agent.payments))
        + _td_num(format_rupiah(agent.collections_amount))
        + _td_num(format_rupiah(agent.incentive))
        + "</tr>"
        for number, agent in enumerate(agents, start=1)
    )
    foot = (
        '<tfoot><tr><td></td><td class="name">Jumlah</td><td></td>'
        + _td_num(format_int(sum(a.registrations for a in agents)))
        + _td_num(format_int(sum(a.payments for a in agents)))
        + _td_num(format_rupiah(sum(a.collections_amount for a in agents)))
        + _td_num(format_rupiah(sum(a.incentive for a in agents)))
        + "</tr></tfoot>"
    )
    return f'<table class="agents">{head}<tbody>{body}</tbody>{foot}</table>'


def _best_block(report: Report) -> str:
    best = report.best_bpp
    if best is None:
        return f'<section class="best-bpp none"><strong>{escape(_best_text(report))}</strong></section>'
    row = next((r for r in report.rows if r.kecamatan_code == best.kecamatan_code), None)
    detail = f"Skor {format_decimal(best.score)}"
    if row is not None:
        detail += (
            f" · kolektibilitas {format_percent(row.collection_rate)}"
            f" · iuran terkumpul {format_rupiah(row.contributions_collected)}"
            f" · {format_int(row.new_registrations)} pendaftar baru"
        )
    return (
        '<section class="best-bpp" aria-label="BPP terbaik">'
        f"<div>BPP terbaik bulan {escape(month_name(report.period))}</div>"
        f"<strong>★ BPP {escape(best.kecamatan_name)}</strong>"
        f"<div>{escape(detail)}</div></section>"
    )


def _kpis(report: Report) -> str:
    t = report.totals
    cards = (
        ("Peserta terdaftar", format_int(t.registered), f"{format_int(t.new_registrations)} pendaftar baru"),
        (
            "Peserta aktif",
            format_int(t.active),
            f"{format_int(t.arrears)} menunggak · {format_int(t.lapsed)} nonaktif",
        ),
        ("Kolektibilitas", format_percent(t.collection_rate), "aktif ÷ (aktif + menunggak)"),
        (
            "Iuran terkumpul",
            format_rupiah(t.contributions_collected),
            f"dari {format_rupiah(t.contributions_due)} wajib",
        ),
    )
    return (
        '<section class="kpis" aria-label="Ringkasan">'
        + "".join(
            f'<div class="kpi"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div><div class="sub">{escape(sub)}</div></div>'
            for label, value, sub in cards
        )
        + "</section>"
    )


def render_html(report: Report) -> bytes:
    """A self-contained page in Bahasa Indonesia (inline CSS and SVG, no scripts, fonts or
    images fetched) that prints on A4."""
    title = report_title(report)
    scope = _scope(report)
    generated = _generated_label(report)
    html_text = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — {escape(scope)}</title>
<style>{_page_css(report)}{_CSS}</style>
</head>
<body>
<header>
<p class="kicker">SUTASOMA · Perlindungan BPJS Ketenagakerjaan bagi petani</p>
<h1>{escape(title)}</h1>
<p class="meta">{escape(scope)} · periode {escape(month_name(report.period))} · dibuat {escape(generated)}</p>
</header>
<main>
{_best_block(report)}
{_kpis(report)}
<h2>Peringkat BPP</h2>
{_ranking_table(report)}
<h2>Iuran dan klaim</h2>
{_money_table(report)}
<section class="charts">
<figure><figcaption>Kolektibilitas per BPP — {escape(month_name(report.period))}</figcaption>
{bar_chart_svg(report)}</figure>
<figure><figcaption>Kolektibilitas {escape(scope)} — 12 bulan terakhir</figcaption>
{line_chart_svg(report)}</figure>
</section>
<h2>Kinerja agen</h2>
{_agents_table(report)}
</main>
<footer>
<p><strong>Cara pemeringkatan:</strong> {escape(report.ranking_formula)}</p>
<p><strong>Insentif agen:</strong> {escape(_format_rate_plain(report.incentive_rate))} × iuran dipungut,
dibulatkan ke bawah ke Rupiah.</p>
<dl>
<dt>Aktif</dt><dd>iuran bulan ini sudah dibayar pada akhir bulan.</dd>
<dt>Menunggak</dt><dd>1–3 bulan iuran belum dibayar; tunggakan masih dapat dilunasi.</dd>
<dt>Nonaktif</dt><dd>lebih dari 3 bulan iuran belum dibayar; harus diaktifkan kembali (didaftarkan ulang ke BPJS).</dd>
<dt>Belum pernah bayar</dt><dd>terdaftar tetapi belum pernah membayar iuran.</dd>
<dt>Kolektibilitas</dt><dd>peserta aktif ÷ (aktif + menunggak).</dd>
<dt>Iuran terkumpul</dt><dd>uang yang diterima dalam bulan ini (tunggakan, bulan berjalan, dan bayar di muka).</dd>
</dl>
</footer>
</body>
</html>
"""
    return html_text.encode("utf-8")
