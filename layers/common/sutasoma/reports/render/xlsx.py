"""The report as an XLSX workbook for the spreadsheet users (docs/reports.md "XLSX"): the BPP
summary, the agents, the 12-month trend with its chart and, for a revision, what changed from
the version before. A provisional report says SEMENTARA in every sheet's title.

This is the one module that imports xlsxwriter: `render()` imports it only when an XLSX is asked
for, so the functions and routes that never write a workbook do not pay for it at cold start.
Its look is in xlsx_cells.py, its sheets in xlsx_sheets.py (neither imports xlsxwriter)."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from sutasoma.reports.models import Report
from sutasoma.reports.render.formats import month_name, parse_generated, report_title, scope_label
from sutasoma.reports.render.xlsx_cells import Formats
from sutasoma.reports.render.xlsx_sheets import agents_sheet, changes_sheet, summary_sheet, trend_sheet


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
    """ "Ringkasan BPP" (the 8 BPP in rank order, or code order while provisional, and the
    regency total, the best BPP highlighted), "Agen" (per agent with incentive), "Tren 12 bulan"
    (rates and a chart), and for a revision "Perubahan dari versi sebelumnya"."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties(_properties(report))
    formats = Formats(workbook)
    summary_sheet(workbook, formats, report)
    changes_sheet(workbook, formats, report)
    agents_sheet(workbook, formats, report)
    trend_sheet(workbook, formats, report)
    workbook.close()
    return out.getvalue()
