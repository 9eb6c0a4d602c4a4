"""One NIK, one farmer, also at BPJS: what a NIK already claimed answers, and when a corrected NIK
is set free.

A correction moves a farmer's NIK claim to the new NIK at once, but keeps the old claim until
BPJS has received the correction (the outbox operation carries it as `released_claim`, and its
completion deletes it). Until then nobody can register the old NIK: were it registered first,
BPJS would still know it as the corrected participant's and answer the new registration with that
participant's KPJ, and two farmers would hold one KPJ (docs/bpjs-h2h.md "NIK corrections").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sutasoma.domain.changes import ChangeSet, Deleted
from sutasoma.domain.errors import Conflict, FieldError, NikAlreadyRegistered, NikReleasePending
from sutasoma.domain.farmer import NikClaim
from sutasoma.domain.nik import nik_lookup_hash

if TYPE_CHECKING:
    from sutasoma.app.ports import Farmers
    from sutasoma.domain.outbox import OutboxEntry

RELEASED_CLAIM = "released_claim"  # the outbox payload's key


def nik_taken(farmers: Farmers, claim: NikClaim | None, nik_hash: str, key: bytes, message: str) -> Conflict:
    """409 for a NIK someone holds: its farmer's (NIK_ALREADY_REGISTERED, with that farmer's id),
    or a NIK a correction is still releasing (NIK_RELEASE_PENDING: try again once BPJS knows)."""
    holder_id = claim.farmer_id if claim is not None else farmers.id_for_nik(nik_hash)
    holder = farmers.get(holder_id) if holder_id else None
    if holder is not None and nik_lookup_hash(holder.nik, key) != nik_hash:
        return NikReleasePending(
            "NIK ini baru saja dikoreksi pada petani lain dan koreksinya belum diterima BPJS; "
            "coba lagi beberapa menit lagi.",
            [FieldError("nik", "NIK sedang dilepas oleh koreksi yang menunggu BPJS.")],
        )
    return NikAlreadyRegistered(
        message, [FieldError("nik", "NIK sudah terdaftar.")], extra={"farmer_id": holder_id}
    )


def release_payload(old: NikClaim | None, farmer_id: str) -> dict[str, Any]:
    """What a correction's BPJS operation carries to set the old NIK free (nothing if the farmer
    held no claim on it)."""
    if old is None or old.farmer_id != farmer_id:
        return {}
    return {RELEASED_CLAIM: old.stored()}


def released_on_delivery(entry: OutboxEntry) -> ChangeSet:
    """The old NIK's claim deleted with the completion of the correction that freed it: BPJS has
    the correction now (or the farmer is no participant of BPJS's)."""
    claim = entry.payload.get(RELEASED_CLAIM)
    if not isinstance(claim, dict):
        return ChangeSet()
    return ChangeSet(writes=(Deleted(NikClaim.model_validate(claim)),))
