"""`/claims` requests and answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.common import (
    HumanText,
    IsoDate,
    Name,
    Phone,
    RefusedUpload,
    UploadContentType,
    UploadUrl,
    bounded,
)
from sutasoma.domain.claim import ClaimStatus as ClaimStatus
from sutasoma.domain.farmer import Relationship

BankAccount = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6,20}$")]


class Claimant(ApiModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name
    relationship: Relationship | Literal["self"]
    phone: Phone
    bank_name: Annotated[str, bounded(2, 60), HumanText] | None = None
    bank_account: BankAccount | None = None


class ClaimCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    farmer_id: Annotated[str, StringConstraints(max_length=64)]
    type: Literal["JKK", "JKM"]
    incident_date: IsoDate
    description: Annotated[str, bounded(5, 2000), HumanText]
    location: Annotated[str, bounded(0, 200), HumanText] | None = None
    outcome: Literal["treatment", "temporary_disability", "permanent_disability", "death"] | None = None
    road_accident: bool = Field(default=False, description="JKK on a road: a police report is required")
    claimant: Claimant
    previous_claim_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="Filing again after BPJS rejected that claim (same farmer, type and incident date)",
    )


class BenefitItemOut(ApiModel):
    code: str
    name: str
    amount: int | None
    in_total: bool
    rule: str


class EstimatedBenefit(ApiModel):
    total: int = Field(description="Cash paid at once; care, monthly STMB and scholarships are items only")
    items: list[BenefitItemOut]


class DocumentStatus(ApiModel):
    doc_type: str
    name: str
    required: bool
    uploaded: bool = Field(
        description="A file of this type passed the check (JPEG, PNG or PDF, not nearly empty)"
    )
    status: Literal["MISSING", "ACCEPTED", "REFUSED"] = Field(
        description="ACCEPTED: a file counts; REFUSED: the last try did not (see refused); MISSING: nothing yet"
    )
    uploaded_at: str | None = Field(default=None, description="When the accepted file was checked")
    content_type: str | None = None
    size_bytes: int | None = None
    refused: RefusedUpload | None = Field(
        default=None, description="The latest refused try after the accepted file"
    )


class ClaimantOut(ApiModel):
    """Who receives the benefit. `bank_account` is whole only in GET /claims/{id} for a
    coordinator or admin (who verifies the claim); masked for agents and in every list.
    `phone` is whole for one claim (the agent calls about documents), masked in lists."""

    full_name: str
    relationship: str
    phone: str = Field(examples=["081298765432", "0812****5432"])
    bank_name: str | None = None
    bank_account: str | None = Field(default=None, examples=["012301000123567", "***********3567"])


class ClaimEvent(ApiModel):
    status: ClaimStatus
    at: str
    by: str
    reason: str | None = None


class ClaimOut(ApiModel):
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
    rejection_reason: str | None = Field(
        default=None, description="BPJS's reason, when it rejected the claim"
    )
    disability_percent: int | None = Field(
        default=None,
        description="Permanent disability: the percentage the verifier recorded (estimate pending until then)",
    )
    income: int | None = Field(
        default=None, description="The reported income the incident's month was paid on"
    )
    membership_months: int | None = Field(
        default=None, description="Months paid up to and including the incident's"
    )
    previous_claim_id: str | None = Field(default=None, description="The rejected claim this one files again")
    refiled_as: str | None = Field(
        default=None,
        description="A REJECTED claim filed again: the new claim (it can be filed again only once)",
    )
    history: list[ClaimEvent]
    created_by: str
    created_at: str
    updated_at: str


class ClaimPage(ApiModel):
    items: list[ClaimOut]
    next_cursor: str | None


class DocumentUploadRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    doc_type: Annotated[str, StringConstraints(max_length=40)]
    content_type: UploadContentType = "image/jpeg"


class DocumentUploadUrl(UploadUrl):
    """A presigned POST for one document of the claim (CONTRACT.md r2; UploadUrl)."""


class DocumentDownload(ApiModel):
    download_url: str
    expires_in: int = Field(description="Seconds the link stays valid")


class VerifyRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    disability_percent: Annotated[int, Field(ge=1, le=100, strict=True)] | None = Field(
        default=None, description="JKK permanent disability: the percentage of the Permenaker 5/2021 table"
    )
