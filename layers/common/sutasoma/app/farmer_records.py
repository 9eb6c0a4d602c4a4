"""A farmer's record after registration: read, list, change, reactivate, KTP copy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sutasoma.app.common import Writer, load_farmer, retry_on_conflict
from sutasoma.app.paging import Page, across_kecamatan
from sutasoma.app.queries import FarmerFilters, FarmerQuery
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, farmer_written
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.coverage import DUE_DAY, MAX_ARREARS_MONTHS, CoverageState
from sutasoma.domain.errors import (
    FarmerDeceased,
    FarmerNotLapsed,
    FarmerRejected,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from sutasoma.domain.farmer import FarmerRecord, Heir
from sutasoma.domain.identity import OPEN_KTP, Caller
from sutasoma.domain.ids import new_id
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.periods import add_months
from sutasoma.domain.places import check_place
from sutasoma.domain.records import Record
from sutasoma.domain.registration import RegistrationEvent, RegistrationStatus, next_status
from sutasoma.domain.uploads import KTP_UPLOAD, UploadRule, ktp_key
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import AuditTrail, Documents, Farmers

EDITABLE = ("phone", "address", "village_code", "commodity", "monthly_income", "heirs")


class FarmerEdit(Record):
    """What may change after registration (PATCH); None: unchanged."""

    phone: str | None = None
    address: str | None = None
    village_code: str | None = None
    commodity: str | None = None
    monthly_income: int | None = None
    heirs: tuple[Heir, ...] | None = None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not None}


@dataclass(frozen=True)
class Upload:
    """A presigned POST: the client sends `fields` then the file, as multipart/form-data, to `url`."""

    url: str
    object_key: str
    expires_in: int
    fields: dict[str, str]
    max_bytes: int


@dataclass(frozen=True)
class Download:
    """A short-lived link to a stored file (a KTP copy), each one audited when issued."""

    url: str
    expires_in: int


def presigned_upload(
    bucket: Documents, object_key: str, content_type: str, rule: UploadRule, expires_in: int
) -> Upload:
    post = bucket.presign_post(object_key, content_type, rule.min_bytes, rule.max_bytes, expires_in)
    return Upload(post.url, object_key, expires_in, post.fields, rule.max_bytes)


def coverage_query(state: CoverageState | None, today: date) -> dict[str, Any] | None:
    """The farmers in a coverage state on `today` as a list filter (domain/coverage.py); None
    when no farmer can be in it today (DUE after the 15th)."""
    if state is None:
        return {}
    if state is CoverageState.ENDED:
        return {"ended": True}
    current = period_of(today)
    # The current month counts as overdue only after its 15th.
    offset = 0 if today.day > DUE_DAY else 1
    match state:
        case CoverageState.NOT_STARTED:
            return {"ended": False, "paid_through_missing": True}
        case CoverageState.ACTIVE:
            return {"ended": False, "paid_through_min": current}
        case CoverageState.DUE:
            due = add_months(current, -1)
            return {"ended": False, "paid_through_min": due, "paid_through_max": due} if offset else None
        case CoverageState.ARREARS:
            return {
                "ended": False,
                "paid_through_min": add_months(current, -MAX_ARREARS_MONTHS - offset),
                "paid_through_max": add_months(current, -1 - offset),
            }
    return {"ended": False, "paid_through_max": add_months(current, -MAX_ARREARS_MONTHS - 1 - offset)}


def search_farmers(
    farmers: Farmers,
    filters: FarmerFilters,
    scope: Sequence[str],
    limit: int,
    start: tuple[str, tuple[str, str]] | None,
) -> Page[FarmerRecord]:
    """A page of the farmers of `scope` matching `filters`, in list order (the list, the export)."""
    name = filters.q.strip().casefold() if filters.q and filters.q.strip() else None
    coverage = coverage_query(filters.coverage_state, today_wita())
    if coverage is None:
        return Page([], False)
    base: dict[str, Any] = {
        "village_code": filters.village_code,
        "registration_status": filters.registration_status.value if filters.registration_status else None,
        "name_contains": name,
        **coverage,
    }

    def fetch(kecamatan: str, after: tuple[str, str] | None, n: int) -> tuple[list[FarmerRecord], bool]:
        return farmers.page(FarmerQuery(kecamatan_code=kecamatan, start_after=after, **base), n)

    return across_kecamatan(scope, limit, start, fetch)


def etag_of(farmer: FarmerRecord) -> str:
    """The record's entity tag: the count of the changes people made to what they edit (a PATCH,
    a correction), not its version: BPJS confirming the registration or a payment moving
    paid-through leave it, so they never turn a person's If-Match into a 412."""
    return f'"{farmer.farmer_id}.{farmer.edits}"'


