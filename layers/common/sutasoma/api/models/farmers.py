"""`/farmers` requests and answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints, ValidationInfo, field_validator

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.common import (
    Address,
    Commodity,
    HumanText,
    Income,
    IsoDate,
    Name,
    Phone,
    RefusedUpload,
    UploadContentType,
    bounded,
)
from sutasoma.domain.coverage import CoverageState as CoverageState
from sutasoma.domain.farmer import BpjsCheck, Relationship
from sutasoma.domain.registration import RegistrationStatus as RegistrationStatus
from sutasoma.domain.tariff import MIN_REPORTED_INCOME


class Heir(ApiModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name
    relationship: Relationship
    phone: Phone | None = None


class HeirOut(ApiModel):
    """An heir as answered: `phone` whole for one farmer, masked (`0812****5432`) in lists."""

    full_name: str
    relationship: Relationship
    phone: str | None = None


class FarmerCreate(ApiModel):
    """`POST /farmers`: a farmer as read from the KTP on a home visit."""

    model_config = ConfigDict(extra="forbid")

    nik: Annotated[str, StringConstraints(max_length=64)] = Field(
        description="16-digit NIK from the KTP", examples=["7312045708800003"]
    )
    full_name: Name
    birth_date: IsoDate | None = Field(default=None, description="Must agree with the NIK")
    sex: Literal["M", "F"] | None = Field(default=None, description="Must agree with the NIK")
    phone: Phone
    kecamatan_code: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["73.12.04"])
    village_code: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["73.12.04.1001"])
    address: Address
    commodity: Commodity
    monthly_income: Income = MIN_REPORTED_INCOME
    heirs: Annotated[list[Heir], Field(max_length=10)] = Field(default_factory=list)
    consent: StrictBool = Field(
        description="The farmer agreed to the processing of their personal data (UU 27/2022): `true`, "
        "nothing else"
    )

    @field_validator("monthly_income", "heirs", mode="before")
    @classmethod
    def null_is_not_given(cls, value: object, info: ValidationInfo) -> object:
        """An optional field sent as null takes its default, as if left out."""
        if value is None:
            return MIN_REPORTED_INCOME if info.field_name == "monthly_income" else []
        return value

    @field_validator("consent")
    @classmethod
    def consent_given(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("consent_required")
        return value


class FarmerPatch(ApiModel):
    """`PATCH /farmers/{id}`: what may change after registration. NIK, name and birth date may not."""

    model_config = ConfigDict(extra="forbid")

    phone: Phone | None = None
    address: Address | None = None
    village_code: Annotated[str, StringConstraints(max_length=32)] | None = None
    commodity: Commodity | None = None
    monthly_income: Income | None = None
    heirs: Annotated[list[Heir], Field(max_length=10)] | None = None


class CoverageOut(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    state: CoverageState
    paid_through: str | None = Field(description="Last paid contribution month, YYYY-MM")


class ImportedOut(ApiModel):
    """A member brought in by an import, and what BPJS's participant look-up said of them."""

    import_id: str
    imported_at: str
    bpjs_check: BpjsCheck = Field(
        description="PENDING until BPJS answered; NIK_MISMATCH / KPJ_NOT_FOUND put the member on "
        "GET /imports/{import_id}/mismatches for an admin to check"
    )
    bpjs_checked_at: str | None = None
    note: str | None = Field(default=None, description="What is wrong, in Bahasa Indonesia (a mismatch)")


class Farmer(ApiModel):
    farmer_id: str
    nik_masked: str = Field(examples=["7312********0003"])
    full_name: str
    sex: Literal["M", "F"]
    birth_date: date
    phone: str = Field(
        description="Whole for one farmer (GET/POST/PATCH); masked in GET /farmers lists",
        examples=["081234567890", "0812****7890"],
    )
    kecamatan_code: str
    village_code: str
    address: str
    commodity: str
    monthly_income: int
    heirs: list[HeirOut]
    registration_status: RegistrationStatus
    kpj_number: str | None
    coverage: CoverageOut
    deceased_on: date | None = Field(
        default=None, description="Date of death, once recorded: the membership ended"
    )
    ktp_uploaded_at: str | None = Field(
        default=None, description="When a valid KTP copy was stored; null until then"
    )
    ktp_refused: RefusedUpload | None = Field(
        default=None, description="The latest KTP upload that was refused after the stored one, and why"
    )
    monthly_contribution: int = Field(
        description="Contribution for the current month, from the tariff schedule"
    )
    registered_by: str
    registered_at: str
    updated_at: str
    imported: ImportedOut | None = Field(
        default=None, description="Set for a member brought in by an import (existing BPJS participant)"
    )


class FarmerDetail(Farmer):
    """`GET /farmers/{id}`: the only place the whole NIK is shown."""

    nik: str


class FarmerPage(ApiModel):
    items: list[Farmer] = Field(description="Phones (the farmer's and heirs') masked; no NIK")
    next_cursor: str | None


class KtpUploadRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    content_type: UploadContentType = Field(
        default="image/jpeg", description="The file's type, fixed by the upload's policy"
    )


class DeathCreate(ApiModel):
    """`POST /farmers/{id}/death`: the date of death, from the family's report."""

    model_config = ConfigDict(extra="forbid")

    date_of_death: IsoDate
    note: Annotated[str, bounded(0, 500), HumanText] | None = None


class CorrectionCreate(ApiModel):
    """`POST /farmers/{id}/corrections` (coordinator, admin): a typo in the identity fields."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name | None = None
    birth_date: IsoDate | None = None
    sex: Literal["M", "F"] | None = None
    nik: Annotated[str, StringConstraints(max_length=64)] | None = None
    reason: Annotated[str, bounded(5, 500), HumanText] = Field(
        description="Why the identity is corrected (e.g. the KTP was misread); kept with the farmer"
    )
