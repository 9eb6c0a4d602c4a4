"""What an import does with one valid row, against what SUTASOMA already holds, and the records
and change-sets of it (docs/imports.md "Commit", docs/decisions.md "Imported members").

- NIK unknown, KPJ unused → CREATE: a CONFIRMED farmer with the row's KPJ, registered on the
  row's "Tanggal Terdaftar", coverage from that month to "Iuran Terbayar s.d.".
- NIK known with the same KPJ → UNCHANGED, or UPDATE of what the row changes (contact fields,
  a later paid-through month); identity and kecamatan are never changed by an import.
- NIK known with another KPJ (or none), KPJ held by another farmer, membership ended → refused,
  never merged. Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, Created, farmer_written
from sutasoma.domain.clock import WITA, iso_utc, period_of
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.farmer import (
    FarmerRecord,
    ImportedCoverage,
    ImportedFrom,
    KpjClaim,
    NikClaim,
    registered_on,
)
from sutasoma.domain.identity import Caller
from sutasoma.domain.import_rows import MemberRow
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.periods import add_months, months_between
from sutasoma.domain.privacy import mask_nik
from sutasoma.domain.records import Record
from sutasoma.domain.registration import RegistrationStatus

UPDATABLE = ("phone", "address", "village_code", "commodity", "monthly_income")


class RowAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


class PlannedRow(Record):
    """A valid row and what the commit will do with it; ids drawn once, at validation, so that
    a chunk tried again writes the same farmer and sends the same look-up."""

    member: MemberRow
    action: RowAction
    farmer_id: str
    nik_hash: str
    lookup_op_id: str | None = None  # CREATE: the BPJS participant look-up
    update_op_id: str | None = None  # UPDATE: BPJS told of changed contact fields


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def existing_refusal(member: MemberRow, farmer: FarmerRecord) -> str | None:
    """Why a row whose NIK is registered already may not touch that farmer (None: it may)."""
    if farmer.kpj_number != member.kpj_number:
        held = "dengan nomor KPJ lain" if farmer.kpj_number else "dan belum memiliki nomor KPJ"
        return f"NIK sudah terdaftar di SUTASOMA {held}; data tidak digabung. Periksa dengan BPJS."
    if farmer.ended:
        return "Kepesertaan petani dengan NIK ini di SUTASOMA sudah berakhir (meninggal dunia atau ditolak BPJS)."
    differs = [
        name
        for name, same in (
            ("Nama", _same_name(member.full_name, farmer.full_name)),
            ("Tanggal Lahir", member.birth_date == farmer.birth_date),
            ("Jenis Kelamin", member.sex == farmer.sex),
        )
        if not same
    ]
    if differs:
        return (
            f"{', '.join(differs)} berbeda dengan data SUTASOMA; identitas diperbaiki lewat koreksi data "
            "(koordinator/admin), bukan lewat impor."
        )
    if member.kecamatan_code != farmer.kecamatan_code:
        return "Kode Kecamatan berbeda dengan data SUTASOMA; pindah kecamatan tidak dilakukan lewat impor."
    return None


def changed_fields(member: MemberRow, farmer: FarmerRecord) -> dict[str, Any]:
    """What the row would change on the farmer: contact fields, and a later paid-through month
    (an import never moves paid-through back: payments made in SUTASOMA since stay)."""
    changes = {
        name: getattr(member, name) for name in UPDATABLE if getattr(member, name) != getattr(farmer, name)
    }
    if member.paid_through and (
        farmer.paid_through is None or months_between(farmer.paid_through, member.paid_through) > 0
    ):
        changes["paid_through"] = member.paid_through
    return changes


def plan_row(
    member: MemberRow, nik_hash: str, existing: FarmerRecord | None, kpj_holder: str | None, new_id: Any
) -> PlannedRow | str:
    """What to do with a valid row, or why it is refused. `kpj_holder`: the farmer whose KPJ
    claim holds the row's KPJ; `new_id()` draws an id."""
    if existing is None:
        if kpj_holder is not None:
            return "Nomor KPJ sudah dipakai petani lain di SUTASOMA."
        return PlannedRow(
            member=member,
            action=RowAction.CREATE,
            farmer_id=new_id(),
            nik_hash=nik_hash,
            lookup_op_id=new_id(),
        )
    if kpj_holder is not None and kpj_holder != existing.farmer_id:
        return "Nomor KPJ sudah dipakai petani lain di SUTASOMA."
    refusal = existing_refusal(member, existing)
    if refusal is not None:
        return refusal
    if not changed_fields(member, existing):
        return PlannedRow(
            member=member, action=RowAction.UNCHANGED, farmer_id=existing.farmer_id, nik_hash=nik_hash
        )
    return PlannedRow(
        member=member,
        action=RowAction.UPDATE,
        farmer_id=existing.farmer_id,
        nik_hash=nik_hash,
        update_op_id=new_id(),
    )