def versions_in(if_match: str, farmer_id: str) -> frozenset[int] | None:
    """The edit counts an If-Match names for this farmer (RFC 9110: a list of tags, any may match);
    None for "*"; tags of another farmer, or not ours, name none (never current)."""
    versions = set()
    for part in if_match.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag == "*":
            return None
        owner, _, version = tag.rpartition(".")
        if owner == farmer_id and version.isdigit():
            versions.add(int(version))
    return frozenset(versions)


class FarmerRecords:
    def __init__(
        self,
        farmers: Farmers,
        audit: AuditTrail,
        writer: Writer,
        ktp: Documents,
        upload_expires_seconds: int,
        download_expires_seconds: int = 300,
    ) -> None:
        self.farmers = farmers
        self.audit = audit
        self.writer = writer
        self.ktp = ktp
        self.upload_expires_seconds = upload_expires_seconds
        self.download_expires_seconds = download_expires_seconds

    def get(self, caller: Caller, farmer_id: str) -> FarmerRecord:
        """The only answer with the whole NIK: recorded before it leaves (PDP: no unaudited
        disclosure). If the audit record cannot be written, the read fails."""
        farmer = load_farmer(self.farmers, caller, farmer_id)
        self.audit.record(
            by_caller(
                caller,
                AuditAction.NIK_READ,
                farmer_id,
                f"farmer/{farmer_id}",
                iso_utc(now_utc()),
                farmer_id=farmer_id,
            )
        )
        return farmer

    def search(
        self,
        filters: FarmerFilters,
        scope: Sequence[str],
        limit: int,
        start: tuple[str, tuple[str, str]] | None,
    ) -> Page[FarmerRecord]:
        """Farmers of the kecamatan in `scope` (already authorized), in list order."""
        return search_farmers(self.farmers, filters, scope, limit, start)

    def patch(
        self, caller: Caller, farmer_id: str, edit: FarmerEdit, if_match: frozenset[int] | None = None
    ) -> FarmerRecord:
        """The edit applied to the latest record (a change the system made meanwhile, such as
        BPJS confirming the registration, never fails it); with `if_match`, only if no person changed
        the record's fields since that ETag (`etag_of`)."""
        return retry_on_conflict(lambda: self._patch(caller, farmer_id, edit, if_match))

    def _patch(
        self, caller: Caller, farmer_id: str, edit: FarmerEdit, if_match: frozenset[int] | None
    ) -> FarmerRecord:
        farmer = load_farmer(self.farmers, caller, farmer_id)
        if if_match is not None and farmer.edits not in if_match:
            raise PreconditionFailed(
                "Data petani sudah berubah sejak Anda membukanya; muat ulang lalu ulangi perubahan.",
                extra={"etag": etag_of(farmer)},
            )
        fields = edit.fields()
        if not fields:
            raise ValidationFailed(
                "Tidak ada perubahan.",
                [FieldError("body", "Isi minimal satu kolom: " + ", ".join(EDITABLE) + ".")],
            )
        if "village_code" in fields:
            check_place(farmer.kecamatan_code, fields["village_code"])
        now = now_utc()
        stamp = iso_utc(now)
        after = farmer.next(**fields, edits=farmer.edits + 1, updated_at=stamp)
        outbox = OutboxEntry(
            op_id=new_id(), op_type=OpType.PARTICIPANT_UPDATE, farmer_id=farmer_id, created_at=stamp,
            payload={"fields": sorted(fields)},
        )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.FARMER_UPDATED, farmer_id, f"farmer/{farmer_id}", stamp,
            farmer_id=farmer_id, fields=tuple(fields),
        )  # fmt: skip
        changes = farmer_written(farmer, after, period_of(today_wita(now)))
        self.writer.write(changes + ChangeSet(outbox=(outbox,), audit=(audit,)))
        logger.info("farmer updated", extra={"farmer_id": farmer_id, "fields": sorted(fields)})
        return after

    def reactivate(self, caller: Caller, farmer_id: str) -> FarmerRecord:
        """A lapsed farmer registers again with BPJS; coverage starts afresh with the next payment."""
        farmer = load_farmer(self.farmers, caller, farmer_id)
        if farmer.registration_status is RegistrationStatus.REJECTED:
            raise FarmerRejected("Pendaftaran petani ini ditolak BPJS; tidak dapat diaktifkan kembali.")
        if farmer.deceased_on is not None:
            raise FarmerDeceased(
                "Petani ini sudah meninggal dunia; kepesertaan tidak dapat diaktifkan kembali.",
                extra={"deceased_on": farmer.deceased_on.isoformat()},
            )
        now = now_utc()
        today, stamp = today_wita(now), iso_utc(now)
        coverage = farmer.coverage(today)
        if coverage.state is not CoverageState.LAPSED:
            raise FarmerNotLapsed(
                f"Kepesertaan petani berstatus {coverage.state.value}; hanya yang berakhir (LAPSED) yang diaktifkan kembali."
            )
        after = farmer.next(
            registration_status=next_status(farmer.registration_status, RegistrationEvent.REACTIVATED),
            reactivated_at=stamp,
            previous_paid_through=farmer.paid_through,
            paid_through=None,
            coverage_start=None,
            updated_at=stamp,
        )
        outbox = OutboxEntry(
            op_id=new_id(), op_type=OpType.PARTICIPANT_REGISTRATION, farmer_id=farmer_id, created_at=stamp,
            payload={"reactivation": True},
        )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.FARMER_REACTIVATED, farmer_id, f"farmer/{farmer_id}", stamp,
            farmer_id=farmer_id, fields=("registration_status", "paid_through", "coverage_start"),
        )  # fmt: skip
        period = period_of(today)
        changes = farmer_written(farmer, after, period) + ChangeSet(
            counts=(CounterIncrement(period, farmer.kecamatan_code, {"reactivations": 1}),),
            outbox=(outbox,),
            audit=(audit,),
        )
        self.writer.write(changes)
        logger.info("farmer reactivated", extra={"farmer_id": farmer_id})
        return after

    def ktp_upload(self, caller: Caller, farmer_id: str, content_type: str) -> Upload:
        load_farmer(self.farmers, caller, farmer_id)
        if not KTP_UPLOAD.allows(content_type):
            raise ValidationFailed(
                "Jenis berkas KTP tidak didukung.",
                [FieldError("content_type", "Gunakan image/jpeg, image/png, atau application/pdf.")],
            )
        key = ktp_key(farmer_id, content_type)
        return presigned_upload(self.ktp, key, content_type, KTP_UPLOAD, self.upload_expires_seconds)

    def ktp_download(self, caller: Caller, farmer_id: str) -> Download:
        """A short-lived link to the farmer's KTP copy (coordinators and admins): recorded before
        it leaves, like a whole NIK."""
        caller.require(OPEN_KTP)
        farmer = load_farmer(self.farmers, caller, farmer_id)
        if farmer.ktp_object_key is None:
            raise NotFound("Salinan KTP petani ini belum diunggah.")
        self.audit.record(
            by_caller(
                caller, AuditAction.KTP_READ, farmer_id, f"farmer/{farmer_id}", iso_utc(now_utc()),
                farmer_id=farmer_id, detail={"object_key": farmer.ktp_object_key},
            )
        )  # fmt: skip
        url = self.ktp.presign_get(farmer.ktp_object_key, self.download_expires_seconds)
        return Download(url, self.download_expires_seconds)
