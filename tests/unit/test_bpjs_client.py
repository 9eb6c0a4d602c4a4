"""The BPJS client's signing and its classification of every kind of answer.

httpx's MockTransport plays BPJS here so each status can be produced exactly; the whole path
against the simulator is in tests/integration/test_bpjs_sync.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import httpx
import pytest

from sutasoma.adapters.bpjs_client import (
    BpjsClient,
    BpjsRejected,
    BpjsRequestError,
    BpjsRetryable,
    Credentials,
    sign,
)
from sutasoma.app.bpjs_batch import backoff_seconds

CREDENTIALS = Credentials(cons_id="sutasoma-soppeng", secret_key="s3cret")


def client_answering(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[BpjsClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = httpx.Client(transport=httpx.MockTransport(record))
    return BpjsClient(
        "https://bpjs.test/partner", lambda: CREDENTIALS, http=http, clock=lambda: 1_796_000_000
    ), seen


def test_signature_matches_the_documented_formula() -> None:
    body = b'{"a":1}'
    message = (
        b"sutasoma-soppeng&1796000000&POST&/bpu/v1/participants&" + hashlib.sha256(body).hexdigest().encode()
    )
    expected = base64.b64encode(hmac.new(b"s3cret", message, hashlib.sha256).digest()).decode()
    assert sign(CREDENTIALS, "1796000000", "post", "/bpu/v1/participants", body) == expected


def test_request_carries_signed_headers_and_request_id() -> None:
    client, seen = client_answering(
        lambda r: httpx.Response(201, json={"status": "CONFIRMED", "kpj_number": "26000000001"})
    )
    result = client.register_participant("01OPERATION", {"reference_id": "F1"})
    assert (result.status, result.kpj_number) == ("CONFIRMED", "26000000001")
    request = seen[0]
    assert request.url.path == "/partner/bpu/v1/participants"
    assert request.headers["X-Request-Id"] == "01OPERATION"
    assert (
        request.headers["X-Cons-Id"] == "sutasoma-soppeng" and request.headers["X-Timestamp"] == "1796000000"
    )
    # The path BPJS verifies is its own (without our base path prefix).
    assert request.headers["X-Signature"] == sign(
        CREDENTIALS, "1796000000", "POST", "/bpu/v1/participants", request.content
    )
    assert json.loads(request.content) == {"reference_id": "F1"}


def test_pending_and_already_participant() -> None:
    client, _ = client_answering(lambda r: httpx.Response(202, json={"status": "PENDING"}))
    assert client.register_participant("op", {}).status == "PENDING"
    client, _ = client_answering(
        lambda r: httpx.Response(409, json={"code": "ALREADY_PARTICIPANT", "kpj_number": "26000000009"})
    )
    assert client.register_participant("op", {}).kpj_number == "26000000009"


def test_business_rejection_is_final_with_reason() -> None:
    client, _ = client_answering(
        lambda r: httpx.Response(
            422, json={"code": "REJECTED", "reason_code": "NIK_NOT_FOUND", "reason": "NIK tidak ditemukan"}
        )
    )
    with pytest.raises(BpjsRejected) as caught:
        client.register_participant("op", {})
    assert (caught.value.reason_code, caught.value.reason) == ("NIK_NOT_FOUND", "NIK tidak ditemukan")


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 401, 403, 408])
def test_retryable_statuses(status: int) -> None:
    client, _ = client_answering(lambda r: httpx.Response(status, json={"code": "X"}))
    with pytest.raises(BpjsRetryable):
        client.register_participant("op", {})


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(400, json={"code": "BAD_REQUEST"}),
        httpx.Response(404, text="not found"),
        httpx.Response(422, json={"code": "VALIDATION"}),
        httpx.Response(201, json={"status": "CONFIRMED", "kpj_number": "123"}),  # not an 11-digit KPJ
        httpx.Response(201, text="<html>"),
        httpx.Response(409, json={"code": "SOMETHING_ELSE"}),
    ],
)
def test_answers_that_retrying_cannot_fix(response: httpx.Response) -> None:
    client, _ = client_answering(lambda r: response)
    with pytest.raises(BpjsRequestError):
        client.register_participant("op", {})


@pytest.mark.parametrize(
    "error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof")]
)
def test_network_failures_are_retryable(error: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    client, _ = client_answering(fail)
    with pytest.raises(BpjsRetryable):
        client.register_participant("op", {})


def test_backoff_grows_to_six_hours() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30) == 6 * 3600
    assert sum(backoff_seconds(n) for n in range(1, 12)) > 14 * 3600  # the DLQ only after ~14 h
