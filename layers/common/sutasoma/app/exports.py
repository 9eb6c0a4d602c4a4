"""The farmer list as a file (`GET /farmers/export`): who may take it, what they see of each
farmer, and the audit record written before the file leaves (docs/imports.md "Exports")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sutasoma.app.farmer_records import search_farmers
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.domain.errors import ExportTooLarge, FieldError, Forbidden
from sutasoma.domain.identity import EXPORT_FARMERS, Caller, Role
from sutasoma.domain.ids import new_id

if TYPE_CHECKING:
    from sutasoma.app.ports import AuditTrail, Farmers
    from sutasoma.app.queries import FarmerFilters
    from sutasoma.domain.farmer import FarmerRecord

EXPORTS_SUBJECT = "farmer-exports"  # the audit trail every export is recorded on
PAGE = 1000  # farmers per list read: an export of thousands in a few reads per kecamatan


@dataclass(frozen=True)
class ExportView:
    """What a role sees of each farmer in an exported list (DOMAIN: personal data whole only to
    the roles that need it; docs/decisions.md "Farmer exports")."""

    nik_whole: bool
    phone_whole: bool


# Coordinators: the list of their BPP's farmers to visit and call (the phones, as on the
# worklist), the NIK masked as in every list. Admins (Dinas Pertanian): the NIK too, to
# reconcile the membership with BPJS and Dukcapil. Agents take no lists out.
EXPORT_VIEWS: dict[Role, ExportView] = {
    Role.COORDINATOR: ExportView(nik_whole=False, phone_whole=True),
    Role.ADMIN: ExportView(nik_whole=True, phone_whole=True),
}


@dataclass(frozen=True)
class Export:
    farmers: list[FarmerRecord]
    view: ExportView
    export_id: str


class FarmerExports:
    def __init__(self, farmers: Farmers, audit: AuditTrail, max_rows: int) -> None:
        self.farmers = farmers
        self.audit = audit
        self.max_rows = max_rows

    def export(self, caller: Caller, scope: Sequence[str], filters: FarmerFilters, file_type: str) -> Export:
        """The farmers of `scope` (already authorized) matching `filters`, for `caller`'s view;
        recorded before it is handed over (if the record cannot be written, nothing leaves)."""
        view = EXPORT_VIEWS.get(caller.role)
        if view is None:
            raise Forbidden(EXPORT_FARMERS.refusal)
        found: list[FarmerRecord] = []
        start = None
        while True:
            page = search_farmers(self.farmers, filters, scope, PAGE, start)
            found.extend(page.items)
            if len(found) > self.max_rows:
                raise ExportTooLarge(
                    f"Daftar lebih dari {self.max_rows} petani; pilih satu kecamatan atau desa.",
                    [
                        FieldError(
                            "kecamatan_code", "Persempit daftar dengan kecamatan_code atau village_code."
                        )
                    ],
                )
            if not page.more or not page.items:
                break
            last = page.items[-1]
            start = (last.kecamatan_code, (last.village_code, last.farmer_id))
        export_id = new_id()
        detail = {
            "export_id": export_id, "rows": str(len(found)), "kecamatan": ",".join(scope), "format": file_type,
            "nik": "whole" if view.nik_whole else "masked", "phone": "whole" if view.phone_whole else "masked",
            "village_code": filters.village_code or "", "coverage_state": filters.coverage_state or "",
        }  # fmt: skip
        self.audit.record(
            by_caller(
                caller,
                AuditAction.FARMERS_EXPORTED,
                EXPORTS_SUBJECT,
                "farmers/export",
                iso_utc(now_utc()),
                detail=detail,
            )
        )
        return Export(found, view, export_id)
