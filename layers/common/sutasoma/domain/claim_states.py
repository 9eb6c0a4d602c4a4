"""A claim's status as one state machine (DOMAIN.md "Claims life cycle").

SUBMITTED -> VERIFIED -> SENT_TO_BPJS -> APPROVED | REJECTED -> PAID. Every move is one row of
TRANSITIONS, caused by one event (domain/claim.py ClaimRecord.moved applies them). Its own module:
the worklist's answer names the statuses, and the register function loads that model at init
without the claim record.
"""

from __future__ import annotations

from enum import StrEnum


class ClaimStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    VERIFIED = "VERIFIED"
    SENT_TO_BPJS = "SENT_TO_BPJS"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAID = "PAID"


class ClaimEvent(StrEnum):
    VERIFIED = "VERIFIED"  # a coordinator or admin checked the documents
    SENT = "SENT"  # BPJS received the claim
    REFUSED_AT_SUBMISSION = "REFUSED_AT_SUBMISSION"  # BPJS refused to take it
    BPJS_APPROVED = "BPJS_APPROVED"
    BPJS_REJECTED = "BPJS_REJECTED"
    BPJS_PAID = "BPJS_PAID"


TRANSITIONS: dict[tuple[ClaimStatus, ClaimEvent], ClaimStatus] = {
    (ClaimStatus.SUBMITTED, ClaimEvent.VERIFIED): ClaimStatus.VERIFIED,
    (ClaimStatus.VERIFIED, ClaimEvent.SENT): ClaimStatus.SENT_TO_BPJS,
    (ClaimStatus.VERIFIED, ClaimEvent.REFUSED_AT_SUBMISSION): ClaimStatus.REJECTED,
    (ClaimStatus.SENT_TO_BPJS, ClaimEvent.BPJS_APPROVED): ClaimStatus.APPROVED,
    (ClaimStatus.SENT_TO_BPJS, ClaimEvent.BPJS_REJECTED): ClaimStatus.REJECTED,
    (ClaimStatus.APPROVED, ClaimEvent.BPJS_PAID): ClaimStatus.PAID,
}


def allowed_from(event: ClaimEvent) -> tuple[ClaimStatus, ...]:
    return tuple(status for (status, cause) in TRANSITIONS if cause is event)
