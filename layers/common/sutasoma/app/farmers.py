"""Farmer registration and records: the rules, with no AWS in sight (store/queue injected)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.adapters.documents import DocumentBucket
from sutasoma.adapters.idempotency import IdempotentRunner
from sutasoma.adapters.queue import OutboundQueue
from sutasoma.adapters.store import (
    CounterIncrement,
    DomainStore,
    FarmerQuery,
    NikTaken,
    OutboxEntry,
    population_change,
)
from sutasoma.api.models import (
    CoverageOut,
    Farmer,
    FarmerCreate,
    FarmerDetail,
    FarmerPage,
    FarmerPatch,
    HeirOut,
    RegistrationStatus,
    UploadUrl,
    mask_phone,
)
from sutasoma.app.outbox import OpType, dispatch
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.coverage import MAX_ARREARS_MONTHS, CoverageState, coverage_on
from sutasoma.domain.errors import (
    AgeOutOfRange,
    FarmerNotLapsed,
    FarmerRejected,
    FieldError,
    NikAlreadyRegistered,
    NotFound,
    PlaceInvalid,
    ValidationFailed,
)
from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.nik import mask_nik, nik_lookup_hash, parse_nik, reconcile_identity
from sutasoma.domain.periods import add_months
from sutasoma.domain.places import check_place, is_kecamatan, kecamatan_codes, places
from sutasoma.domain.tariff import contribution_for
from sutasoma.runtime.observability import logger, metrics
from sutasoma.runtime.settings import Settings

KTP_CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class ListFilters:
    kecamatan_code: str | None = None
    village_code: str | None = None
    registration_status: RegistrationStatus | None = None
    coverage_state: CoverageState | None = None
    q: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


def to_resource(item: dict[str, Any], today: date, *, masked: bool = False) -> Farmer:
    """The farmer as answered; `masked` for lists: the farmer's and heirs' phones masked."""
    coverage = coverage_on(item.get("paid_through"), today)
    heirs = [HeirOut.model_validate(heir) for heir in item.get("heirs") or []]
    return Farmer(
        farmer_id=item["farmer_id"],
        nik_masked=item["nik_masked"],
        full_name=item["full_name"],
        sex=item["sex"],
        birth_date=date.fromisoformat(item["birth_date"]),
        phone=mask_phone(item["phone"]) if masked else item["phone"],
        kecamatan_code=item["kecamatan_code"],
        village_code=item["village_code"],
        address=item["address"],
        commodity=item["commodity"],
        monthly_income=item["monthly_income"],
        heirs=[heir.masked() for heir in heirs] if masked else heirs,
        registration_status=item["registration_status"],
        kpj_number=item.get("kpj_number"),
        coverage=CoverageOut(state=coverage.state, paid_through=coverage.paid_through),
        monthly_contribution=contribution_for(period_of(today), item["monthly_income"]).amount,
        registered_by=item["registered_by"],
        registered_at=item["registered_at"],
        updated_at=item["updated_at"],
    )


def encode_cursor(kecamatan_code: str, village_code: str, farmer_id: str) -> str:
    raw = json.dumps({"k": kecamatan_code, "v": village_code, "i": farmer_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str]:
    invalid = ValidationFailed(
        "Cursor halaman tidak valid.", [FieldError("cursor", "Gunakan next_cursor dari halaman sebelumnya.")]
    )
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        kecamatan_code, village_code, farmer_id = data["k"], data["v"], data["i"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid from None
    if not (
        isinstance(kecamatan_code, str)
        and is_kecamatan(kecamatan_code)
        and isinstance(village_code, str)
        and village_code in places().villages
        and isinstance(farmer_id, str)
        and is_id(farmer_id)
    ):
        raise invalid
    return kecamatan_code, village_code, farmer_id


def load_farmer(store: DomainStore, caller: Caller, farmer_id: str) -> dict[str, Any]:
    """The farmer, if it exists and the caller may act in its kecamatan (404 / 403)."""
    item = store.get_farmer(farmer_id) if is_id(farmer_id) else None
    if item is None:
        raise NotFound("Petani tidak ditemukan.")
    caller.require_kecamatan(item["kecamatan_code"])
    return item


class FarmerService:
    def __init__(
        self,
        settings: Settings,
        store: DomainStore,
        queue: OutboundQueue,
        idempotency: IdempotentRunner,
        documents: DocumentBucket,
        nik_key: Callable[[], bytes],
    ) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.idempotency = idempotency
        self.documents = documents
        self._nik_key = nik_key  # fetched only by the routes that hash a NIK

    # ------------------------------------------------------------------ register
    def register(self, caller: Caller, data: FarmerCreate, idempotency_key: str | None = None) -> Farmer:
        return self.idempotency.once(
            "register", idempotency_key, caller.sub, data, lambda: self._register(caller, data), Farmer
        )

    def _register(self, caller: Caller, data: FarmerCreate) -> Farmer:
        check_place(data.kecamatan_code, data.village_code)
        caller.require_kecamatan(data.kecamatan_code)
        now = now_utc()
        today = today_wita(now)
        nik = parse_nik(data.nik)
        birth_date, sex = reconcile_identity(nik, data.birth_date, data.sex, today)
        age = age_on(birth_date, today)
        low, high = self.settings.min_registration_age, self.settings.max_registration_age
        if not low <= age <= high:
            raise AgeOutOfRange(
                f"Usia petani {age} tahun; yang dapat didaftarkan berusia {low}-{high} tahun.",
                [FieldError("birth_date", f"Usia harus {low}-{high} tahun pada tanggal pendaftaran.")],
            )
        farmer_id = new_id()
        stamp = iso_utc(now)
        farmer = {
            "farmer_id": farmer_id,
            "nik": data.nik,
            "nik_masked": mask_nik(data.nik),
            "full_name": data.full_name,
            "name_search": data.full_name.casefold(),
            "sex": sex,
            "birth_date": birth_date.isoformat(),
            "phone": data.phone,
            "kecamatan_code": data.kecamatan_code,
            "village_code": data.village_code,
            "address": data.address,
            "commodity": data.commodity,
            "monthly_income": data.monthly_income,
            "heirs": [h.model_dump(mode="json") for h in data.heirs],
            "consent_at": stamp,
            "registration_status": RegistrationStatus.PENDING.value,
            "registered_by": caller.username,
            "registered_by_sub": caller.sub,
            "registered_at": stamp,
            "updated_at": stamp,
            "version": 1,
        }
        outbox = OutboxEntry(
            op_id=new_id(),
            op_type=OpType.PARTICIPANT_REGISTRATION,
            farmer_id=farmer_id,
            created_at=stamp,
            payload={},  # the consumer reads the farmer: no personal data travels through SQS
        )
        period = period_of(today)
        counters = [
            CounterIncrement(period, f"KEC#{data.kecamatan_code}", {"new_registrations": 1}),
            CounterIncrement(period, f"AGENT#{data.kecamatan_code}#{caller.username}", {"registrations": 1}),
            *population_change(data.kecamatan_code, period, None, farmer),
        ]
        try:
            self.store.put_registration(
                farmer,
                nik_lookup_hash(data.nik, self._nik_key()),
                outbox,
                counters,
                by_caller(
                    caller,
                    AuditAction.FARMER_REGISTERED,
                    farmer_id,
                    f"farmer/{farmer_id}",
                    stamp,
                    farmer_id=farmer_id,
                    detail={"consent_at": stamp},
                ),
            )
        except NikTaken as taken:
            raise NikAlreadyRegistered(
                "NIK ini sudah terdaftar di SUTASOMA.",
                [FieldError("nik", "NIK sudah terdaftar.")],
                extra={"farmer_id": taken.farmer_id},
            ) from None
        metrics.add_metric(name="FarmerRegistered", unit=MetricUnit.Count, value=1)
        logger.info(
            "farmer registered", extra={"farmer_id": farmer_id, "kecamatan_code": data.kecamatan_code}
        )
        dispatch(self.store, self.queue, outbox)
        return to_resource(farmer, today)

    # ------------------------------------------------------------------ read
    def _load(self, caller: Caller, farmer_id: str) -> dict[str, Any]:
        return load_farmer(self.store, caller, farmer_id)

    def get(self, caller: Caller, farmer_id: str) -> FarmerDetail:
        """The only answer with the whole NIK: recorded before it leaves (PDP: no unaudited
        disclosure). If the audit record cannot be written, the read fails (5xx)."""
        item = self._load(caller, farmer_id)
        self.store.put_audit(
            by_caller(caller, AuditAction.NIK_READ, farmer_id, f"farmer/{farmer_id}", farmer_id=farmer_id)
        )
        farmer = to_resource(item, today_wita())
        return FarmerDetail(**farmer.model_dump(), nik=item["nik"])

    def search(self, caller: Caller, filters: ListFilters) -> FarmerPage:
        limit = filters.limit
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(
                "Parameter limit tidak valid.", [FieldError("limit", f"limit harus 1-{MAX_PAGE_SIZE}.")]
            )
        scope = self._list_scope(caller, filters)
        start: tuple[str, str, str] | None = decode_cursor(filters.cursor) if filters.cursor else None
        if start is not None and start[0] not in scope:
            raise ValidationFailed(
                "Cursor halaman tidak valid.", [FieldError("cursor", "Cursor bukan untuk daftar ini.")]
            )
        today = today_wita()
        query_base = self._coverage_filter(filters, today)
        items: list[Farmer] = []
        more = False
        for kecamatan_code in scope:
            if start is not None and kecamatan_code < start[0]:
                continue
            start_after = (start[1], start[2]) if start is not None and start[0] == kecamatan_code else None
            found, more = self.store.query_farmers(
                FarmerQuery(kecamatan_code=kecamatan_code, start_after=start_after, **query_base),
                limit - len(items),
            )
            items.extend(to_resource(item, today, masked=True) for item in found)
            if len(items) == limit:
                more = more or kecamatan_code != scope[-1]
                break
        next_cursor = None
        if more and items:
            last = items[-1]
            next_cursor = encode_cursor(last.kecamatan_code, last.village_code, last.farmer_id)
        return FarmerPage(items=items, next_cursor=next_cursor)

    def _list_scope(self, caller: Caller, filters: ListFilters) -> list[str]:
        if filters.kecamatan_code is not None:
            if not is_kecamatan(filters.kecamatan_code):
                raise PlaceInvalid(
                    "Kode kecamatan tidak dikenal.",
                    [FieldError("kecamatan_code", "Bukan kecamatan di Kabupaten Soppeng.")],
                )
            caller.require_kecamatan(filters.kecamatan_code)
            scope = [filters.kecamatan_code]
        elif caller.kecamatan is not None and not caller.is_admin:
            scope = [caller.kecamatan]
        else:
            scope = kecamatan_codes()
        if filters.village_code is not None:
            village = places().villages.get(filters.village_code)
            if village is None or village.kecamatan_code not in scope:
                raise PlaceInvalid(
                    "Kode desa/kelurahan tidak valid untuk daftar ini.",
                    [FieldError("village_code", "Bukan desa/kelurahan di kecamatan yang dipilih.")],
                )
            caller.require_kecamatan(village.kecamatan_code)
            scope = [village.kecamatan_code]
        return scope

    @staticmethod
    def _coverage_filter(filters: ListFilters, today: date) -> dict[str, Any]:
        current = period_of(today)
        query: dict[str, Any] = {
            "village_code": filters.village_code,
            "registration_status": filters.registration_status.value if filters.registration_status else None,
            "name_contains": filters.q.strip().casefold() if filters.q and filters.q.strip() else None,
        }
        match filters.coverage_state:
            case CoverageState.NOT_STARTED:
                query["paid_through_missing"] = True
            case CoverageState.ACTIVE:
                query["paid_through_min"] = current
            case CoverageState.ARREARS:
                query["paid_through_min"] = add_months(current, -MAX_ARREARS_MONTHS)
                query["paid_through_max"] = add_months(current, -1)
            case CoverageState.LAPSED:
                query["paid_through_max"] = add_months(current, -MAX_ARREARS_MONTHS - 1)
        return query

    # ------------------------------------------------------------------ change
    def patch(self, caller: Caller, farmer_id: str, patch: FarmerPatch) -> Farmer:
        item = self._load(caller, farmer_id)
        changes: dict[str, Any] = patch.model_dump(mode="json", exclude_unset=True)
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            raise ValidationFailed(
                "Tidak ada perubahan.",
                [
                    FieldError(
                        "body",
                        "Isi minimal satu kolom: phone, address, village_code, commodity, "
                        "monthly_income, heirs.",
                    )
                ],
            )
        if "village_code" in changes:
            check_place(item["kecamatan_code"], changes["village_code"])
        now = now_utc()
        outbox = OutboxEntry(
            op_id=new_id(),
            op_type=OpType.PARTICIPANT_UPDATE,
            farmer_id=farmer_id,
            created_at=iso_utc(now),
            payload={"fields": sorted(changes)},
        )
        counters = population_change(
            item["kecamatan_code"], period_of(today_wita(now)), item, {**item, **changes}
        )
        audit = by_caller(
            caller,
            AuditAction.FARMER_UPDATED,
            farmer_id,
            f"farmer/{farmer_id}",
            iso_utc(now),
            farmer_id=farmer_id,
            fields=tuple(changes),
        )
        updated = self.store.update_farmer(
            item, changes, iso_utc(now), outbox, audit=audit, counters=tuple(counters)
        )
        logger.info("farmer updated", extra={"farmer_id": farmer_id, "fields": sorted(changes)})
        dispatch(self.store, self.queue, outbox)
        return to_resource(updated, today_wita(now))

    def reactivate(self, caller: Caller, farmer_id: str) -> Farmer:
        """A lapsed farmer registers again with BPJS; coverage starts afresh with the next payment."""
        item = self._load(caller, farmer_id)
        if item["registration_status"] == RegistrationStatus.REJECTED.value:
            raise FarmerRejected("Pendaftaran petani ini ditolak BPJS; tidak dapat diaktifkan kembali.")
        now = now_utc()
        today = today_wita(now)
        coverage = coverage_on(item.get("paid_through"), today)
        if coverage.state is not CoverageState.LAPSED:
            raise FarmerNotLapsed(
                f"Kepesertaan petani berstatus {coverage.state.value}; hanya yang berakhir (LAPSED) yang diaktifkan kembali."
            )
        stamp = iso_utc(now)
        outbox = OutboxEntry(
            op_id=new_id(),
            op_type=OpType.PARTICIPANT_REGISTRATION,
            farmer_id=farmer_id,
            created_at=stamp,
            payload={"reactivation": True},
        )
        changes = {
            "registration_status": RegistrationStatus.PENDING.value,
            "reactivated_at": stamp,
            "previous_paid_through": item["paid_through"],
        }
        after = {key: value for key, value in {**item, **changes}.items() if key != "paid_through"}
        counters = (
            CounterIncrement(period_of(today), f"KEC#{item['kecamatan_code']}", {"reactivations": 1}),
            *population_change(item["kecamatan_code"], period_of(today), item, after),
        )
        audit = by_caller(
            caller,
            AuditAction.FARMER_REACTIVATED,
            farmer_id,
            f"farmer/{farmer_id}",
            stamp,
            farmer_id=farmer_id,
            fields=("registration_status", "paid_through", "coverage_start"),
        )
        updated = self.store.update_farmer(
            item,
            changes,
            stamp,
            outbox,
            audit=audit,
            remove=("paid_through", "coverage_start"),
            counters=counters,
        )
        logger.info("farmer reactivated", extra={"farmer_id": farmer_id})
        dispatch(self.store, self.queue, outbox)
        return to_resource(updated, today)

    def ktp_upload_url(self, caller: Caller, farmer_id: str, content_type: str) -> UploadUrl:
        self._load(caller, farmer_id)
        extension = KTP_CONTENT_TYPES.get(content_type)
        if extension is None:
            raise ValidationFailed(
                "Jenis berkas KTP tidak didukung.",
                [FieldError("content_type", "Gunakan image/jpeg, image/png, atau application/pdf.")],
            )
        object_key = f"ktp/{farmer_id}/{new_id()}.{extension}"
        expires = self.settings.upload_url_expires_seconds
        url = self.documents.presign_put(object_key, content_type, expires)
        return UploadUrl(upload_url=url, object_key=object_key, expires_in=expires)
