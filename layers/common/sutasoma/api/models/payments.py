"""`/farmers/{id}/payments` requests and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, ConfigDict, Field

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.farmers import CoverageOut
from sutasoma.domain.payment import BpjsPostingStatus


class QuoteLine(ApiModel):
    period: str
    jkk: int
    jkm: int
    amount: int
    income: int = Field(description="Reported monthly income the month is (or was) paid on")


class Quote(ApiModel):
    periods: list[str]
    first_period: str = Field(description="periods[0]: send it with the payment (a stale quote is refused)")
    lines: list[QuoteLine]
    amount: int


class PaymentCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    months: Annotated[int, Field(ge=1, le=12, strict=True)] = 1
    amount: Annotated[int, Field(ge=1, strict=True)] = Field(
        description="Rupiah collected; must equal the quote"
    )
    first_period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="The quote's first_period: the first month this payment pays (YYYY-MM)"
    )
    paid_at: AwareDatetime | None = Field(
        default=None, description="When the money was received (ISO 8601 with offset); default now"
    )


class Payment(ApiModel):
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


class PaymentPage(ApiModel):
    items: list[Payment]
    next_cursor: str | None
