"""The monthly evaluation report as files people open (docs/reports.md "Files"): CSV for
machines, XLSX for the spreadsheet users, HTML (with SVG charts) for reading on screen and
printing on A4.

Pure functions over `Report` (reports/models.py), which is the single source of the numbers:
nothing here computes a figure the report does not already hold, except the sums of the agent
table's columns. One module per format (csv, xlsx, html, svg), the Indonesian number, month and
title texts they share in formats.py, the rows' order in rows.py.

`render()` imports a format's module when that format is asked for: importing this package
does not import xlsxwriter, so only the routes that write a workbook pay for it at cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the farmer export's CSV needs none of the report's models
    from sutasoma.reports.models import Report

# File type (the `{file_type}` of GET /reports/{period}/files/{file_type}) -> its content type.
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def render(report: Report, file_type: str) -> bytes:
    """The report as a file of `file_type`, a key of FILE_TYPES (KeyError for any other)."""
    if file_type == "csv":
        from sutasoma.reports.render.csv import render_csv

        return render_csv(report)
    if file_type == "xlsx":
        from sutasoma.reports.render.xlsx import render_xlsx

        return render_xlsx(report)
    if file_type == "html":
        from sutasoma.reports.render.html import render_html

        return render_html(report)
    raise KeyError(file_type)
