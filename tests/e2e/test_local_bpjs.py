"""Downstream of the API, through `python -m local` (the session's full stack, tests/conftest.py):
POST /farmers -> outbox -> SQS -> the poller -> bpjs_sync -> the BPJS simulator -> the farmer's
status, and callbacks. Nobody touches anything between the registration and the outcome.
(The stack's own side of it - descriptor, schedules, the invoke CLI - is tests/local/test_full_stack.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import (
    StackProcess,
    aws_client,
    login,
)

pytestmark = pytest.mark.e2e

OUTCOME_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def stack(full_stack: StackProcess) -> dict[str, Any]:
    return full_stack.descriptor


@pytest.fixture(scope="module")
def api(stack: dict[str, Any]) -> Iterator[httpx.Client]:
    token = login(stack, "agen.lalabata")
    with httpx.Client(
        base_url=stack["api_url"], headers={"Authorization": f"Bearer {token}"}, timeout=30.0, trust_env=False
    ) as client:
        yield client


@pytest.fixture(autouse=True)
def default_switches(simulator: httpx.Client) -> Iterator[None]:
    yield
    simulator.post(
        "/_sim/config", json={"async_registration": False, "outage": False, "error_rate": 0, "latency_ms": 0}
    )


def register(api: httpx.Client, serial: int, birth: date = date(1984, 2, 3)) -> tuple[str, dict[str, Any]]:
    body = farmer_body(
        nik=make_nik(birth, "F", serial=serial), birth=birth, kecamatan="73.12.04", village="73.12.04.1001"
    )
    response = api.post("/farmers", json=body)
    assert response.status_code == 201, response.text
    farmer = response.json()
    assert farmer["registration_status"] == "PENDING"
    return farmer["farmer_id"], body


def outcome(api: httpx.Client, farmer_id: str) -> tuple[dict[str, Any], float]:
    """The farmer once BPJS decided (or as it is after the timeout), and how long it took."""
    started = time.monotonic()
    while True:
        farmer = api.get(f"/farmers/{farmer_id}").json()
        elapsed = time.monotonic() - started
        if farmer["registration_status"] != "PENDING" or elapsed > OUTCOME_TIMEOUT_S:
            return farmer, elapsed
        time.sleep(0.2)


def test_a_registered_farmer_is_confirmed_with_a_kpj_number(
    api: httpx.Client, simulator: httpx.Client, full_stack: StackProcess
) -> None:
    before = simulator.get("/_sim/requests").json()["counts"].get("POST /bpu/v1/participants 201", 0)
    farmer_id, body = register(api, serial=8101)
    farmer, elapsed = outcome(api, farmer_id)
    assert farmer["registration_status"] == "CONFIRMED", (
        f"still {farmer['registration_status']} after {elapsed:.1f} s"
    )
    kpj = farmer["kpj_number"]
    assert isinstance(kpj, str) and len(kpj) == 11 and kpj.isdigit() and kpj.startswith("26")
    counts = simulator.get("/_sim/requests").json()["counts"]
    assert counts["POST /bpu/v1/participants 201"] == before + 1
    time.sleep(0.3)  # the subprocess's last lines
    log_text = full_stack.log_text()
    assert "BpjsSyncFunction: batch of 1" in log_text
    for personal in (body["nik"], body["phone"], kpj):
        assert personal not in log_text


def test_a_nik_unknown_to_dukcapil_is_rejected(api: httpx.Client) -> None:
    farmer_id, _ = register(api, serial=9999)
    farmer, elapsed = outcome(api, farmer_id)
    assert farmer["registration_status"] == "REJECTED", (
        f"still {farmer['registration_status']} after {elapsed:.1f} s"
    )
    assert farmer["kpj_number"] is None


def test_an_asynchronous_decision_arrives_by_signed_callback(
    api: httpx.Client, simulator: httpx.Client
) -> None:
    assert simulator.post("/_sim/config", json={"async_registration": True}).status_code == 200
    farmer_id, _ = register(api, serial=8102)
    farmer, elapsed = outcome(api, farmer_id)
    assert farmer["registration_status"] == "CONFIRMED", (
        f"still {farmer['registration_status']} after {elapsed:.1f} s"
    )
    assert len(farmer["kpj_number"]) == 11
    callbacks = simulator.get("/_sim/callbacks").json()["callbacks"]
    delivered = [c for c in callbacks if c["type"] == "PARTICIPANT_CONFIRMED"]
    assert delivered and delivered[-1]["status"] == "DELIVERED" and delivered[-1]["last_http_status"] == 200
    # BPJS sends an event again: applied once, the second answer says so.
    event_id = delivered[-1]["event_id"]
    assert simulator.post(f"/_sim/callbacks/{event_id}/resend").status_code == 202
    deadline = time.monotonic() + 5
    while simulator.get("/_sim/callbacks").json()["callbacks"][-1]["status"] != "DELIVERED":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert api.get(f"/farmers/{farmer_id}").json()["kpj_number"] == farmer["kpj_number"]


def test_during_an_outage_the_farmer_stays_pending_and_nothing_is_lost(
    api: httpx.Client, simulator: httpx.Client, stack: dict[str, Any]
) -> None:
    simulator.post("/_sim/config", json={"outage": True})
    farmer_id, _ = register(api, serial=8103)
    deadline = time.monotonic() + OUTCOME_TIMEOUT_S
    while simulator.get("/_sim/requests").json()["counts"].get("POST /bpu/v1/participants 503", 0) == 0:
        assert time.monotonic() < deadline, "bpjs_sync never called BPJS"
        time.sleep(0.2)
    time.sleep(0.5)
    assert api.get(f"/farmers/{farmer_id}").json()["registration_status"] == "PENDING"
    # The message waits (in flight, with bpjs_sync's backoff) in the queue: not deleted, not in the DLQ.
    sqs = aws_client(stack, "sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack["queues"]["BpjsOutboundQueue"], AttributeNames=["All"]
    )
    assert int(attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]) >= 1
