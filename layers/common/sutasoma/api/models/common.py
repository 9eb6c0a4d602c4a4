"""Shapes shared by several routes' requests and answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from sutasoma.domain.tariff import MIN_REPORTED_INCOME

PHONE_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
# Whole thousands: contributions then come out in whole Rupiah, for one farmer and for a sum.
Income = Annotated[int, Field(ge=MIN_REPORTED_INCOME, le=1_000_000_000, multiple_of=1000, strict=True)]


class UploadUrl(BaseModel):
    upload_url: str
    object_key: str
    expires_in: int = Field(description="Seconds the URL stays valid")


class Health(BaseModel):
    status: Literal["ok"]