def registered_stamp(member: MemberRow) -> str:
    """The start of the registration day (WITA): the month a recount counts the registration in."""
    return iso_utc(datetime.combine(member.registered_on, time(0), tzinfo=WITA))


def imported_farmer(planned: PlannedRow, import_id: str, committer: Caller, stamp: str) -> FarmerRecord:
    m = planned.member
    registered = registered_stamp(m)
    start = period_of(m.registered_on) if m.paid_through else None
    coverage = (ImportedCoverage(import_id=import_id, first_period=start, last_period=m.paid_through,
                                 recorded_at=stamp, income=m.monthly_income),) if start and m.paid_through else ()  # fmt: skip
    return FarmerRecord(
        farmer_id=planned.farmer_id, nik=m.nik, nik_masked=mask_nik(m.nik), full_name=m.full_name,
        name_search=m.full_name.casefold(), sex=m.sex, birth_date=m.birth_date, phone=m.phone,
        kecamatan_code=m.kecamatan_code, village_code=m.village_code, address=m.address, commodity=m.commodity,
        monthly_income=m.monthly_income, consent_at=registered, registration_status=RegistrationStatus.CONFIRMED,
        registered_by=m.agent or committer.username, registered_by_sub=m.agent_sub or committer.sub,
        registered_at=registered, updated_at=stamp, coverage_start=start, paid_through=m.paid_through,
        kpj_number=m.kpj_number, confirmed_at=registered, imported=ImportedFrom(import_id=import_id, imported_at=stamp),
        import_coverage=coverage, last_import_id=import_id,
    )  # fmt: skip


def created_changes(planned: PlannedRow, import_id: str, committer: Caller, stamp: str) -> ChangeSet:
    """The farmer, its NIK and KPJ claims, the counts of its registration month, the BPJS
    participant look-up (already handed over: the chunk sends it itself) and the audit record."""
    farmer = imported_farmer(planned, import_id, committer, stamp)
    period = period_of(planned.member.registered_on)
    lookup = OutboxEntry(
        op_id=planned.lookup_op_id or planned.farmer_id, op_type=OpType.PARTICIPANT_LOOKUP,
        farmer_id=farmer.farmer_id, created_at=stamp, sent_at=stamp, payload={"import_id": import_id},
    )  # fmt: skip
    audit = by_caller(
        committer, AuditAction.FARMER_IMPORTED, farmer.farmer_id, f"farmer/{farmer.farmer_id}", stamp,
        farmer_id=farmer.farmer_id, detail={"import_id": import_id, "row": str(planned.member.row)},
    )  # fmt: skip
    claims = ChangeSet(
        writes=(
            Created(NikClaim(nik_hash=planned.nik_hash, farmer_id=farmer.farmer_id, created_at=stamp)),
            Created(
                KpjClaim(kpj_number=farmer.kpj_number or "", farmer_id=farmer.farmer_id, created_at=stamp)
            ),
        ),
        counts=(CounterIncrement(period, farmer.kecamatan_code, {"new_registrations": 1}),),
        outbox=(lookup,),
        audit=(audit,),
    )
    return farmer_written(None, farmer, period) + claims


def updated_changes(
    planned: PlannedRow, farmer: FarmerRecord, import_id: str, committer: Caller, stamp: str, period: str
) -> ChangeSet | None:
    """The farmer changed by the row as it is now (None: nothing left to change); the
    population moves in `period`, the month of the commit."""
    fields = changed_fields(planned.member, farmer)
    if not fields:
        return None
    extra: dict[str, Any] = {}
    if "paid_through" in fields:
        start = farmer.coverage_start or period_of(registered_on(farmer))
        first = add_months(farmer.paid_through, 1) if farmer.paid_through else start
        recorded = ImportedCoverage(import_id=import_id, first_period=first, last_period=fields["paid_through"],
                                    recorded_at=stamp, income=fields.get("monthly_income", farmer.monthly_income))  # fmt: skip
        extra = {"coverage_start": start, "import_coverage": (*farmer.import_coverage, recorded)}
    after = farmer.next(**fields, **extra, updated_at=stamp, last_import_id=import_id)
    audit = by_caller(
        committer, AuditAction.FARMER_UPDATED, farmer.farmer_id, f"farmer/{farmer.farmer_id}", stamp,
        farmer_id=farmer.farmer_id, fields=tuple(fields), detail={"import_id": import_id},
    )  # fmt: skip
    contact = sorted(set(fields) & set(UPDATABLE))
    outbox = (
        (OutboxEntry(op_id=planned.update_op_id or planned.farmer_id, op_type=OpType.PARTICIPANT_UPDATE,
                     farmer_id=farmer.farmer_id, created_at=stamp, sent_at=stamp, payload={"fields": contact}),)
        if contact else ()
    )  # fmt: skip
    return farmer_written(farmer, after, period) + ChangeSet(outbox=outbox, audit=(audit,))
