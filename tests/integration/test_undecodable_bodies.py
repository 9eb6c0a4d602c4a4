"""A body that is not UTF-8 text is the client's mistake: 422 on every route that takes a body.

API Gateway passes such a body base64-encoded (`isBase64Encoded`); Powertools' decoding of it
raised UnicodeDecodeError, which answered 500 (found by the stateful fuzzer). Nothing is written.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.support.events import claims_for, http_event
from tests.support.stack import FunctionInvoker, MotoStack

AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
FARMER_ID = "01JD0000000000000000000000"
CLAIM_ID = "01JD0000000000000000000001"
NOT_UTF8 = b'{"full_name": "Andi \xff\xfe"}'  # Latin-1 bytes in a JSON-looking body

# function, method, route, path parameters, claims
ROUTES = [
    ("RegisterFunction", "POST", "/farmers", {}, AGENT),
    ("RegisterFunction", "PATCH", "/farmers/{farmer_id}", {"farmer_id": FARMER_ID}, AGENT),
    ("RegisterFunction", "POST", "/farmers/{farmer_id}/ktp", {"farmer_id": FARMER_ID}, AGENT),
    ("PayFunction", "POST", "/farmers/{farmer_id}/payments", {"farmer_id": FARMER_ID}, AGENT),
    ("ClaimFunction", "POST", "/claims", {}, AGENT),
    ("ClaimFunction", "POST", "/claims/{claim_id}/documents", {"claim_id": CLAIM_ID}, AGENT),
]


def binary_event(
    method: str, route: str, path_params: dict[str, str], claims: dict[str, str]
) -> dict[str, Any]:
    event = http_event(
        method, route, path_params=path_params, raw_body="{}", claims=claims,
        headers={"Idempotency-Key": "6f1c1d4e-8a55-4d2b-9a57-0c6d2f0f3b11"},
    )  # fmt: skip
    event["body"] = base64.b64encode(NOT_UTF8).decode()
    event["isBase64Encoded"] = True
    return event


@pytest.mark.parametrize(("function", "method", "route", "path_params", "claims"), ROUTES)
def test_a_body_that_is_not_utf8_is_a_422_and_writes_nothing(
    moto_stack: MotoStack, function: str, method: str, route: str, path_params: dict[str, str], claims: Any
) -> None:
    before = len(moto_stack.table_items())
    result = FunctionInvoker(moto_stack, function)(binary_event(method, route, path_params, claims))
    assert result.status == 422, result.body
    assert result.code == "VALIDATION_ERROR"
    assert result.body["errors"] == [
        {"field": "body", "message": "Isi permintaan harus teks UTF-8 berisi JSON."}
    ]
    assert len(moto_stack.table_items()) == before


def test_a_utf8_body_sent_base64_encoded_is_read_as_usual(moto_stack: MotoStack) -> None:
    # The same path with text that decodes: the handler sees the JSON (here an invalid field).
    event = binary_event("POST", "/farmers", {}, AGENT)
    event["body"] = base64.b64encode('{"full_name": "Andi Bénédicte"}'.encode()).decode()
    result = FunctionInvoker(moto_stack, "RegisterFunction")(event)
    assert result.status == 422 and {e["field"] for e in result.body["errors"]} >= {"nik", "consent"}


def test_the_bpjs_callback_refuses_an_undecodable_body_without_a_5xx(moto_stack: MotoStack) -> None:
    event = http_event(
        "POST", "/bpjs/callbacks", raw_body="{}", headers={"X-Bpjs-Timestamp": "0", "X-Bpjs-Signature": "00"}
    )
    event["body"] = base64.b64encode(NOT_UTF8).decode()
    event["isBase64Encoded"] = True
    result = FunctionInvoker(moto_stack, "BpjsCallbackFunction")(event)
    assert 400 <= result.status < 500, result.body
