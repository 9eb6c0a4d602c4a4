"""The report as CSV, for machines: the ranking table only, one line per kecamatan and a last
`TOTAL` line (docs/reports.md "CSV"). One header line of stable snake_case names, so
`csv.DictReader` reads it; columns are only ever added at the end. Every line says which
report it belongs to: `version`, `supersedes`, `generated_by`, and `status` (`SEMENTARA` for
a provisional report, `FINAL` otherwise); a revision's lines name the figures that changed
against the version before (`changed_fields`)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from sutasoma.reports.render.formats import finite

if TYPE_CHECKING:  # annotations only (csv_text serves the farmer export without the report's models)
    from sutasoma.reports.models import KecamatanRow, Report

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
    # Added in r2 (issue 13), at the end so that the columns before keep their place.
    "due",
    "not_paying",
    "ended",
    "claims_in_progress",
    "refunds_open",
    "refunds_open_amount",
    "refunds_settled",
    "refunds_settled_amount",
    "target_pct",
    "collection_rate_change_pts",
    "active_change",
    "contributions_collected_change",
    "gap_to_best_pts",
    "status",
    "version",
    "supersedes",
    "generated_by",
    "changed_fields",
)
STATUS_PROVISIONAL, STATUS_FINAL = "SEMENTARA", "FINAL"
CSV_TOTAL_CODE = "TOTAL"


def csv_text(value: str) -> str:
    """Text cells that a spreadsheet would take for a formula are quoted with an apostrophe
    (also used by the farmer exports and the import results: api/files.py, adapters/tabular.py)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _pct(rate: float | None) -> str:
    """A rate (or a change of one) in percent, 2 decimals; empty when there is none."""
    return "" if rate is None else f"{finite(rate) * 100:.2f}"


def _r2_cells(report: Report, row: KecamatanRow, *, total: bool) -> list[str]:
    vs = None if total and len(report.rows) > 1 else row.vs_last_month
    changed = (
        {c.kecamatan_code: c.fields for c in report.changes}.get(row.kecamatan_code, []) if not total else []
    )
    return [
        str(row.due), str(row.not_paying), str(row.ended), str(row.claims_in_progress), str(row.refunds_open),
        str(row.refunds_open_amount), str(row.refunds_settled), str(row.refunds_settled_amount),
        "" if total and len(report.rows) > 1 else _pct(row.target),
        "" if vs is None else _pct(vs.collection_rate), "" if vs is None else str(vs.active),
        "" if vs is None else str(vs.contributions_collected), _pct(row.gap_to_best),
        STATUS_PROVISIONAL if report.provisional else STATUS_FINAL, str(report.version),
        "" if report.supersedes is None else str(report.supersedes), csv_text(report.generated_by),
        ";".join(change.field for change in changed),
    ]  # fmt: skip


def _csv_row(report: Report, row: KecamatanRow, *, total: bool) -> list[str]:
    return [
        report.period,
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
        *_r2_cells(report, row, total=total),
    ]


def render_csv(report: Report) -> bytes:
    """One line per kecamatan (code order) and a last `TOTAL` line; UTF-8 with a BOM, `,`
    separated, `.` as decimal point, CRLF line ends. Money in whole Rupiah, rates and their
    changes in percent (points) with 2 decimals; empty where there is no value (no target, no
    data last month, no rank)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(_csv_row(report, row, total=False))
    writer.writerow(_csv_row(report, report.totals, total=True))
    return out.getvalue().encode("utf-8-sig")
