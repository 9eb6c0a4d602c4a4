"""A registered farmer: the record as stored, and the rules about the person it describes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from sutasoma.domain.clock import WITA, day_wita_of
from sutasoma.domain.coverage import Coverage, coverage_on
from sutasoma.domain.errors import FarmerDeceased, FieldError, IncidentDateInvalid
from sutasoma.domain.periods import date_words
from sutasoma.domain.records import Record, Versioned
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.domain.uploads import FileCheck

Sex = Literal["M", "F"]


class Relationship(StrEnum):
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


class Heir(Record):
    full_name: str
    relationship: Relationship
    phone: str | None = None


class CorrectionNote(Record):
    """A coordinator's or admin's correction of identity fields, and why."""

    at: str
    by: str
    fields: tuple[str, ...]
    reason: str


class BpjsCheck(StrEnum):
    """What BPJS's participant look-up said of an imported member's KPJ and NIK."""

    PENDING = "PENDING"  # asked, no answer yet
    MATCH = "MATCH"  # the KPJ is BPJS's, with this NIK
    NIK_MISMATCH = "NIK_MISMATCH"  # the KPJ is BPJS's, with another NIK
    KPJ_NOT_FOUND = "KPJ_NOT_FOUND"  # BPJS knows no such KPJ


class ImportedFrom(Record):
    """A member who was a BPJS participant before SUTASOMA, brought in by an import: the import,
    and what BPJS's participant look-up said of their KPJ and NIK (BpjsCheck)."""

    import_id: str
    imported_at: str
    bpjs_check: str = "PENDING"
    bpjs_checked_at: str | None = None


class ImportedCoverage(Record):
    """Months an import recorded as paid (paid at BPJS before SUTASOMA, no payment record here):
    for a claim they count as paid by a payment recorded at `recorded_at` (docs/decisions.md)."""

    import_id: str
    first_period: str
    last_period: str
    recorded_at: str
    income: int | None = (
        None  # the reported income the months were paid on (None: recorded before it was kept)
    )

    def covers(self, period: str) -> bool:
        return self.first_period <= period <= self.last_period


class FarmerRecord(Versioned):
    farmer_id: str
    nik: str
    nik_masked: str
    full_name: str
    name_search: str  # casefolded full name: the list filter `q` matches on it
    sex: Sex
    birth_date: date
    phone: str
    kecamatan_code: str
    village_code: str
    address: str
    commodity: str
    monthly_income: int
    heirs: tuple[Heir, ...] = ()
    consent_at: str
    registration_status: RegistrationStatus
    registered_by: str
    registered_by_sub: str
    registered_at: str
    updated_at: str
    # Coverage: the first and the last consecutive paid month (None: never paid).
    coverage_start: str | None = None
    paid_through: str | None = None
    # What BPJS decided.
    kpj_number: str | None = None
    confirmed_at: str | None = None
    rejection_code: str | None = None
    rejection_reason: str | None = None
    # A lapsed member registered again: coverage starts afresh.
    reactivated_at: str | None = None
    previous_paid_through: str | None = None
    # Death ends the membership (from the family's report, or a death claim).
    deceased_on: date | None = None
    death_recorded_at: str | None = None
    death_recorded_by: str | None = None
    death_source: str | None = None  # "REPORT" | "CLAIM"
    death_note: str | None = None
    corrections: tuple[CorrectionNote, ...] = ()
    # Changes people made to the fields they edit (PATCH, corrections): the record's ETag. The
    # changes the system makes (BPJS's decision, paid-through) leave it: they never make a
    # person's If-Match stale (CONTRACT: a system change never fails a PATCH).
    edits: int = 0
    # The KTP copy, once a valid file landed in S3 (domain/uploads.py); and the latest refused
    # try after it, with why.
    ktp_uploaded_at: str | None = None
    ktp_object_key: str | None = None
    ktp_refused: FileCheck | None = None
    # A member brought in by an import (CONTRACT "Imports and exports"), and the months imports
    # recorded as paid; `last_import_id`: the last import that wrote this record.
    imported: ImportedFrom | None = None
    import_coverage: tuple[ImportedCoverage, ...] = ()
    last_import_id: str | None = None

    @property
    def ended(self) -> bool:
        """The membership is over: the farmer died, or BPJS rejected the registration."""
        return self.deceased_on is not None or self.registration_status is RegistrationStatus.REJECTED

    def coverage(self, on: date) -> Coverage:
        return coverage_on(self.paid_through, on, ended=self.ended)

    def population_fields(self) -> dict[str, Any]:
        """What the report's population buckets count of this farmer (domain/population.py)."""
        return {
            "registration_status": self.registration_status.value,
            "paid_through": self.paid_through,
            "monthly_income": self.monthly_income,
            "deceased": self.deceased_on is not None,
            "since": stamp_period(self.reactivated_at or self.registered_at),
        }


class KpjClaim(Record):
    """One KPJ, one farmer: the KPJ number of an imported member, claimed by its farmer."""

    kpj_number: str
    farmer_id: str
    created_at: str


class NikClaim(Record):
    """One NIK, one farmer: the keyed hash of a NIK claimed by the farmer that registered it."""

    nik_hash: str
    farmer_id: str
    created_at: str


class NikRelease(Record):
    """A NIK a correction took off a farmer, while BPJS does not know it yet: BPJS still has it
    on that farmer's participant, so a new registration of it waits (app/nik_claims.py)."""

    nik_hash: str
    farmer_id: str  # the corrected farmer
    op_id: str  # the correction's participant update, which deletes this once delivered
    created_at: str


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def stamp_period(stamp: str) -> str:
    """The business month (WITA) of a UTC timestamp."""
    day = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(WITA).date()
    return f"{day.year:04d}-{day.month:02d}"


def registered_on(farmer: FarmerRecord) -> date:
    """The business date (WITA) of the registration."""
    return datetime.fromisoformat(farmer.registered_at.replace("Z", "+00:00")).astimezone(WITA).date()


def member_since(farmer: FarmerRecord) -> date:
    """The business date (WITA) the current membership began: the registration, or the
    reactivation of a lapsed member (money collected before it paid for no membership)."""
    return day_wita_of(farmer.reactivated_at) if farmer.reactivated_at else registered_on(farmer)


def check_date_of_death(farmer: FarmerRecord, date_of_death: date, today: date) -> None:
    if farmer.deceased_on is not None:
        raise FarmerDeceased(
            f"Kematian petani ini sudah tercatat (tanggal {date_words(farmer.deceased_on)}).",
            extra={"deceased_on": farmer.deceased_on.isoformat()},
        )
    if date_of_death > today:
        raise IncidentDateInvalid(
            "Tanggal kematian tidak boleh di masa depan.", [FieldError("date_of_death", "Di masa depan.")]
        )
    if date_of_death < registered_on(farmer):
        raise IncidentDateInvalid(
            "Tanggal kematian tidak boleh sebelum petani didaftarkan.",
            [FieldError("date_of_death", f"Sebelum {registered_on(farmer).isoformat()}.")],
        )
