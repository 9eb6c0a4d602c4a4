"""Uploads (CONTRACT.md r2, issue 14): the presigned POST's policy document, the byte check of a
file that landed, and how its outcome is recorded on the farmer or the claim.

moto checks neither the POST policy nor its signature (docs/security.md "What only AWS
enforces"): the policy documents are checked here, decoded from what boto3 signs (offline: a
presigned POST is computed locally, nothing is sent)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from sutasoma.adapters.documents import DocumentBucket
from sutasoma.app.farmer_records import presigned_upload
from sutasoma.domain.ids import new_id
from sutasoma.domain.uploads import (
    CLAIM_DOCUMENT_UPLOAD,
    HEAD_BYTES,
    KTP_UPLOAD,
    MIB,
    MIN_BYTES,
    Refusal,
    UploadKind,
    document_key,
    ktp_key,
    parse_key,
    refusal_of,
)
from tests.support.uploads import JPEG, PDF, PNG, SAMPLES

FARMER_ID = new_id()
CLAIM_ID = new_id()


@pytest.fixture(scope="module")
def bucket() -> DocumentBucket:
    client = boto3.client(
        "s3", region_name="ap-southeast-3", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        endpoint_url="https://s3.ap-southeast-3.amazonaws.com",
    )  # fmt: skip
    return DocumentBucket("sutasoma-ktp", client)


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return document


def conditions(policy: dict[str, Any]) -> tuple[dict[str, Any], list[list[Any]]]:
    """The policy's exact-match conditions as one mapping, and its other (list) conditions."""
    exact: dict[str, Any] = {}
    others = []
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            exact.update(condition)
        else:
            others.append(condition)
    return exact, others


# ---------------------------------------------------------------------------------- the policy


