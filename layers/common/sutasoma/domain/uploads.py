"""Files people upload (KTP copies, claim documents): what may be sent, where it lands, and the
check of what landed (CONTRACT.md r2: JPEG, PNG or PDF, within a size, not nearly empty).

Uploads are presigned POSTs: S3 itself refuses a file outside the size range or of another
content type than the one the policy fixes, at a key of our choosing (adapters/documents.py).
Once a file landed, a function reads its first bytes (app/uploads.py): is the content what its
type says? Only a file that passes counts as uploaded; a refused one is deleted and the record
says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sutasoma.domain.ids import new_id
from sutasoma.domain.records import Record

MIB = 1024 * 1024
# Policy: a photo or a scan of a document smaller than this cannot be read.
MIN_BYTES = 1024
# Content type -> the extension of its object key.
CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
EXTENSION_TYPES = {extension: content_type for content_type, extension in CONTENT_TYPES.items()}
# What each type's file starts with (JPEG SOI + a marker, the PNG signature, a PDF header).
SIGNATURES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/pdf": b"%PDF-",
}
HEAD_BYTES = max(len(signature) for signature in SIGNATURES.values())


class UploadKind(StrEnum):
    KTP = "ktp"
    CLAIM_DOCUMENT = "claim_document"


@dataclass(frozen=True)
class UploadRule:
    """What an upload of one kind may be: size and content types."""

    kind: UploadKind
    max_bytes: int
    min_bytes: int = MIN_BYTES
    content_types: tuple[str, ...] = tuple(CONTENT_TYPES)

    def allows(self, content_type: str) -> bool:
        return content_type in self.content_types


KTP_UPLOAD = UploadRule(UploadKind.KTP, max_bytes=5 * MIB)
CLAIM_DOCUMENT_UPLOAD = UploadRule(UploadKind.CLAIM_DOCUMENT, max_bytes=10 * MIB)
RULES = {rule.kind: rule for rule in (KTP_UPLOAD, CLAIM_DOCUMENT_UPLOAD)}


# ---------------------------------------------------------------------------------- object keys

_ULID = r"[0-9A-HJKMNP-TV-Z]{26}"
_KTP_KEY = re.compile(rf"^ktp/(?P<owner>{_ULID})/(?P<file>{_ULID})\.(?P<ext>jpg|png|pdf)$")
_DOCUMENT_KEY = re.compile(
    rf"^claims/(?P<owner>{_ULID})/(?P<doc_type>[a-z_]{{1,40}})/(?P<file>{_ULID})\.(?P<ext>jpg|png|pdf)$"
)


def ktp_key(farmer_id: str, content_type: str) -> str:
    """A new key for a farmer's KTP copy: one key per upload, under the farmer's prefix."""
    return f"ktp/{farmer_id}/{new_id()}.{CONTENT_TYPES[content_type]}"


def document_key(claim_id: str, doc_type: str, content_type: str) -> str:
    """A new key for one document of a claim, under the claim's and the type's prefix."""
    return f"claims/{claim_id}/{doc_type}/{new_id()}.{CONTENT_TYPES[content_type]}"


@dataclass(frozen=True)
class UploadedObject:
    """What an object key says: whose file, of which type, which upload (a ULID: when)."""

    kind: UploadKind
    owner_id: str  # the farmer (KTP) or the claim (documents)
    file_id: str
    content_type: str
    doc_type: str | None = None

    @property
    def rule(self) -> UploadRule:
        return RULES[self.kind]


def parse_key(key: str) -> UploadedObject | None:
    """The upload a key names, or None for a key we never hand out."""
    if match := _KTP_KEY.match(key):
        kind, doc_type = UploadKind.KTP, None
    elif match := _DOCUMENT_KEY.match(key):
        kind, doc_type = UploadKind.CLAIM_DOCUMENT, match["doc_type"]
    else:
        return None
    return UploadedObject(kind, match["owner"], match["file"], EXTENSION_TYPES[match["ext"]], doc_type)


# ---------------------------------------------------------------------------------- the check


class CheckStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"


class Refusal(StrEnum):
    TOO_SMALL = "TOO_SMALL"
    TOO_LARGE = "TOO_LARGE"
    TYPE_NOT_ALLOWED = "TYPE_NOT_ALLOWED"
    CONTENT_MISMATCH = "CONTENT_MISMATCH"
    NOT_EXPECTED = "NOT_EXPECTED"


REASONS = {
    Refusal.TOO_SMALL: "Berkas hampir kosong; unggah foto atau pindaian yang jelas.",
    Refusal.TOO_LARGE: "Berkas melebihi batas ukuran.",
    Refusal.TYPE_NOT_ALLOWED: "Jenis berkas tidak didukung (gunakan JPEG, PNG, atau PDF).",
    Refusal.CONTENT_MISMATCH: "Isi berkas tidak sesuai jenisnya (bukan JPEG, PNG, atau PDF yang sah).",
    Refusal.NOT_EXPECTED: "Berkas ini tidak diharapkan (dokumen tidak diperlukan atau klaim sudah diverifikasi).",
}


class FileCheck(Record):
    """The check of one uploaded file, as kept on the farmer or the claim."""

    object_key: str
    status: CheckStatus
    content_type: str
    size_bytes: int
    checked_at: str
    refusal: Refusal | None = None
    reason: str | None = None  # why, in Bahasa Indonesia

    @property
    def accepted(self) -> bool:
        return self.status is CheckStatus.ACCEPTED


def refusal_of(
    rule: UploadRule, declared_type: str, stored_type: str | None, size: int, head: bytes
) -> Refusal | None:
    """Why the file is refused, or None: its type (the key's, and the one S3 stored with it, which
    the POST policy fixed), its size, and whether its first bytes are that type's signature."""
    if not rule.allows(declared_type):
        return Refusal.TYPE_NOT_ALLOWED
    if size < rule.min_bytes:
        return Refusal.TOO_SMALL
    if size > rule.max_bytes:
        return Refusal.TOO_LARGE
    stored = (stored_type or "").split(";", 1)[0].strip().lower()
    if stored != declared_type or not head.startswith(SIGNATURES[declared_type]):
        return Refusal.CONTENT_MISMATCH
    return None


def file_check(
    upload: UploadedObject, key: str, stored_type: str | None, size: int, head: bytes, at: str
) -> FileCheck:
    refusal = refusal_of(upload.rule, upload.content_type, stored_type, size, head)
    return decided(key, upload.content_type, size, at, refusal)


def decided(key: str, content_type: str, size: int, at: str, refusal: Refusal | None) -> FileCheck:
    return FileCheck(
        object_key=key,
        status=CheckStatus.ACCEPTED if refusal is None else CheckStatus.REFUSED,
        content_type=content_type,
        size_bytes=size,
        checked_at=at,
        refusal=refusal,
        reason=REASONS[refusal] if refusal else None,
    )
