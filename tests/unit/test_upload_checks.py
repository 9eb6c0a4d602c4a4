"""A file that landed, checked and recorded (app/uploads.py) on in-memory ports: the farmer's KTP
fields or the claim's per-document records, the audit trail, the refused file deleted, and every
step safe to run again (EventBridge and Lambda deliver at least once)."""

from __future__ import annotations

import pytest

from sutasoma.app.farmer_records import FarmerRecords
from sutasoma.app.uploads import UploadChecker
from sutasoma.domain.audit import AuditAction, AuditRecord
from sutasoma.domain.claim import ClaimRecord, ClaimStatus
from sutasoma.domain.errors import Forbidden, NotFound
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.ids import new_id
from sutasoma.domain.uploads import CheckStatus, Refusal, UploadKind, document_key, ktp_key
from tests.support.fakes import MemoryDocuments, MemoryQueue, MemoryTable, memory_storage, memory_writer
from tests.support.records import claim_record, farmer_record
from tests.support.uploads import JPEG, PDF, PNG

COORDINATOR = Caller("sub-k", "koordinator.lalabata", Role.COORDINATOR, "73.12.04", request_id="r1")
AGENT = Caller("sub-a", "agen.lalabata", Role.AGENT, "73.12.04", request_id="r2")


class World:
    def __init__(self) -> None:
        self.table = MemoryTable()
        self.storage = memory_storage(self.table)
        self.ktp, self.claims = MemoryDocuments(), MemoryDocuments()
        writer = memory_writer(self.storage, MemoryQueue())
        buckets = {UploadKind.KTP: self.ktp, UploadKind.CLAIM_DOCUMENT: self.claims}
        self.checker = UploadChecker(self.storage.farmers, self.storage.claims, writer, buckets)
        self.records = FarmerRecords(self.storage.farmers, self.storage.audit, writer, self.ktp, 900, 300)
        self.farmer = farmer_record()
        self.claim = claim_record(farmer_id=self.farmer.farmer_id)
        self.table.records[("farmer", self.farmer.farmer_id)] = self.farmer
        self.table.records[("claim", self.claim.claim_id)] = self.claim

    def land_ktp(self, data: bytes, content_type: str = "image/jpeg", stored: str | None = None) -> str:
        key = ktp_key(self.farmer.farmer_id, content_type)
        self.ktp.put(key, data, stored or content_type)
        return key

    def land_document(self, doc_type: str, data: bytes, content_type: str = "application/pdf") -> str:
        key = document_key(self.claim.claim_id, doc_type, content_type)
        self.claims.put(key, data, content_type)
        return key

    def stored_farmer(self) -> FarmerRecord:
        found = self.storage.farmers.get(self.farmer.farmer_id)
        assert found is not None
        return found

    def stored_claim(self) -> ClaimRecord:
        found = self.storage.claims.get(self.claim.claim_id)
        assert found is not None
        return found

    def audit(self) -> list[AuditAction]:
        return [r.action for r in self.table.of(AuditRecord)]


@pytest.fixture
def world() -> World:
    return World()


def test_a_valid_ktp_copy_sets_ktp_uploaded_at_and_its_key(world: World) -> None:
    key = world.land_ktp(JPEG)
    check = world.checker.check(UploadKind.KTP, key)
    assert check is not None and check.status is CheckStatus.ACCEPTED
    farmer = world.stored_farmer()
    assert farmer.ktp_object_key == key and farmer.ktp_uploaded_at == check.checked_at
    assert farmer.version == world.farmer.version + 1
    assert world.audit() == [AuditAction.KTP_UPLOADED]
    assert key in world.ktp.objects  # kept
    # Delivered again: nothing more is written.
    assert world.checker.check(UploadKind.KTP, key) is not None
    assert world.stored_farmer().version == farmer.version and len(world.table.commits) == 1


def test_a_refused_ktp_copy_is_deleted_and_the_farmer_says_why(world: World) -> None:
    key = world.land_ktp(PNG, "image/jpeg")  # a PNG sent as a JPEG
    check = world.checker.check(UploadKind.KTP, key)
    assert check is not None and check.refusal is Refusal.CONTENT_MISMATCH
    farmer = world.stored_farmer()
    assert farmer.ktp_uploaded_at is None and farmer.ktp_object_key is None
    assert farmer.ktp_refused is not None and farmer.ktp_refused.object_key == key
    assert farmer.ktp_refused.reason and "tidak sesuai" in farmer.ktp_refused.reason
    assert key not in world.ktp.objects and world.ktp.deleted == [(key, "v1")]  # the version, for good
    assert world.audit() == [AuditAction.UPLOAD_REFUSED]
    assert world.checker.check(UploadKind.KTP, key) is None  # again: the file is gone, nothing to do


def test_a_later_valid_copy_replaces_the_refusal_and_an_older_event_changes_nothing(world: World) -> None:
    first = world.land_ktp(b"\xff\xd8\xff" + b"\x00" * 10)  # nearly empty
    second = world.land_ktp(JPEG)
    assert world.checker.check(UploadKind.KTP, second) is not None
    assert world.checker.check(UploadKind.KTP, first) is not None  # arrives late
    farmer = world.stored_farmer()
    assert farmer.ktp_object_key == second and farmer.ktp_refused is None  # the refusal came before it


