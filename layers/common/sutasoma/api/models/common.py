"""Shapes shared by several routes' requests and answers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from sutasoma.api.models.base import ApiModel

# A filter of the farmer lists and exports (the imports function takes it from here, without the
# farmer answer models).
from sutasoma.domain.coverage import CoverageState as CoverageState
from sutasoma.domain.tariff import MIN_REPORTED_INCOME

PHONE_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"

# Unicode categories refused in text people read: controls (C0, DEL, C1), format characters
# (bidi embeddings, overrides and isolates, zero-width space/joiners, BOM, soft hyphen...),
# surrogates, private use, unassigned, line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Invisible too, though letters or marks by category (Unicode's default-ignorable code points):
# the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other
# variation selectors. A name made of them looks empty, or like another name.
REFUSED_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
     *range(0xE0100, 0xE01F0)]
)  # fmt: skip
TEXT_CHARACTERS = "text_characters"


# The same as a JSON Schema pattern, for clients and generators (the check above is the rule):
# no C0/DEL/C1 control, no bidi, zero-width or other format character, no separator, no surrogate
# or private use.
_INVISIBLE = (
    "\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f"
    "\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff9-\\ufffb"
    "\\ud800-\\uf8ff"
)
TEXT_PATTERN = f"^[^{_INVISIBLE}]*$"


def _clean(value: Any) -> Any:
    """NFC, and refused if it holds a control or invisible formatting character anywhere
    (checked before whitespace is stripped: a control character never slips in at the ends)."""
    if not isinstance(value, str):
        return value  # the str schema then says what is wrong
    text = unicodedata.normalize("NFC", value)
    for char in text:
        if unicodedata.category(char) in REFUSED_CATEGORIES or ord(char) in REFUSED_IGNORABLE:
            raise PydanticCustomError(
                TEXT_CHARACTERS,
                "text holds a control or invisible formatting character (U+{code})",
                {"code": f"{ord(char):04X}"},
            )
    return text


@dataclass(frozen=True)
class _PersonText:
    """Pydantic metadata: NFC and no invisible characters (runs before the string's own checks),
    and the pattern that says so in the JSON Schema."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_clean, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = TEXT_PATTERN
        return json_schema


# Text that people read (names, addresses, descriptions, notes, reasons), everywhere the API takes
# it: NFC, and refused (422 VALIDATION_ERROR) if it holds a control (C0/C1: line breaks and tabs
# too, as CONTRACT "Errors" says), bidi-override, zero-width or other invisible formatting
# character. Used last in the annotation, after its bounds (so that it runs first, on the text as
# sent): `Annotated[str, bounded(2, 100), HumanText]`.
HumanText = _PersonText()


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


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_as_written(value: Any) -> Any:
    """A date is written YYYY-MM-DD: pydantic alone would also take a datetime at midnight
    ("1980-08-17T00:00:00") or a number of seconds since 1970."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "a date is written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "a date is written YYYY-MM-DD")
    return value


# A calendar date in a request (birth, death, incident): YYYY-MM-DD, nothing else.
IsoDate = Annotated[date, BeforeValidator(_date_as_written)]

UploadContentType = Literal["image/jpeg", "image/png", "application/pdf"]


class UploadUrl(ApiModel):
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


class DownloadUrl(ApiModel):
    download_url: str = Field(description="Presigned GET of the file; each one issued is audited")
    expires_in: int = Field(description="Seconds the URL stays valid")


class RefusedUpload(ApiModel):
    """The last upload that did not count, and why (the file was deleted)."""

    object_key: str
    checked_at: str
    refusal: Literal["TOO_SMALL", "TOO_LARGE", "TYPE_NOT_ALLOWED", "CONTENT_MISMATCH", "NOT_EXPECTED"]
    reason: str = Field(description="Why, in Bahasa Indonesia")


class Health(ApiModel):
    status: Literal["ok"]
