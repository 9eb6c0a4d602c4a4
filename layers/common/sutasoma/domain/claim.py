"""A claim: the record, moved through its status machine (domain/claim_states.py, DOMAIN.md "Claims
life cycle"); every move is kept in the claim's history.
"""

from __future__ import annotations

from datetime import date

from sutasoma.domain.benefits import BenefitItem
from sutasoma.domain.claim_states import TRANSITIONS as TRANSITIONS
from sutasoma.domain.claim_states import ClaimEvent as ClaimEvent
from sutasoma.domain.claim_states import ClaimStatus as ClaimStatus
from sutasoma.domain.claim_states import allowed_from as allowed_from
from sutasoma.domain.errors import InvalidTransition
from sutasoma.domain.records import Record, Versioned
from sutasoma.domain.uploads import FileCheck


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


class ClaimDocument(FileCheck):
    """One checked upload of a document of the claim (domain/uploads.py): an ACCEPTED one is the
    file a verifier opens; a REFUSED one says why the last try did not count."""

    doc_type: str


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
    refiled_as: str | None = None  # REJECTED, then filed again as that claim
    # Per document type at most one ACCEPTED file (the latest) and one REFUSED try (the latest).
    documents: tuple[ClaimDocument, ...] = ()

    @property
    def rejected_at(self) -> str | None:
        return next((c.at for c in reversed(self.history) if c.status is ClaimStatus.REJECTED), None)

    def document(self, doc_type: str) -> ClaimDocument | None:
        """The accepted file of this document type, if any."""
        return next((d for d in self.documents if d.doc_type == doc_type and d.accepted), None)

    def refused_document(self, doc_type: str) -> ClaimDocument | None:
        """The latest refused try of this type, when it came after the accepted file (if any)."""
        refused = next((d for d in self.documents if d.doc_type == doc_type and not d.accepted), None)
        accepted = self.document(doc_type)
        if refused is None or (accepted is not None and accepted.object_key > refused.object_key):
            return None
        return refused

    def uploaded_types(self) -> frozenset[str]:
        """The document types with an accepted file: what counts as uploaded."""
        return frozenset(d.doc_type for d in self.documents if d.accepted)

    def with_document(self, checked: ClaimDocument) -> ClaimRecord:
        """The claim's next version keeping `checked` (an older file of the same type and outcome
        is forgotten: keys hold ULIDs, so a later key is a later upload)."""
        kept = tuple(
            d for d in self.documents if not (d.doc_type == checked.doc_type and d.status is checked.status)
        )
        return self.next(documents=(*kept, checked), updated_at=checked.checked_at)

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
