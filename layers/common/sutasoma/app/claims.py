"""Claims: eligibility, benefit estimate, documents, verification.

The agent files from the field, the BPP coordinator verifies (documents as checked when they
landed in S3 - app/uploads.py - never trusted from the client), the claim goes to BPJS through the outbox, and BPJS's callbacks
move it on (app/callbacks.py). Every status change is kept: who, when, why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.common import Writer, load_farmer, once
from sutasoma.app.farmer_records import Upload, presigned_upload
from sutasoma.app.paging import Page, across_kecamatan
from sutasoma.app.ports import AuditTrail, ClaimQuery, Claims, Documents, Farmers, Idempotency, Payments
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.benefits import ClaimType, JkkOutcome, estimate
from sutasoma.domain.changes import ChangeSet, Created, Updated, WriteConflict
from sutasoma.domain.claim import (
    Claimant,
    ClaimEvent,
    ClaimKey,
    ClaimRecord,
    ClaimStatus,
    Estimate,
    StatusChange,
)
from sutasoma.domain.claim_rules import check_eligibility, report_warnings
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.documents import DOC_NAMES, DocType, required_documents
from sutasoma.domain.errors import (
    ConcurrentUpdate,
    DocumentsMissing,
    DuplicateClaim,
    FieldError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.records import Record
from sutasoma.domain.uploads import CLAIM_DOCUMENT_UPLOAD, document_key
from sutasoma.runtime.observability import logger, metrics


class NewClaim(Record):
    farmer_id: str
    type: ClaimType
    incident_date: date
    description: str
    location: str | None = None
    outcome: str | None = None
    road_accident: bool = False
    claimant: Claimant


@dataclass(frozen=True)
class ClaimView:
    """A claim as one reader may see it: which documents are in, and whether the claimant's
    bank account may be shown whole (a coordinator or admin, who verifies it)."""

    claim: ClaimRecord
    uploaded: frozenset[str]
    whole_account: bool = False


def _outcome(data: NewClaim) -> JkkOutcome | None:
    if data.type is ClaimType.JKM:
        if data.outcome not in (None, "death"):
            raise ValidationFailed(
                "Klaim JKM adalah klaim kematian.",
                [FieldError("outcome", "Untuk JKM kosongkan atau isi 'death'.")],
            )
        return None
    return JkkOutcome(data.outcome) if data.outcome else JkkOutcome.TREATMENT


def decide_claim(
    caller: Caller,
    data: NewClaim,
    outcome: JkkOutcome | None,
    farmer: FarmerRecord,
    paid_months: int,
    now: datetime,
) -> tuple[ClaimRecord, ChangeSet]:
    """The claim with its estimate and documents, its uniqueness key, counters and audit."""
    now_stamp, period, kecamatan_code = iso_utc(now), period_of(today_wita(now)), farmer.kecamatan_code
    total, items = estimate(data.type, outcome, farmer.monthly_income, paid_months)
    docs = required_documents(data.type, outcome, data.road_accident, data.claimant.relationship)
    claim_id = new_id()
    claim = ClaimRecord(
        claim_id=claim_id, farmer_id=data.farmer_id, kecamatan_code=kecamatan_code, claim_type=data.type.value,
        outcome=outcome.value if outcome else ("death" if data.type is ClaimType.JKM else None),
        incident_date=data.incident_date, description=data.description, location=data.location,
        road_accident=data.road_accident, claimant=data.claimant, status=ClaimStatus.SUBMITTED,
        estimated_benefit=Estimate(total=total, items=tuple(items)), required_documents=tuple(d.value for d in docs),
        warnings=report_warnings(data.type, data.incident_date, now), history=(StatusChange(status=ClaimStatus.SUBMITTED, at=now_stamp, by=caller.username),),
        created_by=caller.username, created_at=now_stamp, updated_at=now_stamp,
    )  # fmt: skip
    key = ClaimKey(
        farmer_id=data.farmer_id,
        claim_type=data.type.value,
        incident_date=data.incident_date,
        claim_id=claim_id,
    )
    counts = {f"claims_submitted_{data.type.value}": 1, f"claims_estimated_{data.type.value}": total}
    audit = by_caller(
        caller, AuditAction.CLAIM_SUBMITTED, claim_id, f"claim/{claim_id}", now_stamp,
        farmer_id=data.farmer_id, detail={"type": data.type.value},
    )  # fmt: skip
    changes = ChangeSet(
        writes=(Created(key), Created(claim)),
        counts=(CounterIncrement(period, kecamatan_code, counts),),
        audit=(audit,),
    )
    return claim, changes


class ClaimDesk:
    def __init__(
        self,
        farmers: Farmers,
        payments: Payments,
        claims: Claims,
        audit: AuditTrail,
        writer: Writer,
        idempotency: Idempotency,
        documents: Documents,
        upload_expires_seconds: int,
        deadline_years: int,
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.claims = claims
        self.audit = audit
        self.writer = writer
        self.idempotency = idempotency
        self.documents = documents
        self.upload_expires_seconds = upload_expires_seconds
        self.deadline_years = deadline_years

    # ------------------------------------------------------------------ file
    def submit(self, caller: Caller, data: NewClaim, idempotency_key: str | None) -> ClaimView:
        claim = once(
            self.idempotency,
            "claim",
            idempotency_key,
            caller.sub,
            data,
            lambda: self._submit(caller, data),
            ClaimRecord,
        )
        return ClaimView(claim, claim.uploaded_types())

    def _submit(self, caller: Caller, data: NewClaim) -> ClaimRecord:
        farmer = load_farmer(self.farmers, caller, data.farmer_id)
        outcome = _outcome(data)
        now = now_utc()
        payments = self.payments.all_of(data.farmer_id)
        check_eligibility(farmer, payments, data.incident_date, today_wita(now), self.deadline_years)
        paid_months = len({period for payment in payments for period in payment.periods})
        claim, changes = decide_claim(caller, data, outcome, farmer, paid_months, now)
        try:
            self.writer.write(changes)
        except WriteConflict as conflict:
            if not conflict.concerns(ClaimKey):
                raise
            existing = conflict.current.claim_id if isinstance(conflict.current, ClaimKey) else None
            raise DuplicateClaim(
                "Klaim jenis ini untuk petani dan tanggal kejadian yang sama sudah ada.",
                [FieldError("incident_date", "Klaim ganda.")],
                extra={"claim_id": existing},
            ) from None
        metrics.add_metric(name=f"ClaimSubmitted{data.type.value}", unit=MetricUnit.Count, value=1)
        logger.info(
            "claim submitted",
            extra={"claim_id": claim.claim_id, "farmer_id": data.farmer_id, "type": data.type.value},
        )
        return claim

    # ------------------------------------------------------------------ read
    def _load(self, caller: Caller, claim_id: str) -> ClaimRecord:
        claim = self.claims.get(claim_id) if is_id(claim_id) else None
        if claim is None:
            raise NotFound("Klaim tidak ditemukan.")
        caller.require_kecamatan(claim.kecamatan_code)
        return claim

    def _uploaded(self, claim: ClaimRecord) -> frozenset[str]:
        """The document types with a file that passed the check (recorded on the claim)."""
        return claim.uploaded_types()

    def get(self, caller: Caller, claim_id: str) -> ClaimView:
        claim = self._load(caller, claim_id)
        whole_account = caller.is_staff and bool(claim.claimant.bank_account)
        # The claimant's phone (and, for a verifier, the bank account) is disclosed whole:
        # recorded first, like a whole NIK (no record, no answer).
        self.audit.record(
            by_caller(
                caller,
                AuditAction.BANK_ACCOUNT_READ if whole_account else AuditAction.PHONE_READ,
                claim_id, f"claim/{claim_id}", iso_utc(now_utc()), farmer_id=claim.farmer_id,
                fields=("claimant.phone", "claimant.bank_account") if whole_account else ("claimant.phone",),
            )
        )  # fmt: skip
        return ClaimView(claim, self._uploaded(claim), whole_account)

    def search(
        self, scope: Sequence[str], status: ClaimStatus | None, farmer_id: str | None, limit: int,
        start: tuple[str, str] | None,
    ) -> Page[ClaimRecord]:  # fmt: skip
        """Claims of the kecamatan in `scope` (already authorized), newest first."""

        def fetch(kecamatan: str, after: str | None, n: int) -> tuple[list[ClaimRecord], bool]:
            query = ClaimQuery(kecamatan, status.value if status else None, farmer_id, after)
            return self.claims.page(query, n)

        return across_kecamatan(scope, limit, start, fetch)

    def farmer_kecamatan(self, caller: Caller, farmer_id: str) -> str:
        return load_farmer(self.farmers, caller, farmer_id).kecamatan_code

    # ------------------------------------------------------------------ documents
    def document_upload(self, caller: Caller, claim_id: str, doc_type: str, content_type: str) -> Upload:
        claim = self._load(caller, claim_id)
        if doc_type not in claim.required_documents:
            raise ValidationFailed(
                "Jenis dokumen tidak diperlukan untuk klaim ini.",
                [FieldError("doc_type", "Pilih salah satu: " + ", ".join(claim.required_documents) + ".")],
            )
        if claim.status is not ClaimStatus.SUBMITTED:
            raise InvalidTransition("Dokumen hanya dapat ditambah sebelum klaim diverifikasi.")
        key = document_key(claim_id, doc_type, content_type)
        return presigned_upload(
            self.documents, key, content_type, CLAIM_DOCUMENT_UPLOAD, self.upload_expires_seconds
        )

    # ------------------------------------------------------------------ verify
    def verify(self, caller: Caller, claim_id: str) -> ClaimView:
        caller.require_role(
            Role.COORDINATOR,
            Role.ADMIN,
            message="Hanya koordinator BPP atau admin yang dapat memverifikasi klaim.",
        )
        claim = self._load(caller, claim_id)
        if claim.status is not ClaimStatus.SUBMITTED:
            raise InvalidTransition(
                f"Klaim berstatus {claim.status.value}; hanya klaim SUBMITTED yang diverifikasi."
            )
        uploaded = self._uploaded(claim)
        missing = [doc for doc in claim.required_documents if doc not in uploaded]
        if missing:
            raise DocumentsMissing(
                "Dokumen wajib belum diunggah: " + ", ".join(DOC_NAMES[DocType(d)] for d in missing) + ".",
                [FieldError(f"documents.{doc}", "Belum diunggah.") for doc in missing],
                extra={"missing": missing},
            )
        now = now_utc()
        stamp = iso_utc(now)
        after = claim.moved(ClaimEvent.VERIFIED, stamp, caller.username, verified_by=caller.username)
        outbox = OutboxEntry(
            op_id=new_id(), op_type=OpType.CLAIM_SUBMISSION, farmer_id=claim.farmer_id, created_at=stamp,
            payload={"claim_id": claim_id},
        )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.CLAIM_VERIFIED, claim_id, f"claim/{claim_id}", stamp,
            farmer_id=claim.farmer_id, fields=("status",),
        )  # fmt: skip
        counts = CounterIncrement(
            period_of(today_wita(now)), claim.kecamatan_code, {f"claims_verified_{claim.claim_type}": 1}
        )
        try:
            self.writer.write(
                ChangeSet(writes=(Updated(claim, after),), counts=(counts,), outbox=(outbox,), audit=(audit,))
            )
        except WriteConflict:
            raise ConcurrentUpdate("Status klaim baru saja berubah; muat ulang.") from None
        logger.info("claim verified", extra={"claim_id": claim_id})
        return ClaimView(after, uploaded)
