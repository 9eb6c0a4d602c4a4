"""Odd input on every route that takes a body (CONTRACT.md r2, issue 14): 415 for a body that is
not JSON, 422 before any parsing for sizes past any sane bound (nesting, numbers, the body), and
422 for text people read that holds control or invisible formatting characters; text is stored
in NFC. Before this: text/plain answered 500 (RequestUnsupportedContentType), 100,000 `[` 500
(RecursionError), a 5,000-digit monthly_income 500 (ValueError).

The routes are every operation of the committed OpenAPI document with a request body (plus the
BPJS callback, whose raw body the function reads itself): a new route with a body is covered
without touching this file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from sutasoma.api.request_limits import MAX_BODY_BYTES, MAX_DEPTH
from sutasoma.domain.changes import ChangeSet, Created
from sutasoma.domain.ids import new_id
from sutasoma.domain.refund import RefundReason, RefundRecord
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.records import farmer_record
from tests.support.stack import FunctionInvoker, MotoStack

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "functions" / "register" / "openapi.json").read_text(encoding="utf-8"))
ADMIN = claims_for("admin", username="admin.dinas")
AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
METHODS = ("post", "put", "patch", "delete")


def _functions_by_folder() -> dict[str, str]:
    from local.template.cfn_yaml import load_yaml

    resources = load_yaml(ROOT / "template.yaml")["Resources"]
    return {
        str(r["Properties"]["CodeUri"]).rsplit("/", 1)[-1]: lid
        for lid, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function"
    }


def body_routes() -> list[tuple[str, str, str]]:
    """(METHOD, path, function's logical id) of every operation that takes a body."""
    functions = _functions_by_folder()
    return sorted(
        (method.upper(), path, functions[operation["x-sutasoma-function"]])
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method in METHODS and "requestBody" in operation
    )


ROUTES = body_routes()
LABELS = [f"{m} {p}" for m, p, _ in ROUTES]


_CALLBACK_SECRET: list[bytes] = []


def signed(raw: str) -> dict[str, str]:
    """BPJS's headers for this body: the callback checks a body only once it is authenticated."""
    from sutasoma.app.callbacks import expected_signature

    timestamp = str(int(time.time()))
    return {"X-Bpjs-Timestamp": timestamp,
            "X-Bpjs-Signature": expected_signature(_CALLBACK_SECRET[0], timestamp, raw.encode("utf-8", "surrogatepass"))}  # fmt: skip


@pytest.fixture(autouse=True)
def callback_secret(moto_stack: MotoStack) -> None:
    if not _CALLBACK_SECRET:
        secrets = moto_stack.clients("secretsmanager")
        value = secrets.get_secret_value(SecretId=moto_stack.ref("BpjsCallbackSecret"))["SecretString"]
        _CALLBACK_SECRET.append(value.encode())


def event_for(
    method: str, path: str, raw: str, content_type: str | None = "application/json"
) -> dict[str, Any]:
    params = {name[1:-1]: new_id() for name in path.split("/") if name.startswith("{")}
    if "period" in params:
        params["period"] = "2026-01"
    headers = {"Idempotency-Key": new_id()}
    if path == "/bpjs/callbacks":
        headers |= signed(raw)
    event = http_event(
        method, path, path_params=params or None, raw_body=raw, headers=headers,
        claims=None if path == "/bpjs/callbacks" else ADMIN,
    )  # fmt: skip
    if content_type is None:
        del event["headers"]["content-type"]
    else:
        event["headers"]["content-type"] = content_type
    return event


def call(stack: MotoStack, function: str, event: dict[str, Any]) -> Any:
    return FunctionInvoker(stack, function)(event)


@pytest.mark.parametrize(
    ("raw", "content_type", "timestamp", "signature"),
    [
        ('{"a": 1}', "text/plain", "0", "0" * 64),  # would be 415
        ("[" * 100_000, "application/json", "0", "0" * 64),  # would be 422
        ("{}", "application/json", "1" + "0" * 400, "0" * 64),  # overflowed the clock: a 500
        ("{}", "application/json", str(int(time.time())), "\u00e9" * 64),  # compare_digest raised: a 500
    ],
    ids=["text", "nested", "huge-timestamp", "non-ascii-signature"],
)
def test_an_unsigned_callback_is_401_before_its_body_is_looked_at(
    moto_stack: MotoStack, raw: str, content_type: str, timestamp: str, signature: str
) -> None:
    event = http_event("POST", "/bpjs/callbacks", raw_body=raw,
                       headers={"X-Bpjs-Timestamp": timestamp, "X-Bpjs-Signature": signature})  # fmt: skip
    event["headers"]["content-type"] = content_type
    result = call(moto_stack, "BpjsCallbackFunction", event)
    assert (result.status, result.code) == (401, "UNAUTHORIZED"), result.body


def test_every_route_with_a_body_is_here() -> None:
    assert ("POST", "/farmers", "RegisterFunction") in ROUTES
    assert ("POST", "/bpjs/callbacks", "BpjsCallbackFunction") in ROUTES
    assert len(ROUTES) >= 10, LABELS


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "text/csv", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     None, "application/json; charset=iso-8859-1", "application/jsonp"],
)  # fmt: skip
@pytest.mark.parametrize(("method", "path", "function"), ROUTES, ids=LABELS)
def test_a_body_that_is_not_json_is_415(
    moto_stack: MotoStack, method: str, path: str, function: str, content_type: str | None
) -> None:
    before = len(moto_stack.table_items())
    result = call(moto_stack, function, event_for(method, path, '{"a": 1}', content_type))
    assert (result.status, result.code) == (415, "UNSUPPORTED_MEDIA_TYPE"), result.body
    assert result.headers["content-type"] == "application/problem+json"
    assert len(moto_stack.table_items()) == before


