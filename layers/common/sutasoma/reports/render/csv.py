"""The report as CSV, for machines: the ranking table only, one line per kecamatan and a last
`TOTAL` line (docs/reports.md "CSV")."""

from __future__ import annotations

import csv
import io

from sutasoma.reports.models import KecamatanRow, Report
from sutasoma.reports.render.formats import finite

# KecamatanRow's fields in order, claims split by type, the rate in percent.
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


def csv_text(value: str) -> str:
    """Text cells that a spreadsheet would take for a formula are quoted with an apostrophe
    (also used by the farmer exports and the import results: api/files.py, adapters/tabular.py)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(period: str, row: KecamatanRow, *, total: bool) -> list[str]:
    return [
        period,
        CSV_TOTAL_CODE if total else csv_text(row.kecamatan_code),
        csv_text(row.kecamatan_name),
        str(row.registered),
        str(row.new_registrations),
        str(row.active),
        str(row.arrears),
        str(row.lapsed),
        str(row.not_started),
        str(row.contributions_due),
        str(row.contributions_collected),
        str(row.payments),
        f"{finite(row.collection_rate) * 100:.2f}",
        str(row.claims_submitted.JKK),
        str(row.claims_submitted.JKM),
        str(row.claims_amount.JKK),
        str(row.claims_amount.JKM),
        str(row.claims_paid.JKK),
        str(row.claims_paid.JKM),
        "" if total else f"{finite(row.score):.4f}",
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
