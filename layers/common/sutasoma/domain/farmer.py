"""A registered farmer: the record as stored, and the rules about the person it describes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from sutasoma.domain.records import Record, Versioned
from sutasoma.domain.registration import RegistrationStatus

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


class NikClaim(Record):
    """One NIK, one farmer: the keyed hash of a NIK claimed by the farmer that registered it."""

    nik_hash: str
    farmer_id: str
    created_at: str


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