@pytest.mark.parametrize(
    ("name", "raw", "field_message"),
    [
        ("100,000 nested [", "[" * 100_000, "Maksimal 64 KiB."),
        ("nested past the bound", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"Kedalaman maksimal {MAX_DEPTH} tingkat."),
        ("nested objects", '{"a":' * 40 + "1" + "}" * 40, f"Kedalaman maksimal {MAX_DEPTH} tingkat."),
        ("a 5,000-digit number", '{"monthly_income": ' + "9" * 5000 + "}", "Angka maksimal 30 digit."),
        ("a 31-digit amount", '{"amount": 1' + "0" * 30 + "}", "Angka maksimal 30 digit."),
        ("a long exponent", '{"months": 1e' + "9" * 40 + "}", "Angka maksimal 30 digit."),
        ("past the size", json.dumps({"description": "x" * MAX_BODY_BYTES}), "Maksimal 64 KiB."),
    ],
)  # fmt: skip
@pytest.mark.parametrize(("method", "path", "function"), ROUTES, ids=LABELS)
def test_absurd_input_is_422_before_parsing(
    moto_stack: MotoStack, method: str, path: str, function: str, name: str, raw: str, field_message: str
) -> None:
    result = call(moto_stack, function, event_for(method, path, raw))
    assert (result.status, result.code) == (422, "VALIDATION_ERROR"), (name, result.body)
    assert result.body["errors"] == [{"field": "body", "message": field_message}]


@pytest.mark.parametrize(("method", "path", "function"), ROUTES, ids=LABELS)
def test_json_within_the_bounds_reaches_the_route(
    moto_stack: MotoStack, method: str, path: str, function: str
) -> None:
    # A long digit run inside a string, brackets inside a string, nesting at the bound: not refused
    # by the scan (the route's own validation says what it thinks: never a 415 or a 5xx).
    raw = json.dumps(
        {"x": "9" * 500 + "[[[[" * 20, "y": json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))}
    )
    result = call(moto_stack, function, event_for(method, path, raw))
    assert result.status < 500 and result.status != 415, result.body
    assert not (result.body or {}).get("errors") or all(
        "digit" not in e["message"] and "Kedalaman" not in e["message"] for e in result.body["errors"]
    )


# ---------------------------------------------------------------------------------- characters

REFUSED = {
    "NUL": "\x00",
    "ESC (an ANSI escape)": "\x1b[31m",
    "DEL": "\x7f",
    "C1 NEL": "\x85",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "byte order mark": "\ufeff",
    "line separator": "\u2028",
    "soft hyphen": "\u00ad",
    "a lone surrogate": "\ud800",
    "private use": "\ue000",
    "Hangul filler (a letter by category, invisible)": "\u3164",
    "Hangul choseong filler": "\u115f",
    "combining grapheme joiner": "\u034f",
    "variation selector 16": "\ufe0f",
}

