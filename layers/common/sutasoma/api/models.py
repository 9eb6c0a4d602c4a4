"""Pydantic models at the API edge: what clients send and what they get back."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sutasoma.domain.coverage import CoverageState
from sutasoma.domain.tariff import MIN_REPORTED_INCOME

PHONE_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
# Whole thousands: contributions then come out in whole Rupiah, for one farmer and for a sum.
Income = Annotated[int, Field(ge=MIN_REPORTED_INCOME, le=1_000_000_000, multiple_of=1000, strict=True)]


class Relationship(StrEnum):
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


class RegistrationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


class Heir(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name
    relationship: Relationship
    phone: Phone | None = None


def mask_phone(value: str) -> str:
    """`0812****7890`: the first 4 and last 4 characters kept (UU 27/2022: masked in lists)."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_bank_account(value: str) -> str:
    """`*******4567`: only the last 4 digits, enough to recognise one's own account."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


class HeirOut(BaseModel):
    """An heir as answered: `phone` whole for one farmer, masked (`0812****5432`) in lists."""

    full_name: str
    relationship: Relationship
    phone: str | None = None

    def masked(self) -> HeirOut:
        return self.model_copy(update={"phone": mask_phone(self.phone) if self.phone else None})


class FarmerCreate(BaseModel):
    """`POST /farmers`: a farmer as read from the KTP on a home visit."""

    model_config = ConfigDict(extra="forbid")

    nik: Annotated[str, StringConstraints(max_length=64)] = Field(
        description="16-digit NIK from the KTP", examples=["7312045708800003"]
    )
    full_name: Name
    birth_date: date | None = Field(default=None, description="Must agree with the NIK")
    sex: Literal["M", "F"] | None = Field(default=None, description="Must agree with the NIK")
    phone: Phone
    kecamatan_code: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["73.12.04"])
    village_code: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["73.12.04.1001"])
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    commodity: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=50)
    ]
    monthly_income: Income = MIN_REPORTED_INCOME
    heirs: Annotated[list[Heir], Field(max_length=10)] = Field(default_factory=list)
    consent: bool = Field(
        description="The farmer agreed to the processing of their personal data (UU 27/2022)"
    )

    @field_validator("consent")
    @classmethod
    def consent_given(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("consent_required")
        return value


class FarmerPatch(BaseModel):
    """`PATCH /farmers/{id}`: what may change after registration. NIK, name and birth date may not."""

    model_config = ConfigDict(extra="forbid")

    phone: Phone | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)] | None = (
        None
    )
    village_code: Annotated[str, StringConstraints(max_length=32)] | None = None
    commodity: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=50)]
        | None
    ) = None
    monthly_income: Income | None = None
    heirs: Annotated[list[Heir], Field(max_length=10)] | None = None


class CoverageOut(BaseModel):
    state: CoverageState
    paid_through: str | None = Field(description="Last paid contribution month, YYYY-MM")


class Farmer(BaseModel):
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
    monthly_contribution: int = Field(
        description="Contribution for the current month, from the tariff schedule"
    )
    registered_by: str
    registered_at: str
    updated_at: str


class FarmerDetail(Farmer):
    """`GET /farmers/{id}`: the only place the whole NIK is shown."""

    nik: str


class FarmerPage(BaseModel):
    items: list[Farmer] = Field(description="Phones (the farmer's and heirs') masked; no NIK")
    next_cursor: str | None


class UploadUrl(BaseModel):
    upload_url: str
    object_key: str
    expires_in: int = Field(description="Seconds the URL stays valid")


class Health(BaseModel):
    status: Literal["ok"]


class BpjsPostingStatus(StrEnum):
    QUEUED = "QUEUED"
    POSTED = "POSTED"
    FAILED = "FAILED"


class QuoteLine(BaseModel):
    period: str
    jkk: int
    jkm: int
    amount: int


class Quote(BaseModel):
    periods: list[str]
    lines: list[QuoteLine]
    amount: int


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    months: Annotated[int, Field(ge=1, le=12, strict=True)] = 1
    amount: Annotated[int, Field(ge=1, strict=True)] = Field(
        description="Rupiah collected; must equal the quote"
    )
    paid_at: AwareDatetime | None = Field(
        default=None, description="When the money was received (ISO 8601 with offset); default now"
    )


class Payment(BaseModel):
    payment_id: str
    receipt_number: str = Field(examples=["BPP04-2026-000123"])
    farmer_id: str
    periods: list[str]
    lines: list[QuoteLine]
    amount: int
    paid_at: str
    recorded_at: str
    collected_by: str
    coverage: CoverageOut
    bpjs_status: BpjsPostingStatus


class PaymentPage(BaseModel):
    items: list[Payment]
    next_cursor: str | None


class ClaimStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    VERIFIED = "VERIFIED"
    SENT_TO_BPJS = "SENT_TO_BPJS"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAID = "PAID"


BankAccount = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6,20}$")]


class Claimant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name
    relationship: Relationship | Literal["self"]
    phone: Phone
    bank_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)] | None
    ) = None
    bank_account: BankAccount | None = None


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    farmer_id: Annotated[str, StringConstraints(max_length=64)]
    type: Literal["JKK", "JKM"]
    incident_date: date
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=2000)]
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    outcome: Literal["treatment", "temporary_disability", "permanent_disability", "death"] | None = None
    road_accident: bool = Field(default=False, description="JKK on a road: a police report is required")
    claimant: Claimant


class BenefitItemOut(BaseModel):
    code: str
    name: str
    amount: int | None
    in_total: bool
    rule: str


class EstimatedBenefit(BaseModel):
    total: int = Field(description="Cash paid at once; care, monthly STMB and scholarships are items only")
    items: list[BenefitItemOut]


class DocumentStatus(BaseModel):
    doc_type: str
    name: str
    required: bool
    uploaded: bool


class ClaimantOut(BaseModel):
    """Who receives the benefit. `bank_account` is whole only in GET /claims/{id} for a
    coordinator or admin (who verifies the claim); masked for agents and in every list.
    `phone` is whole for one claim (the agent calls about documents), masked in lists."""

    full_name: str
    relationship: str
    phone: str = Field(examples=["081298765432", "0812****5432"])
    bank_name: str | None = None
    bank_account: str | None = Field(default=None, examples=["012301000123567", "***********3567"])


class ClaimEvent(BaseModel):
    status: ClaimStatus
    at: str
    by: str
    reason: str | None = None


class ClaimOut(BaseModel):
    claim_id: str
    farmer_id: str
    kecamatan_code: str
    type: Literal["JKK", "JKM"]
    outcome: str | None
    status: ClaimStatus
    incident_date: date
    description: str
    location: str | None
    claimant: ClaimantOut | None = None
    estimated_benefit: EstimatedBenefit
    required_documents: list[str]
    documents: list[DocumentStatus]
    warnings: list[str]
    approved_amount: int | None = None
    paid_amount: int | None = None
    paid_at: str | None = None
    rejection_reason: str | None = None
    history: list[ClaimEvent]
    created_by: str
    created_at: str
    updated_at: str


class ClaimPage(BaseModel):
    items: list[ClaimOut]
    next_cursor: str | None


class DocumentUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_type: str
    content_type: Literal["image/jpeg", "image/png", "application/pdf"] = "image/jpeg"


class DocumentUploadUrl(BaseModel):
    upload_url: str
    object_key: str
    expires_in: int
