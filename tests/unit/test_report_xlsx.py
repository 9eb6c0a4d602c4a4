"""The report as XLSX (sutasoma.reports.render.xlsx): three sheets whose cells carry the Report's
numbers, laid out for a spreadsheet user, with text always written as text."""

from __future__ import annotations

import pytest

from sutasoma.reports.models import AgentRow, Report
from sutasoma.reports.render.xlsx import render_xlsx
from tests.support.report_files import NAMES, Xlsx, empty_report, table
from tests.support.report_preview import sample_report


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def test_xlsx_sheets_numbers_and_layout(report: Report) -> None:
    book = Xlsx(render_xlsx(report))
    assert book.sheet_names == ["Ringkasan BPP", "Agen", "Tren 12 bulan"]

    summary = book.cells("Ringkasan BPP")
    assert summary[(0, 0)] == "Evaluasi Bulanan SUTASOMA — November 2026"
    assert "Lalabata" in str(summary[(2, 0)])
    headers, lines = table(summary, 3)
    by_code = {line["Kode"]: line for line in lines if line["Kode"]}
    assert set(by_code) == {*NAMES, "JUMLAH"}
    for row in [*report.rows, report.totals]:
        line = by_code[row.kecamatan_code if row is not report.totals else "JUMLAH"]
        assert line["Peserta terdaftar"] == row.registered
        assert line["Pendaftar baru"] == row.new_registrations
        assert line["Aktif (iuran lunas)"] == row.active
        assert line["Menunggak (1–3 bln)"] == row.arrears
        assert line["Nonaktif (> 3 bln)"] == row.lapsed
        assert line["Belum pernah bayar"] == row.not_started
        assert line["Iuran wajib (Rp)"] == row.contributions_due
        assert line["Iuran terkumpul (Rp)"] == row.contributions_collected
        assert line["Transaksi pembayaran"] == row.payments
        assert line["Kolektibilitas"] == pytest.approx(row.collection_rate)
        assert line["Klaim diajukan JKK"] == row.claims_submitted.JKK
        assert line["Klaim diajukan JKM"] == row.claims_submitted.JKM
        assert line["Nilai klaim dibayar JKK (Rp)"] == row.claims_amount.JKK
        assert line["Nilai klaim dibayar JKM (Rp)"] == row.claims_amount.JKM
        if row is not report.totals:
            assert line["Peringkat"] == row.rank
            assert line["BPP (kecamatan)"] == NAMES[row.kecamatan_code]
    # Rank order, the best BPP first and styled apart from the others.
    ranks = [line["Peringkat"] for line in lines if line["Kode"] != "JUMLAH" and line["Kode"]]
    assert ranks == list(range(1, 9))
    assert report.best_bpp is not None
    assert lines[0]["Kode"] == report.best_bpp.kecamatan_code
    styles = book.styles("Ringkasan BPP")
    best_col = headers["Peserta terdaftar"]
    assert styles[(4, best_col)] != styles[(5, best_col)]

    sheet_xml = book.sheet_xml("Ringkasan BPP")
    assert 'state="frozen"' in sheet_xml and 'topLeftCell="D5"' in sheet_xml
    assert "<cols>" in sheet_xml
    styles_xml = book.zip.read("xl/styles.xml").decode("utf-8")
    assert 'formatCode="&quot;Rp &quot;#,##0"' in styles_xml
    assert 'formatCode="0.00%"' in styles_xml

    agents = book.cells("Agen")
    _, agent_lines = table(agents, 2)
    by_user = {line["Agen (nama pengguna)"]: line for line in agent_lines}
    for agent in report.agents:
        line = by_user[agent.username]
        assert line["Insentif (Rp)"] == agent.incentive
        assert line["Iuran dipungut (Rp)"] == agent.collections_amount
        assert line["Pendaftaran"] == agent.registrations
        assert line["BPP"] == NAMES[str(agent.kecamatan_code)]
    assert by_user["JUMLAH"]["Insentif (Rp)"] == sum(a.incentive for a in report.agents)
    assert 'state="frozen"' in book.sheet_xml("Agen")

    trend = book.cells("Tren 12 bulan")
    _, trend_lines = table(trend, 2)
    trend_lines = [line for line in trend_lines if line["Periode"]]
    assert [line["Periode"] for line in trend_lines] == [p.period for p in report.trend]
    assert trend_lines[-1]["Bulan"] == "November 2026"
    for line, point in zip(trend_lines, report.trend, strict=True):
        assert line["Kolektibilitas Kabupaten Soppeng"] == pytest.approx(point.collection_rate)
        assert line["BPP Lalabata"] == pytest.approx(point.by_kecamatan["73.12.04"])
    assert any(name.startswith("xl/charts/") for name in book.zip.namelist())


def test_xlsx_writes_text_as_text() -> None:
    report = empty_report()
    report.agents.append(
        AgentRow(
            username='=HYPERLINK("http://x")',
            full_name='=HYPERLINK("http://x")',
            kecamatan_code="73.12.01",
            registrations=1,
            payments=0,
            collections_amount=0,
            incentive=0,
        )
    )
    book = Xlsx(render_xlsx(report))
    assert "<f>" not in book.sheet_xml("Agen")
    assert '=HYPERLINK("http://x")' in book.strings
