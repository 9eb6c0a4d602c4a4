"""Who reads which part of a report (sutasoma.reports.access): an admin all of it, a coordinator a
copy that holds their own BPP only, in every file; an agent nothing."""

from __future__ import annotations

import re

import pytest

from sutasoma.domain.errors import Forbidden
from sutasoma.domain.identity import Caller, Role
from sutasoma.reports.access import filter_for_kecamatan, visible_to
from sutasoma.reports.models import Report
from sutasoma.reports.render.csv import render_csv
from sutasoma.reports.render.formats import format_points
from sutasoma.reports.render.html import render_html
from sutasoma.reports.render.xlsx import render_xlsx
from tests.support.report_files import NAMES, Xlsx, read_csv, table
from tests.support.report_preview import revised_sample, sample_report


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report("2026-11")


def test_filter_for_kecamatan(report: Report) -> None:
    row = max(report.rows, key=lambda r: r.rank or 0)  # the last BPP, far from the best
    code, name = row.kecamatan_code, row.kecamatan_name
    mine = filter_for_kecamatan(report, code)
    assert report.best_bpp is not None
    gap = round(report.best_bpp.score - row.collection_rate, 4)
    assert gap > 0 and mine.rows == [row.model_copy(update={"gap_to_best": gap})]
    assert mine.totals == mine.rows[0]
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

    others = set(NAMES.values()) - {name, report.best_bpp.kecamatan_name}
    text = render_html(mine).decode("utf-8")
    assert not [other for other in others if other in text]
    assert f"BPP {name}" in text
    assert f"BPP {name} tertinggal {format_points(gap)[1:]} dari BPP terbaik" in text
    csv_rows = read_csv(render_csv(mine))
    assert [r["kecamatan_code"] for r in csv_rows] == [code, "TOTAL"]
    assert float(csv_rows[0]["gap_to_best_pts"]) == pytest.approx(gap * 100)
    book = Xlsx(render_xlsx(mine))
    assert not [other for other in others if other in book.strings]
    _, lines = table(book.cells("Ringkasan BPP"), 3)
    assert lines[0]["Tertinggal dari BPP terbaik (poin)"] == pytest.approx(gap * 100)

    with pytest.raises(ValueError, match=re.escape("73.12.99")):
        filter_for_kecamatan(report, "73.12.99")


def test_a_coordinator_sees_only_their_bpp_changes() -> None:
    revised = revised_sample()
    code = revised.changes[-1].kecamatan_code
    mine = filter_for_kecamatan(revised, code)
    assert [c.kecamatan_code for c in mine.changes] == [code]
    others = {c.kecamatan_name for c in revised.changes} - {c.kecamatan_name for c in mine.changes}
    assert revised.best_bpp is not None
    others.discard(revised.best_bpp.kecamatan_name)
    text = render_html(mine).decode("utf-8")
    assert "Perubahan dari versi sebelumnya" in text
    assert not [other for other in others if other in text]
    book = Xlsx(render_xlsx(mine))
    _, lines = table(book.cells("Perubahan dari versi sebelumnya"), 3)
    assert {line["Kode"] for line in lines} == {code}


def test_visible_to() -> None:
    assert visible_to(Caller(sub="1", username="admin", role=Role.ADMIN, kecamatan=None)) is None
    coordinator = Caller(sub="2", username="koor.ganra", role=Role.COORDINATOR, kecamatan="73.12.07")
    assert visible_to(coordinator) == "73.12.07"
    for caller in (
        Caller(sub="3", username="agen.ganra", role=Role.AGENT, kecamatan="73.12.07"),
        Caller(sub="4", username="koor.none", role=Role.COORDINATOR, kecamatan=None),
    ):
        with pytest.raises(Forbidden):
            visible_to(caller)
