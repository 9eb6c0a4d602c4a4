"""The report's files (sutasoma.reports.files): CSV, XLSX and HTML carry the Report's numbers,
render an empty month, escape what they are given, and a coordinator's copy holds one BPP."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sutasoma.reports.files import (
    CSV_COLUMNS,
    filter_for_kecamatan,
    format_percent,
    format_rupiah,
    month_name,
    render_csv,
    render_html,
    render_xlsx,
)
from sutasoma.reports.models import AgentRow, ByType, KecamatanRow, Report, TrendPoint
from tests.support.report_preview import PNG_HEIGHT, PNG_WIDTH, chromium_path, render_png, sample_report

NAMES = {
    "73.12.01": "Marioriwawo",
    "73.12.02": "Liliriaja",
    "73.12.03": "Lilirilau",
    "73.12.04": "Lalabata",
    "73.12.05": "Marioriawa",
    "73.12.06": "Donri Donri",
    "73.12.07": "Ganra",
    "73.12.08": "Citta",
}


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def _zero_row(code: str, name: str) -> KecamatanRow:
    return KecamatanRow(
        kecamatan_code=code,
        kecamatan_name=name,
        registered=0,
        new_registrations=0,
        active=0,
        arrears=0,
        lapsed=0,
        not_started=0,
        contributions_due=0,
        contributions_collected=0,
        payments=0,
        collection_rate=0.0,
        claims_submitted=ByType(),
        claims_amount=ByType(),
        claims_paid=ByType(),
        score=0.0,
        rank=None,
    )


def empty_report(*, with_trend: bool = True) -> Report:
    trend = [
        TrendPoint(period=f"2026-{m:02d}", collection_rate=0.0, contributions_collected=0, by_kecamatan={})
        for m in range(1, 13)
    ]
    return Report(
        period="2026-12",
        generated_at="2027-01-05T00:00:00Z",
        rows=[_zero_row(code, name) for code, name in NAMES.items()],
        totals=_zero_row("73.12", "Kabupaten Soppeng"),
        agents=[],
        best_bpp=None,
        ranking_formula="Skor = kolektibilitas",
        incentive_rate=0.05,
        trend=trend if with_trend else [],
    )


# ------------------------------------------------------------------ readers


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _xml(data: bytes | str) -> ElementTree.Element:
    return ElementTree.fromstring(data)  # noqa: S314 - the XML our own renderer just wrote


def _cell_index(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match is not None
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    return int(match.group(2)) - 1, col - 1


class Xlsx:
    """The cells of each sheet of an XLSX, read with zipfile and ElementTree only."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        assert self.zip.testzip() is None
        strings_xml = _xml(self.zip.read("xl/sharedStrings.xml"))
        self.strings = [
            "".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t"))
            for si in strings_xml.findall("m:si", _NS)
        ]
        workbook = _xml(self.zip.read("xl/workbook.xml"))
        rels = _xml(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", _NS)}
        self.sheet_files = {
            sheet.get("name"): "xl/" + str(targets[sheet.get(f"{{{_NS['r']}}}id")])
            for sheet in workbook.findall("m:sheets/m:sheet", _NS)
        }
        self.sheet_names = list(self.sheet_files)

    def sheet_xml(self, name: str) -> str:
        return self.zip.read(self.sheet_files[name]).decode("utf-8")

    def cells(self, name: str) -> dict[tuple[int, int], object]:
        root = _xml(self.sheet_xml(name))
        out: dict[tuple[int, int], object] = {}
        for cell in root.iter(f"{{{_NS['m']}}}c"):
            value = cell.find("m:v", _NS)
            if value is None or value.text is None:
                continue
            kind = cell.get("t")
            key = _cell_index(str(cell.get("r")))
            if kind == "s":
                out[key] = self.strings[int(value.text)]
            elif kind in ("str", "inlineStr"):
                out[key] = value.text
            else:
                number = float(value.text)
                out[key] = int(number) if number.is_integer() else number
        return out

    def styles(self, name: str) -> dict[tuple[int, int], str]:
        root = _xml(self.sheet_xml(name))
        return {_cell_index(str(c.get("r"))): c.get("s", "0") for c in root.iter(f"{{{_NS['m']}}}c")}


def table(
    cells: dict[tuple[int, int], object], header_row: int
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """Header text -> column, and the rows under the header as dicts keyed by header text."""
    headers = {" ".join(str(v).split()): c for (r, c), v in cells.items() if r == header_row}
    last = max(r for r, _ in cells)
    rows = [
        {h: cells.get((r, c)) for h, c in headers.items()}
        for r in range(header_row + 1, last + 1)
        if any((r, c) in cells for c in headers.values())
    ]
    return headers, rows


class StrictParser(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = frozenset({"meta", "br", "img", "link", "input", "hr", "col", "area", "base", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> with {self.stack[-3:]} open")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(data: bytes) -> StrictParser:
    parser = StrictParser()
    parser.feed(data.decode("utf-8"))
    parser.close()
    assert parser.errors == []
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


# ------------------------------------------------------------------ formatting


def test_indonesian_formats() -> None:
    assert format_rupiah(1_234_567) == "Rp 1.234.567"
    assert format_rupiah(0) == "Rp 0"
    assert format_percent(0.8125) == "81,25 %"
    assert format_percent(1.0) == "100,00 %"
    assert format_percent(float("nan")) == "–"
    assert month_name("2026-11") == "November 2026"
    assert month_name("2027-02") == "Februari 2027"


# ------------------------------------------------------------------ CSV


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


# ------------------------------------------------------------------ XLSX


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


# ------------------------------------------------------------------ HTML


def test_html_page(report: Report) -> None:
    data = render_html(report)
    parsed = parse_html(data)
    text = data.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="id">' in text
    assert parsed.tags.count("svg") == 2
    assert "Evaluasi Bulanan SUTASOMA — November 2026" in text
    for name in NAMES.values():
        assert name in text
    assert report.best_bpp is not None
    assert f"★ BPP {report.best_bpp.kecamatan_name}" in text
    best_row = next(r for r in report.rows if r.kecamatan_code == report.best_bpp.kecamatan_code)
    assert f'<tr class="best"><td class="rank">1</td><td class="name">{best_row.kecamatan_name}' in text
    for row in [*report.rows, report.totals]:
        assert format_rupiah(row.contributions_collected) in text
        assert format_percent(row.collection_rate) in text
    assert "2.848" in text  # registered, totals, with the Indonesian thousands separator
    for agent in report.agents:
        assert agent.username in text
        assert format_rupiah(agent.incentive) in text
    assert "@page" in text and "size: A4" in text and "break-inside: avoid" in text
    assert report.ranking_formula in text
    # Self-contained: nothing fetched, nothing run.
    assert "<script" not in text and "<link" not in text and "<img" not in text
    assert "@import" not in text and "url(" not in text and "src=" not in text
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * 2
    # Accessible charts.
    assert text.count("<title id=") == 2 and text.count('role="img"') == 2
    assert 'aria-label="Kolektibilitas per BPP, November 2026"' in text
    # Line chart: the 12 months with short Indonesian names.
    for label in ("Des 25", "Agu 26", "Nov 26"):
        assert f">{label}</text>" in text


def test_empty_month_renders() -> None:
    for report in (empty_report(), empty_report(with_trend=False)):
        csv_rows = read_csv(render_csv(report))
        assert csv_rows[-1]["collection_rate_pct"] == "0.00"
        Xlsx(render_xlsx(report))
        data = render_html(report)
        parse_html(data)
        text = data.decode("utf-8")
        assert "Belum ada BPP terbaik" in text
        assert "Tidak ada kegiatan agen bulan ini." in text
        assert "0,00 %" in text
        assert text.count("<svg") == 2
    assert "Belum ada data tren" in render_html(empty_report(with_trend=False)).decode("utf-8")


def test_nan_rate_does_not_break_files() -> None:
    report = empty_report()
    report.rows[0].collection_rate = float("nan")
    render_csv(report)
    Xlsx(render_xlsx(report))
    parse_html(render_html(report))


def test_text_is_escaped() -> None:
    report = sample_report()
    report.agents[0].username = "<script>alert('x')</script>"
    report.rows[1].kecamatan_name = 'Liliriaja "<b>"'
    report.ranking_formula = "skor < 1 & > 0 <img src=x>"
    data = render_html(report)
    parsed = parse_html(data)
    text = data.decode("utf-8")
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert "<script>alert('x')</script>" in "".join(parsed.text)


# ------------------------------------------------------------------ coordinator's copy


def test_filter_for_kecamatan(report: Report) -> None:
    code = "73.12.07"  # Ganra, not the best BPP
    mine = filter_for_kecamatan(report, code)
    row = next(r for r in report.rows if r.kecamatan_code == code)
    assert mine.rows == [row]
    assert mine.totals == row
    assert mine.agents and all(a.kecamatan_code == code for a in mine.agents)
    assert {a.username for a in mine.agents} == {
        a.username for a in report.agents if a.kecamatan_code == code
    }
    assert [p.period for p in mine.trend] == [p.period for p in report.trend]
    for mine_point, point in zip(mine.trend, report.trend, strict=True):
        assert mine_point.by_kecamatan == {code: point.by_kecamatan[code]}
        assert mine_point.collection_rate == point.by_kecamatan[code]
    assert mine.best_bpp == report.best_bpp
    assert len(report.rows) == 8, "the original is not changed"

    text = render_html(mine).decode("utf-8")
    others = set(NAMES.values()) - {"Ganra", report.best_bpp.kecamatan_name if report.best_bpp else ""}
    assert not [name for name in others if name in text]
    assert "BPP Ganra" in text
    csv_rows = read_csv(render_csv(mine))
    assert [r["kecamatan_code"] for r in csv_rows] == [code, "TOTAL"]
    book = Xlsx(render_xlsx(mine))
    assert not [name for name in others if name in book.strings]

    with pytest.raises(ValueError, match=re.escape("73.12.99")):
        filter_for_kecamatan(report, "73.12.99")


# ------------------------------------------------------------------ PNG through Chromium


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(
    chromium_path() is None,
    reason="no chromium on PATH (Debian: apt-get install -y chromium; `make report-png` installs it)",
)
def test_html_renders_to_png_with_chromium(tmp_path: Path, report: Report) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_bytes(render_html(report))
    png_path = tmp_path / "report.png"
    assert render_png(html_path, png_path)
    data = png_path.read_bytes()
    assert _png_size(data) == (PNG_WIDTH, PNG_HEIGHT)
    assert len(data) > 20_000, "a blank page compresses to a few kB"
