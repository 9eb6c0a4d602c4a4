"""Shapes shared by several routes' requests and answers."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from sutasoma.domain.tariff import MIN_REPORTED_INCOME

PHONE_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"

# Unicode categories refused in text people read: controls (C0, DEL, C1), format characters
# (bidi embeddings, overrides and isolates, zero-width space/joiners, BOM, soft hyphen...),
# surrogates, private use, unassigned, line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MULTILINE_ALLOWED = frozenset("\n\t")
TEXT_CHARACTERS = "text_characters"


def _person_text(multiline: bool) -> BeforeValidator:
    def clean(value: Any) -> Any:
        """NFC, and refused if it holds a control or invisible formatting character anywhere
        (checked before whitespace is stripped: a control character never slips in at the ends)."""
        if not isinstance(value, str):
            return value  # the str schema then says what is wrong
        text = unicodedata.normalize("NFC", value.replace("\r\n", "\n") if multiline else value)
        allowed = MULTILINE_ALLOWED if multiline else frozenset()
        for char in text:
            if char not in allowed and unicodedata.category(char) in REFUSED_CATEGORIES:
                raise PydanticCustomError(
                    TEXT_CHARACTERS,
                    "text holds a control or invisible formatting character (U+{code})",
                    {"code": f"{ord(char):04X}"},
                )
        return text

    return BeforeValidator(clean)


# Text that people read (names, addresses, descriptions, notes), everywhere the API takes it:
# NFC, and refused (422 VALIDATION_ERROR) if it holds a control (C0/C1), bidi-override, zero-width
# or other invisible formatting character. Used last in the annotation, after its bounds (so that
# it runs first, on the text as sent): `Annotated[str, bounded(2, 100), HumanText]`. HumanLines
# lets line breaks and tabs through (descriptions, notes, reasons).
HumanText = _person_text(multiline=False)
HumanLines = _person_text(multiline=True)


def bounded(min_length: int, max_length: int, *, to_lower: bool = False) -> StringConstraints:
    """Trimmed, between these lengths (after NFC)."""
    return StringConstraints(
        strip_whitespace=True, to_lower=to_lower, min_length=min_length, max_length=max_length
    )


Name = Annotated[str, bounded(2, 100), HumanText]
Address = Annotated[str, bounded(3, 200), HumanText]
Commodity = Annotated[str, bounded(2, 50, to_lower=True), HumanText]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
# Whole thousands: contributions then come out in whole Rupiah, for one farmer and for a sum.
Income = Annotated[int, Field(ge=MIN_REPORTED_INCOME, le=1_000_000_000, multiple_of=1000, strict=True)]


UploadContentType = Literal["image/jpeg", "image/png", "application/pdf"]


class UploadUrl(BaseModel):
    """A presigned POST (CONTRACT.md r2): send `multipart/form-data` to `upload_url` with every
    field of `fields`, then the file as `file`. S3 refuses a file over `max_bytes`, nearly empty,
    of another content type than asked, or at another key."""

    upload_url: str
    object_key: str
    expires_in: int = Field(description="Seconds the URL stays valid")
    fields: dict[str, str] = Field(
        description="Form fields to send before the file (the signed policy among them)"
    )
    max_bytes: int = Field(description="Largest file S3 accepts here, in bytes")


class DownloadUrl(BaseModel):
    download_url: str = Field(description="Presigned GET of the file; each one issued is audited")
    expires_in: int = Field(description="Seconds the URL stays valid")


class RefusedUpload(BaseModel):
    """The last upload that did not count, and why (the file was deleted)."""

    object_key: str
    checked_at: str
    refusal: Literal["TOO_SMALL", "TOO_LARGE", "TYPE_NOT_ALLOWED", "CONTENT_MISMATCH", "NOT_EXPECTED"]
    reason: str = Field(description="Why, in Bahasa Indonesia")


class Health(BaseModel):
    status: Literal["ok"]
