"""Registering a farmer from the KTP on a home visit (DOMAIN.md "NIK", "Places")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.common import Writer, once
from sutasoma.app.nik_claims import NIK_HASH
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, Created, WriteConflict, farmer_written
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.errors import AgeOutOfRange, FieldError, NikAlreadyRegistered
from sutasoma.domain.farmer import FarmerRecord, Heir, NikClaim, Sex, age_on
from sutasoma.domain.ids import new_id
from sutasoma.domain.nik import nik_lookup_hash, parse_nik, reconcile_identity
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.places import check_place
from sutasoma.domain.privacy import mask_nik
from sutasoma.domain.records import Record
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.runtime.observability import logger, metrics

if TYPE_CHECKING:
    from sutasoma.app.ports import Farmers, Idempotency
    from sutasoma.domain.identity import Caller


class NewFarmer(Record):
    nik: str
    full_name: str
    birth_date: date | None = None
    sex: Sex | None = None
    phone: str
    kecamatan_code: str
    village_code: str
    address: str
    commodity: str
    monthly_income: int
    heirs: tuple[Heir, ...] = ()


@dataclass(frozen=True)
class AgePolicy:
    """Policy: the ages that may be registered (DOMAIN.md: 17-65 inclusive, configurable)."""

    low: int = 17
    high: int = 65

    def check(self, birth_date: date, today: date) -> None:
        age = age_on(birth_date, today)
        if not self.low <= age <= self.high:
            raise AgeOutOfRange(
                f"Usia petani {age} tahun; yang dapat didaftarkan berusia {self.low}-{self.high} tahun.",
                [
                    FieldError(
                        "birth_date", f"Usia harus {self.low}-{self.high} tahun pada tanggal pendaftaran."
                    )
                ],
            )


def decide_registration(
    caller: Caller, data: NewFarmer, nik_hash: str, now: datetime, ages: AgePolicy
) -> tuple[FarmerRecord, ChangeSet]:
    """The farmer, its NIK claim, counters, the BPJS registration and the audit record."""
    today = now.astimezone(WITA).date()
    birth_date, sex = reconcile_identity(parse_nik(data.nik), data.birth_date, data.sex, today)
    ages.check(birth_date, today)
    stamp, farmer_id, period = iso_utc(now), new_id(), period_of(today)
    farmer = FarmerRecord(
        **data.model_dump(exclude={"birth_date", "sex", "heirs"}),
        farmer_id=farmer_id,
        nik_masked=mask_nik(data.nik),
        name_search=data.full_name.casefold(),
        sex=sex,
        birth_date=birth_date,
        heirs=data.heirs,
        consent_at=stamp,
        registration_status=RegistrationStatus.PENDING,
        registered_by=caller.username,
        registered_by_sub=caller.sub,
        registered_at=stamp,
        updated_at=stamp,
    )
    # The consumer reads the farmer: no personal data travels through the queue (the NIK's keyed
    # hash lets it wait while a correction frees the NIK: app/nik_claims.py).
    outbox = OutboxEntry(
        op_id=new_id(),
        op_type=OpType.PARTICIPANT_REGISTRATION,
        farmer_id=farmer_id,
        created_at=stamp,
        payload={NIK_HASH: nik_hash},
    )
    audit = by_caller(
        caller, AuditAction.FARMER_REGISTERED, farmer_id, f"farmer/{farmer_id}", stamp,
        farmer_id=farmer_id, detail={"consent_at": stamp},
    )  # fmt: skip
    changes = ChangeSet(
        writes=(Created(NikClaim(nik_hash=nik_hash, farmer_id=farmer_id, created_at=stamp)),),
        counts=(
            CounterIncrement(period, data.kecamatan_code, {"new_registrations": 1}),
            CounterIncrement(period, data.kecamatan_code, {"registrations": 1}, agent=caller.username),
        ),
        outbox=(outbox,),
        audit=(audit,),
    )
    return farmer, changes + farmer_written(None, farmer, period)


class RegisterFarmer:
    def __init__(
        self,
        writer: Writer,
        farmers: Farmers,
        idempotency: Idempotency,
        nik_key: Callable[[], bytes],
        ages: AgePolicy,
    ) -> None:
        self.writer = writer
        self.farmers = farmers
        self.idempotency = idempotency
        self._nik_key = nik_key  # fetched only by the routes that hash a NIK
        self.ages = ages

    def __call__(self, caller: Caller, data: NewFarmer, idempotency_key: str | None = None) -> FarmerRecord:
        check_place(data.kecamatan_code, data.village_code)
        caller.require_kecamatan(data.kecamatan_code)  # before a replay: keys are no oracle
        return once(
            self.idempotency,
            "register",
            idempotency_key,
            caller.sub,
            data,
            lambda: self._register(caller, data),
            FarmerRecord,
        )

    def _register(self, caller: Caller, data: NewFarmer) -> FarmerRecord:
        nik_hash = nik_lookup_hash(data.nik, self._nik_key())
        farmer, changes = decide_registration(caller, data, nik_hash, now_utc(), self.ages)
        try:
            self.writer.write(changes)
        except WriteConflict as conflict:
            if not conflict.concerns(NikClaim):
                raise
            current = conflict.current
            existing = (
                current.farmer_id if isinstance(current, NikClaim) else self.farmers.id_for_nik(nik_hash)
            )
            raise NikAlreadyRegistered(
                "NIK ini sudah terdaftar di SUTASOMA.",
                [FieldError("nik", "NIK sudah terdaftar.")],
                extra={"farmer_id": existing},
            ) from None
        metrics.add_metric(name="FarmerRegistered", unit=MetricUnit.Count, value=1)
        logger.info(
            "farmer registered", extra={"farmer_id": farmer.farmer_id, "kecamatan_code": data.kecamatan_code}
        )
        return farmer