def test_a_valid_document_counts_as_uploaded_only_once_checked(world: World) -> None:
    key = world.land_document("kpj_card", PDF)
    assert world.stored_claim().uploaded_types() == frozenset()  # in S3, not checked yet
    world.checker.check(UploadKind.CLAIM_DOCUMENT, key)
    claim = world.stored_claim()
    assert claim.uploaded_types() == {"kpj_card"}
    document = claim.document("kpj_card")
    assert document is not None and (document.object_key, document.content_type) == (key, "application/pdf")
    assert document.size_bytes == len(PDF) and claim.refused_document("kpj_card") is None
    assert world.audit() == [AuditAction.DOCUMENT_UPLOADED]


def test_a_refused_document_is_deleted_and_recorded_next_to_the_accepted_one(world: World) -> None:
    good = world.land_document("kpj_card", PDF)
    world.checker.check(UploadKind.CLAIM_DOCUMENT, good)
    bad = world.land_document("kpj_card", b"%PDF" + b"\x00" * 10)  # nearly empty
    check = world.checker.check(UploadKind.CLAIM_DOCUMENT, bad)
    assert check is not None and check.refusal is Refusal.TOO_SMALL
    claim = world.stored_claim()
    accepted, refused = claim.document("kpj_card"), claim.refused_document("kpj_card")
    assert accepted is not None and accepted.object_key == good  # still counts
    assert refused is not None and refused.object_key == bad and refused.refusal is Refusal.TOO_SMALL
    assert bad not in world.claims.objects and good in world.claims.objects
    assert len(claim.documents) == 2  # one accepted, one refused per type at most
    third = world.land_document("kpj_card", b"GIF89a" + b"\x00" * 2048)
    world.checker.check(UploadKind.CLAIM_DOCUMENT, third)
    assert len(world.stored_claim().documents) == 2


@pytest.mark.parametrize(
    ("status", "doc_type"),
    [(ClaimStatus.SUBMITTED, "police_report"), (ClaimStatus.VERIFIED, "kpj_card")],
    ids=["a document the claim does not need", "after verification"],
)
def test_an_unexpected_document_is_refused_whatever_its_bytes(
    world: World, status: ClaimStatus, doc_type: str
) -> None:
    world.table.records[("claim", world.claim.claim_id)] = world.claim.but(status=status)
    key = world.land_document(doc_type, PDF)
    check = world.checker.check(UploadKind.CLAIM_DOCUMENT, key)
    assert check is not None and check.refusal is Refusal.NOT_EXPECTED
    assert key not in world.claims.objects and world.stored_claim().uploaded_types() == frozenset()


def test_an_object_no_upload_of_ours_made_is_deleted_without_a_record(world: World) -> None:
    for key in ("ktp/whatever.jpg", document_key(world.claim.claim_id, "kpj_card", "application/pdf")):
        world.ktp.put(key, JPEG, "image/jpeg")
        assert world.checker.check(UploadKind.KTP, key) is None  # a claim's key in the KTP bucket too
        assert key not in world.ktp.objects
    unknown = ktp_key(new_id(), "image/jpeg")  # a farmer that does not exist
    world.ktp.put(unknown, JPEG, "image/jpeg")
    assert world.checker.check(UploadKind.KTP, unknown) is None and unknown not in world.ktp.objects
    assert not world.table.commits


def test_the_ktp_copy_opens_for_staff_only_and_each_opening_is_audited(world: World) -> None:
    with pytest.raises(NotFound):
        world.records.ktp_download(COORDINATOR, world.farmer.farmer_id)  # none yet
    key = world.land_ktp(JPEG)
    world.checker.check(UploadKind.KTP, key)
    with pytest.raises(Forbidden):
        world.records.ktp_download(AGENT, world.farmer.farmer_id)
    other = Caller("sub-o", "koordinator.ganra", Role.COORDINATOR, "73.12.07")
    with pytest.raises(Forbidden):
        world.records.ktp_download(other, world.farmer.farmer_id)
    link = world.records.ktp_download(COORDINATOR, world.farmer.farmer_id)
    assert link.url.startswith(f"memory://{key}") and link.expires_in == 300
    reads = [r for r in world.table.of(AuditRecord) if r.action is AuditAction.KTP_READ]
    assert [(r.actor, r.subject_id) for r in reads] == [("koordinator.lalabata", world.farmer.farmer_id)]


def test_an_upload_url_is_a_presigned_post_within_the_kind_s_limits(world: World) -> None:
    upload = world.records.ktp_upload(AGENT, world.farmer.farmer_id, "image/png")
    assert upload.object_key.startswith(f"ktp/{world.farmer.farmer_id}/") and upload.object_key.endswith(
        ".png"
    )
    assert upload.max_bytes == 5 * 1024 * 1024 and upload.fields["Content-Type"] == "image/png"
    assert world.ktp.posts == [(upload.object_key, "image/png", 1024, 5 * 1024 * 1024)]
