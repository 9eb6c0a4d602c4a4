"""`/refunds`: refund cases and their settlement."""

from __future__ import annotations

from pydantic import AwareDatetime, ConfigDict, Field

from sutasoma.api.models.base import ApiModel
from sutasoma.api.models.common import Name
from sutasoma.domain.refund import RefundReason as RefundReason
from sutasoma.domain.refund import RefundStatus as RefundStatus


class Refund(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    refund_id: str
    farmer_id: str
    kecamatan_code: str
    amount: int = Field(description="Rupiah to give back")
    periods: list[str] = Field(description="The months the money was paid for")
    reason: RefundReason
    status: RefundStatus
    created_at: str
    settled_at: str | None = None
    returned_to: str | None = Field(default=None, description="Who received the cash (the farmer, an heir)")
    returned_at: str | None = None


class RefundPage(ApiModel):
    items: list[Refund]
    next_cursor: str | None


class SettleRefund(ApiModel):
    model_config = ConfigDict(extra="forbid")

    returned_to: Name = Field(description="Who received the cash back")
    returned_at: AwareDatetime | None = Field(
        default=None, description="When (ISO 8601 with offset); default now"
    )
