"""The audit trail (UU 27/2022 PDP): who wrote what, and who saw a whole NIK, when.

One item per event in the domain table, `PK = AUDIT#<farmer_id | claim_id>`,
`SK = <at>#<ulid>` (a subject's trail in time order with one Query). A write's record is a
`Put` inside the write's own `TransactWriteItems` (no write without its record, no record
without its write); a read of a whole NIK puts its record before the answer leaves, and if
that put fails the read fails. Records name the actor, the action, the resource and the
names of changed fields, never their values: no NIK, phone or bank account in the trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sutasoma.adapters.dynamo import to_dynamo
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import new_id
from sutasoma.runtime.observability import logger

AUDIT_TYPE = "AUDIT"


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


SYSTEM = "system"
BPJS = "BPJS"


def audit_pk(subject_id: str) -> str:
    return f"AUDIT#{subject_id}"


def _request_id() -> str | None:
    # The API Gateway request id, set as the correlation id by api.lambda_entry.
    try:
        correlation = logger.get_correlation_id()
    except Exception:  # pragma: no cover - outside a Lambda context
        return None
    return str(correlation) if correlation else None


@dataclass(frozen=True)
class AuditRecord:
    """One event. `subject_id` is the farmer or claim the trail belongs to."""

    action: AuditAction
    subject_id: str
    resource: str  # "farmer/<id>", "claim/<id>", "payment/<id>"
    actor: str  # username, or "BPJS" / "system"
    actor_sub: str | None
    actor_role: str  # agent | coordinator | admin | bpjs | system
    at: str
    request_id: str | None = None
    farmer_id: str | None = None
    fields: tuple[str, ...] = ()  # names of what changed, never the values
    detail: dict[str, str] = field(default_factory=dict)  # ids and codes only
    audit_id: str = field(default_factory=new_id)

    def item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "PK": audit_pk(self.subject_id),
            "SK": f"{self.at}#{self.audit_id}",
            "type": AUDIT_TYPE,
            "audit_id": self.audit_id,
            "action": self.action.value,
            "resource": self.resource,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "at": self.at,
        }
        optional: dict[str, Any] = {
            "actor_sub": self.actor_sub,
            "request_id": self.request_id,
            "farmer_id": self.farmer_id,
            "fields": sorted(self.fields) if self.fields else None,
            "detail": dict(self.detail) if self.detail else None,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        return item

    def put(self, table_name: str) -> dict[str, Any]:
        """The TransactWriteItems element; a fresh ULID sort key never exists already."""
        return {
            "Put": {
                "TableName": table_name,
                "Item": to_dynamo(self.item()),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }


def by_caller(
    caller: Caller,
    action: AuditAction,
    subject_id: str,
    resource: str,
    at: str | None = None,
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
        at=at or iso_utc(now_utc()),
        request_id=_request_id(),
        farmer_id=farmer_id,
        fields=fields,
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
        actor_sub=None,
        actor_role=actor.lower(),
        at=at,
        request_id=_request_id(),
        farmer_id=farmer_id,
        fields=fields,
        detail=detail or {},
    )
