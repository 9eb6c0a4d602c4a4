"""Faults on the way through: DynamoDB throttling and transaction conflicts, a function that
dies between its transaction and the SQS send, and a slow or flaky BPJS. On moto with the BPJS
simulator (tests/support/road.py); every test checks the data left behind (table items,
queue messages, the simulator's request log), not only status codes.

DynamoDB faults are injected below the store, on the function's real boto3 client, through
botocore's `before-send` event: the answer DynamoDB would give replaces the HTTP call, so
botocore's own retry policy (standard mode, sutasoma/aws.py) sees it.

Concurrency on one farmer, whatever the keys (DOMAIN.md "Payments bind to what was quoted"):
20 payments at once with 20 keys record one; a payment and a death record racing each other never
leave money taken after the death unaccounted for; a replay by another kecamatan is 403 and tells
nothing about the key. After each, a recount of the table finds no difference with the counters.
Also elsewhere and not repeated here:
- 20 concurrent registrations of one NIK: tests/integration/test_register.py
  `test_same_nik_twenty_at_once_registers_once`;
- 20 concurrent payments with one Idempotency-Key: tests/integration/test_payments.py
  `test_same_key_twenty_times_at_once_records_one_payment`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from botocore.awsrequest import AWSResponse

from local.loader import applied_environment
from sutasoma.adapters import bpjs_client as bpjs
from sutasoma.adapters.dynamo.scan import TableScanner
from sutasoma.adapters.dynamo.unit_of_work import COLLISION_ATTEMPTS
from sutasoma.adapters.queue import OutboundQueue
from sutasoma.app.reconcile import reconcile
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.periods import add_months
from sutasoma.runtime import wiring
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.faults import dynamodb_client, meanwhile
from tests.support.road import AGENT, MAX_RECEIVES, Road

CURRENT = period_of(today_wita())
PARTICIPANTS = "POST /bpu/v1/participants"
CONTRIBUTIONS = "POST /bpu/v1/contributions"


@pytest.fixture(autouse=True)
def empty_simulator_log(calm_bpjs: None, road: Road) -> None:
    road.bpjs.sim.reset()  # after calm_bpjs: nor anything in the simulator's request log


# ---------------------------------------------------------------------------------- helpers


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _dynamodb_error(url: str, code: str, message: str, **extra: Any) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())}
    return AWSResponse(url, 400, headers, _Raw(body.encode()))


@dataclass
class Fault:
    """Counts the calls the hook saw and how many it failed."""

    failures_left: int | None  # None: fail every call
    seen: int = 0
    failed: int = 0
    bodies: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.failures_left = 0


@contextmanager
def dynamodb_fault(
    client: Any,
    operation: str,
    code: str,
    *,
    times: int | None,
    only_if: str | None = None,
    **extra: Any,
) -> Iterator[Fault]:
    """`operation` calls of `client` (whose body contains `only_if`) answer `code`: the first
    `times` of them, or all while `times` is None."""
    fault = Fault(times)
    event = f"before-send.dynamodb.{operation}"
    unique_id = f"fault-{uuid.uuid4()}"

    def inject(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if only_if is not None and only_if not in body:
            return None
        fault.seen += 1
        fault.bodies.append(body)
        if fault.failures_left is not None and fault.failures_left <= 0:
            return None
        if fault.failures_left is not None:
            fault.failures_left -= 1
        fault.failed += 1
        return _dynamodb_error(request.url, code, f"injected {code}", **extra)

    client.meta.events.register(event, inject, unique_id=unique_id)
    try:
        yield fault
    finally:
        client.meta.events.unregister(event, unique_id=unique_id)


def _register_client(road: Road) -> Any:
    """The DynamoDB client of the register function's store, built as the function builds it."""
    road.register(http_event("GET", "/health"))  # this function's execution environment
    with applied_environment(road.register.env):  # its endpoint (moto), never AWS
        return wiring.table(road.register.settings().table_name).client


def _pay_client(road: Road) -> Any:
    road.pay(http_event("GET", "/health"))
    with applied_environment(road.pay.env):
        return wiring.table(road.pay.settings().table_name).client


def attempts_of(client: Any) -> int:
    """botocore's attempts per call: `max_attempts` in a Config counts the retries only
    (sutasoma/aws.py asks for 3: 4 attempts in all)."""
    retries = client.meta.config.retries
    return int(retries.get("total_max_attempts") or retries["max_attempts"] + 1)


