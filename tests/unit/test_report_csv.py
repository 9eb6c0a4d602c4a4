"""The report as CSV (sutasoma.reports.render.csv): every kecamatan's figures and the totals
under one header line that csv.DictReader reads, which report the lines belong to (version,
SEMENTARA), what a revision changed, and no text a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest

from sutasoma.reports.models import KecamatanRow, Report
from sutasoma.reports.render.csv import CSV_COLUMNS, render_csv
from tests.support.report_files import empty_report, read_csv
from tests.support.report_preview import provisional_sample, revised_sample, sample_report

# The columns of r1, in their places: consumers that read by position keep working.
R1_COLUMNS = (
    "period", "kecamatan_code", "kecamatan_name", "registered", "new_registrations", "active", "arrears", "lapsed",
    "not_started", "contributions_due", "contributions_collected", "payments", "collection_rate_pct",
    "claims_submitted_jkk", "claims_submitted_jkm", "claims_amount_jkk", "claims_amount_jkm", "claims_paid_jkk",
    "claims_paid_jkm", "score", "rank",
)  # fmt: skip
COUNTS = (
    "registered", "new_registrations", "active", "arrears", "lapsed", "not_started", "contributions_due",
    "contributions_collected", "payments", "due", "not_paying", "ended", "claims_in_progress", "refunds_open",
    "refunds_open_amount", "refunds_settled", "refunds_settled_amount",
)  # fmt: skip


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def _check_figures(line: dict[str, str], row: KecamatanRow) -> None:
    for field in COUNTS:
        assert int(line[field]) == getattr(row, field), field
    assert line["collection_rate_pct"] == f"{row.collection_rate * 100:.2f}"
    assert int(line["claims_submitted_jkk"]) == row.claims_submitted.JKK
    assert int(line["claims_submitted_jkm"]) == row.claims_submitted.JKM
    assert int(line["claims_amount_jkk"]) == row.claims_amount.JKK
    assert int(line["claims_amount_jkm"]) == row.claims_amount.JKM
    assert int(line["claims_paid_jkk"]) == row.claims_paid.JKK
    assert int(line["claims_paid_jkm"]) == row.claims_paid.JKM


def test_csv_holds_every_row_and_the_totals(report: Report) -> None:
    rows = read_csv(render_csv(report))
    assert list(rows[0]) == list(CSV_COLUMNS) and CSV_COLUMNS[: len(R1_COLUMNS)] == R1_COLUMNS
    assert [r["kecamatan_code"] for r in rows] == [*(row.kecamatan_code for row in report.rows), "TOTAL"]
    for line, row in zip(rows, [*report.rows, report.totals], strict=True):
        assert line["period"] == "2026-11"
        assert line["kecamatan_name"] == row.kecamatan_name
        _check_figures(line, row)
        assert (line["status"], line["version"], line["supersedes"], line["generated_by"]) == (
            "FINAL", "1", "", "jadwal",
        )  # fmt: skip
    for line, row in zip(rows, report.rows, strict=False):
        assert line["rank"] == str(row.rank)
        assert float(line["score"]) == pytest.approx(row.score, abs=1e-4)
        assert line["target_pct"] == ("" if row.target is None else f"{row.target * 100:.2f}")
        assert row.vs_last_month is not None
        assert float(line["collection_rate_change_pts"]) == pytest.approx(
            row.vs_last_month.collection_rate * 100
        )
        assert int(line["active_change"]) == row.vs_last_month.active
        assert int(line["contributions_collected_change"]) == row.vs_last_month.contributions_collected
        assert line["gap_to_best_pts"] == "" and line["changed_fields"] == ""
    assert rows[-1]["rank"] == "" and rows[-1]["score"] == "" and rows[-1]["target_pct"] == ""
    by_rank = sorted(rows[:-1], key=lambda line: int(line["rank"]))
    rates = [float(line["collection_rate_pct"]) for line in by_rank]
    assert rates == sorted(rates, reverse=True), "the ranking follows the kolektibilitas"


def test_a_revision_names_what_changed() -> None:
    revised = revised_sample()
    rows = read_csv(render_csv(revised))
    assert {(r["status"], r["version"], r["supersedes"], r["generated_by"]) for r in rows} == {
        ("FINAL", "2", "1", revised.generated_by)
    }
    changed = {c.kecamatan_code: ";".join(f.field for f in c.fields) for c in revised.changes}
    assert changed
    for line in rows[:-1]:
        assert line["changed_fields"] == changed.get(line["kecamatan_code"], "")


def test_a_provisional_csv_says_sementara_and_ranks_nothing() -> None:
    preview = provisional_sample()
    data = render_csv(preview)
    rows = read_csv(data)
    assert {r["status"] for r in rows} == {"SEMENTARA"} and {r["version"] for r in rows} == {"1"}
    assert {r["rank"] for r in rows} == {""}
    for line, row in zip(rows, [*preview.rows, preview.totals], strict=True):
        _check_figures(line, row)
    assert b"SEMENTARA" not in render_csv(sample_report()) + render_csv(revised_sample())


def test_csv_quotes_text_a_spreadsheet_would_run() -> None:
    report = empty_report()
    report.rows[0].kecamatan_name = "=HYPERLINK(1)"
    report.generated_by = "-admin"
    rows = read_csv(render_csv(report))
    assert rows[0]["kecamatan_name"] == "'=HYPERLINK(1)"
    assert rows[0]["generated_by"] == "'-admin"
