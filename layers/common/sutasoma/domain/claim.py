"""A claim: the record, and its status as one state machine (DOMAIN.md "Claims life cycle").

SUBMITTED -> VERIFIED -> SENT_TO_BPJS -> APPROVED | REJECTED -> PAID. Every move is one row of
TRANSITIONS, caused by one event; every move is kept in the claim's history.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sutasoma.domain.benefits import BenefitItem
from sutasoma.domain.errors import InvalidTransition
from sutasoma.domain.records import Record, Versioned


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


class Claimant(Record):
    full_name: str
    relationship: str
    phone: str
    bank_name: str | None = None
    bank_account: str | None = None


class Estimate(Record):
    total: int
    items: tuple[BenefitItem, ...]


class StatusChange(Record):
    status: ClaimStatus
    at: str
    by: str
    reason: str | None = None


class ClaimRecord(Versioned):
    claim_id: str
    farmer_id: str
    kecamatan_code: str
    claim_type: str  # ClaimType
    outcome: str | None = None
    incident_date: date
    description: str
    location: str | None = None
    road_accident: bool = False
    claimant: Claimant
    status: ClaimStatus
    estimated_benefit: Estimate
    required_documents: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    history: tuple[StatusChange, ...]
    created_by: str
    created_by_sub: str | None = None
    created_at: str
    updated_at: str
    # What the estimate rests on: the income the incident's month was paid on, the months paid
    # up to and including it, and (permanent disability) the verifier's percentage.
    income: int | None = None
    membership_months: int | None = None
    disability_percent: int | None = None
    previous_claim_id: str | None = None  # a refiling after BPJS rejected that claim
    verified_by: str | None = None
    bpjs_claim_ref: str | None = None
    approved_amount: int | None = None
    paid_amount: int | None = None
    paid_at: str | None = None
    rejection_reason: str | None = None

    def moved(
        self, event: ClaimEvent, at: str, by: str, reason: str | None = None, **changes: object
    ) -> ClaimRecord:
        """This claim after `event`, its history extended; refused unless TRANSITIONS allows it."""
        target = TRANSITIONS.get((self.status, event))
        if target is None:
            raise InvalidTransition(
                f"Klaim berstatus {self.status.value}; {event.value} tidak berlaku dari status ini."
            )
        change = StatusChange(status=target, at=at, by=by, reason=reason)
        return self.next(status=target, history=(*self.history, change), updated_at=at, **changes)

    @property
    def is_death(self) -> bool:
        return self.outcome == "death"

    @property
    def in_progress(self) -> bool:
        """Filed and not decided for good: neither PAID nor REJECTED."""
        return self.status not in (ClaimStatus.PAID, ClaimStatus.REJECTED)


class ClaimKey(Record):
    """One claim per farmer, type and incident date that is not REJECTED (a duplicate is
    refused; a rejected claim releases its key, so it may be filed again)."""

    farmer_id: str
    claim_type: str
    incident_date: date
    claim_id: str


class DeathClaimKey(Record):
    """One death benefit per person: JKM and JKK death exclude each other; released when the
    claim holding it is REJECTED."""

    farmer_id: str
    claim_id: str
