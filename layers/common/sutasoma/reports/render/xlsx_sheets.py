"""The workbook's sheets (render/xlsx.py): "Ringkasan BPP", "Agen", "Tren 12 bulan" and, for a
revision, "Perubahan dari versi sebelumnya"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sutasoma.domain.places import REGENCY_CODE
from sutasoma.reports.models import AgentRow, KecamatanRow, Report, TrendPoint
from sutasoma.reports.render.changes import (
    CHANGES_TITLE,
    change_lines,
    changes_intro,
    field_kind,
    is_revision,
)
from sutasoma.reports.render.formats import (
    NO_DATA,
    NO_TARGET,
    best_text,
    format_rate_plain,
    month_name,
    provisional_note,
    scope_label,
)
from sutasoma.reports.render.rows import is_best, kecamatan_names, ranked, sorted_agents
from sutasoma.reports.render.xlsx_cells import (
    Formats,
    Header,
    header_row,
    print_setup,
    sheet_heading,
    write_row,
)

# The summary's column: (header, width, kind, value of a row).
Column = tuple[str, float, str, Callable[[KecamatanRow], object]]


def _vs(figure: Callable[[KecamatanRow], object]) -> Callable[[KecamatanRow], object]:
    """A change against last month: `tidak ada data` without last month; none for the regency."""

    def value(row: KecamatanRow) -> object:
        if row.kecamatan_code == REGENCY_CODE:
            return None
        return NO_DATA if row.vs_last_month is None else figure(row)

    return value


def _target(row: KecamatanRow) -> object:
    return None if row.kecamatan_code == REGENCY_CODE else NO_TARGET if row.target is None else row.target


_RATE_COLUMNS: tuple[Column, ...] = (
    ("Kolektibilitas", 12, "pct", lambda r: r.collection_rate),
    ("Kolektibilitas dibanding bulan lalu", 14, "pts",
     _vs(lambda r: round(r.vs_last_month.collection_rate * 100, 2) if r.vs_last_month else None)),
    ("Target kolektibilitas", 13, "pct", _target),
    ("Aktif\n(iuran lunas)", 11, "int", lambda r: r.active),
    ("Menunggak\n(1–3 bln)", 12, "int", lambda r: r.arrears),
    ("Tidak membayar\n(> 2 bln sejak daftar)", 15, "int", lambda r: r.not_paying),
)  # fmt: skip
_GAP: Column = ("Tertinggal dari BPP terbaik (poin)", 15, "pts",
                lambda r: None if r.gap_to_best is None else round(r.gap_to_best * 100, 2))  # fmt: skip
_DUE: Column = ("Belum jatuh tempo", 11, "int", lambda r: r.due)
_FIGURE_COLUMNS: tuple[Column, ...] = (
    ("Peserta terdaftar", 11, "int", lambda r: r.registered),
    ("Pendaftar baru", 10, "int", lambda r: r.new_registrations),
    ("Aktif dibanding bulan lalu", 12, "signed", _vs(lambda r: r.vs_last_month.active if r.vs_last_month else None)),
    ("Nonaktif\n(> 3 bln)", 11, "int", lambda r: r.lapsed),
    ("Belum pernah\nbayar", 11, "int", lambda r: r.not_started),
    ("Berakhir\n(meninggal, ditolak)", 13, "int", lambda r: r.ended),
    ("Iuran wajib (Rp)", 15, "rp", lambda r: r.contributions_due),
    ("Iuran terkumpul (Rp)", 15, "rp", lambda r: r.contributions_collected),
    ("Iuran terkumpul dibanding bulan lalu (Rp)", 17, "rp+",
     _vs(lambda r: r.vs_last_month.contributions_collected if r.vs_last_month else None)),
    ("Transaksi pembayaran", 12, "int", lambda r: r.payments),
    ("Klaim diajukan JKK", 10, "int", lambda r: r.claims_submitted.JKK),
    ("Klaim diajukan JKM", 10, "int", lambda r: r.claims_submitted.JKM),
    ("Klaim dibayar JKK", 10, "int", lambda r: r.claims_paid.JKK),
    ("Klaim dibayar JKM", 10, "int", lambda r: r.claims_paid.JKM),
    ("Nilai klaim\ndibayar JKK (Rp)", 15, "rp", lambda r: r.claims_amount.JKK),
    ("Nilai klaim\ndibayar JKM (Rp)", 15, "rp", lambda r: r.claims_amount.JKM),
    ("Klaim dalam proses", 10, "int", lambda r: r.claims_in_progress),
    ("Pengembalian iuran terbuka", 12, "int", lambda r: r.refunds_open),
    ("Nilai pengembalian terbuka (Rp)", 15, "rp", lambda r: r.refunds_open_amount),
    ("Pengembalian iuran selesai", 12, "int", lambda r: r.refunds_settled),
    ("Nilai pengembalian selesai (Rp)", 15, "rp", lambda r: r.refunds_settled_amount),
)  # fmt: skip


def summary_columns(report: Report) -> list[Column]:
    """Rank (not in a provisional report), code and name, the rate and what makes it, then
    every other figure; `due` only in a provisional report, the gap only in a coordinator's."""
    lead: list[Column] = [] if report.provisional else [("Peringkat", 10, "rank", lambda r: r.rank)]
    lead += [("Kode", 10, "text", lambda r: r.kecamatan_code),
             ("BPP (kecamatan)", 16, "text", lambda r: r.kecamatan_name)]  # fmt: skip
    extra = [_DUE] if report.provisional else []
    extra += [_GAP] if any(r.gap_to_best is not None for r in report.rows) else []
    return [*lead, *_RATE_COLUMNS, *extra, *_FIGURE_COLUMNS]