FARMER_ID = new_id()
CLAIM_ID = new_id()
REFUND_ID = new_id()
# A farmer and a refund case that exist: a body is judged only for a resource the caller may act
# on (an unknown one is 404 first, app/scope.py).
KNOWN_FARMER_ID = new_id()
KNOWN_REFUND_ID = new_id()


@pytest.fixture(scope="module", autouse=True)
def known_resources(moto_stack: MotoStack) -> None:
    farmer = farmer_record(farmer_id=KNOWN_FARMER_ID)
    refund = RefundRecord(
        refund_id=KNOWN_REFUND_ID, farmer_id=KNOWN_FARMER_ID, kecamatan_code=farmer.kecamatan_code, amount=16_800,
        periods=("2026-02",), payment_ids=(new_id(),), reason=RefundReason.PAID_AFTER_DEATH,
        created_at="2026-01-20T02:00:00Z",
    )  # fmt: skip
    moto_stack.storage().unit.commit(ChangeSet(writes=(Created(farmer), Created(refund))))


def _farmer(**changes: Any) -> dict[str, Any]:
    return farmer_body(nik=make_nik(__import__("datetime").date(1980, 1, 2), "M", serial=8801), **changes)


def _claim(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "farmer_id": FARMER_ID, "type": "JKM", "incident_date": "2026-01-05", "description": "Meninggal dunia.",
        "location": "Sawah", "claimant": {"full_name": "Ahli Waris", "relationship": "spouse",
                                          "phone": "081234567891", "bank_name": "BRI"},
    }  # fmt: skip
    body.update(changes)
    return body


def _with(body: dict[str, Any], path: tuple[str | int, ...], value: str) -> dict[str, Any]:
    node: Any = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = f"An{value}di"
    return body


# (function, method, route, path params, a valid body, the text field's path in it)
TEXT_FIELDS = [
    ("RegisterFunction", "POST", "/farmers", {}, lambda: _farmer(heirs=[{"full_name": "Ani", "relationship": "child"}]), p)
    for p in (("full_name",), ("address",), ("commodity",), ("heirs", 0, "full_name"))
] + [
    ("RegisterFunction", "PATCH", "/farmers/{farmer_id}", {"farmer_id": KNOWN_FARMER_ID},
     lambda: {"address": "Dusun Satu", "commodity": "padi", "heirs": [{"full_name": "Ani", "relationship": "child"}]}, p)
    for p in (("address",), ("commodity",), ("heirs", 0, "full_name"))
] + [
    ("RegisterFunction", "POST", "/farmers/{farmer_id}/death", {"farmer_id": KNOWN_FARMER_ID},
     lambda: {"date_of_death": "2026-01-05", "note": "Laporan keluarga"}, ("note",)),
    ("RegisterFunction", "POST", "/farmers/{farmer_id}/corrections", {"farmer_id": KNOWN_FARMER_ID},
     lambda: {"full_name": "Andi", "reason": "Salah baca KTP"}, ("full_name",)),
    ("RegisterFunction", "POST", "/farmers/{farmer_id}/corrections", {"farmer_id": KNOWN_FARMER_ID},
     lambda: {"full_name": "Andi", "reason": "Salah baca KTP"}, ("reason",)),
    ("PayFunction", "POST", "/refunds/{refund_id}/settle", {"refund_id": KNOWN_REFUND_ID},
     lambda: {"returned_to": "Ahli waris"}, ("returned_to",)),
    ("ImportsFunction", "POST", "/imports", {}, lambda: {"kind": "members", "filename": "anggota.csv"},
     ("filename",)),  # an admin reads it in the import's status
] + [
    ("ClaimFunction", "POST", "/claims", {}, _claim, p)
    for p in (("description",), ("location",), ("claimant", "full_name"), ("claimant", "bank_name"))
]  # fmt: skip


