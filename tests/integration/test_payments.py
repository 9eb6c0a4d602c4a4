"""The pay function on moto with the BPJS simulator: quotes, idempotent collection, coverage,
lapse and reactivation, and the contribution's way to BPJS."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.unit_of_work import DynamoUnitOfWork
from sutasoma.domain.clock import WITA, now_utc, period_of, today_wita
from sutasoma.domain.counters import Count
from sutasoma.domain.periods import add_months
from sutasoma.domain.tariff import contribution_for
from sutasoma.runtime import wiring
from tests.support.events import claims_for, http_event
from tests.support.road import AGENT, Road

CURRENT = period_of(today_wita())


pytestmark = pytest.mark.usefixtures("calm_bpjs")


def quote(road: Road, farmer_id: str, months: int | str | None = None, claims: dict[str, str] = AGENT) -> Any:
    query = {"months": str(months)} if months is not None else None
    return road.pay(
        http_event(
            "GET",
            "/farmers/{farmer_id}/payments/quote",
            path_params={"farmer_id": farmer_id},
            query=query,
            claims=claims,
        )
    )


def pay(
    road: Road, farmer_id: str, body: Any, key: str | None = "auto", claims: dict[str, str] = AGENT
) -> Any:
    headers = {} if key is None else {"Idempotency-Key": str(uuid.uuid4()) if key == "auto" else key}
    if isinstance(body, dict) and "months" in body and "first_period" not in body:
        body = {**body, "first_period": road.first_unpaid(farmer_id)}  # as a fresh quote names it
    return road.pay(
        http_event(
            "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": farmer_id}, body=body, headers=headers,
            claims=claims,
        )
    )  # fmt: skip


def expected(periods: list[str], income: int = 1_000_000) -> int:
    return sum(contribution_for(p, income).amount for p in periods)


def months_from(start: str, count: int) -> list[str]:
    return [add_months(start, i) for i in range(count)]


def set_paid_through(road: Road, farmer_id: str, paid_through: str | None, status: str | None = None) -> None:
    """Test arrangement: a farmer as the months would have left it."""
    road.arrange(farmer_id, paid_through=paid_through, **({"registration_status": status} if status else {}))


def test_quote_pay_and_see_coverage_and_bpjs_posting(road: Road) -> None:
    farmer = road.new_farmer(7001)
    road.pump()  # registration confirmed first
    q = quote(road, farmer["farmer_id"], 3)
    assert q.status == 200, q.body
    assert q.body["periods"] == months_from(CURRENT, 3)
    assert q.body["amount"] == expected(months_from(CURRENT, 3))
    assert [line["amount"] for line in q.body["lines"]] == [
        contribution_for(p, 1_000_000).amount for p in q.body["periods"]
    ]

    paid = pay(road, farmer["farmer_id"], {"months": 3, "amount": q.body["amount"]})
    assert paid.status == 201, paid.body
    body = paid.body
    assert body["periods"] == q.body["periods"] and body["amount"] == q.body["amount"]
    assert body["receipt_number"].startswith(f"BPP04-{today_wita().year}-")
    assert body["coverage"] == {"state": "ACTIVE", "paid_through": add_months(CURRENT, 2)}
    assert body["bpjs_status"] == "QUEUED" and body["collected_by"] == "agen.lalabata"
    assert road.farmer(farmer["farmer_id"])["coverage"] == {
        "state": "ACTIVE",
        "paid_through": add_months(CURRENT, 2),
    }

    assert road.pump() == (1, 0)  # the contribution posting
    history = road.pay(
        http_event(
            "GET",
            "/farmers/{farmer_id}/payments",
            path_params={"farmer_id": farmer["farmer_id"]},
            claims=AGENT,
        )
    )
    assert history.status == 200
    assert [p["payment_id"] for p in history.body["items"]] == [body["payment_id"]]
    assert history.body["items"][0]["bpjs_status"] == "POSTED"
    assert len(road.bpjs.answered("POST /bpu/v1/contributions")) == 1

    following = quote(road, farmer["farmer_id"])
    assert following.body["periods"] == [add_months(CURRENT, 3)]


def test_contribution_waits_for_the_registration(road: Road) -> None:
    road.bpjs.configure(outage=True)
    farmer = road.new_farmer(7002)
    q = quote(road, farmer["farmer_id"], 1).body
    assert pay(road, farmer["farmer_id"], {"months": 1, "amount": q["amount"]}).status == 201
    road.pump(rounds=3)
    road.bpjs.configure(outage=False)
    assert road.pump() == (2, 0)
    routes = [r["route"] for r in road.bpjs.sim.request_log()["requests"] if r["status"] < 300]
    assert routes == ["POST /bpu/v1/participants", "POST /bpu/v1/contributions"]


def test_same_key_twenty_times_at_once_records_one_payment(road: Road) -> None:
    farmer = road.new_farmer(7003)
    amount = quote(road, farmer["farmer_id"], 2).body["amount"]
    key = f"pay-{uuid.uuid4()}"
    # One request, sent twenty times: its first period is read once, before any of them is paid
    # (read per request, a late thread would name the month after the paid ones: another request).
    body = {"months": 2, "amount": amount, "first_period": road.first_unpaid(farmer["farmer_id"])}
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: pay(road, farmer["farmer_id"], body, key), range(20)))
    assert [r.status for r in results] == [201] * 20, [r.body for r in results if r.status != 201]
    assert len({r.body["receipt_number"] for r in results}) == 1
    assert len({r.body["payment_id"] for r in results}) == 1
    history = road.pay(
        http_event(
            "GET",
            "/farmers/{farmer_id}/payments",
            path_params={"farmer_id": farmer["farmer_id"]},
            claims=AGENT,
        )
    )
    assert len(history.body["items"]) == 1
    assert road.farmer(farmer["farmer_id"])["coverage"]["paid_through"] == add_months(CURRENT, 1)

    reused = pay(road, farmer["farmer_id"], {"months": 2, "amount": amount + 1}, key)
    assert (reused.status, reused.body["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_refusals(road: Road) -> None:
    farmer = road.new_farmer(7004)
    fid = farmer["farmer_id"]
    amount = quote(road, fid, 1).body["amount"]

    missing_key = pay(road, fid, {"months": 1, "amount": amount}, key=None)
    assert (missing_key.status, missing_key.body["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")

    wrong = pay(road, fid, {"months": 1, "amount": amount - 1})
    assert (wrong.status, wrong.body["code"]) == (422, "AMOUNT_MISMATCH")
    assert wrong.body["expected_amount"] == amount

    future = (now_utc() + timedelta(hours=2)).isoformat()
    ahead = pay(road, fid, {"months": 1, "amount": amount, "paid_at": future})
    assert (ahead.status, ahead.body["code"]) == (422, "PAID_AT_INVALID")

    for bad in ({"months": 0, "amount": amount}, {"months": 13, "amount": amount}, {"months": 1}, {"months": "1", "amount": amount},
                {"months": 1, "amount": amount, "paid_at": "2026-11-29T10:00:00"}):  # fmt: skip
        result = pay(road, fid, bad)
        assert (result.status, result.body["code"]) == (422, "VALIDATION_ERROR"), bad
    for months in ("0", "13", "x"):
        assert quote(road, fid, months).status == 422

    year = pay(road, fid, {"months": 12, "amount": quote(road, fid, 12).body["amount"]})
    assert year.status == 201
    too_far = pay(road, fid, {"months": 1, "amount": 16_800})
    assert (too_far.status, too_far.body["code"]) == (422, "TOO_FAR_AHEAD")
    assert quote(road, fid, 1).body["code"] == "TOO_FAR_AHEAD"

    other = claims_for("agent", "73.12.01")
    assert quote(road, fid, 1, claims=other).status == 403
    assert pay(road, fid, {"months": 1, "amount": amount}, claims=other).status == 403
    assert (
        pay(road, fid, {"months": 1, "amount": amount}, key=None, claims=other).status == 403
    )  # before the key
    for absurd in (
        "9999-12-31T23:59:59Z",
        "9999-12-31T16:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T08:00:00Z",
    ):
        result = pay(road, fid, {"months": 1, "amount": amount, "paid_at": absurd})  # not an overflow: 422
        assert (result.status, result.body["code"]) == (422, "PAID_AT_INVALID"), absurd
    assert quote(road, "01M8K3XSY4RZ411Z5Y5R2137YY", 1).status == 404
    # None of the refusals recorded anything.
    history = road.pay(
        http_event("GET", "/farmers/{farmer_id}/payments", path_params={"farmer_id": fid}, claims=AGENT)
    )
    assert [p["periods"] for p in history.body["items"]] == [months_from(CURRENT, 12)]


def test_rejected_farmer_cannot_pay(road: Road) -> None:
    farmer = road.new_farmer(9999)  # the simulator rejects serial 9999
    road.pump()
    assert road.farmer(farmer["farmer_id"])["registration_status"] == "REJECTED"
    assert quote(road, farmer["farmer_id"], 1).body["code"] == "FARMER_REJECTED"
    result = pay(road, farmer["farmer_id"], {"months": 1, "amount": 8_400})
    assert (result.status, result.body["code"]) == (409, "FARMER_REJECTED")


def test_arrears_paid_oldest_first_then_lapse_and_reactivation(road: Road) -> None:
    farmer = road.new_farmer(7005)
    fid = farmer["farmer_id"]
    road.pump()
    set_paid_through(road, fid, add_months(CURRENT, -3))
    assert road.farmer(fid)["coverage"] == {"state": "ARREARS", "paid_through": add_months(CURRENT, -3)}
    q = quote(road, fid, 2).body
    assert q["periods"] == [add_months(CURRENT, -2), add_months(CURRENT, -1)]

    set_paid_through(road, fid, add_months(CURRENT, -5))  # 4 months overdue whatever the day
    assert road.farmer(fid)["coverage"]["state"] == "LAPSED"
    lapsed = pay(road, fid, {"months": 1, "amount": 16_800})
    assert (lapsed.status, lapsed.body["code"]) == (409, "FARMER_LAPSED")
    assert quote(road, fid, 1).body["code"] == "FARMER_LAPSED"

    reactivated = road.register(
        http_event("POST", "/farmers/{farmer_id}/reactivate", path_params={"farmer_id": fid}, claims=AGENT)
    )
    assert reactivated.status == 200, reactivated.body
    assert reactivated.body["registration_status"] == "PENDING"
    assert reactivated.body["coverage"] == {"state": "NOT_STARTED", "paid_through": None}
    road.pump()  # BPJS knows the NIK: ALREADY_PARTICIPANT, same KPJ
    again = road.farmer(fid)
    assert (
        again["registration_status"] == "CONFIRMED" and again["kpj_number"] == road.farmer(fid)["kpj_number"]
    )
    amount = quote(road, fid, 1).body["amount"]
    assert pay(road, fid, {"months": 1, "amount": amount}).status == 201

    not_lapsed = road.register(
        http_event("POST", "/farmers/{farmer_id}/reactivate", path_params={"farmer_id": fid}, claims=AGENT)
    )
    assert (not_lapsed.status, not_lapsed.body["code"]) == (409, "FARMER_NOT_LAPSED")


def test_payment_recorded_on_the_last_evening_of_a_month(road: Road) -> None:
    """23:30 WITA on the last day of last month counts for last month; 00:30 WITA on the 1st
    (still the last day in UTC) counts for this month."""
    first_of_month = datetime.fromisoformat(f"{CURRENT}-01T00:30:00").replace(tzinfo=WITA)
    late_evening = first_of_month - timedelta(hours=1)
    farmers = [road.new_farmer(7006), road.new_farmer(7007)]
    for farmer in farmers:  # registered before last month's last evening
        road.arrange(farmer["farmer_id"], registered_at=f"{add_months(CURRENT, -2)}-01T00:00:00Z")
    for farmer, paid_at, period in (
        (farmers[0], late_evening, add_months(CURRENT, -1)),
        (farmers[1], first_of_month, CURRENT),
    ):
        assert paid_at.astimezone(UTC).day == late_evening.astimezone(UTC).day  # same UTC date
        amount = contribution_for(period, 1_000_000).amount
        result = pay(
            road,
            farmer["farmer_id"],
            {"months": 1, "amount": amount, "paid_at": paid_at.isoformat(), "first_period": period},
        )
        assert result.status == 201, result.body
        assert result.body["periods"] == [period]


class FailingCounters(DynamoUnitOfWork):
    """Breaks the last part of the payment transaction, as a fault in DynamoDB would."""

    def _count(self, count: Count) -> dict[str, Any]:
        update = super()._count(count)
        update["Update"]["TableName"] = "no-such-table"
        return update


def test_a_failed_transaction_leaves_no_trace(road: Road) -> None:
    farmer = road.new_farmer(7008)
    fid = farmer["farmer_id"]
    amount = quote(road, fid, 1).body["amount"]
    before = road.farmer(fid)
    road.pay(http_event("GET", "/health"))  # build the services of this function
    writer = wiring.payment_desk(road.pay.settings()).writer
    real_unit = writer.unit
    writer.unit = FailingCounters(road.stack.table())
    try:
        failed = pay(road, fid, {"months": 1, "amount": amount})
    finally:
        writer.unit = real_unit
    assert failed.status == 500 and failed.body["code"] == "INTERNAL_ERROR"
    assert road.farmer(fid) == before
    items = road.stack.clients("dynamodb").query(
        TableName=road.stack.ref("DomainTable"),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.farmer(fid)["PK"]}},
    )["Items"]
    assert sorted(i["SK"]["S"].split("#")[0] for i in items) == [
        "OUTBOX",
        "PROFILE",
    ]  # the registration's only
    assert pay(road, fid, {"months": 1, "amount": amount}).status == 201  # and it can be paid properly
