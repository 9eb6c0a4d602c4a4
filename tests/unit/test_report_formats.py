"""The texts every report file shares (sutasoma.reports.render.formats): Rupiah, percentages and
month names written the Indonesian way."""

from __future__ import annotations

from sutasoma.reports.render.formats import format_percent, format_rupiah, month_name


def test_indonesian_formats() -> None:
    assert format_rupiah(1_234_567) == "Rp 1.234.567"
    assert format_rupiah(0) == "Rp 0"
    assert format_percent(0.8125) == "81,25 %"
    assert format_percent(1.0) == "100,00 %"
    assert format_percent(float("nan")) == "–"
    assert month_name("2026-11") == "November 2026"
    assert month_name("2027-02") == "Februari 2027"
