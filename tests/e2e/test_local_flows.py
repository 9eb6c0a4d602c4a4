"""The two flows an agent shows, over HTTP against a complete `python -m local` (pollers, the BPJS
simulator deciding claims by its rules, schedules), with the ID tokens of demo users:

- payments: register a farmer, BPJS confirms, quote 3 months, pay them (idempotently), coverage
  ACTIVE through the current month + 2, the payment posted to BPJS;
- claims: a JKM claim for that farmer, every document uploaded to its presigned URL, the
  coordinator verifies, BPJS approves and pays by signed callbacks, the claim ends PAID.

Nobody touches anything between a request and its outcome: the only switches set are the
simulator's claim delays (short, to keep the tests quick)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.support.claims import claim_body
from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import StackProcess, user_clients
from tests.support.uploads import JPEG, post_file

pytestmark = pytest.mark.e2e

CONFIRMED_TIMEOUT_S = 10.0
POSTED_TIMEOUT_S = 10.0
PAID_TIMEOUT_S = 15.0
CLAIM_DELAY_MS = 200
AGENT = "agen.lalabata"
COORDINATOR = "koordinator.lalabata"
REJECTION_REASON = "Klaim ditolak: dokumen tidak sesuai"


@dataclass
class Flow:
    """What the payments test leaves for the claims test: the farmer it covered."""

    covered_farmer_id: str | None = None


@pytest.fixture(scope="module")
def stack(full_stack: StackProcess) -> dict[str, Any]:
    """The descriptor, once the simulator decides claims by its rules with short delays."""
    switches = {
        "auto_decide_claims": True,
        "claim_decision_delay_ms": CLAIM_DELAY_MS,
        "claim_payment_delay_ms": CLAIM_DELAY_MS,
    }
    url = full_stack.descriptor["bpjs_simulator_url"]
    configured = httpx.post(f"{url}/_sim/config", json=switches, timeout=10.0, trust_env=False)
    assert configured.status_code == 200, configured.text
    return full_stack.descriptor


@pytest.fixture(scope="module")
def user(stack: dict[str, Any]) -> Iterator[Callable[[str], httpx.Client]]:
    """`user("agen.lalabata")`: an HTTP client of the API with that demo user's ID token."""
    yield from user_clients(stack, timeout=30.0)


@pytest.fixture(scope="module")
def flow() -> Flow:
    return Flow()


def poll(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], timeout: float
) -> list[dict[str, Any]]:
    """Read until `done` (or the timeout): every value read, in order."""
    seen = [read()]
    deadline = time.monotonic() + timeout
    while not done(seen[-1]) and time.monotonic() < deadline:
        time.sleep(0.2)
        seen.append(read())
    return seen


def register_confirmed(agent: httpx.Client, serial: int) -> str:
    birth = date(1979, 5, 14)
    body = farmer_body(
        nik=make_nik(birth, "F", serial=serial), birth=birth, kecamatan="73.12.04", village="73.12.04.1001"
    )
    created = agent.post("/farmers", json=body)
    assert created.status_code == 201, created.text
    farmer_id = str(created.json()["farmer_id"])
    seen = poll(
        lambda: agent.get(f"/farmers/{farmer_id}").json(),
        lambda farmer: farmer["registration_status"] != "PENDING",
        CONFIRMED_TIMEOUT_S,
    )
    assert seen[-1]["registration_status"] == "CONFIRMED", seen[-1]["registration_status"]
    return farmer_id


def payments_of(agent: httpx.Client, farmer_id: str) -> list[dict[str, Any]]:
    listed = agent.get(f"/farmers/{farmer_id}/payments")
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


# ---------------------------------------------------------------------------------- payments


