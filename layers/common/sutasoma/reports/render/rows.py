"""Which of the report's rows a table shows, in which order, and which one stands out: shared
by the spreadsheet, the page and its charts."""

from __future__ import annotations

from collections.abc import Sequence

from sutasoma.reports.models import AgentRow, KecamatanRow, Report


def ranked(rows: Sequence[KecamatanRow]) -> list[KecamatanRow]:
    """Rank order; rows without a rank last, in code order."""
    return sorted(rows, key=lambda r: (r.rank is None, r.rank if r.rank is not None else 0, r.kecamatan_code))


def sorted_agents(report: Report) -> list[AgentRow]:
    """Grouped by BPP (code order; agents without a kecamatan last), biggest collections first."""
    return sorted(
        report.agents,
        key=lambda a: (a.kecamatan_code is None, a.kecamatan_code or "", -a.collections_amount, a.username),
    )


def kecamatan_names(report: Report) -> dict[str, str]:
    """Kecamatan code -> name, for the agents' BPP column (the best BPP's too in a filtered copy)."""
    names = {row.kecamatan_code: row.kecamatan_name for row in report.rows}
    if report.best_bpp is not None:
        names.setdefault(report.best_bpp.kecamatan_code, report.best_bpp.kecamatan_name)
    return names


def is_best(report: Report, row: KecamatanRow) -> bool:
    return report.best_bpp is not None and report.best_bpp.kecamatan_code == row.kecamatan_code
