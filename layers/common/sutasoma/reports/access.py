"""Who reads which part of a report (docs/reports.md "Coordinators see their own BPP"): an admin
the whole regency, a coordinator their own BPP, an agent none; and who makes one (an admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sutasoma.domain.errors import Forbidden
from sutasoma.domain.identity import MAKE_REPORT, READ_REPORT, Caller, Role

if TYPE_CHECKING:  # annotations only: the reconcile job checks its caller without the report's models
    from sutasoma.reports.models import Report


def require_admin(caller: Caller) -> None:
    """Generating a report (or recounting) is for Dinas Pertanian's admins."""
    caller.require(MAKE_REPORT)


def visible_to(caller: Caller) -> str | None:
    """None: the whole report; a code: only that BPP's rows. Agents read no reports."""
    if caller.role is Role.ADMIN:
        return None
    if caller.role is Role.COORDINATOR and caller.kecamatan:
        return caller.kecamatan
    raise Forbidden(READ_REPORT.refusal)


def filter_for_kecamatan(report: Report, kecamatan_code: str) -> Report:
    """What a coordinator of one BPP sees: that BPP's row (its rank among the 8 kept), its own
    agents, its own trend series, and totals that are that row. `best_bpp` is kept: the winner
    is announced to all, and the row says how far behind it the BPP is (`gap_to_best`). The trend's `contributions_collected` is a regency figure the model has
    no per-kecamatan counterpart for: it is kept only for the report's own month (from the
    row) and 0 for the months before."""
    rows = [row for row in report.rows if row.kecamatan_code == kecamatan_code]
    if not rows:
        raise ValueError(f"kecamatan {kecamatan_code!r} is not in the report")
    row = rows[0]
    if report.best_bpp is not None:
        row = row.model_copy(update={"gap_to_best": round(report.best_bpp.score - row.collection_rate, 4)})
    trend = [
        point.model_copy(
            update={
                "collection_rate": point.by_kecamatan.get(kecamatan_code),
                "contributions_collected": row.contributions_collected
                if point.period == report.period
                else 0,
                "by_kecamatan": {k: v for k, v in point.by_kecamatan.items() if k == kecamatan_code},
            }
        )
        for point in report.trend
    ]
    return report.model_copy(
        update={
            "rows": [row.model_copy(deep=True)],
            "totals": row.model_copy(deep=True),
            "agents": [a.model_copy() for a in report.agents if a.kecamatan_code == kecamatan_code],
            "trend": trend,
            "changes": [c.model_copy() for c in report.changes if c.kecamatan_code == kecamatan_code],
        },
        deep=True,
    )
