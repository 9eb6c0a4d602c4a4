"""Every format of the report (sutasoma.reports.render): an empty month and a NaN rate render;
render() dispatches on FILE_TYPES; importing the package leaves xlsxwriter for an XLSX."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sutasoma.reports.render import FILE_TYPES, render
from sutasoma.reports.render.csv import render_csv
from sutasoma.reports.render.html import render_html
from sutasoma.reports.render.xlsx import render_xlsx
from tests.support.report_files import Xlsx, empty_report, parse_html, read_csv, table
from tests.support.report_preview import sample_report

ROOT = Path(__file__).resolve().parents[2]


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
    # Twelve months before the programme: no point, no 0 %, "tidak ada data" in every format.
    report = empty_report()
    chart = render_html(report).decode("utf-8").split('aria-labelledby="line-chart-title', 1)[1]
    assert "<circle" not in chart and chart.count(">tidak ada</text>") == 12
    _, lines = table(Xlsx(render_xlsx(report)).cells("Tren 12 bulan"), 2)
    trend = [line for line in lines if line["Periode"]]
    assert len(trend) == 12 and {line["Keterangan"] for line in trend} == {"tidak ada data"}
    assert {line["Kolektibilitas Kabupaten Soppeng"] for line in trend} == {None}


def test_nan_rate_does_not_break_files() -> None:
    report = empty_report()
    report.rows[0].collection_rate = float("nan")
    render_csv(report)
    Xlsx(render_xlsx(report))
    parse_html(render_html(report))


def test_render_writes_each_file_type() -> None:
    report = sample_report("2026-11")
    assert list(FILE_TYPES) == ["csv", "xlsx", "html"]
    assert render(report, "csv") == render_csv(report)
    assert render(report, "xlsx") == render_xlsx(report)
    assert render(report, "html") == render_html(report)
    with pytest.raises(KeyError):
        render(report, "pdf")


_CHILD = """
import sys
sys.path[:0] = {paths!r}
import sutasoma.reports.figures
from sutasoma.reports.render import render
from tests.support.report_preview import sample_report
report = sample_report()
loaded = ["xlsxwriter" in sys.modules]
for file_type in ("csv", "html", "xlsx"):
    render(report, file_type)
    loaded.append("xlsxwriter" in sys.modules)
print(*loaded)
"""


def test_xlsxwriter_is_imported_for_an_xlsx_only() -> None:
    # Cold start: the report routes import the package; only writing a workbook loads xlsxwriter.
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _CHILD.format(paths=[str(ROOT), str(ROOT / "layers" / "common")])],
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["False", "False", "False", "True"]
