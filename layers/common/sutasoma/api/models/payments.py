"""`/farmers/{id}/payments` requests and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sutasoma.api.models.farmers import CoverageOut
from sutasoma.domain.payment import BpjsPostingStatus


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