@pytest.mark.parametrize("char", list(REFUSED.values()), ids=list(REFUSED))
@pytest.mark.parametrize(
    ("function", "method", "route", "params", "body", "field"),
    TEXT_FIELDS,
    ids=[f"{m} {r} {'.'.join(map(str, f))}" for _, m, r, _, _, f in TEXT_FIELDS],
)
def test_text_with_control_or_invisible_characters_is_refused(
    moto_stack: MotoStack, function: str, method: str, route: str, params: dict[str, str],
    body: Any, field: tuple[str | int, ...], char: str,
) -> None:  # fmt: skip
    raw = json.dumps(_with(body(), field, char))
    event = http_event(method, route, path_params=params or None, raw_body=raw, claims=ADMIN,
                       headers={"Idempotency-Key": new_id()})  # fmt: skip
    result = FunctionInvoker(moto_stack, function)(event)
    assert (result.status, result.code) == (422, "VALIDATION_ERROR"), result.body
    name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in field).lstrip(".")
    (error,) = [e for e in result.body["errors"] if e["field"] == name]
    assert "karakter kontrol" in error["message"]


@pytest.mark.parametrize("text", ["Baris satu\nBaris dua", "Baris satu\r\nBaris dua", "kolom\tdua"])
def test_line_breaks_and_tabs_are_refused_in_names_notes_and_descriptions(
    moto_stack: MotoStack, text: str
) -> None:
    """CONTRACT "Errors": text people read (names, addresses, descriptions) refuses C0 control
    characters, line breaks and tabs among them: 422 before anything else is looked at."""
    register = FunctionInvoker(moto_stack, "RegisterFunction")
    event = http_event("POST", "/farmers", body=_farmer(full_name=text), claims=AGENT)
    assert register(event).code == "VALIDATION_ERROR"
    created = register(http_event("POST", "/farmers", body=farmer_body(), claims=AGENT))
    assert created.status == 201, created.body
    note = {"date_of_death": "2026-01-05", "note": text}
    event = http_event("POST", "/farmers/{farmer_id}/death", path_params={"farmer_id": created.body["farmer_id"]},
                       body=note, claims=AGENT)  # fmt: skip
    result = register(event)
    assert (result.status, result.code) == (422, "VALIDATION_ERROR"), result.body
    assert [e["field"] for e in result.body["errors"]] == ["note"]


def test_names_are_stored_in_nfc(moto_stack: MotoStack) -> None:
    register = FunctionInvoker(moto_stack, "RegisterFunction")
    decomposed = "Nu\u0301rhayati Be\u0301ne\u0301dicte"  # u + combining acute, e + combining acute
    body = farmer_body(
        nik=make_nik(__import__("datetime").date(1981, 2, 3), "F", serial=8802), full_name=decomposed,
        address="Jl. Poros Sengkang\u0301", birth=__import__("datetime").date(1981, 2, 3), sex="F",
    )  # fmt: skip
    result = register(http_event("POST", "/farmers", body=body, claims=AGENT))
    assert result.status in (201, 409), result.body
    if result.status == 201:
        assert result.body["full_name"] == "N\u00farhayati B\u00e9n\u00e9dicte"
        assert len(result.body["full_name"]) == len(decomposed) - 3


@pytest.mark.parametrize(
    "content_type", ["Application/JSON", "APPLICATION/JSON", "application/JSON; charset=UTF-8"]
)
@pytest.mark.parametrize(("method", "path", "function"), ROUTES, ids=LABELS)
def test_json_in_any_letter_case_is_json(
    moto_stack: MotoStack, method: str, path: str, function: str, content_type: str
) -> None:
    """Media types are case-insensitive (RFC 9110): the route answers as for `application/json`
    (before: Powertools' case-sensitive check raised, a 500)."""
    lower = call(moto_stack, function, event_for(method, path, '{"a": 1}'))
    mixed = call(moto_stack, function, event_for(method, path, '{"a": 1}', content_type))
    assert (mixed.status, mixed.code) == (lower.status, lower.code), mixed.body
    assert mixed.status < 500 and mixed.status != 415


@pytest.mark.parametrize(("method", "path", "function"), ROUTES, ids=LABELS)
def test_an_array_body_is_refused_not_taken_for_its_first_element(
    moto_stack: MotoStack, method: str, path: str, function: str
) -> None:
    """Powertools took `[{...}, {...}]` for its first object: a registration of two farmers made
    one and dropped the other without a word."""
    before = len(moto_stack.table_items())
    result = call(moto_stack, function, event_for(method, path, ' [{"a": 1}, {"b": 2}]'))
    assert (result.status, result.code) == (422, "VALIDATION_ERROR"), result.body
    assert result.body["errors"] == [{"field": "body", "message": "Harus berupa objek JSON, bukan daftar."}]
    assert len(moto_stack.table_items()) == before
