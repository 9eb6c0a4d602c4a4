"""The sample reports of the file tests and `make report-png` (tests/support/report_sample.py)
are made by the product's code from simulated events, so they follow the product's rules: the
ranking by kolektibilitas, the best BPP first, the figures adding up, a revision listing what
changed, a provisional preview without rank."""

from __future__ import annotations

import math

import pytest

from local.seed.users import DEMO_NAMES
from sutasoma.domain.places import kecamatan_codes
from sutasoma.reports.figures import RANKING_FORMULA
from sutasoma.reports.models import KecamatanRow, Report
from sutasoma.reports.render.changes import field_label
from sutasoma.reports.revisions import changes_since
from tests.support.report_sample import (
    ADMIN,
    TARGETS,
    Samples,
    provisional_sample,
    revised_sample,
    run,
    sample_report,
    simulate,
)


@pytest.fixture(scope="module")
def samples() -> Samples:
    return simulate()


def _rate(row: KecamatanRow) -> float:
    members = row.active + row.arrears + row.not_paying
    return round(row.active / members, 4) if members else 0.0


@pytest.mark.parametrize("which", ["meeting", "revised", "provisional"])
def test_the_figures_hold_together(samples: Samples, which: str) -> None:
    report: Report = getattr(samples, which)
    assert [r.kecamatan_code for r in report.rows] == kecamatan_codes()
    for row in [*report.rows, report.totals]:
        assert row.collection_rate == _rate(row) == row.score
        assert row.registered == row.active + row.due + row.arrears + row.lapsed + row.not_started
        assert row.not_paying <= row.not_started
    for name in ("registered", "active", "arrears", "not_paying", "contributions_collected", "refunds_open"):
        assert getattr(report.totals, name) == sum(getattr(r, name) for r in report.rows), name
    assert report.totals.registered > 200 and report.totals.ended > 0
    for agent in report.agents:
        assert agent.incentive == math.floor(agent.collections_amount * report.incentive_rate)
    assert sum(a.collections_amount for a in report.agents) == report.totals.contributions_collected
    assert {r.kecamatan_code: r.target for r in report.rows if r.target is not None} == TARGETS
    assert report.ranking_formula == RANKING_FORMULA


@pytest.mark.parametrize("which", ["meeting", "revised"])
def test_the_ranking_follows_the_kolektibilitas(samples: Samples, which: str) -> None:
    report: Report = getattr(samples, which)
    by_rank = sorted(report.rows, key=lambda r: r.rank or 99)
    assert [r.rank for r in by_rank] == list(range(1, 9))
    rates = [r.collection_rate for r in by_rank]
    assert rates == sorted(rates, reverse=True)
    assert report.best_bpp is not None
    assert report.best_bpp.kecamatan_code == by_rank[0].kecamatan_code
    assert report.best_bpp.score == by_rank[0].collection_rate


def test_version_two_says_what_the_late_payments_changed(samples: Samples) -> None:
    meeting, revised = samples.meeting, samples.revised
    assert (meeting.version, meeting.supersedes, meeting.generated_by, meeting.changes) == (
        1,
        None,
        "jadwal",
        [],
    )
    assert (revised.version, revised.supersedes, revised.generated_by) == (2, 1, ADMIN)
    assert revised.changes and revised.changes == changes_since(meeting, revised)
    moved = {c.kecamatan_code: {f.field for f in c.fields} for c in revised.changes}
    # The two BPP whose second agent synced the month's last visits on the 6th.
    for code in ("73.12.02", "73.12.07"):
        assert {"active", "contributions_collected", "payments", "collection_rate"} <= moved[code]
    assert revised.totals.contributions_collected > meeting.totals.contributions_collected


def test_the_provisional_preview_has_no_rank(samples: Samples) -> None:
    report = samples.provisional
    assert (report.period, report.provisional, report.version, report.best_bpp) == ("2026-12", True, 1, None)
    assert all(r.rank is None for r in report.rows)
    assert report.totals.due > 0, "on the 10th the month's own contribution is not yet overdue"


def test_the_trend_has_no_data_before_the_programme(samples: Samples) -> None:
    trend = samples.meeting.trend
    assert trend[0].period == "2025-12" and trend[0].collection_rate is None
    assert set(trend[0].by_kecamatan.values()) == {None}
    assert all(p.collection_rate is not None for p in trend[1:])
    assert trend[-1].collection_rate == samples.meeting.totals.collection_rate


def test_agents_by_their_names(samples: Samples) -> None:
    names = {a.username: a.full_name for a in samples.revised.agents}
    assert names["agen.lalabata"] == DEMO_NAMES[3][0]
    assert names["agen.citta"] == DEMO_NAMES[7][0]
    assert all(name != user and " " in name for user, name in names.items())


def test_copies_are_the_callers_own() -> None:
    first = sample_report()
    first.rows[0].kecamatan_name = "changed"
    assert sample_report().rows[0].kecamatan_name == "Marioriwawo"
    assert revised_sample().version == 2 and provisional_sample().provisional


def test_the_simulation_is_deterministic(samples: Samples) -> None:
    again = run("2026-11")
    assert again == samples


def test_a_revision_names_every_figure_that_moved_claims_by_type_too() -> None:
    """CONTRACT: `changes` is what differs from the version before, per BPP: a claim filed or
    paid, a refund's amount, the members not yet due — each under its own name."""
    meeting = sample_report()
    row = meeting.rows[0]
    moved = row.model_copy(
        update={
            "claims_submitted": row.claims_submitted.model_copy(update={"JKK": row.claims_submitted.JKK + 1}),
            "claims_amount": row.claims_amount.model_copy(update={"JKM": row.claims_amount.JKM + 42_000_000}),
            "refunds_settled_amount": row.refunds_settled_amount + 50_400,
            "due": row.due + 2,
        }
    )
    later = meeting.model_copy(update={"rows": [moved, *meeting.rows[1:]]})
    [bpp] = changes_since(meeting, later)
    assert bpp.kecamatan_code == row.kecamatan_code
    assert {(c.field, c.after - c.before) for c in bpp.fields} == {  # type: ignore[operator]
        ("claims_submitted.JKK", 1), ("claims_amount.JKM", 42_000_000), ("refunds_settled_amount", 50_400), ("due", 2),
    }  # fmt: skip
    assert [field_label(c.field) for c in bpp.fields][-1] == "Nilai pengembalian selesai"
    assert "Klaim JKM dibayar BPJS (Rp)" in [field_label(c.field) for c in bpp.fields]
