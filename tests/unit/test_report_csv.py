"""The report as CSV (sutasoma.reports.render.csv): every kecamatan's figures and the totals, and
no text a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest

from sutasoma.reports.models import Report
from sutasoma.reports.render.csv import CSV_COLUMNS, render_csv
from tests.support.report_files import empty_report, read_csv
from tests.support.report_preview import sample_report


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def test_csv_holds_every_row_and_the_totals(report: Report) -> None:
    rows = read_csv(render_csv(report))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["kecamatan_code"] for r in rows] == [*(row.kecamatan_code for row in report.rows), "TOTAL"]
    for line, row in zip(rows, [*report.rows, report.totals], strict=True):
        assert line["period"] == "2026-11"
        assert line["kecamatan_name"] == row.kecamatan_name
        for field in (
            "registered",
            "new_registrations",
            "active",
            "arrears",
            "lapsed",
            "not_started",
            "contributions_due",
            "contributions_collected",
            "payments",
        ):
            assert int(line[field]) == getattr(row, field), field
        assert line["collection_rate_pct"] == f"{row.collection_rate * 100:.2f}"
        assert int(line["claims_submitted_jkk"]) == row.claims_submitted.JKK
        assert int(line["claims_submitted_jkm"]) == row.claims_submitted.JKM
        assert int(line["claims_amount_jkk"]) == row.claims_amount.JKK
        assert int(line["claims_amount_jkm"]) == row.claims_amount.JKM
        assert int(line["claims_paid_jkk"]) == row.claims_paid.JKK
        assert int(line["claims_paid_jkm"]) == row.claims_paid.JKM
    for line, row in zip(rows, report.rows, strict=False):
        assert line["rank"] == str(row.rank)
        assert float(line["score"]) == pytest.approx(row.score, abs=1e-4)
    assert rows[-1]["rank"] == "" and rows[-1]["score"] == ""


def test_csv_quotes_text_a_spreadsheet_would_run() -> None:
    report = empty_report()
    report.rows[0].kecamatan_name = "=HYPERLINK(1)"
    rows = read_csv(render_csv(report))
    assert rows[0]["kecamatan_name"] == "'=HYPERLINK(1)"
