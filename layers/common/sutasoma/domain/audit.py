"""The audit trail (UU 27/2022 PDP): who wrote what, and who saw personal data, when.

An audit record is part of the change-set of the write it describes (no write without its
record, no record without its write); a read that discloses personal data is recorded before
the answer leaves. Records name the actor, the action, the resource and the names of changed
fields, never their values: no NIK, phone or bank account in the trail.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import new_id
from sutasoma.domain.records import Record


class AuditAction(StrEnum):
    FARMER_REGISTERED = "FARMER_REGISTERED"
    FARMER_UPDATED = "FARMER_UPDATED"
    FARMER_REACTIVATED = "FARMER_REACTIVATED"
    NIK_READ = "NIK_READ"
    PAYMENT_RECORDED = "PAYMENT_RECORDED"
    CLAIM_SUBMITTED = "CLAIM_SUBMITTED"
    CLAIM_VERIFIED = "CLAIM_VERIFIED"
    BANK_ACCOUNT_READ = "BANK_ACCOUNT_READ"
    PHONE_READ = "PHONE_READ"
    BPJS_CALLBACK_APPLIED = "BPJS_CALLBACK_APPLIED"
    BPJS_OPERATION_COMPLETED = "BPJS_OPERATION_COMPLETED"
    DEATH_RECORDED = "DEATH_RECORDED"
    REFUND_SETTLED = "REFUND_SETTLED"
    FARMER_CORRECTED = "FARMER_CORRECTED"
    KTP_READ = "KTP_READ"
    DOCUMENT_READ = "DOCUMENT_READ"
    FARMERS_EXPORTED = "FARMERS_EXPORTED"
    FARMER_IMPORTED = "FARMER_IMPORTED"
    # A file that landed in S3, checked (domain/uploads.py): by the system, never a person.
    KTP_UPLOADED = "KTP_UPLOADED"
    DOCUMENT_UPLOADED = "DOCUMENT_UPLOADED"
    UPLOAD_REFUSED = "UPLOAD_REFUSED"


SYSTEM = "system"
BPJS = "BPJS"


class AuditRecord(Record):
    """One event. `subject_id` is the farmer or claim whose trail it belongs to."""

    action: AuditAction
    subject_id: str
    resource: str  # "farmer/<id>", "claim/<id>", "payment/<id>"
    actor: str  # username, or "BPJS" / "system"
    actor_sub: str | None = None
    actor_role: str  # agent | coordinator | admin | bpjs | system
    at: str
    request_id: str | None = None
    farmer_id: str | None = None
    fields: tuple[str, ...] = ()  # names of what changed, never the values
    detail: dict[str, str] = Field(default_factory=dict)  # ids and codes only
    audit_id: str = Field(default_factory=new_id)


def by_caller(
    caller: Caller,
    action: AuditAction,
    subject_id: str,
    resource: str,
    at: str,
    *,
    farmer_id: str | None = None,
    fields: tuple[str, ...] = (),
    detail: dict[str, str] | None = None,
) -> AuditRecord:
    return AuditRecord(
        action=action,
        subject_id=subject_id,
        resource=resource,
        actor=caller.username,
        actor_sub=caller.sub,
        actor_role=caller.role.value,
        at=at,
        request_id=caller.request_id,
        farmer_id=farmer_id,
        fields=tuple(sorted(fields)),
        detail=detail or {},
    )


def by_party(
    actor: str,
    action: AuditAction,
    subject_id: str,
    resource: str,
    at: str,
    *,
    farmer_id: str | None = None,
    fields: tuple[str, ...] = (),
    detail: dict[str, str] | None = None,
) -> AuditRecord:
    """A write not made by a person: BPJS's callbacks, the BPJS sync ("system")."""
    return AuditRecord(
        action=action,
        subject_id=subject_id,
        resource=resource,
        actor=actor,
        actor_role=actor.lower(),
        at=at,
        farmer_id=farmer_id,
        fields=tuple(sorted(fields)),
        detail=detail or {},
    )
