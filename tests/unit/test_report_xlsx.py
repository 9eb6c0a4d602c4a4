"""The report as XLSX (sutasoma.reports.render.xlsx): sheets whose cells carry the Report's
numbers, laid out for a spreadsheet user, with text always written as text; a revision's changes
on their own sheet, a provisional report marked SEMENTARA on every sheet."""

from __future__ import annotations

import pytest

from sutasoma.reports.models import AgentRow, Report
from sutasoma.reports.render.changes import field_label
from sutasoma.reports.render.xlsx import render_xlsx
from tests.support.report_files import NAMES, Xlsx, empty_report, table
from tests.support.report_preview import provisional_sample, revised_sample, sample_report
from tests.support.report_sample import second_preview

CHANGES = "Perubahan dari versi sebelumnya"
# Summary header -> the row's figure.
FIGURES = {
    "Peserta terdaftar": "registered", "Pendaftar baru": "new_registrations", "Aktif (iuran lunas)": "active",
    "Menunggak (1–3 bln)": "arrears", "Nonaktif (> 3 bln)": "lapsed", "Belum pernah bayar": "not_started",
    "Tidak membayar (> 2 bln sejak daftar)": "not_paying", "Berakhir (meninggal, ditolak)": "ended",
    "Iuran wajib (Rp)": "contributions_due", "Iuran terkumpul (Rp)": "contributions_collected",
    "Transaksi pembayaran": "payments", "Klaim dalam proses": "claims_in_progress",
    "Pengembalian iuran terbuka": "refunds_open", "Nilai pengembalian terbuka (Rp)": "refunds_open_amount",
    "Pengembalian iuran selesai": "refunds_settled", "Nilai pengembalian selesai (Rp)": "refunds_settled_amount",
}  # fmt: skip


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def test_xlsx_summary(report: Report) -> None:
    book = Xlsx(render_xlsx(report))
    assert book.sheet_names == ["Ringkasan BPP", "Agen", "Tren 12 bulan"]
    summary = book.cells("Ringkasan BPP")
    assert summary[(0, 0)] == "Evaluasi Bulanan SUTASOMA — November 2026"
    assert "Versi 1 — rapat evaluasi" in str(summary[(1, 0)]) and "jadwal" in str(summary[(1, 0)])
    assert report.best_bpp is not None and report.best_bpp.kecamatan_name in str(summary[(2, 0)])
    headers, lines = table(summary, 3)
    assert "Skor" not in headers
    by_code = {line["Kode"]: line for line in lines if line["Kode"]}
    assert set(by_code) == {*NAMES, "JUMLAH"}
    for row in [*report.rows, report.totals]:
        line = by_code[row.kecamatan_code if row is not report.totals else "JUMLAH"]
        for header, field in FIGURES.items():
            assert line[header] == getattr(row, field), header
        assert line["Kolektibilitas"] == pytest.approx(row.collection_rate)
        assert line["Klaim diajukan JKK"] == row.claims_submitted.JKK
        assert line["Nilai klaim dibayar JKM (Rp)"] == row.claims_amount.JKM
        if row is report.totals:
            assert (
                line["Target kolektibilitas"] is None and line["Kolektibilitas dibanding bulan lalu"] is None
            )
            continue
        assert line["Peringkat"] == row.rank
        assert line["BPP (kecamatan)"] == NAMES[row.kecamatan_code]
        assert line["Target kolektibilitas"] == (row.target if row.target is not None else "belum ditetapkan")
        assert row.vs_last_month is not None
        assert line["Kolektibilitas dibanding bulan lalu"] == pytest.approx(
            row.vs_last_month.collection_rate * 100
        )
        assert line["Aktif dibanding bulan lalu"] == row.vs_last_month.active
    # Rank order (the kolektibilitas, highest first), the best BPP first and styled apart.
    ranked = [line for line in lines if line["Kode"] not in ("JUMLAH", None)]
    assert [line["Peringkat"] for line in ranked] == list(range(1, 9))
    rates = [line["Kolektibilitas"] for line in ranked]
    assert rates == sorted(rates, reverse=True)  # type: ignore[type-var]
    assert lines[0]["Kode"] == report.best_bpp.kecamatan_code
    styles = book.styles("Ringkasan BPP")
    assert styles[(4, headers["Peserta terdaftar"])] != styles[(5, headers["Peserta terdaftar"])]
    sheet_xml = book.sheet_xml("Ringkasan BPP")
    assert 'state="frozen"' in sheet_xml and 'topLeftCell="D5"' in sheet_xml
    assert "<cols>" in sheet_xml
    styles_xml = book.zip.read("xl/styles.xml").decode("utf-8")
    assert 'formatCode="&quot;Rp &quot;#,##0"' in styles_xml
    assert 'formatCode="0.00%"' in styles_xml
    assert 'formatCode="+0.0&quot; poin&quot;;-0.0&quot; poin&quot;;0.0&quot; poin&quot;"' in styles_xml