def farmer_items(road: Road, farmer_id: str) -> list[str]:
    """The kinds of the farmer's items (PROFILE, OUTBOX, PAYMENT), sorted."""
    items = road.stack.clients("dynamodb").query(
        TableName=road.stack.ref("DomainTable"),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"FARMER#{farmer_id}"}},
    )["Items"]
    return sorted(i["SK"]["S"].split("#")[0] for i in items)


def queue_messages(road: Road) -> list[dict[str, Any]]:
    """Every message on the outbound queue, left there (made visible again at once)."""
    sqs = road.stack.clients("sqs")
    found: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    for _ in range(10):
        batch = sqs.receive_message(
            QueueUrl=road.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            found[message["MessageId"]] = json.loads(message["Body"])
            handles.append(message["ReceiptHandle"])
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=road.queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return list(found.values())


def register_event(body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else None
    return http_event("POST", "/farmers", body=body, claims=AGENT, headers=headers)


def new_body(serial: int) -> dict[str, Any]:
    from datetime import date

    birth = date(1979, 2, 1 + serial % 28)
    return farmer_body(nik=make_nik(birth, "M", serial=serial), birth=birth, sex="M")


def quote_amount(road: Road, farmer_id: str, months: int = 1) -> int:
    result = road.pay(
        http_event(
            "GET",
            "/farmers/{farmer_id}/payments/quote",
            path_params={"farmer_id": farmer_id},
            query={"months": str(months)},
            claims=AGENT,
        )
    )
    assert result.status == 200, result.body
    return int(result.body["amount"])


def pay_event(farmer_id: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    return http_event(
        "POST",
        "/farmers/{farmer_id}/payments",
        path_params={"farmer_id": farmer_id},
        body=body,
        headers={"Idempotency-Key": key},
        claims=AGENT,
    )


def payments_of(road: Road, farmer_id: str) -> list[dict[str, Any]]:
    result = road.pay(
        http_event("GET", "/farmers/{farmer_id}/payments", path_params={"farmer_id": farmer_id}, claims=AGENT)
    )
    assert result.status == 200, result.body
    items: list[dict[str, Any]] = result.body["items"]
    return items


def applied_per_request(road: Road, route: str) -> Counter[str]:
    """How many times BPJS applied each X-Request-Id on `route` (a replay is not applying)."""
    return Counter(
        r["request_id"]
        for r in road.bpjs.sim.request_log()["requests"]
        if r["route"] == route and r["status"] < 300 and not r["replayed"]
    )


# ---------------------------------------------------------------------------------- DynamoDB throttling


def test_throttled_registration_is_retried_by_botocore_and_written_once(road: Road) -> None:
    client = _register_client(road)
    before = len(road.stack.table_items())
    attempts = attempts_of(client)
    assert attempts > 1
    with dynamodb_fault(  # all attempts but the last throttled
        client, "TransactWriteItems", "ProvisionedThroughputExceededException", times=attempts - 1
    ) as fault:
        result = road.register(register_event(new_body(5101)))
    assert result.status == 201, result.body
    assert (fault.seen, fault.failed) == (attempts, attempts - 1)
    farmer_id = result.body["farmer_id"]
    assert farmer_items(road, farmer_id) == ["OUTBOX", "PROFILE"]
    nik_claims = [
        i for i in road.stack.table_items() if i["SK"]["S"] == "NIK" and i["farmer_id"]["S"] == farmer_id
    ]
    assert len(nik_claims) == 1
    assert len(road.stack.table_items()) > before
    messages = queue_messages(road)
    assert [m["farmer_id"] for m in messages] == [farmer_id]


def test_registration_throttled_throughout_is_a_5xx_and_writes_nothing_then_succeeds_once(road: Road) -> None:
    client = _register_client(road)
    body = new_body(5102)
    key = f"reg-{uuid.uuid4()}"
    before = road.stack.table_items()
    with dynamodb_fault(
        client, "TransactWriteItems", "ProvisionedThroughputExceededException", times=None
    ) as fault:
        failed = road.register(register_event(body, key))
    assert fault.seen == fault.failed == attempts_of(client)  # botocore gave up after its budget
    assert len({json.loads(b)["ClientRequestToken"] for b in fault.bodies}) == 1  # one request, retried
    assert 500 <= failed.status < 600, failed.body
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.body["status"] == failed.status and failed.body["code"]
    assert body["nik"] not in json.dumps(failed.body)
    # Nothing in the table (no farmer, no NIK claim, no outbox, no counters), nothing queued.
    assert road.stack.table_items() == before
    assert queue_messages(road) == []

    # The fault clears: the same request (same Idempotency-Key) goes through, once.
    again = road.register(register_event(body, key))
    assert again.status == 201, again.body
    replay = road.register(register_event(body, key))
    assert (replay.status, replay.body["farmer_id"]) == (201, again.body["farmer_id"])
    farmer_id = again.body["farmer_id"]
    assert farmer_items(road, farmer_id) == ["OUTBOX", "PROFILE"]
    assert [m["farmer_id"] for m in queue_messages(road)] == [farmer_id]
    assert road.pump() == (1, 0)
    assert applied_per_request(road, PARTICIPANTS).total() == 1


# ---------------------------------------------------------------------------------- transaction conflict


def test_payment_transaction_conflict_is_409_then_the_same_key_records_one_payment(road: Road) -> None:
    farmer = road.new_farmer(5201)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)  # confirmed
    amount, first = quote_amount(road, fid), road.first_unpaid(fid)
    before = road.farmer(fid)
    key = f"pay-{uuid.uuid4()}"
    client = _pay_client(road)
    with dynamodb_fault(
        client,
        "TransactWriteItems",
        "TransactionCanceledException",
        times=None,
        only_if='"PAYMENT#',
        CancellationReasons=[
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
        ]
        + [{"Code": "None"}] * 3,
    ) as fault:
        conflict = road.pay(pay_event(fid, {"months": 1, "amount": amount, "first_period": first}, key))
    # botocore does not retry a cancelled transaction; the unit of work tries a mere collision
    # with another transaction (nothing written) a few times, then gives up.
    assert fault.seen == COLLISION_ATTEMPTS
    assert (conflict.status, conflict.body["code"]) == (409, "CONCURRENT_UPDATE"), conflict.body
    assert conflict.headers["content-type"] == "application/problem+json"
    # Nothing written: no payment, paid-through unchanged, no posting queued.
    assert farmer_items(road, fid) == ["OUTBOX", "PROFILE"]
    assert road.farmer(fid) == before
    assert queue_messages(road) == []

    retried = road.pay(pay_event(fid, {"months": 1, "amount": amount, "first_period": first}, key))
    assert retried.status == 201, retried.body
    again = road.pay(pay_event(fid, {"months": 1, "amount": amount, "first_period": first}, key))
    assert again.body["payment_id"] == retried.body["payment_id"]
    assert [p["payment_id"] for p in payments_of(road, fid)] == [retried.body["payment_id"]]
    assert farmer_items(road, fid) == ["OUTBOX", "OUTBOX", "PAYMENT", "PROFILE"]
    assert road.farmer(fid)["coverage"]["paid_through"] == CURRENT
    assert road.pump() == (1, 0)
    assert applied_per_request(road, CONTRIBUTIONS).total() == 1


# ---------------------------------------------------------------------------------- crash between steps


class DeadQueue(OutboundQueue):
    def send(self, entry: OutboxEntry) -> None:
        raise ConnectionError("the function died here")


def test_crash_after_the_payment_transaction_is_recovered_by_the_sweeper(road: Road) -> None:
    farmer = road.new_farmer(5301)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    amount, first = quote_amount(road, fid), road.first_unpaid(fid)
    key = f"pay-{uuid.uuid4()}"
    road.pay(http_event("GET", "/health"))
    wiring.payment_desk(road.pay.settings()).writer.dispatcher.queue = DeadQueue("unused")
    try:
        paid = road.pay(pay_event(fid, {"months": 1, "amount": amount, "first_period": first}, key))
    finally:
        wiring.reset()  # the next invocation is a fresh execution environment
    assert paid.status == 201, paid.body
    # Recorded once, its posting pending in the table, nothing on the queue.
    assert farmer_items(road, fid) == ["OUTBOX", "OUTBOX", "PAYMENT", "PROFILE"]
    assert queue_messages(road) == []
    pending = [
        i
        for i in road.stack.table_items()
        if i["PK"]["S"] == f"FARMER#{fid}" and i["SK"]["S"].startswith("OUTBOX#") and "sent_at" not in i
    ]
    assert len(pending) == 1 and pending[0]["op_type"]["S"] == "CONTRIBUTION_POSTING"

    # The client, who saw the function die, retries with the same key: the same payment.
    retried = road.pay(pay_event(fid, {"months": 1, "amount": amount, "first_period": first}, key))
    assert retried.body["payment_id"] == paid.body["payment_id"]
    assert [p["payment_id"] for p in payments_of(road, fid)] == [paid.body["payment_id"]]

    assert road.sweeper.raw({}) == {"sent": 1, "failed": 0}
    assert road.sweeper.raw({}) == {"sent": 0, "failed": 0}
    assert [m["op_type"] for m in queue_messages(road)] == ["CONTRIBUTION_POSTING"]
    assert road.pump() == (1, 0)
    assert applied_per_request(road, CONTRIBUTIONS).total() == 1
    assert payments_of(road, fid)[0]["bpjs_status"] == "POSTED"


# ---------------------------------------------------------------------------------- slow / flaky BPJS


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """The client's read timeout cut to 0.3 s, so "slower than the timeout" costs no 10 s."""
    monkeypatch.setattr(bpjs, "TIMEOUT", httpx.Timeout(2.0, connect=1.0, read=0.3))
    wiring.reset()  # the next BPJS client is built with it
    yield 0.3
    wiring.reset()


def test_bpjs_slower_than_the_read_timeout_is_retried_and_applied_once(
    road: Road, short_read_timeout: float
) -> None:
    farmer = road.new_farmer(5401)
    road.bpjs.configure(latency_ms=int(short_read_timeout * 1000 * 3))
    done, failed = road.pump(rounds=2)
    assert (done, failed) == (0, 2)  # timed out twice: retryable, left on the queue
    assert road.depth(road.queue_url) == 1 and road.depth(road.dlq_url) == 0
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "PENDING"

    time.sleep(short_read_timeout * 3 + 0.3)  # BPJS finishes the requests the client gave up on
    road.bpjs.configure(latency_ms=0)
    assert road.pump() == (1, 0)
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "CONFIRMED"
    requests = [r for r in road.bpjs.sim.request_log()["requests"] if r["route"] == PARTICIPANTS]
    assert len({r["request_id"] for r in requests}) == 1  # one operation, one X-Request-Id
    assert len(requests) == 3  # two timed out (yet handled by BPJS), one answered
    assert applied_per_request(road, PARTICIPANTS).total() == 1
    assert [r["replayed"] for r in requests].count(True) == 2


def test_bpjs_failing_half_the_requests_gets_every_message_delivered_exactly_once(road: Road) -> None:
    road.bpjs.configure(error_rate=0.5)
    farmers = [road.new_farmer(5501 + i) for i in range(4)]
    for farmer in farmers:
        amount = quote_amount(road, farmer["farmer_id"])
        result = road.pay(
            pay_event(
                farmer["farmer_id"],
                {"months": 1, "amount": amount, "first_period": road.first_unpaid(farmer["farmer_id"])},
                str(uuid.uuid4()),
            )
        )
        assert result.status == 201, result.body
    assert road.depth(road.queue_url) == 8

    done = failed = 0
    for _ in range(10 * MAX_RECEIVES):
        d, f = road.pump(rounds=1)
        done, failed = done + d, failed + f
        if road.depth(road.queue_url) == 0:
            break
    assert done == 8 and failed > 0
    assert road.depth(road.queue_url) == 0 and road.depth(road.dlq_url) == 0

    log = road.bpjs.sim.request_log()["requests"]
    assert any(r["status"] == 503 for r in log)
    for route, count in ((PARTICIPANTS, 4), (CONTRIBUTIONS, 4)):
        applied = applied_per_request(road, route)
        assert len(applied) == count and set(applied.values()) == {1}, (route, applied)
    for farmer in farmers:
        assert road.farmer(farmer["farmer_id"])["registration_status"] == "CONFIRMED"
        assert payments_of(road, farmer["farmer_id"])[0]["bpjs_status"] == "POSTED"


# ---------------------------------------------------------------------------------- one farmer, many hands

AGENT_GANRA = claims_for("agent", "73.12.07", username="agen.ganra")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")


def no_difference(road: Road) -> None:
    """The counters the transactions kept agree with a recount of the records."""
    result = reconcile(TableScanner(road.stack.table()))
    assert result["differences"] == [], result["differences"]


def test_twenty_payments_at_once_with_twenty_keys_record_one(road: Road) -> None:
    """An agent's phone sends "pay" twenty times, each with a new key (a double tap, a retry
    that lost its key): one payment, never a second month charged."""
    farmer = road.new_farmer(5601)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    body = {"months": 1, "amount": quote_amount(road, fid), "first_period": road.first_unpaid(fid)}
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(lambda n: road.pay(pay_event(fid, body, f"tap-{n}-{uuid.uuid4()}")), range(20))
        )
    codes = Counter(r.status if r.status == 201 else r.body["code"] for r in results)
    assert codes[201] == 1, codes
    assert set(codes) <= {201, "QUOTE_STALE", "CONCURRENT_UPDATE"}, codes
    (winner,) = [r.body for r in results if r.status == 201]
    for stale in (r.body for r in results if r.status == 409 and r.body["code"] == "QUOTE_STALE"):
        assert stale["quote"]["first_period"] == add_months(CURRENT, 1)  # the fresh quote to show
    assert [p["payment_id"] for p in payments_of(road, fid)] == [winner["payment_id"]]
    assert road.farmer(fid)["coverage"]["paid_through"] == CURRENT
    postings = [m for m in queue_messages(road) if m["op_type"] == "CONTRIBUTION_POSTING"]
    assert [m["farmer_id"] for m in postings] == [fid]
    assert road.pump() == (1, 0)
    assert applied_per_request(road, CONTRIBUTIONS).total() == 1
    no_difference(road)


def death_event(farmer_id: str, day: str) -> dict[str, Any]:
    return http_event(
        "POST", "/farmers/{farmer_id}/death", path_params={"farmer_id": farmer_id}, body={"date_of_death": day},
        claims=AGENT,
    )  # fmt: skip


def refunds_of(road: Road, farmer_id: str) -> list[dict[str, Any]]:
    listed = road.pay(http_event("GET", "/refunds", claims=AGENT))
    assert listed.status == 200, listed.body
    return [r for r in listed.body["items"] if r["farmer_id"] == farmer_id]


def test_a_death_recorded_while_a_payment_is_decided_refuses_the_payment(road: Road) -> None:
    """The death lands between the payment's read and its write: the payment is decided again on
    the farmer as he is now, and refused - no money taken after the death."""
    farmer = road.new_farmer(5701)
    fid = farmer["farmer_id"]
    today = today_wita().isoformat()
    body = {"months": 2, "amount": quote_amount(road, fid, 2), "first_period": road.first_unpaid(fid)}
    deaths: list[Any] = []
    client = dynamodb_client(road.pay)
    with meanwhile(client, "TransactWriteItems", lambda: deaths.append(road.register(death_event(fid, today))),
                   only_if='"PAYMENT#') as fired:  # fmt: skip
        paid = road.pay(pay_event(fid, body, f"pay-{uuid.uuid4()}"))
    assert len(fired) == 1 and [d.status for d in deaths] == [200]
    assert (paid.status, paid.body["code"]) == (409, "FARMER_DECEASED"), paid.body
    assert payments_of(road, fid) == [] and refunds_of(road, fid) == []
    assert road.farmer(fid)["deceased_on"] == today
    assert [m["op_type"] for m in queue_messages(road) if m["farmer_id"] == fid] == [
        "PARTICIPANT_REGISTRATION"
    ]
    no_difference(road)


def test_a_payment_recorded_while_a_death_is_decided_is_given_back(road: Road) -> None:
    """The payment lands between the death record's read and its write: the death is decided
    again on the farmer and payments as they are now - its refund holds the new payment's months
    after the month of death."""
    farmer = road.new_farmer(5702)
    fid = farmer["farmer_id"]
    today = today_wita().isoformat()
    body = {"months": 3, "amount": quote_amount(road, fid, 3), "first_period": road.first_unpaid(fid)}
    payments: list[Any] = []
    client = dynamodb_client(road.register)
    with meanwhile(client, "TransactWriteItems", lambda: payments.append(road.pay(pay_event(fid, body, f"pay-{uuid.uuid4()}"))),
                   only_if='"deceased_on"') as fired:  # fmt: skip
        died = road.register(death_event(fid, today))
    assert len(fired) == 1 and [p.status for p in payments] == [201]
    assert died.status == 200, died.body
    (payment,) = payments_of(road, fid)
    (refund,) = refunds_of(road, fid)
    after_death = [p for p in payment["periods"] if p > CURRENT]
    assert (refund["reason"], refund["periods"]) == ("PAID_AFTER_DEATH", after_death)
    assert refund["amount"] == sum(
        line["amount"] for line in payment["lines"] if line["period"] in after_death
    )
    no_difference(road)


def test_a_payment_and_a_death_at_once_never_leave_money_unaccounted(road: Road) -> None:
    """Both at once, for real, a few times over: whichever wins, a payment recorded for a farmer
    who died is either refused or its months after the death are a refund case."""
    farmers = [road.new_farmer(5710 + n)["farmer_id"] for n in range(4)]
    today = today_wita().isoformat()
    bodies = {
        fid: {"months": 2, "amount": quote_amount(road, fid, 2), "first_period": road.first_unpaid(fid)}
        for fid in farmers
    }
    road.register(http_event("GET", "/health"))
    road.pay(http_event("GET", "/health"))
    desk_of_death = wiring.record_death(road.register.settings())
    with ThreadPoolExecutor(max_workers=8) as pool:
        payments = {
            fid: pool.submit(road.pay, pay_event(fid, bodies[fid], f"pay-{uuid.uuid4()}")) for fid in farmers
        }
        deaths = {fid: pool.submit(_record_death, road, desk_of_death, fid, today) for fid in farmers}
    for fid in farmers:
        paid, died = payments[fid].result(), deaths[fid].result()
        assert died == "RECORDED", died
        recorded = payments_of(road, fid)
        if paid.status == 201:
            (payment,) = recorded
            (refund,) = refunds_of(road, fid)
            assert refund["periods"] == [p for p in payment["periods"] if p > CURRENT]
        else:
            assert paid.body["code"] in ("FARMER_DECEASED", "CONCURRENT_UPDATE"), paid.body
            assert recorded == [] and refunds_of(road, fid) == []
    no_difference(road)


def _record_death(road: Road, desk: Any, farmer_id: str, day: str) -> str:
    """The death route's use case, from another thread (the handlers of two functions share this
    process's environment: one of them runs as its use case)."""
    from datetime import date as date_type

    from sutasoma.app.deaths import DeathReport
    from sutasoma.domain.identity import Caller, Role

    caller = Caller(sub=AGENT["sub"], username="agen.lalabata", role=Role.AGENT, kecamatan="73.12.04")
    desk(caller, farmer_id, DeathReport(date_of_death=date_type.fromisoformat(day)), None)
    return "RECORDED"


def test_a_replay_by_another_kecamatan_is_403_and_tells_nothing_about_the_key(road: Road) -> None:
    farmer = road.new_farmer(5801)
    fid = farmer["farmer_id"]
    body = {"months": 1, "amount": quote_amount(road, fid), "first_period": road.first_unpaid(fid)}
    key = f"pay-{uuid.uuid4()}"
    paid = road.pay(pay_event(fid, body, key))
    assert paid.status == 201, paid.body

    def as_ganra(payment_body: dict[str, Any], used_key: str) -> Any:
        event = pay_event(fid, payment_body, used_key)
        event["requestContext"]["authorizer"]["jwt"]["claims"] = AGENT_GANRA
        return road.pay(event)

    answers = [
        as_ganra(body, key),  # the key used, the same body: the stored payment?
        as_ganra({**body, "amount": body["amount"] + 1}, key),  # the key used, another body
        as_ganra(body, f"pay-{uuid.uuid4()}"),  # a key never used
    ]
    assert {(a.status, a.body["code"]) for a in answers} == {(403, "FORBIDDEN")}
    shown = [{k: v for k, v in a.body.items() if k != "instance"} for a in answers]
    assert shown[0] == shown[1] == shown[2]  # the same answer whether the key was used or not
    assert all(paid.body["payment_id"] not in json.dumps(a.body) for a in answers)

    # The key is the caller's: the agent's replay still answers the payment; the coordinator of
    # the same BPP sending that key makes a request of their own (here a stale quote).
    assert road.pay(pay_event(fid, body, key)).body == paid.body
    event = pay_event(fid, body, key)
    event["requestContext"]["authorizer"]["jwt"]["claims"] = COORDINATOR
    coordinators = road.pay(event)
    assert (coordinators.status, coordinators.body["code"]) == (409, "QUOTE_STALE")
    assert [p["payment_id"] for p in payments_of(road, fid)] == [paid.body["payment_id"]]
    no_difference(road)
