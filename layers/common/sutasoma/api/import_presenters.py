"""Imports as the admin reads them: the import's progress and results, the members to check."""

from __future__ import annotations

from sutasoma.api.models.imports import ImportOut, MismatchOut, NotWrittenRow, Planned
from sutasoma.app.imports import ImportView, MismatchView
from sutasoma.domain.imports import CHECK_NOTES

NOT_WRITTEN_SHOWN = 200


def import_out(view: ImportView) -> ImportOut:
    r = view.record
    rows = [NotWrittenRow(row=row, reason=reason) for c in view.refused
            for row, reason in zip(c.refused_rows, c.reasons, strict=True)]  # fmt: skip
    rows += [NotWrittenRow(row=row, reason="Bagian impor ini gagal berulang kali; kirim ulang commit.")
             for c in view.failed for row in c.rows_not_written]  # fmt: skip
    return ImportOut(
        import_id=r.import_id, filename=r.filename, status=r.status, rows_total=r.rows_total,
        rows_checked=r.rows_checked, rows_done=r.rows_done, valid=r.valid, invalid=r.invalid,
        planned=Planned(create=r.planned_create, update=r.planned_update), created=r.created, updated=r.updated,
        unchanged=r.unchanged + r.commit_unchanged, not_written=r.not_written + r.failed_rows,
        not_written_rows=sorted(rows, key=lambda n: n.row)[:NOT_WRITTEN_SHOWN], bpjs_mismatches=view.mismatches,
        errors_url=view.results_url, failure=r.failure, created_by=r.created_by, created_at=r.created_at,
        validated_at=r.validated_at, commit_started_at=r.commit_started_at, finished_at=r.finished_at,
    )  # fmt: skip


def mismatch_out(view: MismatchView) -> MismatchOut:
    m, farmer = view.mismatch, view.farmer
    return MismatchOut(
        farmer_id=m.farmer_id, full_name=farmer.full_name if farmer else None,
        nik_masked=farmer.nik_masked if farmer else None, kpj_number=farmer.kpj_number if farmer else None,
        kecamatan_code=m.kecamatan_code, village_code=farmer.village_code if farmer else None, result=m.result,
        note=CHECK_NOTES.get(m.result, ""), checked_at=m.checked_at,
    )  # fmt: skip
