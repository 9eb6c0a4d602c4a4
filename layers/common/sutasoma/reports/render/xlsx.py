"""The report as an XLSX workbook for the spreadsheet users (docs/reports.md "XLSX"): the BPP
summary, the agents and the 12-month trend with its chart.

This is the one module that imports xlsxwriter: `render()` imports it only when an XLSX is asked
for, so the functions and routes that never write a workbook do not pay for it at cold start."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from sutasoma.reports.models import AgentRow, KecamatanRow, Report, TrendPoint
from sutasoma.reports.render.formats import (
    best_text,
    finite,
    format_rate_plain,
    generated_label,
    month_name,
    parse_generated,
    report_title,
    scope_label,
)
from sutasoma.reports.render.rows import is_best, kecamatan_names, ranked, sorted_agents

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
_A4 = 9  # xlsxwriter's paper code

# A cell's look: its row's style (a plain line, the best BPP's, the JUMLAH line) ...
_STYLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("plain", {}),
    ("best", {"bg_color": _BEST_BG, "bold": True}),
    ("total", {"bg_color": _TOTAL_BG, "bold": True, "top": 2}),
)
# ... and its column's kind, with the number format of that kind.
_KINDS: tuple[tuple[str, str | None], ...] = (
    ("text", None),
    ("int", INT_FORMAT),
    ("rank", "0"),
    ("rp", RUPIAH_FORMAT),
    ("pct", PERCENT_FORMAT),
    ("score", SCORE_FORMAT),
)


class _Formats:
    """The workbook's formats, made once: headings, notes, and one per (row style, column kind)."""

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
        for style, extra in _STYLES:
            for kind, num in _KINDS:
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


# A sheet's column: (header, width, kind).
_Header = tuple[str, float, str]
# The summary's column: (header, width, kind, value of a row).
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

_AGENT_COLUMNS: tuple[_Header, ...] = (
    ("No", 5, "rank"),
    ("Agen (nama pengguna)", 24, "text"),
    ("Kode BPP", 10, "text"),
    ("BPP", 16, "text"),
    ("Pendaftaran", 12, "int"),
    ("Pembayaran", 12, "int"),
    ("Iuran dipungut (Rp)", 18, "rp"),
    ("Insentif (Rp)", 16, "rp"),
)


# --------------------------------------------------------------------------- cells and rows


# Strings are never taken for formulas or links (formula injection, as in write_cell).
WORKBOOK_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False}


