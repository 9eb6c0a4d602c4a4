"""Domain errors. Each carries the HTTP status, the stable `code` of CONTRACT.md and a
message in Bahasa Indonesia; the API layer turns them into RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field of a request, in Bahasa Indonesia."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class DomainError(Exception):
    """A refusal by a rule: its HTTP status, stable code and Bahasa text travel with it."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    code = "BAD_REQUEST"
    title = "Permintaan tidak valid"

    def __str__(self) -> str:  # never includes field values: they may be personal data
        return f"{self.code}: {self.detail}"


class ValidationFailed(DomainError):
    status = 422
    code = "VALIDATION_ERROR"
    title = "Data tidak valid"


class ExportTooLarge(ValidationFailed):
    code = "EXPORT_TOO_LARGE"
    title = "Daftar terlalu besar"


class NikInvalid(ValidationFailed):
    code = "NIK_INVALID"
    title = "NIK tidak valid"


class NikMismatch(ValidationFailed):
    code = "NIK_MISMATCH"
    title = "NIK tidak sesuai data diri"


class AgeOutOfRange(ValidationFailed):
    code = "AGE_OUT_OF_RANGE"
    title = "Usia di luar ketentuan"


class PlaceInvalid(ValidationFailed):
    code = "PLACE_INVALID"
    title = "Wilayah tidak valid"


class Unauthorized(DomainError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Tidak terautentikasi"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"
    title = "Akses ditolak"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"
    title = "Tidak ditemukan"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"
    title = "Konflik"


class NikAlreadyRegistered(Conflict):
    code = "NIK_ALREADY_REGISTERED"
    title = "NIK sudah terdaftar"


class NikReleasePending(Conflict):
    """A correction would free a NIK whose earlier release (another correction) BPJS has not
    received yet: one release per NIK at a time (app/nik_claims.py)."""

    code = "NIK_RELEASE_PENDING"
    title = "NIK menunggu konfirmasi koreksi ke BPJS"


class RequestInProgress(Conflict):
    code = "REQUEST_IN_PROGRESS"
    title = "Permintaan sedang diproses"


class IdempotencyKeyReused(ValidationFailed):
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Idempotency-Key sudah dipakai"


class IdempotencyKeyInvalid(DomainError):
    status = 400
    code = "IDEMPOTENCY_KEY_INVALID"
    title = "Idempotency-Key tidak valid"


class ConcurrentUpdate(Conflict):
    code = "CONCURRENT_UPDATE"
    title = "Data diubah bersamaan"


class IdempotencyKeyRequired(DomainError):
    status = 400
    code = "IDEMPOTENCY_KEY_REQUIRED"
    title = "Idempotency-Key wajib"


class FarmerLapsed(Conflict):
    code = "FARMER_LAPSED"
    title = "Kepesertaan berakhir"


class FarmerRejected(Conflict):
    code = "FARMER_REJECTED"
    title = "Pendaftaran ditolak BPJS"


class FarmerNotLapsed(Conflict):
    code = "FARMER_NOT_LAPSED"
    title = "Kepesertaan masih berjalan"


class TooFarAhead(ValidationFailed):
    code = "TOO_FAR_AHEAD"
    title = "Terlalu jauh ke depan"


class AmountMismatch(ValidationFailed):
    code = "AMOUNT_MISMATCH"
    title = "Jumlah iuran tidak sesuai"


class PaidAtInvalid(ValidationFailed):
    code = "PAID_AT_INVALID"
    title = "Waktu pembayaran tidak valid"


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    title = "Perubahan status tidak sah"


class NotCovered(ValidationFailed):
    code = "NOT_COVERED"
    title = "Tidak terlindungi"


class DuplicateClaim(Conflict):
    code = "DUPLICATE_CLAIM"
    title = "Klaim ganda"


class IncidentDateInvalid(ValidationFailed):
    code = "INCIDENT_DATE_INVALID"
    title = "Tanggal kejadian tidak valid"


class DocumentsMissing(Conflict):
    code = "DOCUMENTS_MISSING"
    title = "Dokumen belum lengkap"


class QuoteStale(Conflict):
    code = "QUOTE_STALE"
    title = "Rincian iuran sudah berubah"


class FarmerDeceased(Conflict):
    code = "FARMER_DECEASED"
    title = "Petani sudah meninggal dunia"


class PreconditionFailed(DomainError):
    status = 412
    code = "PRECONDITION_FAILED"
    title = "Data sudah berubah"


class DeathAlreadyClaimed(Conflict):
    code = "DEATH_ALREADY_CLAIMED"
    title = "Santunan kematian sudah diajukan"


class MfaRequired(Forbidden):
    code = "MFA_REQUIRED"
    title = "MFA wajib untuk akun staf"


class SelfVerification(Forbidden):
    code = "SELF_VERIFICATION"
    title = "Verifikasi oleh pengaju sendiri"


class PeriodNotEnded(ValidationFailed):
    code = "PERIOD_NOT_ENDED"
    title = "Bulan belum berakhir"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    title = "Jenis isi tidak didukung"
