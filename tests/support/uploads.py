"""Files for upload tests (each passes the check of domain/uploads.py unless said otherwise), the
presigned POST sent as a browser sends it, and the S3 event of a file that landed."""

from __future__ import annotations

from typing import Any

import httpx

from local.eventbridge.s3 import object_created_event

# A JPEG (SOI, APP0 JFIF, filler, EOI), a PNG (signature, IHDR) and a PDF header: 2 KiB or more,
# above the "nearly empty" floor (domain/uploads.py MIN_BYTES).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 2048 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 2048
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 64 + b"%%EOF\n"
SAMPLES = {"image/jpeg": JPEG, "image/png": PNG, "application/pdf": PDF}


def post_file(upload: dict[str, Any], content: bytes, content_type: str = "image/jpeg") -> httpx.Response:
    """The presigned POST of an upload answer ({upload_url, fields}): the fields, then the file."""
    with httpx.Client(timeout=30.0, trust_env=False) as s3:
        return s3.post(
            upload["upload_url"], data=upload["fields"], files={"file": ("f", content, content_type)}
        )


def landed_event(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """S3's EventBridge event for an object that is in the bucket (moto), as the rule delivers it."""
    head = s3.head_object(Bucket=bucket, Key=key)
    return object_created_event(
        bucket=bucket, key=key, size=int(head["ContentLength"]), etag=head["ETag"].strip('"'),
        version_id=head.get("VersionId"), reason="POST Object",
    )  # fmt: skip


def documents_in(stack: Any, claim_id: str, doc_types: list[str]) -> None:
    """Every listed document of a claim stored (a valid PDF, as an upload leaves it) and checked by
    DocumentCheckFunction through the template's rule (MotoStack.check_uploads)."""
    from sutasoma.domain.uploads import document_key

    s3, bucket = stack.clients("s3"), stack.ref("ClaimsBucket")
    for doc_type in doc_types:
        key = document_key(claim_id, doc_type, "application/pdf")
        s3.put_object(Bucket=bucket, Key=key, Body=PDF, ContentType="application/pdf")
    answers = stack.check_uploads()
    assert [a.get("status") for a in answers] == ["ACCEPTED"] * len(doc_types), answers
