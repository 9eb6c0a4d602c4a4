"""A report's revision: what differs, BPP by BPP, from the version before (late payments,
corrections). Earlier versions are never changed: a revision says how it differs."""

from __future__ import annotations

from sutasoma.reports.models import BppChanges, FieldChange, KecamatanRow, Report

COMPARED = (
    "registered", "new_registrations", "active", "due", "arrears", "lapsed", "not_started", "not_paying",
    "ended", "contributions_due", "contributions_collected", "payments", "collection_rate",
    "claims_submitted.JKK", "claims_submitted.JKM", "claims_amount.JKK", "claims_amount.JKM",
    "claims_paid.JKK", "claims_paid.JKM", "claims_in_progress",
    "refunds_open", "refunds_open_amount", "refunds_settled", "refunds_settled_amount", "rank",
)  # fmt: skip


def figure(row: KecamatanRow, name: str) -> float | int | None:
    """A row's figure by its compared name: `claims_amount.JKM` is the JKM part of a by-type one."""
    field, _, claim_type = name.partition(".")
    value = getattr(row, field)
    return getattr(value, claim_type) if claim_type else value  # type: ignore[no-any-return]


def row_changes(before: KecamatanRow, after: KecamatanRow) -> list[FieldChange]:
    """Every compared figure of a BPP's row that differs."""
    return [
        FieldChange(field=name, before=figure(before, name), after=figure(after, name))
        for name in COMPARED
        if figure(before, name) != figure(after, name)
    ]


def changes_since(previous: Report, report: Report) -> list[BppChanges]:
    """Per BPP, the figures that differ from `previous` (BPPs without a change left out)."""
    earlier = {r.kecamatan_code: r for r in previous.rows}
    found = []
    for row in report.rows:
        before = earlier.get(row.kecamatan_code)
        fields = row_changes(before, row) if before else []
        if fields:
            found.append(
                BppChanges(
                    kecamatan_code=row.kecamatan_code, kecamatan_name=row.kecamatan_name, fields=fields
                )
            )
    return found


def as_revision(report: Report, previous: Report | None) -> Report:
    """The report as the next version of the month's record."""
    version = previous.version + 1 if previous else 1
    if previous is None or (previous.provisional and not report.provisional):
        # The month's first version, or its first evaluation: it replaces no evaluated version.
        evaluated = None if report.provisional else version
        return report.model_copy(
            update={"version": version, "supersedes": None, "changes": [], "evaluated_version": evaluated}
        )
    return report.model_copy(
        update={
            "version": version,
            "supersedes": previous.version,
            "changes": changes_since(previous, report),
            "evaluated_version": previous.evaluated_version,
        }
    )