def test_xlsx_agents_by_name(report: Report) -> None:
    book = Xlsx(render_xlsx(report))
    _, agent_lines = table(book.cells("Agen"), 2)
    by_user = {line["Nama pengguna"]: line for line in agent_lines if line["Nama pengguna"]}
    assert set(by_user) == {a.username for a in report.agents}
    for agent in report.agents:
        line = by_user[agent.username]
        assert line["Agen"] == agent.full_name != agent.username
        assert line["Insentif (Rp)"] == agent.incentive
        assert line["Iuran dipungut (Rp)"] == agent.collections_amount
        assert line["Pendaftaran"] == agent.registrations
        assert line["BPP"] == NAMES[str(agent.kecamatan_code)]
    total = next(line for line in agent_lines if line["Agen"] == "JUMLAH")
    assert total["Insentif (Rp)"] == sum(a.incentive for a in report.agents)
    assert 'state="frozen"' in book.sheet_xml("Agen")


def test_xlsx_trend_without_data_before_the_programme(report: Report) -> None:
    book = Xlsx(render_xlsx(report))
    _, lines = table(book.cells("Tren 12 bulan"), 2)
    lines = [line for line in lines if line["Periode"]]
    assert [line["Periode"] for line in lines] == [p.period for p in report.trend]
    assert lines[-1]["Bulan"] == "November 2026"
    assert report.trend[0].collection_rate is None
    for line, point in zip(lines, report.trend, strict=True):
        if point.collection_rate is None:  # blank, so the chart leaves a gap, and said so
            assert line["Kolektibilitas Kabupaten Soppeng"] is None and line["BPP Lalabata"] is None
            assert line["Keterangan"] == "tidak ada data"
            continue
        assert line["Kolektibilitas Kabupaten Soppeng"] == pytest.approx(point.collection_rate)
        assert line["BPP Lalabata"] == pytest.approx(point.by_kecamatan["73.12.04"])
        assert line["Keterangan"] is None
    assert any(name.startswith("xl/charts/") for name in book.zip.namelist())


def test_xlsx_revision_sheet() -> None:
    revised = revised_sample()
    book = Xlsx(render_xlsx(revised))
    assert book.sheet_names == ["Ringkasan BPP", CHANGES, "Agen", "Tren 12 bulan"]
    assert "Versi 2 (menggantikan versi 1)" in str(book.cells("Ringkasan BPP")[(1, 0)])
    _, lines = table(book.cells(CHANGES), 3)
    expected = [
        (c.kecamatan_code, c.kecamatan_name, field_label(f.field), f.before, f.after)
        for c in revised.changes
        for f in c.fields
    ]
    assert [(x["Kode"], x["BPP"], x["Angka"], x["Versi 1"], x["Versi 2"]) for x in lines] == expected
    assert "Perubahan" not in " ".join(Xlsx(render_xlsx(sample_report())).sheet_names)


def test_xlsx_second_preview_lists_its_changes_like_the_json() -> None:
    preview = second_preview()
    assert preview.provisional and preview.supersedes == 1 and preview.changes
    book = Xlsx(render_xlsx(preview))
    assert CHANGES in book.sheet_names
    assert "Versi sementara 2 menggantikan versi 1" in str(book.cells(CHANGES)[(2, 0)])
    _, lines = table(book.cells(CHANGES), 3)
    expected = [
        (c.kecamatan_code, field_label(f.field), f.before, f.after) for c in preview.changes for f in c.fields
    ]
    assert [(x["Kode"], x["Angka"], x["Versi 1"], x["Versi 2"]) for x in lines] == expected
    assert {f.field for c in preview.changes for f in c.fields} == {"payments", "contributions_collected"}
    assert CHANGES not in Xlsx(render_xlsx(provisional_sample())).sheet_names  # the first preview


def test_xlsx_provisional_is_marked_on_every_sheet() -> None:
    preview = provisional_sample()
    book = Xlsx(render_xlsx(preview))
    for sheet in book.sheet_names:
        assert "SEMENTARA" in str(book.cells(sheet)[(0, 0)]), sheet
    summary = book.cells("Ringkasan BPP")
    assert "SEMENTARA" in str(summary[(2, 0)])
    headers, lines = table(summary, 3)
    assert "Peringkat" not in headers and "Belum jatuh tempo" in headers
    assert [line["Kode"] for line in lines][:9] == [*NAMES, "JUMLAH"]  # code order, the notes below
    for line, row in zip(lines, preview.rows, strict=False):
        assert line["Belum jatuh tempo"] == row.due
    final = [Xlsx(render_xlsx(r)) for r in (sample_report(), revised_sample())]
    assert not [s for b in final for s in [*b.strings, *b.sheet_names] if "SEMENTARA" in s]


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
