"""A claim's documents and its verification: the agent uploads (a presigned POST), the file is
checked when it lands (app/uploads.py records it on the claim: ClaimRecord.documents), the
coordinator or admin opens every document (each opening audited) and verifies it — never the
user who filed it (four eyes) — and the claim goes to BPJS through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sutasoma.app.claim_lifecycle import claim_moved
from sutasoma.app.claims import ClaimDesk, ClaimView
from sutasoma.app.common import Writer, retry_on_conflict
from sutasoma.app.farmer_records import Download, Upload, presigned_upload
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.benefits import ClaimType, JkkOutcome, estimate
from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.claim import ClaimEvent, ClaimRecord, ClaimStatus, Estimate
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.documents import DOC_NAMES, DocType
from sutasoma.domain.errors import (
    DocumentsMissing,
    FieldError,
    InvalidTransition,
    NotFound,
    SelfVerification,
    ValidationFailed,
)
from sutasoma.domain.identity import OPEN_CLAIM_DOCUMENT, VERIFY_CLAIM, Caller
from sutasoma.domain.ids import new_id
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.uploads import CLAIM_DOCUMENT_UPLOAD, document_key
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import AuditTrail, Documents


def with_disability(claim: ClaimRecord, percent: int | None) -> dict[str, Any]:
    """The verifier's percentage of a permanent disability, and the estimate it completes: a
    permanent disability is verified with it (DOMAIN: the verifier records the percentage),
    other claims without."""
    if percent is None:
        if claim.outcome == JkkOutcome.PERMANENT_DISABILITY.value:
            raise ValidationFailed(
                "Klaim cacat tetap diverifikasi dengan persentase cacat dari tabel Permenaker 5/2021.",
                [FieldError("disability_percent", "Wajib untuk klaim cacat tetap: 1-100.")],
            )
        return {}
    if claim.outcome != JkkOutcome.PERMANENT_DISABILITY.value:
        raise ValidationFailed(
            "Persentase cacat hanya untuk klaim JKK cacat tetap.",
            [FieldError("disability_percent", "Kosongkan untuk klaim ini.")],
        )
    income = claim.income or 0
    total, items = estimate(
        ClaimType(claim.claim_type),
        JkkOutcome.PERMANENT_DISABILITY,
        income,
        claim.membership_months or 0,
        percent,
    )
    return {"disability_percent": percent, "estimated_benefit": Estimate(total=total, items=tuple(items))}


class ClaimReview:
    def __init__(
        self,
        desk: ClaimDesk,
        audit: AuditTrail,
        writer: Writer,
        documents: Documents,
        expires_seconds: int,
        download_seconds: int = 300,
    ) -> None:
        self.desk = desk
        self.audit = audit
        self.writer = writer
        self.documents = documents
        self.expires_seconds = expires_seconds
        self.download_seconds = download_seconds

    def get(self, caller: Caller, claim_id: str) -> ClaimView:
        return self.desk.get(caller, claim_id)

    # ------------------------------------------------------------------ documents
    def upload(self, caller: Caller, claim_id: str, doc_type: str, content_type: str) -> Upload:
        claim = self.desk.load(caller, claim_id)
        if doc_type not in claim.required_documents:
            raise ValidationFailed(
                "Jenis dokumen tidak diperlukan untuk klaim ini.",
                [FieldError("doc_type", "Pilih salah satu: " + ", ".join(claim.required_documents) + ".")],
            )
        if claim.status is not ClaimStatus.SUBMITTED:
            raise InvalidTransition("Dokumen hanya dapat ditambah sebelum klaim diverifikasi.")
        key = document_key(claim_id, doc_type, content_type)
        return presigned_upload(
            self.documents, key, content_type, CLAIM_DOCUMENT_UPLOAD, self.expires_seconds
        )

    def open_document(self, caller: Caller, claim_id: str, doc_type: str) -> Download:
        """A download link for a coordinator or admin checking the claim: the accepted file of
        that type, as its check recorded it; the opening is audited."""
        caller.require(OPEN_CLAIM_DOCUMENT)
        claim = self.desk.load(caller, claim_id)
        document = claim.document(doc_type) if doc_type in claim.required_documents else None
        key = document.object_key if document is not None else None
        if key is None:
            # Named from our own list, never echoed from the path (it could be anything, a NIK too).
            name = DOC_NAMES[DocType(doc_type)] if doc_type in claim.required_documents else None
            raise NotFound(
                f"Dokumen {name} belum diunggah untuk klaim ini."
                if name
                else "Jenis dokumen ini tidak diminta untuk klaim ini."
            )
        self.audit.record(
            by_caller(
                caller, AuditAction.DOCUMENT_READ, claim_id, f"claim/{claim_id}", iso_utc(now_utc()),
                farmer_id=claim.farmer_id, fields=(f"documents.{doc_type}",), detail={"doc_type": doc_type},
            )
        )  # fmt: skip
        return Download(self.documents.presign_get(key, self.download_seconds), self.download_seconds)

    # ------------------------------------------------------------------ verify
    def verify(self, caller: Caller, claim_id: str, disability_percent: int | None = None) -> ClaimView:
        caller.require(VERIFY_CLAIM)
        return retry_on_conflict(lambda: self._verify(caller, claim_id, disability_percent))

    def _verify(self, caller: Caller, claim_id: str, disability_percent: int | None) -> ClaimView:
        claim = self.desk.load(caller, claim_id)
        if claim.created_by_sub == caller.sub:
            raise SelfVerification(
                "Klaim harus diverifikasi oleh koordinator atau admin lain, bukan pengajunya."
            )
        if claim.status is not ClaimStatus.SUBMITTED:
            raise InvalidTransition(
                f"Klaim berstatus {claim.status.value}; hanya klaim SUBMITTED yang diverifikasi."
            )
        uploaded = claim.uploaded_types()  # files that passed the check (app/uploads.py)
        missing = [doc for doc in claim.required_documents if doc not in uploaded]
        if missing:
            raise DocumentsMissing(
                "Dokumen wajib belum diunggah: " + ", ".join(DOC_NAMES[DocType(d)] for d in missing) + ".",
                [FieldError(f"documents.{doc}", "Belum diunggah.") for doc in missing],
                extra={"missing": missing},
            )
        now = now_utc()
        stamp, period = iso_utc(now), period_of(today_wita(now))
        after = claim.moved(
            ClaimEvent.VERIFIED, stamp, caller.username, verified_by=caller.username,
            **with_disability(claim, disability_percent),
        )  # fmt: skip
        outbox = OutboxEntry(
            op_id=new_id(), op_type=OpType.CLAIM_SUBMISSION, farmer_id=claim.farmer_id, created_at=stamp,
            payload={"claim_id": claim_id},
        )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.CLAIM_VERIFIED, claim_id, f"claim/{claim_id}", stamp,
            farmer_id=claim.farmer_id, fields=("status",),
        )  # fmt: skip
        counted = CounterIncrement(period, claim.kecamatan_code, {f"claims_verified_{claim.claim_type}": 1})
        self.writer.write(
            claim_moved(claim, after, period) + ChangeSet(counts=(counted,), outbox=(outbox,), audit=(audit,))
        )
        logger.info("claim verified", extra={"claim_id": claim_id})
        return ClaimView(after, uploaded)
