"""The membership and money flows over HTTP against a complete `python -m local` (the session's
full stack: pollers, the BPJS simulator, callbacks), with the ID tokens of demo users:

- a death recorded by the agent: payments and quotes refused, the months after it a refund case
  on the worklist, settled once (replayed by its key, refused to another kecamatan);
- a registration BPJS rejects by callback after the agent collected: ENDED, never ACTIVE in
  the lists, everything collected a refund case, settled by the coordinator;
- a contribution BPJS refuses for good: FAILED, a POSTING_REFUSED refund, the months not covered;
- a correction by the coordinator reaching BPJS as a participant data change;
- ETag / If-Match; a second tap with a new key (QUOTE_STALE and the fresh quote); a payment dated
  before the registration;
- at the end, the admin's recount finds no difference with the report's counters.

The simulator switches a test sets are put back after it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx
import pytest

from sutasoma.domain.clock import WITA, period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import StackProcess, user_clients
from tests.support.reconcile_jobs import reconciled

pytestmark = pytest.mark.e2e

AGENT, COORDINATOR, AGENT_GANRA = "agen.lalabata", "koordinator.lalabata", "agen.ganra"
BIRTH = date(1977, 9, 23)  # the NIKs of this module: this birth date, serials 84xx
DECISION_TIMEOUT_S = 15.0


@pytest.fixture(scope="module")
def stack(full_stack: StackProcess) -> dict[str, Any]:
    return full_stack.descriptor


@pytest.fixture(scope="module")
def user(stack: dict[str, Any]) -> Iterator[Callable[[str], httpx.Client]]:
    yield from user_clients(stack, timeout=30.0)


@pytest.fixture(autouse=True)
def default_switches(simulator: httpx.Client) -> Iterator[None]:
    yield
    put_back = {
        "async_registration": False,
        "refuse_contributions": False,
        "unknown_niks": [],
        "callback_delay_ms": 500,
    }
    assert simulator.post("/_sim/config", json=put_back).status_code == 200


def today() -> date:
    return today_wita()


def current() -> str:
    return period_of(today())


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = DECISION_TIMEOUT_S) -> Any:
    """Read until `done` or the timeout; the last value read."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def register(agent: httpx.Client, serial: int) -> str:
    body = farmer_body(nik=make_nik(BIRTH, "M", serial=serial), birth=BIRTH, sex="M", full_name="Lamade")
    created = agent.post("/farmers", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["farmer_id"])


def decided(agent: httpx.Client, farmer_id: str) -> dict[str, Any]:
    farmer: dict[str, Any] = poll(
        lambda: agent.get(f"/farmers/{farmer_id}").json(), lambda f: f["registration_status"] != "PENDING"
    )
    return farmer


def pay(agent: httpx.Client, farmer_id: str, months: int = 1, key: str | None = None) -> dict[str, Any]:
    quoted = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": months})
    assert quoted.status_code == 200, quoted.text
    body = {
        "months": months,
        "amount": quoted.json()["amount"],
        "first_period": quoted.json()["first_period"],
    }
    paid = agent.post(
        f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )
    assert paid.status_code == 201, paid.text
    payment: dict[str, Any] = paid.json()
    return payment


