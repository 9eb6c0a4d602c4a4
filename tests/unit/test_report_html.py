"""The report as an HTML page (sutasoma.reports.render.html, its tables from html_tables, its
charts from render.svg): well-formed, self-contained but for the links to its own files, every
figure shown, a revision's changes, a provisional page marked SEMENTARA without rank, every
text escaped, and A4 through Chromium."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from sutasoma.reports.models import Report
from sutasoma.reports.render.changes import change_lines
from sutasoma.reports.render.formats import arrow, format_int, format_percent, format_points, format_rupiah
from sutasoma.reports.render.html import render_html
from tests.support.report_files import NAMES, parse_html
from tests.support.report_preview import (
    PNG_HEIGHT,
    PNG_WIDTH,
    chromium_path,
    provisional_sample,
    render_png,
    revised_sample,
    sample_report,
)
from tests.support.report_sample import second_preview


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def _line_chart(text: str) -> str:
    start = text.index('aria-labelledby="line-chart-title')
    return text[start : text.index("</svg>", start)]


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
    assert format_int(report.totals.registered) in text
    for agent in report.agents:
        assert f'{agent.full_name} <span class="user">{agent.username}</span>' in text
        assert format_rupiah(agent.incentive) in text
    assert "@page" in text and "size: A4" in text and "break-inside: avoid" in text
    assert report.ranking_formula in text
    # Self-contained: nothing fetched, nothing run; the only links are this report's own files.
    assert "<script" not in text and "<link" not in text and "<img" not in text
    assert "@import" not in text and "url(" not in text and "src=" not in text
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * 2
    assert re.findall(r'href="([^"]*)"', text) == [
        "html?download=1&amp;version=1",
        "csv?version=1",
        "xlsx?version=1",
    ]
    # Accessible charts.
    assert text.count("<title id=") == 2 and text.count('role="img"') == 2
    assert 'aria-label="Kolektibilitas per BPP, November 2026"' in text
    # Line chart: the 12 months with short Indonesian names.
    for label in ("Des 25", "Agu 26", "Nov 26"):
        assert f">{label}</text>" in text


def test_the_ranking_and_what_each_bpp_shows(report: Report) -> None:
    text = render_html(report).decode("utf-8")
    assert "Versi 1 — rapat evaluasi" in text and "oleh jadwal otomatis tanggal 5" in text
    assert "SEMENTARA" not in text and "Perubahan dari versi sebelumnya" not in text
    ranking = text[
        text.index('<table class="ranking">') : text.index("</table>", text.index('<table class="ranking">'))
    ]
    names = re.findall(r'<td class="rank">(\d+)</td><td class="name">([^<]+)', ranking)
    rows = {r.kecamatan_name: r for r in report.rows}
    assert [int(rank) for rank, _ in names] == list(range(1, 9))
    rates = [rows[name].collection_rate for _, name in names]
    assert rates == sorted(rates, reverse=True), "the ranking follows the kolektibilitas"
    for row in report.rows:
        assert row.vs_last_month is not None
        change = (
            f"{arrow(row.vs_last_month.collection_rate)} {format_points(row.vs_last_month.collection_rate)}"
        )
        assert change in ranking
    assert "belum ditetapkan" in ranking and format_percent(0.9) in ranking  # targets: some set, some not
    assert "Skor" not in text and "kolektabilitas" not in text.lower()
    assert "Tidak membayar" in text and "Berakhir" in text and "Klaim dalam" in text
    assert "Pengembalian iuran terbuka" in text and format_rupiah(report.totals.refunds_open_amount) in text


def test_a_month_without_data_is_no_point(report: Report) -> None:
    chart = _line_chart(render_html(report).decode("utf-8"))
    empty = [p for p in report.trend if p.collection_rate is None]
    assert empty, "the sample's programme starts within the trend"
    assert chart.count("<circle") == len(report.trend) - len(empty)
    assert chart.count(">tidak ada</text>") == len(empty)
    assert "Desember 2025 tidak ada data" in chart
    assert ">0,0 %</text>" not in chart and "Desember 2025 0,00 %" not in chart


def test_a_second_preview_shows_its_changes_like_the_json() -> None:
    preview = second_preview()
    text = render_html(preview).decode("utf-8")
    parse_html(text.encode("utf-8"))
    start = text.index('<section class="changes"')
    section = text[start : text.index("</section>", start)]
    assert "Versi sementara 2 menggantikan versi 1" in section
    for line in change_lines(preview):
        assert f'<td class="name">{line.label}</td><td class="num before">{line.before}</td>' in section
    assert '<section class="changes"' not in render_html(provisional_sample()).decode("utf-8")


def test_a_revision_shows_its_changes() -> None:
    revised = revised_sample()
    text = render_html(revised).decode("utf-8")
    parse_html(text.encode("utf-8"))
    assert "Versi 2 (menggantikan versi 1)" in text and f"oleh {revised.generated_by}" in text
    assert re.findall(r'href="([^"]*)"', text) == [
        "html?download=1&amp;version=2",
        "csv?version=2",
        "xlsx?version=2",
    ]
    section = text[
        text.index('<section class="changes"') : text.index(
            "</section>", text.index('<section class="changes"')
        )
    ]
    assert "Perubahan dari versi sebelumnya" in section
    for bpp in revised.changes:
        table = section[section.index(f"<caption>{bpp.kecamatan_name}</caption>") :]
        table = table[: table.index("</table>")]
        for change in bpp.fields:
            line = next(
                x
                for x in change_lines(revised)
                if x.change == change and x.kecamatan_code == bpp.kecamatan_code
            )
            assert f'<td class="name">{line.label}</td><td class="num before">{line.before}</td>' in table
            assert f'<td class="num">{line.after}</td>' in table
    assert "SEMENTARA" not in text


def test_a_provisional_page_says_sementara_and_ranks_nothing() -> None:
    preview = provisional_sample()
    text = render_html(preview).decode("utf-8")
    parsed = parse_html(text.encode("utf-8"))
    assert "<title>Evaluasi Bulanan SUTASOMA — Desember 2026 (SEMENTARA)" in text
    assert '<span class="stamp">SEMENTARA</span>' in text and 'class="provisional-banner"' in text
    assert '<body class="provisional">' in text
    assert "Peringkat" not in parsed.tags and "<th>Peringkat</th>" not in text
    assert 'class="rank"' not in text and "Terbaik" not in text and 'class="best-bpp' not in text
    assert "<th>Belum jatuh<br>tempo</th>" in text
    assert re.findall(r'href="([^"]*)"', text) == ["html?download=1", "csv", "xlsx"]


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


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(
    chromium_path() is None,
    reason="no chromium on PATH (Debian: apt-get install -y chromium; `make report-png` installs it)",
)
@pytest.mark.parametrize("make", [revised_sample, provisional_sample], ids=["revised", "provisional"])
def test_html_renders_to_png_with_chromium(tmp_path: Path, make: Callable[[], Report]) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_bytes(render_html(make()))
    png_path = tmp_path / "report.png"
    assert render_png(html_path, png_path)
    data = png_path.read_bytes()
    assert _png_size(data) == (PNG_WIDTH, PNG_HEIGHT)
    assert len(data) > 20_000, "a blank page compresses to a few kB"
