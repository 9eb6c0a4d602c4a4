"""Files that landed in S3 (KTP copies, claim documents): checked, and the outcome recorded.

S3 sends every object created in the KTP and claims buckets to EventBridge; the rule of
DocumentCheckFunction hands each one here (functions/document_check). The file's first bytes are
read (domain/uploads.py says what passes); the outcome is written on the farmer or the claim with
its audit record, in one commit; a refused file is then deleted. Every step may run again
(EventBridge and Lambda deliver at least once): a check already recorded is not written twice,
and a file already deleted is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sutasoma.app.common import Writer, retry_on_conflict
from sutasoma.domain.audit import SYSTEM, AuditAction, by_party
from sutasoma.domain.changes import ChangeSet, Updated
from sutasoma.domain.claim import ClaimDocument, ClaimRecord, ClaimStatus
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.domain.uploads import (
    HEAD_BYTES,
    FileCheck,
    Refusal,
    UploadedObject,
    UploadKind,
    decided,
    file_check,
    parse_key,
)
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import Claims, Documents, Farmers
    from sutasoma.domain.farmer import FarmerRecord

__all__ = ["UploadChecker", "UploadKind", "decide_document", "decide_ktp"]


def _later(existing: FileCheck | None, key: str) -> bool:
    """Is `existing` the check of this key or of a later upload (keys hold ULIDs)?"""
    return existing is not None and existing.object_key >= key


def decide_ktp(farmer: FarmerRecord, check: FileCheck) -> tuple[FarmerRecord, ChangeSet] | None:
    """The farmer with the check recorded, or None when it is already (or a later one is)."""
    fields: tuple[str, ...]
    if check.accepted:
        if farmer.ktp_object_key is not None and farmer.ktp_object_key >= check.object_key:
            return None
        refused = farmer.ktp_refused if _later(farmer.ktp_refused, check.object_key) else None
        after = farmer.next(
            ktp_uploaded_at=check.checked_at, ktp_object_key=check.object_key, ktp_refused=refused
        )
        action, fields = AuditAction.KTP_UPLOADED, ("ktp_object_key", "ktp_uploaded_at")
    else:
        stored_later = farmer.ktp_object_key is not None and farmer.ktp_object_key > check.object_key
        if stored_later or _later(farmer.ktp_refused, check.object_key):
            return None  # a copy uploaded after this one is stored, or this refusal is recorded
        after = farmer.next(ktp_refused=check)
        action, fields = AuditAction.UPLOAD_REFUSED, ("ktp_refused",)
    audit = by_party(
        SYSTEM, action, farmer.farmer_id, f"farmer/{farmer.farmer_id}", check.checked_at,
        farmer_id=farmer.farmer_id, fields=fields, detail=_detail(check),
    )  # fmt: skip
    return after, ChangeSet(writes=(Updated(farmer, after),), audit=(audit,))


def decide_document(claim: ClaimRecord, check: ClaimDocument) -> tuple[ClaimRecord, ChangeSet] | None:
    """The claim with the document's check recorded, or None when it is already (or a later one is)."""
    same = [d for d in claim.documents if d.doc_type == check.doc_type and d.status is check.status]
    if same and _later(same[0], check.object_key):
        return None
    after = claim.with_document(check)
    action = AuditAction.DOCUMENT_UPLOADED if check.accepted else AuditAction.UPLOAD_REFUSED
    audit = by_party(
        SYSTEM, action, claim.claim_id, f"claim/{claim.claim_id}", check.checked_at,
        farmer_id=claim.farmer_id, fields=(f"documents.{check.doc_type}",), detail=_detail(check),
    )  # fmt: skip
    return after, ChangeSet(writes=(Updated(claim, after),), audit=(audit,))


def _detail(check: FileCheck) -> dict[str, str]:
    detail = {
        "object_key": check.object_key,
        "status": check.status.value,
        "size_bytes": str(check.size_bytes),
    }
    if check.refusal is not None:
        detail["refusal"] = check.refusal.value
    return detail


class UploadChecker:
    """Checks a file that landed in the bucket of `kind` and records the outcome."""

    def __init__(
        self, farmers: Farmers, claims: Claims, writer: Writer, buckets: Mapping[UploadKind, Documents]
    ) -> None:
        self.farmers = farmers
        self.claims = claims
        self.writer = writer
        self.buckets = dict(buckets)

    def check(self, kind: UploadKind, key: str) -> FileCheck | None:
        """The recorded check of the file at `key`; None when there is nothing to record (the file
        is gone already, or it is not an upload we handed out: then it is deleted)."""
        bucket = self.buckets[kind]
        upload = parse_key(key)
        if upload is None or upload.kind is not kind:
            logger.warning("unexpected object deleted", extra={"kind": kind.value})
            bucket.delete(key)
            return None
        stored = bucket.head(key)
        if stored is None:
            return None  # deleted by an earlier delivery of this event
        head = bucket.read_head(key, HEAD_BYTES, stored.version_id) if stored.size else b""
        check = file_check(upload, key, stored.content_type, stored.size, head, iso_utc(now_utc()))
        recorded = retry_on_conflict(lambda: self._record(upload, check))
        if recorded is None or not recorded.accepted:
            bucket.delete(key, stored.version_id)
        logger.info(
            "upload checked",
            extra={
                "kind": kind.value, "owner_id": upload.owner_id, "doc_type": upload.doc_type,
                "status": recorded.status.value if recorded else "NO_OWNER",
                "refusal": recorded.refusal.value if recorded and recorded.refusal else None,
            },
        )  # fmt: skip
        return recorded

    def _record(self, upload: UploadedObject, check: FileCheck) -> FileCheck | None:
        changes: ChangeSet | None = None
        if upload.kind is UploadKind.KTP:
            farmer = self.farmers.get(upload.owner_id)
            if farmer is None:
                return None
            if on_farmer := decide_ktp(farmer, check):
                changes = on_farmer[1]
        else:
            claim = self.claims.get(upload.owner_id)
            if claim is None:
                return None
            check = _expected(claim, upload, check)
            document = ClaimDocument(**check.model_dump(), doc_type=str(upload.doc_type))
            if on_claim := decide_document(claim, document):
                changes = on_claim[1]
        if changes is not None:
            self.writer.write(changes)
        return check


def _expected(claim: ClaimRecord, upload: UploadedObject, check: FileCheck) -> FileCheck:
    """A document the claim does not need, or one arriving after verification, is refused."""
    if upload.doc_type in claim.required_documents and claim.status is ClaimStatus.SUBMITTED:
        return check
    return decided(
        check.object_key, check.content_type, check.size_bytes, check.checked_at, Refusal.NOT_EXPECTED
    )
