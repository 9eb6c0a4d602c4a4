"""`GET /agents/me/worklist`: the farmers to visit and the claims to complete."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.farmers import CoverageOut
from sutasoma.domain.claim_states import ClaimStatus
from sutasoma.domain.refund import RefundReason
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.domain.worklist_actions import WorklistAction


class WorklistFarmer(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    phone: str
    registration_status: RegistrationStatus
    coverage: CoverageOut
    monthly_contribution: int = Field(
        description="Contribution for the current month, from the tariff schedule"
    )
    months_owed: int = Field(
        description="Months in arrears (tunggakan: unpaid past their 15th); 0 for a farmer only due this month"
    )
    months_unpaid: int = Field(
        description="Unpaid months up to and including the current month: the arrears and what is due"
    )
    periods_due: list[str] = Field(
        description="Months to collect on this visit, oldest first (YYYY-MM); "
        "a quote for len(periods_due) months gives the same months"
    )
    amount_due: int = Field(description="Sum of the tariff of each month in periods_due, in Rupiah")
    act_by: date | None = Field(
        description="Last day to pay: cover continues without a gap (due_this_month) or the membership "
        "does not lapse (arrears); null for a first payment"
    )
    days_left: int | None = Field(description="Days from today (WITA) to act_by")
    action: WorklistAction
    action_text: str = Field(description="What to do, in Bahasa Indonesia")


class RequiredDocument(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    doc_type: str
    name: str


class WorklistClaim(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    claim_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    claimant_name: str
    claimant_relationship: str
    claimant_phone: str = Field(description="Whom to call about the documents (the heir, for a death)")
    type: Literal["JKK", "JKM"]
    status: ClaimStatus
    incident_date: date
    submitted_at: str
    required_documents: list[RequiredDocument] = Field(
        description="Documents the claim needs; which are already uploaded is shown by GET /claims/{claim_id}"
    )
    action: WorklistAction
    action_text: str


class WorklistRefund(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    refund_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    amount: int
    periods: list[str]
    reason: RefundReason
    created_at: str
    action: WorklistAction
    action_text: str


class WorklistRejectedClaim(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    claim_id: str = Field(description="Send it as previous_claim_id when filing again")
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    type: Literal["JKK", "JKM"]
    incident_date: date
    rejected_at: str
    rejection_reason: str = Field(description="BPJS's reason, as BPJS gave it")
    action: WorklistAction
    action_text: str


class Worklist(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    kecamatan_code: str
    kecamatan_name: str
    village_code: str | None = Field(description="The village the lists are narrowed to, if any")
    on: date = Field(description="Business date (WITA) the coverage states are computed on")
    period: str = Field(description="Current contribution month, YYYY-MM")
    due_this_month: list[WorklistFarmer]
    in_arrears: list[WorklistFarmer]
    about_to_lapse: list[WorklistFarmer]
    claims_waiting_for_documents: list[WorklistClaim]
    refunds_to_return: list[WorklistRefund] = Field(
        description="Open refund cases: cash to give back (Kembalikan iuran)"
    )
    claims_rejected: list[WorklistRejectedClaim] = Field(
        description="Claims BPJS rejected in the last 90 days, not filed again: fix the reason and refile"
    )
