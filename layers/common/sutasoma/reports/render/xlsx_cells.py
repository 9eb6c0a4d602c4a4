"""The workbook's look (render/xlsx.py): number formats, cell formats per row style and column
kind, and writing cells, headings and headers. Text is always written as text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sutasoma.reports.models import Report
from sutasoma.reports.render.formats import finite, made_label, report_title, version_label

# Excel number formats. `,` and `.` in a format code are the locale's grouping and decimal
# separators, not literal characters: with Indonesian regional settings Excel and LibreOffice
# show 1234567 as `Rp 1.234.567` and 0.8125 as `81,25%`, and the cells stay numbers.
RUPIAH_FORMAT = '"Rp "#,##0'
INT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
# A change of a rate in percentage points (the cell holds the points: 2.1).
POINTS_FORMAT = '+0.0" poin";-0.0" poin";0.0" poin"'
SIGNED_FORMAT = "+#,##0;-#,##0;0"
SIGNED_RUPIAH_FORMAT = '+"Rp "#,##0;-"Rp "#,##0;"Rp "0'

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
    ("pts", POINTS_FORMAT),
    ("signed", SIGNED_FORMAT),
    ("rp+", SIGNED_RUPIAH_FORMAT),
)


class Formats:
    """The workbook's formats, made once: headings, notes, and one per (row style, column kind)."""

    def __init__(self, workbook: Any) -> None:
        def fmt(**props: Any) -> Any:
            return workbook.add_format({"font_name": "Calibri", "font_size": 10, **props})

        self.title = fmt(bold=True, font_size=14)
        self.subtitle = fmt(italic=True, font_color="#52606D")
        self.best_note = fmt(bold=True, font_color="#1E6B3A")
        self.provisional = fmt(bold=True, font_color="#C53030", font_size=12)
        self.version = fmt(bold=True, font_color="#243B53")
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
                if kind not in ("text", "rank"):  # texts in a number column ("tidak ada data") too
                    props["align"] = "right"
                if kind == "rank":
                    props["align"] = "center"
                self.cells[(style, kind)] = fmt(**props)

    def cell(self, style: str, kind: str) -> Any:
        return self.cells[(style, kind)]


# A sheet's column: (header, width, kind).
Header = tuple[str, float, str]


def write(sheet: Any, row: int, col: int, value: object, fmt: Any) -> None:
    """Strings are always written as text (never as formulas or links); None as a blank."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, finite(float(value)), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def write_row(
    sheet: Any, f: Formats, row: int, style: str, kinds: Sequence[str], values: Sequence[object]
) -> None:
    for col, (kind, value) in enumerate(zip(kinds, values, strict=True)):
        write(sheet, row, col, value, f.cell(style, kind))


def sheet_heading(sheet: Any, f: Formats, report: Report, last_col: int, subtitle: str) -> None:
    sheet.merge_range(0, 0, 0, last_col, report_title(report), f.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, f"{subtitle} · {version_label(report)} · {made_label(report)}", f.subtitle)


def header_row(sheet: Any, f: Formats, row: int, height: float, columns: Sequence[Header]) -> None:
    """The column headers on `row`, each column set to its width."""
    sheet.set_row(row, height)
    for col, (header, width, _) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(row, col, header, f.header)


def print_setup(sheet: Any, *, landscape: bool, repeat_row: int | None) -> None:
    """A4, one page wide; the header row repeated on every printed page."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(_A4)
    sheet.fit_to_pages(1, 0)
    if repeat_row is not None:
        sheet.repeat_rows(repeat_row)