def test_agent_registers_quotes_pays_three_months_and_bpjs_posts_it(
    user: Callable[[str], httpx.Client], simulator: httpx.Client, flow: Flow
) -> None:
    agent = user(AGENT)
    farmer_id = register_confirmed(agent, serial=8201)
    assert agent.get(f"/farmers/{farmer_id}").json()["coverage"] == {
        "state": "NOT_STARTED",
        "paid_through": None,
    }

    current = period_of(today_wita())
    quote = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": 3})
    assert quote.status_code == 200, quote.text
    quoted = quote.json()
    assert quoted["periods"] == [current, add_months(current, 1), add_months(current, 2)]
    assert [line["period"] for line in quoted["lines"]] == quoted["periods"]
    assert quoted["amount"] == sum(line["amount"] for line in quoted["lines"]) > 0

    key = str(uuid.uuid4())
    body = {"months": 3, "amount": quoted["amount"], "first_period": quoted["first_period"]}
    paid = agent.post(f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": key})
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert payment["farmer_id"] == farmer_id and payment["periods"] == quoted["periods"]
    assert payment["amount"] == quoted["amount"] and payment["collected_by"] == AGENT
    assert re.fullmatch(r"BPP04-\d{4}-\d{6}", payment["receipt_number"]), payment["receipt_number"]
    assert payment["bpjs_status"] == "QUEUED"  # BPJS is told later, by bpjs_sync
    paid_through = add_months(current, 2)
    assert payment["coverage"] == {"state": "ACTIVE", "paid_through": paid_through}
    assert agent.get(f"/farmers/{farmer_id}").json()["coverage"] == {
        "state": "ACTIVE",
        "paid_through": paid_through,
    }

    # The payment reaches BPJS through the outbox, the queue and bpjs_sync: QUEUED, then POSTED.
    seen = poll(
        lambda: next(p for p in payments_of(agent, farmer_id) if p["payment_id"] == payment["payment_id"]),
        lambda listed: listed["bpjs_status"] != "QUEUED",
        POSTED_TIMEOUT_S,
    )
    statuses = [listed["bpjs_status"] for listed in seen]
    assert statuses[-1] == "POSTED", f"still {statuses[-1]} after {POSTED_TIMEOUT_S:.0f} s"
    assert set(statuses) <= {"QUEUED", "POSTED"} and statuses == sorted(
        statuses, key=["QUEUED", "POSTED"].index
    )
    assert simulator.get("/_sim/requests").json()["counts"].get("POST /bpu/v1/contributions 201", 0) >= 1

    # The agent's app sends it again (a lost answer): the same payment, nothing recorded twice.
    again = agent.post(f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201, again.text
    assert again.json()["receipt_number"] == payment["receipt_number"]
    assert again.json()["payment_id"] == payment["payment_id"]
    assert [p["payment_id"] for p in payments_of(agent, farmer_id)] == [payment["payment_id"]]
    assert agent.get(f"/farmers/{farmer_id}").json()["coverage"]["paid_through"] == paid_through
    flow.covered_farmer_id = farmer_id


# ---------------------------------------------------------------------------------- claims


@pytest.fixture
def covered_farmer(user: Callable[[str], httpx.Client], flow: Flow) -> str:
    """The farmer the payments test covered; if it did not run, one covered the same way."""
    if flow.covered_farmer_id is None:
        agent = user(AGENT)
        farmer_id = register_confirmed(agent, serial=8202)
        quoted = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": 3}).json()
        paid = agent.post(
            f"/farmers/{farmer_id}/payments",
            json={"months": 3, "amount": quoted["amount"], "first_period": quoted["first_period"]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert paid.status_code == 201, paid.text
        flow.covered_farmer_id = farmer_id
    return flow.covered_farmer_id


def file_with_documents(agent: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """File the claim, then upload every required document to its presigned URL."""
    filed = agent.post("/claims", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert filed.status_code == 201, filed.text
    claim: dict[str, Any] = filed.json()
    assert claim["status"] == "SUBMITTED" and claim["required_documents"]
    claim_id = claim["claim_id"]
    for doc_type in claim["required_documents"]:
        issued = agent.post(f"/claims/{claim_id}/documents", json={"doc_type": doc_type})
        assert issued.status_code == 200, issued.text
        assert httpx.URL(issued.json()["upload_url"]).host == "127.0.0.1"  # moto, never a real bucket
        posted = post_file(issued.json(), JPEG)
        assert posted.status_code == 204, posted.text
    # Checked asynchronously: S3 -> EventBridge -> DocumentCheckFunction (local/eventbridge/).
    seen = poll(
        lambda: agent.get(f"/claims/{claim_id}").json(),
        lambda read: all(d["uploaded"] for d in read["documents"]),
        10.0,
    )
    assert all(d["uploaded"] for d in seen[-1]["documents"]), seen[-1]["documents"]
    return claim


def until_decided(agent: httpx.Client, claim_id: str, final: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Poll the claim until it reaches one of `final`: the last read and the statuses seen."""
    seen = poll(
        lambda: agent.get(f"/claims/{claim_id}").json(),
        lambda claim: claim["status"] in final,
        PAID_TIMEOUT_S,
    )
    statuses: list[str] = []
    for claim in seen:
        if not statuses or statuses[-1] != claim["status"]:
            statuses.append(claim["status"])
    return seen[-1], statuses


def test_jkm_claim_is_filed_documented_verified_and_paid_by_bpjs(
    user: Callable[[str], httpx.Client], simulator: httpx.Client, covered_farmer: str
) -> None:
    agent, coordinator = user(AGENT), user(COORDINATOR)
    claim = file_with_documents(agent, claim_body(covered_farmer))
    assert claim["type"] == "JKM" and claim["estimated_benefit"]["total"] == 42_000_000
    assert "marriage_book" in claim["required_documents"]  # the spouse claims

    verified = coordinator.post(f"/claims/{claim['claim_id']}/verify")
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "VERIFIED"

    final, statuses = until_decided(agent, claim["claim_id"], {"PAID", "REJECTED"})
    assert final["status"] == "PAID", f"{statuses} after {PAID_TIMEOUT_S:.0f} s"
    assert final["approved_amount"] == 42_000_000 and final["paid_amount"] == 42_000_000
    assert final["paid_at"] and final["rejection_reason"] is None
    assert [(event["status"], event["by"]) for event in final["history"]] == [
        ("SUBMITTED", AGENT),
        ("VERIFIED", COORDINATOR),
        ("SENT_TO_BPJS", "system"),
        ("APPROVED", "BPJS"),
        ("PAID", "BPJS"),
    ]
    assert all(event["at"] for event in final["history"])

    # BPJS's side: received once, decided by the rules, both callbacks delivered.
    (received,) = [
        c for c in simulator.get("/_sim/claims").json()["claims"] if c["claim_id"] == claim["claim_id"]
    ]
    assert received["status"] == "PAID" and received["amount"] == 42_000_000 and received["automatic"]
    delivered = {c["type"]: c for c in simulator.get("/_sim/callbacks").json()["callbacks"]}
    assert delivered["CLAIM_APPROVED"]["status"] == delivered["CLAIM_PAID"]["status"] == "DELIVERED"


def test_a_claim_bpjs_refuses_ends_rejected_with_the_reason(
    user: Callable[[str], httpx.Client], covered_farmer: str
) -> None:
    agent, coordinator = user(AGENT), user(COORDINATOR)
    body = claim_body(covered_farmer, "JKK", outcome="treatment", description="Uji coba simulator: TOLAK.")
    claim = file_with_documents(agent, body)
    assert coordinator.post(f"/claims/{claim['claim_id']}/verify").status_code == 200

    final, statuses = until_decided(agent, claim["claim_id"], {"PAID", "REJECTED"})
    assert final["status"] == "REJECTED", f"{statuses} after {PAID_TIMEOUT_S:.0f} s"
    assert final["rejection_reason"] == REJECTION_REASON and final["paid_amount"] is None
    assert [(event["status"], event["reason"]) for event in final["history"]][-2:] == [
        ("SENT_TO_BPJS", None),
        ("REJECTED", REJECTION_REASON),
    ]