def write_cell(sheet: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
    """Strings are always written as text (never as formulas or links); None as a blank.
    Also used by the farmer exports and the import results (api/files.py, adapters/tabular.py)."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, finite(float(value)), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _write_row(
    sheet: Any, f: _Formats, row: int, style: str, kinds: Sequence[str], values: Sequence[object]
) -> None:
    for col, (kind, value) in enumerate(zip(kinds, values, strict=True)):
        write_cell(sheet, row, col, value, f.cell(style, kind))


def _sheet_heading(sheet: Any, f: _Formats, report: Report, last_col: int, subtitle: str) -> None:
    sheet.merge_range(0, 0, 0, last_col, report_title(report), f.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, subtitle, f.subtitle)


def _header_row(sheet: Any, f: _Formats, row: int, height: float, columns: Sequence[_Header]) -> None:
    """The column headers on `row`, each column set to its width."""
    sheet.set_row(row, height)
    for col, (header, width, _) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(row, col, header, f.header)


def _print_setup(sheet: Any, *, landscape: bool, repeat_row: int | None) -> None:
    """A4, one page wide; the header row repeated on every printed page."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(_A4)
    sheet.fit_to_pages(1, 0)
    if repeat_row is not None:
        sheet.repeat_rows(repeat_row)


# --------------------------------------------------------------------------- "Ringkasan BPP"


def _summary_totals(report: Report) -> list[object]:
    """The JUMLAH line: no rank or score, the scope's name where a BPP's name goes."""
    cells: list[object] = []
    for col, (_, _, kind, value) in enumerate(_SUMMARY_COLUMNS):
        if col == 0 or kind == "score":
            cells.append(None)
        elif col == 1:
            cells.append("JUMLAH")
        elif col == 2:
            cells.append(scope_label(report))
        else:
            cells.append(value(report.totals))
    return cells


def _summary_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Ringkasan BPP")
    last = len(_SUMMARY_COLUMNS) - 1
    _sheet_heading(
        sheet, f, report, last, f"{scope_label(report)} · dibuat {generated_label(report)} · urut peringkat"
    )
    sheet.write_string(2, 0, ("★ " if report.best_bpp else "") + best_text(report), f.best_note)
    header_row = 3
    _header_row(sheet, f, header_row, 42, [(h, w, k) for h, w, k, _ in _SUMMARY_COLUMNS])
    kinds = [kind for _, _, kind, _ in _SUMMARY_COLUMNS]
    row_index = header_row + 1
    for row in ranked(report.rows):
        style = "best" if is_best(report, row) else "plain"
        _write_row(sheet, f, row_index, style, kinds, [value(row) for _, _, _, value in _SUMMARY_COLUMNS])
        row_index += 1
    _write_row(sheet, f, row_index, "total", kinds, _summary_totals(report))
    note_row = row_index + 2
    sheet.write_string(note_row, 0, f"Cara pemeringkatan: {report.ranking_formula}", f.note)
    sheet.write_string(
        note_row + 1, 0, "Kolektibilitas = peserta aktif ÷ (aktif + menunggak) pada akhir bulan.", f.note
    )
    sheet.freeze_panes(header_row + 1, 3)
    _print_setup(sheet, landscape=True, repeat_row=header_row)


# --------------------------------------------------------------------------- "Agen"


def _agent_line(number: int, agent: AgentRow, names: dict[str, str]) -> tuple[object, ...]:
    return (
        number,
        agent.username,
        agent.kecamatan_code or "",
        names.get(agent.kecamatan_code or "", "—"),
        agent.registrations,
        agent.payments,
        agent.collections_amount,
        agent.incentive,
    )


def _agent_totals(agents: Sequence[AgentRow]) -> tuple[object, ...]:
    return (
        None,
        "JUMLAH",
        None,
        None,
        sum(a.registrations for a in agents),
        sum(a.payments for a in agents),
        sum(a.collections_amount for a in agents),
        sum(a.incentive for a in agents),
    )


def _agents_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Agen")
    _sheet_heading(
        sheet,
        f,
        report,
        len(_AGENT_COLUMNS) - 1,
        f"Kinerja agen · {scope_label(report)} · insentif = {format_rate_plain(report.incentive_rate)}"
        " × iuran dipungut, dibulatkan ke bawah",
    )
    header_row = 2
    _header_row(sheet, f, header_row, 30, _AGENT_COLUMNS)
    kinds = [kind for _, _, kind in _AGENT_COLUMNS]
    names = kecamatan_names(report)
    agents = sorted_agents(report)
    row_index = header_row + 1
    for number, agent in enumerate(agents, start=1):
        _write_row(sheet, f, row_index, "plain", kinds, _agent_line(number, agent, names))
        row_index += 1
    if not agents:
        sheet.write_string(row_index, 1, "Tidak ada kegiatan agen bulan ini.", f.note)
        row_index += 1
    _write_row(sheet, f, row_index, "total", kinds, _agent_totals(agents))
    sheet.freeze_panes(header_row + 1, 2)
    _print_setup(sheet, landscape=False, repeat_row=header_row)


# --------------------------------------------------------------------------- "Tren 12 bulan"

_TREND_SHEET = "Tren 12 bulan"


def _trend_columns(report: Report, *, regency: bool) -> list[_Header]:
    """Period, month and the scope's rate; for the regency also the money and each BPP's rate."""
    columns: list[_Header] = [
        ("Periode", 10, "text"),
        ("Bulan", 16, "text"),
        (f"Kolektibilitas {scope_label(report)}", 16, "pct"),
    ]
    if regency:
        columns.append(("Iuran terkumpul (Rp)", 18, "rp"))
        columns.extend((f"BPP {row.kecamatan_name}", 12, "pct") for row in report.rows)
    return columns


def _trend_line(report: Report, point: TrendPoint, *, regency: bool) -> list[object]:
    values: list[object] = [point.period, month_name(point.period), point.collection_rate]
    if regency:
        values.append(point.contributions_collected)
        values.extend(point.by_kecamatan.get(row.kecamatan_code) for row in report.rows)
    return values


def _trend_chart(workbook: Any, report: Report, header_row: int, first: int, last: int) -> Any:
    """A line chart of the scope's rate (column C) over the months (column B) of rows first..last."""
    chart = workbook.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": [_TREND_SHEET, header_row, 2],
            "categories": [_TREND_SHEET, first, 1, last, 1],
            "values": [_TREND_SHEET, first, 2, last, 2],
            "marker": {"type": "circle", "size": 6},
            "data_labels": {"value": True, "position": "above", "num_format": "0.0%"},
            "line": {"color": "#2F855A", "width": 2.25},
        }
    )
    chart.set_title({"name": f"Kolektibilitas {scope_label(report)}"})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 760, "height": 320})
    return chart


def _trend_sheet(workbook: Any, f: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet(_TREND_SHEET)
    regency = len(report.rows) > 1
    columns = _trend_columns(report, regency=regency)
    _sheet_heading(
        sheet, f, report, len(columns) - 1, f"Kolektibilitas 12 bulan terakhir · {scope_label(report)}"
    )
    header_row = 2
    _header_row(sheet, f, header_row, 30, columns)
    kinds = [kind for _, _, kind in columns]
    row_index = header_row + 1
    for point in report.trend:
        _write_row(sheet, f, row_index, "plain", kinds, _trend_line(report, point, regency=regency))
        row_index += 1
    if not report.trend:
        sheet.write_string(row_index, 0, "Belum ada data tren.", f.note)
    else:
        chart = _trend_chart(workbook, report, header_row, header_row + 1, row_index - 1)
        sheet.insert_chart(row_index + 1, 0, chart)
    sheet.freeze_panes(header_row + 1, 2)
    _print_setup(sheet, landscape=True, repeat_row=None)


# --------------------------------------------------------------------------- the workbook


def _properties(report: Report) -> dict[str, Any]:
    """Title, subject, author, and as creation time the report's `generated_at` when it is ISO."""
    properties: dict[str, Any] = {
        "title": report_title(report),
        "subject": f"{scope_label(report)} — {month_name(report.period)}",
        "author": "SUTASOMA",
    }
    generated = parse_generated(report)
    if generated is not None:
        properties["created"] = generated.astimezone(UTC).replace(tzinfo=None)
    return properties


def render_xlsx(report: Report) -> bytes:
    """Three sheets: "Ringkasan BPP" (the 8 BPP in rank order and the regency total, the best
    BPP highlighted), "Agen" (per agent with incentive), "Tren 12 bulan" (rates and a chart)."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, **WORKBOOK_OPTIONS})
    workbook.set_properties(_properties(report))
    formats = _Formats(workbook)
    _summary_sheet(workbook, formats, report)
    _agents_sheet(workbook, formats, report)
    _trend_sheet(workbook, formats, report)
    workbook.close()
    return out.getvalue()