def _summary_totals(report: Report, columns: Sequence[Column]) -> list[object]:
    """The JUMLAH line: no rank, the scope's name where a BPP's name goes."""
    named = {"Peringkat": None, "Kode": "JUMLAH", "BPP (kecamatan)": scope_label(report)}
    return [named[h] if h in named else value(report.totals) for h, _, _, value in columns]


def summary_sheet(workbook: Any, f: Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Ringkasan BPP")
    columns = summary_columns(report)
    order = "urut kode (belum diperingkat)" if report.provisional else "urut peringkat"
    sheet_heading(sheet, f, report, len(columns) - 1, f"{scope_label(report)} · {order}")
    if report.provisional:
        sheet.write_string(2, 0, provisional_note(report), f.provisional)
    else:
        sheet.write_string(2, 0, ("★ " if report.best_bpp else "") + best_text(report), f.best_note)
    top = 3
    header_row(sheet, f, top, 54, [(h, w, k) for h, w, k, _ in columns])
    kinds = [kind for _, _, kind, _ in columns]
    row_index = top + 1
    for row in ranked(report.rows):
        style = "best" if is_best(report, row) else "plain"
        write_row(sheet, f, row_index, style, kinds, [value(row) for _, _, _, value in columns])
        row_index += 1
    write_row(sheet, f, row_index, "total", kinds, _summary_totals(report, columns))
    notes = (
        f"Cara pemeringkatan: {report.ranking_formula}",
        "Kolektibilitas = aktif ÷ (aktif + menunggak + tidak membayar) pada akhir bulan; "
        "tidak membayar = terdaftar lebih dari 2 bulan tanpa pernah membayar.",
        f"Dibanding bulan lalu: selisih dengan bulan sebelumnya ({NO_DATA} bila bulan lalu belum ada data).",
    )
    for offset, note in enumerate(notes, start=2):
        sheet.write_string(row_index + offset, 0, note, f.note)
    sheet.freeze_panes(top + 1, 2 if report.provisional else 3)
    print_setup(sheet, landscape=True, repeat_row=top)


# --------------------------------------------------------------------------- "Agen"

AGENT_COLUMNS: tuple[Header, ...] = (
    ("No", 5, "rank"),
    ("Agen", 24, "text"),
    ("Nama pengguna", 20, "text"),
    ("Kode BPP", 10, "text"),
    ("BPP", 16, "text"),
    ("Pendaftaran", 12, "int"),
    ("Pembayaran", 12, "int"),
    ("Iuran dipungut (Rp)", 18, "rp"),
    ("Insentif (Rp)", 16, "rp"),
)


def _agent_line(number: int, agent: AgentRow, names: dict[str, str]) -> tuple[object, ...]:
    code = agent.kecamatan_code or ""
    return (number, agent.full_name, agent.username, code, names.get(code, "—"), agent.registrations,
            agent.payments, agent.collections_amount, agent.incentive)  # fmt: skip


def _agent_totals(agents: Sequence[AgentRow]) -> tuple[object, ...]:
    return (None, "JUMLAH", None, None, None, sum(a.registrations for a in agents), sum(a.payments for a in agents),
            sum(a.collections_amount for a in agents), sum(a.incentive for a in agents))  # fmt: skip


def agents_sheet(workbook: Any, f: Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("Agen")
    rule = f"insentif = {format_rate_plain(report.incentive_rate)} × iuran dipungut, dibulatkan ke bawah"
    sheet_heading(sheet, f, report, len(AGENT_COLUMNS) - 1, f"Kinerja agen · {scope_label(report)} · {rule}")
    top = 2
    header_row(sheet, f, top, 30, AGENT_COLUMNS)
    kinds = [kind for _, _, kind in AGENT_COLUMNS]
    names = kecamatan_names(report)
    agents = sorted_agents(report)
    row_index = top + 1
    for number, agent in enumerate(agents, start=1):
        write_row(sheet, f, row_index, "plain", kinds, _agent_line(number, agent, names))
        row_index += 1
    if not agents:
        sheet.write_string(row_index, 1, "Tidak ada kegiatan agen bulan ini.", f.note)
        row_index += 1
    write_row(sheet, f, row_index, "total", kinds, _agent_totals(agents))
    sheet.freeze_panes(top + 1, 2)
    print_setup(sheet, landscape=False, repeat_row=top)


# --------------------------------------------------------------------------- "Tren 12 bulan"

TREND_SHEET = "Tren 12 bulan"


def trend_columns(report: Report, *, regency: bool) -> list[Header]:
    """Period, month and the scope's rate; for the regency also the money and each BPP's rate;
    last, a note for the months without data."""
    columns: list[Header] = [
        ("Periode", 10, "text"),
        ("Bulan", 16, "text"),
        (f"Kolektibilitas {scope_label(report)}", 16, "pct"),
    ]
    if regency:
        columns.append(("Iuran terkumpul (Rp)", 18, "rp"))
        columns.extend((f"BPP {row.kecamatan_name}", 12, "pct") for row in report.rows)
    columns.append(("Keterangan", 26, "text"))
    return columns


def trend_line(report: Report, point: TrendPoint, *, regency: bool) -> list[object]:
    """A month; one without data (before the programme) has blank cells, so that a chart
    leaves a gap instead of plotting 0 %, and says why in the last column."""
    values: list[object] = [point.period, month_name(point.period), point.collection_rate]
    if regency:
        values.append(None if point.collection_rate is None else point.contributions_collected)
        values.extend(point.by_kecamatan.get(row.kecamatan_code) for row in report.rows)
    values.append(NO_DATA if point.collection_rate is None else None)
    return values


def _trend_chart(workbook: Any, report: Report, top: int, first: int, last: int) -> Any:
    """A line chart of the scope's rate (column C) over the months (column B) of rows first..last."""
    chart = workbook.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": [TREND_SHEET, top, 2],
            "categories": [TREND_SHEET, first, 1, last, 1],
            "values": [TREND_SHEET, first, 2, last, 2],
            "marker": {"type": "circle", "size": 6},
            "data_labels": {"value": True, "position": "above", "num_format": "0.0%"},
            "line": {"color": "#2F855A", "width": 2.25},
        }
    )
    chart.set_title({"name": f"Kolektibilitas {scope_label(report)}"})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 760, "height": 320})
    return chart