def refunds_of(client: httpx.Client, farmer_id: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = client.get("/refunds", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        found += [r for r in page.json()["items"] if r["farmer_id"] == farmer_id]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def listed(client: httpx.Client, **params: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = client.get(
            "/farmers", params={**params, "limit": "100", **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        ids |= {f["farmer_id"] for f in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids


def test_a_death_closes_the_membership_and_its_refund_is_settled_once(
    user: Callable[[str], httpx.Client],
) -> None:
    agent = user(AGENT)
    farmer_id = register(agent, 8401)
    assert decided(agent, farmer_id)["registration_status"] == "CONFIRMED"
    payment = pay(agent, farmer_id, 3)

    died = agent.post(
        f"/farmers/{farmer_id}/death", json={"date_of_death": today().isoformat(), "note": "Laporan istri"}
    )
    assert died.status_code == 200, died.text
    assert died.json()["deceased_on"] == today().isoformat() and died.json()["coverage"]["state"] == "ENDED"
    again = agent.post(f"/farmers/{farmer_id}/death", json={"date_of_death": today().isoformat()})
    assert (again.status_code, again.json()["code"]) == (409, "FARMER_DECEASED")
    tomorrow = agent.post(
        f"/farmers/{register(agent, 8402)}/death",
        json={"date_of_death": (today() + timedelta(days=1)).isoformat()},
    )
    assert (tomorrow.status_code, tomorrow.json()["code"]) == (422, "INCIDENT_DATE_INVALID")

    quoted = agent.get(f"/farmers/{farmer_id}/payments/quote")
    assert (quoted.status_code, quoted.json()["code"]) == (409, "FARMER_DECEASED")
    body = {"months": 1, "amount": 16_800, "first_period": add_months(current(), 3)}
    refused = agent.post(
        f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "FARMER_DECEASED")
    assert farmer_id in listed(agent, coverage_state="ENDED") and farmer_id not in listed(
        agent, coverage_state="ACTIVE"
    )

    (refund,) = refunds_of(agent, farmer_id, status="OPEN")
    after = payment["periods"][1:]  # the months after the month of death
    assert (refund["reason"], refund["periods"]) == ("PAID_AFTER_DEATH", after)
    assert refund["amount"] == sum(line["amount"] for line in payment["lines"][1:])
    worklist = agent.get("/agents/me/worklist").json()
    assert refund["refund_id"] in {r["refund_id"] for r in worklist["refunds_to_return"]}
    for section in ("due_this_month", "in_arrears", "about_to_lapse"):
        assert farmer_id not in {e["farmer_id"] for e in worklist[section]}, section

    key = str(uuid.uuid4())
    settle = {"returned_to": "Besse (istri, ahli waris)"}
    foreign = user(AGENT_GANRA).post(
        f"/refunds/{refund['refund_id']}/settle", json=settle, headers={"Idempotency-Key": key}
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, "FORBIDDEN")
    settled = agent.post(
        f"/refunds/{refund['refund_id']}/settle", json=settle, headers={"Idempotency-Key": key}
    )
    assert settled.status_code == 200, settled.text
    assert (settled.json()["status"], settled.json()["returned_to"]) == ("SETTLED", settle["returned_to"])
    replay = agent.post(
        f"/refunds/{refund['refund_id']}/settle", json=settle, headers={"Idempotency-Key": key}
    )
    assert (replay.status_code, replay.json()) == (200, settled.json())
    twice = agent.post(f"/refunds/{refund['refund_id']}/settle", json=settle)
    assert (twice.status_code, twice.json()["code"]) == (409, "INVALID_TRANSITION")
    assert [r["status"] for r in refunds_of(user("admin"), farmer_id)] == ["SETTLED"]


def test_a_registration_bpjs_rejects_after_the_agent_collected_is_given_back(
    user: Callable[[str], httpx.Client], simulator: httpx.Client
) -> None:
    agent = user(AGENT)
    nik = make_nik(BIRTH, "M", serial=8403)
    switches = {"async_registration": True, "callback_delay_ms": 2500, "unknown_niks": [nik]}
    assert simulator.post("/_sim/config", json=switches).status_code == 200
    farmer_id = register(agent, 8403)
    payment = pay(agent, farmer_id, 2)  # before BPJS's decision comes back

    rejected = decided(agent, farmer_id)
    assert rejected["registration_status"] == "REJECTED", rejected["registration_status"]
    assert rejected["coverage"]["state"] == "ENDED" and rejected["kpj_number"] is None
    assert farmer_id in listed(agent, coverage_state="ENDED", registration_status="REJECTED")
    assert farmer_id not in listed(agent, coverage_state="ACTIVE")
    refunds = poll(lambda: refunds_of(agent, farmer_id), bool)
    (refund,) = refunds
    assert (refund["reason"], refund["periods"], refund["amount"]) == (
        "REGISTRATION_REJECTED", payment["periods"], payment["amount"],
    )  # fmt: skip
    settled = user(COORDINATOR).post(f"/refunds/{refund['refund_id']}/settle", json={"returned_to": "Lamade"})
    assert settled.status_code == 200 and settled.json()["status"] == "SETTLED", settled.text


def test_a_contribution_bpjs_refuses_for_good_is_given_back(
    user: Callable[[str], httpx.Client], simulator: httpx.Client
) -> None:
    agent = user(AGENT)
    farmer_id = register(agent, 8404)
    assert decided(agent, farmer_id)["registration_status"] == "CONFIRMED"
    assert simulator.post("/_sim/config", json={"refuse_contributions": True}).status_code == 200
    payment = pay(agent, farmer_id, 2)
    failed = poll(
        lambda: agent.get(f"/farmers/{farmer_id}/payments").json()["items"][0],
        lambda p: p["bpjs_status"] != "QUEUED",
    )
    assert failed["bpjs_status"] == "FAILED", failed["bpjs_status"]
    (refund,) = poll(lambda: refunds_of(agent, farmer_id), bool)
    assert (refund["reason"], refund["periods"], refund["amount"]) == (
        "POSTING_REFUSED", payment["periods"], payment["amount"],
    )  # fmt: skip
    assert agent.get(f"/farmers/{farmer_id}").json()["coverage"] == {
        "state": "NOT_STARTED",
        "paid_through": None,
    }


def test_a_correction_by_the_coordinator_reaches_bpjs(
    user: Callable[[str], httpx.Client], simulator: httpx.Client
) -> None:
    agent, coordinator = user(AGENT), user(COORDINATOR)
    farmer_id = register(agent, 8405)
    kpj = decided(agent, farmer_id)["kpj_number"]
    assert kpj
    body = {"full_name": "Lamade Bin Baso", "reason": "Nama di KTP tertulis lengkap"}
    refused = agent.post(f"/farmers/{farmer_id}/corrections", json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    mismatch = coordinator.post(
        f"/farmers/{farmer_id}/corrections",
        json={"nik": make_nik(BIRTH, "F", serial=8405), "sex": "M", "reason": "Salah ketik NIK"},
    )
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "NIK_MISMATCH")
    corrected = coordinator.post(f"/farmers/{farmer_id}/corrections", json=body)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["full_name"] == "Lamade Bin Baso"
    seen = poll(lambda: simulator.get(f"/_sim/participants/{kpj}").json(), lambda p: bool(p["updates"]))
    assert seen["updates"] == [["full_name"]] and seen["reference_id"] == farmer_id


def test_etag_if_match_a_second_tap_and_a_payment_before_the_registration(
    user: Callable[[str], httpx.Client],
) -> None:
    agent = user(AGENT)
    farmer_id = register(agent, 8406)
    etag = agent.get(f"/farmers/{farmer_id}").headers["etag"]
    changed = agent.patch(f"/farmers/{farmer_id}", json={"phone": "085211113333"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag
    stale = agent.patch(f"/farmers/{farmer_id}", json={"address": "Dusun Baru"}, headers={"If-Match": etag})
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    assert agent.patch(f"/farmers/{farmer_id}", json={"address": "Dusun Baru"}).status_code == 200

    quoted = agent.get(f"/farmers/{farmer_id}/payments/quote").json()
    body = {"months": 1, "amount": quoted["amount"], "first_period": quoted["first_period"]}
    yesterday = datetime.combine(today(), clock_time(0), tzinfo=WITA) - timedelta(minutes=1)
    early = agent.post(f"/farmers/{farmer_id}/payments", json={**body, "paid_at": yesterday.isoformat()},
                       headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    assert (early.status_code, early.json()["code"]) == (422, "PAID_AT_INVALID")
    taps = [agent.post(f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
            for _ in range(2)]  # fmt: skip
    assert [t.status_code for t in taps] == [201, 409]
    assert taps[1].json()["code"] == "QUOTE_STALE"
    assert taps[1].json()["quote"]["first_period"] == add_months(current(), 1)
    assert len(agent.get(f"/farmers/{farmer_id}/payments").json()["items"]) == 1


def test_the_counters_agree_with_a_recount(user: Callable[[str], httpx.Client]) -> None:
    admin = user("admin")
    differences: list[Any] = ["not yet counted"]
    for _ in range(5):  # a write of the pollers may be between its items while the scan passes
        job = reconciled(admin, add_months(current(), -1))
        assert job["status"] == "DONE", job
        differences = job["differences"]
        if not differences:
            break
        time.sleep(1.0)
    assert differences == []
