"""A request's body, checked before anything parses it (CONTRACT.md r2).

- A body on a route that takes JSON must be `application/json` (UTF-8, in any letter case): anything
  else is 415 UNSUPPORTED_MEDIA_TYPE (Powertools would try form or multipart parsing, or raise
  RequestUnsupportedContentType: a 500). Every body is a JSON object: an array is 422.
- Bounds past any sane request, answered 422 VALIDATION_ERROR before json.loads runs: the size
  (MAX_BODY_BYTES), the nesting depth (json.loads recurses: 100,000 `[` raised RecursionError), and
  the length of a number (Python refuses to parse an int of more than 4,300 digits: ValueError).

The scan is linear and cheap: one regular expression finds the strings (skipped), the brackets
(counted) and long digit runs; it stops at the first thing past a bound. It never judges the JSON
otherwise: a body within the bounds goes on to the resolver, whose parser says what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from sutasoma.domain.errors import DomainError, FieldError, UnsupportedMediaType, ValidationFailed

MAX_BODY_BYTES = 64 * 1024  # the largest request of this API (a claim) is under 8 KiB
MAX_DEPTH = 16  # our deepest body (a farmer's heirs) nests 3 levels
MAX_NUMBER_DIGITS = 30  # DynamoDB keeps 38 significant digits; no amount of ours comes near
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# A string (possessive: never backtracks; an unterminated one runs to the end), an opening or a
# closing bracket, or a run of digits longer than any number we take.
_TOKENS = re.compile(
    rb'"(?:[^"\\]|\\.)*+(?:"|\Z)|[\[{]|[\]}]|[0-9]{%d,}' % (MAX_NUMBER_DIGITS + 1), re.DOTALL
)


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def is_json(content_type: str | None) -> bool:
    """`application/json`, with no charset or UTF-8 (JSON is UTF-8: RFC 8259)."""
    if not content_type:
        return False
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "application/json":
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def _raw_body(event: Mapping[str, Any]) -> bytes | DomainError:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body).encode("utf-8", "surrogatepass")
    if len(body) > (MAX_BODY_BYTES * 4) // 3 + 4:
        return _too_big()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return ValidationFailed(
            "Isi permintaan bukan JSON yang sah.", [FieldError("body", "Bukan base64 yang sah.")]
        )


def _too_big() -> ValidationFailed:
    return ValidationFailed(
        "Isi permintaan terlalu besar.",
        [FieldError("body", f"Maksimal {MAX_BODY_BYTES // 1024} KiB.")],
    )


def json_bounds(raw: bytes) -> ValidationFailed | None:
    """Why this JSON text is past a bound (size, depth, digits), or None: before any parsing."""
    if len(raw) > MAX_BODY_BYTES:
        return _too_big()
    depth = 0
    for token in _TOKENS.finditer(raw):
        first = raw[token.start()]
        if first in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return ValidationFailed(
                    "Isi permintaan bersarang terlalu dalam.",
                    [FieldError("body", f"Kedalaman maksimal {MAX_DEPTH} tingkat.")],
                )
        elif first in b"]}":
            depth -= 1
        elif first != ord('"'):
            return ValidationFailed(
                "Isi permintaan memuat angka yang terlalu panjang.",
                [FieldError("body", f"Angka maksimal {MAX_NUMBER_DIGITS} digit.")],
            )
    return None


def request_refusal(event: Mapping[str, Any]) -> DomainError | None:
    """Why the request's body is refused before parsing (415 or 422), or None."""
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if method not in BODY_METHODS or not event.get("body"):
        return None
    content_type = _header(event.get("headers"), "content-type")
    if not is_json(content_type):
        return UnsupportedMediaType(
            "Isi permintaan harus JSON (Content-Type: application/json).",
            [FieldError("content-type", "Gunakan application/json (UTF-8).")],
        )
    raw = _raw_body(event)
    if isinstance(raw, DomainError):
        return raw
    past_bounds = json_bounds(raw)
    if past_bounds is None and raw.lstrip()[:1] == b"[":
        # Every body of this API is an object; Powertools would take an array's first element.
        return ValidationFailed(
            "Isi permintaan harus berupa objek JSON.",
            [FieldError("body", "Harus berupa objek JSON, bukan daftar.")],
        )
    return past_bounds


def without_empty_query_values(event: dict[str, Any]) -> dict[str, Any]:
    """The event without query parameters given empty (`?kecamatan_code=&limit=`, as CONTRACT
    writes its list routes): an empty filter is no filter and an empty `limit` the default."""
    query = event.get("queryStringParameters") or {}
    kept = {name: value for name, value in query.items() if value != ""}
    if len(kept) == len(query):
        return event
    return {**event, "queryStringParameters": kept or None}


def with_plain_json_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its JSON Content-Type spelled `application/json`: media types are
    case-insensitive (RFC 9110), Powertools' check of it is not (`Application/JSON` was a 500)."""
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if (
            key.lower() == "content-type"
            and is_json(str(value))
            and not str(value).startswith("application/json")
        ):
            return {**event, "headers": {**headers, key: "application/json"}}
    return event