def trend_sheet(workbook: Any, f: Formats, report: Report) -> None:
    sheet = workbook.add_worksheet(TREND_SHEET)
    regency = len(report.rows) > 1
    columns = trend_columns(report, regency=regency)
    sheet_heading(
        sheet, f, report, len(columns) - 1, f"Kolektibilitas 12 bulan terakhir · {scope_label(report)}"
    )
    top = 2
    header_row(sheet, f, top, 30, columns)
    kinds = [kind for _, _, kind in columns]
    row_index = top + 1
    for point in report.trend:
        write_row(sheet, f, row_index, "plain", kinds, trend_line(report, point, regency=regency))
        row_index += 1
    if not report.trend:
        sheet.write_string(row_index, 0, "Belum ada data tren.", f.note)
    else:
        sheet.insert_chart(row_index + 1, 0, _trend_chart(workbook, report, top, top + 1, row_index - 1))
    sheet.freeze_panes(top + 1, 2)
    print_setup(sheet, landscape=True, repeat_row=None)


# --------------------------------------------------------------------------- "Perubahan dari versi sebelumnya"


def _difference(name: str, before: float | int | None, after: float | int | None) -> object:
    if before is None or after is None or field_kind(name) == "rank":
        return None
    return round((after - before) * 100, 2) if field_kind(name) == "pct" else after - before


def changes_sheet(workbook: Any, f: Formats, report: Report) -> None:
    """A revision: each changed figure per BPP, before and after, in its own number format."""
    if not is_revision(report):
        return
    sheet = workbook.add_worksheet(CHANGES_TITLE)
    columns: list[Header] = [("Kode", 10, "text"), ("BPP", 16, "text"), ("Angka", 34, "text"),
                             (f"Versi {report.supersedes}", 16, "text"), (f"Versi {report.version}", 16, "text"),
                             ("Selisih", 14, "text")]  # fmt: skip
    sheet_heading(sheet, f, report, len(columns) - 1, scope_label(report))
    sheet.write_string(2, 0, changes_intro(report), f.version)
    header_row(sheet, f, 3, 30, columns)
    for index, line in enumerate(change_lines(report), start=4):
        change, kind = line.change, field_kind(line.change.field)
        number = "int" if kind == "rank" else kind
        kinds = [
            "text",
            "text",
            "text",
            number,
            number,
            "pts" if kind == "pct" else "signed" if kind != "rp" else "rp+",
        ]
        values = [line.kecamatan_code, line.kecamatan_name, line.label, change.before, change.after,
                  _difference(change.field, change.before, change.after)]  # fmt: skip
        write_row(sheet, f, index, "plain", kinds, values)
    sheet.freeze_panes(4, 3)
    print_setup(sheet, landscape=False, repeat_row=3)
