"""Hostile request bodies for the fuzz tests (issue 14): what no schema generator sends, and what
the API must answer 415 or 422 without a 5xx (api/request_limits.py, api/models/common.py).

`hostile_bodies()` draws one (kind, content type, raw body, expected status):
- `media`: JSON sent as another content type (text/plain, XML, CSV, forms, JSON in Latin-1) -> 415;
- `nesting`: 17 to 100,000 levels of `[` or `{"a":` -> 422 (the size bound past 64 KiB);
- `number`: an integer of 31 to 5,000 digits, or a long exponent, in a field -> 422;
- `size`: a string past 64 KiB -> 422;
- `characters`: a control, bidi, zero-width or other invisible character in a text field people
  read, of a body that is otherwise valid for the route -> 422.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

REFUSED_CHARACTERS = (
    "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u200b", "\u200c", "\u200d", "\u2060",
    "\u202a", "\u202e", "\u2066", "\u2069", "\u061c", "\ufeff", "\u00ad", "\u2028", "\u2029", "\ue000",
)  # fmt: skip
NOT_JSON = (
    "text/plain", "text/plain; charset=utf-8", "application/xml", "text/xml", "text/csv", "text/html",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=sutasoma",
    "application/json; charset=iso-8859-1", "application/octet-stream", "application/jsonx",
)  # fmt: skip

# Route -> (a body valid in shape, the text fields people read in it). Routes of a farmer or a
# claim take any id: the body is judged before the id is looked up.
TEXT_BODIES: dict[str, tuple[dict[str, Any], tuple[tuple[str | int, ...], ...]]] = {
    "POST /farmers": (
        {"nik": "7312040101800001", "full_name": "Andi", "phone": "081234567890", "kecamatan_code": "73.12.04",
         "village_code": "73.12.04.1001", "address": "Dusun Satu", "commodity": "padi", "consent": True,
         "heirs": [{"full_name": "Ani", "relationship": "child"}]},
        (("full_name",), ("address",), ("commodity",), ("heirs", 0, "full_name")),
    ),
    "PATCH /farmers/{farmer_id}": (
        {"address": "Dusun Dua", "heirs": [{"full_name": "Ani", "relationship": "child"}]},
        (("address",), ("heirs", 0, "full_name")),
    ),
    "POST /farmers/{farmer_id}/death": ({"date_of_death": "2026-01-05", "note": "Laporan"}, (("note",),)),
    "POST /farmers/{farmer_id}/corrections": (
        {"full_name": "Andi", "reason": "Salah baca KTP"}, (("full_name",), ("reason",)),
    ),
    "POST /refunds/{refund_id}/settle": ({"returned_to": "Ahli waris"}, (("returned_to",),)),
    "POST /claims": (
        {"farmer_id": "01JD0000000000000000000000", "type": "JKM", "incident_date": "2026-01-05",
         "description": "Meninggal dunia.", "location": "Sawah",
         "claimant": {"full_name": "Ahli Waris", "relationship": "spouse", "phone": "081234567891"}},
        (("description",), ("location",), ("claimant", "full_name")),
    ),
}  # fmt: skip


def _with_text(route: str, field: tuple[str | int, ...], char: str, at: int) -> str:
    body, _ = TEXT_BODIES[route]
    body = json.loads(json.dumps(body))
    node: Any = body
    for part in field[:-1]:
        node = node[part]
    text = str(node[field[-1]])
    cut = at % (len(text) + 1)
    node[field[-1]] = text[:cut] + char + text[cut:]
    return json.dumps(body)


@st.composite
def hostile_bodies(draw: st.DrawFn, route: str) -> tuple[str, str, bytes, int]:
    """(kind, Content-Type, raw body, the status the API must answer) for a route with a body."""
    kinds = ["media", "nesting", "number", "size"] + (["characters"] * 2 if route in TEXT_BODIES else [])
    kind = draw(st.sampled_from(kinds))
    json_type = "application/json"
    if kind == "media":
        body = draw(st.sampled_from(['{"a": 1}', "<a>1</a>", "a,b\n1,2", "a=1&b=2", "{}"]))
        return kind, draw(st.sampled_from(NOT_JSON)), body.encode(), 415
    if kind == "nesting":
        depth = draw(st.one_of(st.integers(17, 200), st.integers(200, 100_000)))
        opener = draw(st.sampled_from(["[", '{"a":']))
        closer = "]" if opener == "[" else "}"
        return kind, json_type, (opener * depth + "1" + closer * depth).encode(), 422
    if kind == "number":
        digits = draw(st.integers(31, 5000))
        value = draw(
            st.sampled_from(["9" * digits, "-" + "1" * digits, "1e" + "9" * digits, "0." + "5" * digits])
        )
        field = draw(st.sampled_from(["monthly_income", "amount", "months", "disability_percent", "x"]))
        return kind, json_type, f'{{"{field}": {value}}}'.encode(), 422
    if kind == "size":
        extra = draw(st.integers(1, 200_000))
        return kind, json_type, json.dumps({"description": "x" * (64 * 1024 + extra)}).encode(), 422
    _, fields = TEXT_BODIES[route]
    field = draw(st.sampled_from(fields))
    char = draw(st.sampled_from(REFUSED_CHARACTERS))
    return (
        kind,
        json_type,
        _with_text(route, field, char, draw(st.integers(0, 50))).encode("utf-8", "surrogatepass"),
        422,
    )