@pytest.mark.parametrize(
    ("rule", "key", "content_type", "largest"),
    [
        (KTP_UPLOAD, ktp_key(FARMER_ID, "image/jpeg"), "image/jpeg", 5 * MIB),
        (
            CLAIM_DOCUMENT_UPLOAD,
            document_key(CLAIM_ID, "kpj_card", "application/pdf"),
            "application/pdf",
            10 * MIB,
        ),
    ],
    ids=["ktp", "claim document"],
)
def test_the_policy_bounds_size_fixes_the_type_and_binds_the_key(
    bucket: DocumentBucket, rule: Any, key: str, content_type: str, largest: int
) -> None:
    upload = presigned_upload(bucket, key, content_type, rule, 900)
    assert upload.max_bytes == largest
    policy = policy_of(upload.fields)
    exact, others = conditions(policy)
    # Size: S3 refuses anything outside [MIN_BYTES, the kind's largest] before storing it.
    assert ["content-length-range", MIN_BYTES, largest] in others
    # Type: exactly the one asked, and the form sends it.
    assert exact["Content-Type"] == content_type and upload.fields["Content-Type"] == content_type
    # Key: exactly this one (no starts-with: no other key under any prefix).
    assert exact["key"] == key and upload.fields["key"] == key
    assert not [c for c in others if c[0] == "starts-with"]
    assert exact["bucket"] == "sutasoma-ktp"
    # Signed with SigV4, for a limited time.
    assert exact["x-amz-algorithm"] == "AWS4-HMAC-SHA256" and upload.fields["x-amz-signature"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= 900


def test_keys_are_bound_to_their_farmer_or_claim_and_new_each_time() -> None:
    ktp = ktp_key(FARMER_ID, "image/png")
    assert ktp.startswith(f"ktp/{FARMER_ID}/") and ktp.endswith(".png")
    assert ktp != ktp_key(FARMER_ID, "image/png")
    document = document_key(CLAIM_ID, "death_certificate", "application/pdf")
    assert document.startswith(f"claims/{CLAIM_ID}/death_certificate/") and document.endswith(".pdf")
    parsed = parse_key(document)
    assert parsed is not None and (parsed.kind, parsed.owner_id, parsed.doc_type, parsed.content_type) == (
        UploadKind.CLAIM_DOCUMENT, CLAIM_ID, "death_certificate", "application/pdf",
    )  # fmt: skip
    parsed_ktp = parse_key(ktp)
    assert parsed_ktp is not None and (parsed_ktp.kind, parsed_ktp.owner_id) == (UploadKind.KTP, FARMER_ID)


@pytest.mark.parametrize(
    "key",
    [
        "ktp/not-a-ulid/01J0000000000000000000000.jpg",
        f"ktp/{FARMER_ID}/{new_id()}.exe",
        f"ktp/{FARMER_ID}/../{new_id()}.jpg",
        f"ktp/{FARMER_ID}/{new_id()}.jpg/x",
        f"claims/{CLAIM_ID}/KPJ/{new_id()}.pdf",
        f"claims/{CLAIM_ID}/{new_id()}.pdf",
        f"reports/{FARMER_ID}/{new_id()}.pdf",
        "",
    ],
)
def test_a_key_we_never_hand_out_names_no_upload(key: str) -> None:
    assert parse_key(key) is None


# ---------------------------------------------------------------------------------- the bytes


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_a_file_whose_bytes_are_its_type_passes(content_type: str) -> None:
    data = SAMPLES[content_type]
    assert refusal_of(KTP_UPLOAD, content_type, content_type, len(data), data[:HEAD_BYTES]) is None


@pytest.mark.parametrize(
    ("declared", "stored", "data", "size", "refusal"),
    [
        ("image/jpeg", "image/jpeg", PNG, None, Refusal.CONTENT_MISMATCH),  # a PNG named .jpg
        ("image/png", "image/png", JPEG, None, Refusal.CONTENT_MISMATCH),
        (
            "application/pdf",
            "application/pdf",
            b"<html><script>" + b"x" * 2048,
            None,
            Refusal.CONTENT_MISMATCH,
        ),
        ("image/jpeg", "image/jpeg", b"\xff\xd8" + b"\x00" * 2048, None, Refusal.CONTENT_MISMATCH),  # 2 of 3
        ("image/jpeg", "text/html", JPEG, None, Refusal.CONTENT_MISMATCH),  # stored under another type
        ("image/jpeg", None, JPEG, None, Refusal.CONTENT_MISMATCH),
        ("image/jpeg", "image/jpeg", JPEG[:100], 100, Refusal.TOO_SMALL),  # nearly empty
        ("image/jpeg", "image/jpeg", b"", 0, Refusal.TOO_SMALL),
        ("image/jpeg", "image/jpeg", JPEG, 5 * MIB + 1, Refusal.TOO_LARGE),  # past the KTP's 5 MB
        ("image/gif", "image/gif", b"GIF89a" + b"\x00" * 2048, None, Refusal.TYPE_NOT_ALLOWED),
    ],
)
def test_what_is_not_what_its_type_says_or_nearly_empty_is_refused(
    declared: str, stored: str | None, data: bytes, size: int | None, refusal: Refusal
) -> None:
    length = len(data) if size is None else size
    assert refusal_of(KTP_UPLOAD, declared, stored, length, data[:HEAD_BYTES]) is refusal


def test_the_limits_are_the_contract_s() -> None:
    assert (KTP_UPLOAD.max_bytes, CLAIM_DOCUMENT_UPLOAD.max_bytes) == (5 * 1024 * 1024, 10 * 1024 * 1024)
    assert MIN_BYTES == 1024
    just = JPEG[:HEAD_BYTES]
    assert refusal_of(KTP_UPLOAD, "image/jpeg", "image/jpeg", MIN_BYTES, just) is None
    assert refusal_of(KTP_UPLOAD, "image/jpeg", "image/jpeg", MIN_BYTES - 1, just) is Refusal.TOO_SMALL
    assert refusal_of(CLAIM_DOCUMENT_UPLOAD, "image/jpeg", "image/jpeg", 10 * MIB, just) is None
    assert refusal_of(KTP_UPLOAD, "image/jpeg", "image/jpeg; charset=binary", 2048, just) is None
    assert PDF.startswith(b"%PDF-") and len(PDF) > MIN_BYTES
