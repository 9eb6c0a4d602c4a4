"""One NIK, one participant at BPJS too: a NIK a correction frees is registered again only after
BPJS has the correction.

A correction frees the farmer's old NIK at once (anyone may register it: 201), but BPJS knows that
NIK as the corrected farmer's participant until the correction reaches it. Were the new
registration delivered first, BPJS would answer it `ALREADY_PARTICIPANT` with the corrected
farmer's KPJ, and two farmers would hold one KPJ. So the correction leaves a `NikRelease` on the
old NIK, deleted by the completion of the correction's BPJS operation, and a registration's BPJS
operation waits (is tried again later) while its NIK has one (docs/bpjs-h2h.md "NIK corrections").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sutasoma.domain.changes import ChangeSet, Created, Deleted
from sutasoma.domain.farmer import NikClaim, NikRelease
from sutasoma.domain.outbox import OpType

if TYPE_CHECKING:
    from sutasoma.domain.outbox import OutboxEntry

RELEASE = "nik_release"  # the correction's outbox payload: the NikRelease it deletes when delivered
NIK_HASH = "nik_hash"  # the registration's outbox payload: the keyed hash of its NIK, never the NIK


def registration_nik_hash(body: dict[str, Any]) -> list[str]:
    """The NIK hash a registration's queue message carries (its release is read with the batch)."""
    payload = body.get("payload")
    if body.get("op_type") != OpType.PARTICIPANT_REGISTRATION.value or not isinstance(payload, dict):
        return []
    nik_hash = payload.get(NIK_HASH)
    return [nik_hash] if isinstance(nik_hash, str) else []


class WaitForNikRelease(Exception):
    """A registration whose NIK a correction freed, before BPJS has that correction."""


def released(
    old: NikClaim | None, farmer_id: str, op_id: str, stamp: str
) -> tuple[ChangeSet, dict[str, Any]]:
    """The old NIK's claim deleted and its release noted (nothing if the farmer held no claim on
    it), and what the correction's BPJS operation carries to end the release."""
    if old is None or old.farmer_id != farmer_id:
        return ChangeSet(), {}
    release = NikRelease(nik_hash=old.nik_hash, farmer_id=farmer_id, op_id=op_id, created_at=stamp)
    return ChangeSet(writes=(Deleted(old), Created(release))), {RELEASE: release.stored()}


def released_on_delivery(entry: OutboxEntry) -> ChangeSet:
    """The release ended with the completion of the correction that began it: BPJS has the
    correction now (or the farmer is no participant of BPJS's)."""
    release = entry.payload.get(RELEASE)
    if not isinstance(release, dict):
        return ChangeSet()
    return ChangeSet(writes=(Deleted(NikRelease.model_validate(release)),))
