"""Correcting a typo in a farmer's identity (`POST /farmers/{id}/corrections`): a coordinator
or admin, with a reason; the NIK rules as at registration; the NIK's lookup claim moves with
it; BPJS is told through the outbox (a participant data change)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sutasoma.app.common import Writer, load_farmer, retry_on_conflict
from sutasoma.app.nik_claims import released
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, Created, Updated, WriteConflict
from sutasoma.domain.clock import WITA, iso_utc, now_utc
from sutasoma.domain.errors import FieldError, NikAlreadyRegistered, NikReleasePending, ValidationFailed
from sutasoma.domain.farmer import CorrectionNote, FarmerRecord, NikClaim, NikRelease, Sex
from sutasoma.domain.identity import CORRECT_IDENTITY, Caller
from sutasoma.domain.ids import new_id
from sutasoma.domain.nik import nik_lookup_hash, parse_nik, reconcile_identity
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.privacy import mask_nik
from sutasoma.domain.records import Record
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import Farmers

IDENTITY_FIELDS = ("full_name", "birth_date", "sex", "nik")


class Correction(Record):
    full_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    nik: str | None = None
    reason: str

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in IDENTITY_FIELDS if getattr(self, name) is not None}


def corrected_identity(farmer: FarmerRecord, correction: Correction, today: date) -> dict[str, Any]:
    """The identity fields after the correction, checked as at registration: the NIK valid, the
    birth date and sex agreeing with it."""
    asked = correction.fields()
    if not asked:
        raise ValidationFailed(
            "Tidak ada yang dikoreksi.",
            [FieldError("body", "Isi minimal satu: full_name, birth_date, sex, nik.")],
        )
    nik = parse_nik(asked.get("nik", farmer.nik))
    if "nik" in asked:  # a corrected NIK brings its birth date and sex, as at registration
        kept_birth = farmer.birth_date if farmer.birth_date in nik.birth_date_candidates() else None
        kept_sex = None
    else:  # a birth date or sex corrected alone must agree with the NIK kept
        kept_birth, kept_sex = farmer.birth_date, farmer.sex
    birth_date, sex = reconcile_identity(
        nik, asked.get("birth_date", kept_birth), asked.get("sex", kept_sex), today
    )
    changed: dict[str, Any] = {}
    if "full_name" in asked and asked["full_name"] != farmer.full_name:
        changed |= {"full_name": asked["full_name"], "name_search": asked["full_name"].casefold()}
    if birth_date != farmer.birth_date:
        changed["birth_date"] = birth_date
    if sex != farmer.sex:
        changed["sex"] = sex
    if nik.value != farmer.nik:
        changed |= {"nik": nik.value, "nik_masked": mask_nik(nik.value)}
    return changed


class CorrectFarmer:
    def __init__(self, farmers: Farmers, writer: Writer, nik_key: Callable[[], bytes]) -> None:
        self.farmers = farmers
        self.writer = writer
        self._nik_key = nik_key

    def __call__(self, caller: Caller, farmer_id: str, correction: Correction) -> FarmerRecord:
        caller.require(CORRECT_IDENTITY)
        try:
            return retry_on_conflict(lambda: self._correct(caller, farmer_id, correction))
        except WriteConflict as conflict:
            if conflict.concerns(NikRelease):  # the same NIK freed twice before BPJS heard of the first
                raise NikReleasePending(
                    "NIK lama petani ini baru saja dilepas oleh koreksi lain yang belum diterima BPJS; "
                    "coba lagi beberapa menit lagi.",
                    [FieldError("nik", "Koreksi NIK sebelumnya belum diterima BPJS.")],
                ) from None
            if not conflict.concerns(NikClaim):
                raise
            owner = conflict.current.farmer_id if isinstance(conflict.current, NikClaim) else None
            raise NikAlreadyRegistered(
                "NIK hasil koreksi sudah terdaftar untuk petani lain.",
                [FieldError("nik", "NIK sudah terdaftar.")],
                extra={"farmer_id": owner},
            ) from None

    def _correct(self, caller: Caller, farmer_id: str, correction: Correction) -> FarmerRecord:
        farmer = load_farmer(self.farmers, caller, farmer_id)
        now = now_utc()
        stamp = iso_utc(now)
        changed = corrected_identity(farmer, correction, now.astimezone(WITA).date())
        names = tuple(sorted(name for name in changed if name in IDENTITY_FIELDS))
        note = CorrectionNote(at=stamp, by=caller.username, fields=names, reason=correction.reason)
        after = farmer.next(
            **changed, corrections=(*farmer.corrections, note), edits=farmer.edits + 1, updated_at=stamp
        )
        op_id = new_id()
        moves, release = self._nik_moves(farmer, after, op_id, stamp)
        changes = ChangeSet(writes=(Updated(farmer, after),)) + moves
        if names:
            changes += ChangeSet(
                outbox=(OutboxEntry(
                    op_id=op_id, op_type=OpType.PARTICIPANT_UPDATE, farmer_id=farmer_id, created_at=stamp,
                    payload={"fields": list(names), "correction": True, **release},
                ),),
            )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.FARMER_CORRECTED, farmer_id, f"farmer/{farmer_id}", stamp, farmer_id=farmer_id,
            fields=names, detail={"correction": str(len(after.corrections))},
        )  # fmt: skip
        self.writer.write(changes + ChangeSet(audit=(audit,)))
        logger.info("farmer corrected", extra={"farmer_id": farmer_id, "fields": list(names)})
        return after

    def _nik_moves(
        self, before: FarmerRecord, after: FarmerRecord, op_id: str, stamp: str
    ) -> tuple[ChangeSet, dict[str, Any]]:
        """The NIK claim follows the NIK: the new one taken (or refused), the old one freed, with
        a release that holds its next BPJS registration until BPJS has this correction (`op_id`;
        app/nik_claims.py)."""
        if before.nik == after.nik:
            return ChangeSet(), {}
        key = self._nik_key()
        old = self.farmers.nik_claim(nik_lookup_hash(before.nik, key))
        taken = Created(
            NikClaim(nik_hash=nik_lookup_hash(after.nik, key), farmer_id=after.farmer_id, created_at=stamp)
        )
        freed, release = released(old, before.farmer_id, op_id, stamp)
        return ChangeSet(writes=(taken,)) + freed, release
