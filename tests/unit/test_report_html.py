"""The report as an HTML page (sutasoma.reports.render.html, its charts from render.svg):
well-formed, self-contained, every figure shown, every text escaped, and A4 through Chromium."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from sutasoma.reports.models import Report
from sutasoma.reports.render.formats import format_int, format_percent, format_rupiah
from sutasoma.reports.render.html import render_html
from tests.support.report_files import NAMES, parse_html
from tests.support.report_preview import PNG_HEIGHT, PNG_WIDTH, chromium_path, render_png, sample_report


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


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
def test_html_renders_to_png_with_chromium(tmp_path: Path, report: Report) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_bytes(render_html(report))
    png_path = tmp_path / "report.png"
    assert render_png(html_path, png_path)
    data = png_path.read_bytes()
    assert _png_size(data) == (PNG_WIDTH, PNG_HEIGHT)
    assert len(data) > 20_000, "a blank page compresses to a few kB"
