"""The texts every report file shares (sutasoma.reports.render.formats): Rupiah, percentages,
changes in points and month names written the Indonesian way; the version, its author and the
provisional mark said the same in every format, and kolektibilitas spelt one way."""

from __future__ import annotations

import pytest

from sutasoma.reports.models import Report
from sutasoma.reports.render.formats import (
    arrow,
    format_percent,
    format_points,
    format_rupiah,
    format_signed,
    gap_text,
    made_label,
    month_name,
    target_text,
    version_label,
)
from tests.support.report_files import file_texts
from tests.support.report_preview import provisional_sample, revised_sample, sample_report


def test_indonesian_formats() -> None:
    assert format_rupiah(1_234_567) == "Rp 1.234.567"
    assert format_rupiah(0) == "Rp 0"
    assert format_percent(0.8125) == "81,25 %"
    assert format_percent(1.0) == "100,00 %"
    assert format_percent(float("nan")) == "–"
    assert month_name("2026-11") == "November 2026"
    assert month_name("2027-02") == "Februari 2027"


def test_changes_and_targets() -> None:
    assert (format_points(0.021), format_points(-0.0049), format_points(0.0004)) == (
        "+2,1 poin", "−0,5 poin", "±0,0 poin",
    )  # fmt: skip
    assert (arrow(0.021), arrow(-0.0049), arrow(0.0004), arrow(3), arrow(-1), arrow(0)) == (
        "▲", "▼", "=", "▲", "▼", "=",
    )  # fmt: skip
    assert (format_signed(3), format_signed(-1_200), format_signed(0)) == ("+3", "−1.200", "±0")
    assert format_signed(12_300, rupiah=True) == "+Rp 12.300"
    assert (target_text(None), target_text(0.85)) == ("belum ditetapkan", "85,00 %")
    assert (gap_text(None), gap_text(0.1234), gap_text(0.0)) == (
        None, "tertinggal 12,3 poin dari BPP terbaik", "sama dengan BPP terbaik",
    )  # fmt: skip


def test_version_and_author() -> None:
    meeting, revised, preview = sample_report(), revised_sample(), provisional_sample()
    assert version_label(meeting) == "Versi 1 — rapat evaluasi"
    assert version_label(revised) == "Versi 2 (menggantikan versi 1)"
    assert (
        version_label(preview)
        == f"Versi {preview.version} — SEMENTARA: pratinjau bulan berjalan, belum dievaluasi"
    )
    assert made_label(meeting) == "dibuat 5 Desember 2026 pukul 08.00 WITA oleh jadwal otomatis tanggal 5"
    assert made_label(revised).endswith(f"oleh {revised.generated_by}")


@pytest.fixture(scope="module")
def texts() -> dict[str, dict[str, str]]:
    reports: dict[str, Report] = {
        "meeting": sample_report(), "revised": revised_sample(), "provisional": provisional_sample(),
    }  # fmt: skip
    return {name: file_texts(report) for name, report in reports.items()}


def test_sementara_in_every_provisional_file_and_in_no_other(texts: dict[str, dict[str, str]]) -> None:
    for file_type, text in texts["provisional"].items():
        assert "SEMENTARA" in text, file_type
    for name in ("meeting", "revised"):
        for file_type, text in texts[name].items():
            assert "SEMENTARA" not in text, (name, file_type)


def test_one_spelling_of_kolektibilitas(texts: dict[str, dict[str, str]]) -> None:
    for name, files in texts.items():
        for file_type, text in files.items():
            assert "kolektabilitas" not in text.lower(), (name, file_type)
            if file_type != "csv":  # the CSV's headers are English
                assert "Kolektibilitas" in text, (name, file_type)
