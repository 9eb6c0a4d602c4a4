"""The membership and money life cycle on moto with the BPJS simulator (tests/support/road.py):
the death route, rejected registrations (by callback and by the BPJS sync), a contribution BPJS
refuses for good, refund cases (list and settle), corrections, ETag/If-Match and a PATCH racing
BPJS's confirmation, participant callbacks forward only (with their metric), a stale quote,
paid_at before the registration, the income kept per paid line.

Each test checks what was stored (the farmer, payments, refunds, the audit trail, what BPJS
received), and after each one a recount of the whole table finds no difference with the
counters the write transactions kept (app/reconcile.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from sutasoma.app.reconcile import reconcile
from sutasoma.domain.clock import WITA, period_of, today_wita, use_clock
from sutasoma.domain.periods import add_months, date_words
from sutasoma.domain.tariff import contribution_for
from sutasoma.runtime import wiring
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.faults import dynamodb_client, meanwhile
from tests.support.road import AGENT, Road

pytestmark = pytest.mark.usefixtures("calm_bpjs")

COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
ADMIN = claims_for("admin", username="admin.dinas")
AGENT_GANRA = claims_for("agent", "73.12.07", username="agen.ganra")
COORDINATOR_GANRA = claims_for("coordinator", "73.12.07", username="koordinator.ganra")
CONTRIBUTIONS = "POST /bpu/v1/contributions"
PARTICIPANT_UPDATE = "PUT /bpu/v1/participants/{kpj_number}"
PARTICIPANT_REGISTRATION = "POST /bpu/v1/participants"


@pytest.fixture(autouse=True)
def recount_agrees(road: Road) -> Iterator[None]:
    """After each case, the counters agree with a recount of the records."""
    yield
    from sutasoma.adapters.dynamo.scan import TableScanner

    result = reconcile(TableScanner(road.stack.table()))
    assert result["differences"] == [], result["differences"]


# ---------------------------------------------------------------------------------- helpers


def today() -> date:
    return today_wita()


def current() -> str:
    return period_of(today())


def nik_of(serial: int) -> str:
    """The NIK Road.new_farmer gives the farmer of `serial`."""
    return make_nik(date(1984, 6, 1 + serial % 28), "M", serial=serial)


def on_farmer(
    road: Road, method: str, suffix: str, farmer_id: str, claims: dict[str, str] = AGENT, **kw: Any
) -> Any:
    function = road.pay if "/payments" in suffix else road.register
    return function(
        http_event(
            method, "/farmers/{farmer_id}" + suffix, path_params={"farmer_id": farmer_id}, claims=claims, **kw
        )
    )


def quote(road: Road, farmer_id: str, months: int = 1, claims: dict[str, str] = AGENT) -> Any:
    return on_farmer(road, "GET", "/payments/quote", farmer_id, claims, query={"months": str(months)})


def pay(
    road: Road, farmer_id: str, body: dict[str, Any], key: str | None = None, claims: dict[str, str] = AGENT
) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return on_farmer(road, "POST", "/payments", farmer_id, claims, body=body, headers=headers)


def quote_and_pay(
    road: Road, farmer_id: str, months: int = 1, claims: dict[str, str] = AGENT
) -> dict[str, Any]:
    q = quote(road, farmer_id, months, claims)
    assert q.status == 200, q.body
    paid = pay(road, farmer_id, {"months": months, "amount": q.body["amount"], "first_period": q.body["first_period"]},
               claims=claims)  # fmt: skip
    assert paid.status == 201, paid.body
    body: dict[str, Any] = paid.body
    return body


def death(
    road: Road,
    farmer_id: str,
    day: date | str,
    claims: dict[str, str] = AGENT,
    key: str | None = None,
    **extra: Any,
) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    body = {"date_of_death": day if isinstance(day, str) else day.isoformat(), **extra}
    return on_farmer(road, "POST", "/death", farmer_id, claims, body=body, headers=headers)


def correct(road: Road, farmer_id: str, body: dict[str, Any], claims: dict[str, str] = COORDINATOR) -> Any:
    return on_farmer(road, "POST", "/corrections", farmer_id, claims, body=body)


def payments_of(road: Road, farmer_id: str) -> list[dict[str, Any]]:
    listed = on_farmer(road, "GET", "/payments", farmer_id)
    assert listed.status == 200, listed.body
    items: list[dict[str, Any]] = listed.body["items"]
    return items


def refunds(road: Road, claims: dict[str, str] = AGENT, **query: str) -> Any:
    return road.pay(http_event("GET", "/refunds", query=query, claims=claims))


def all_refunds(road: Road, claims: dict[str, str] = AGENT, **query: str) -> list[dict[str, Any]]:
    """Every page of GET /refunds."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = refunds(road, claims, **query, **({"cursor": cursor} if cursor else {}))
        assert page.status == 200, page.body
        items.extend(page.body["items"])
        cursor = page.body["next_cursor"]
        if cursor is None:
            return items


def refunds_of(road: Road, farmer_id: str, claims: dict[str, str] = ADMIN) -> list[dict[str, Any]]:
    return [r for r in all_refunds(road, claims) if r["farmer_id"] == farmer_id]


def settle(
    road: Road, refund_id: str, body: dict[str, Any], claims: dict[str, str] = AGENT, key: str | None = None
) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return road.pay(
        http_event("POST", "/refunds/{refund_id}/settle", path_params={"refund_id": refund_id}, body=body,
                   claims=claims, headers=headers)
    )  # fmt: skip


def listed_ids(road: Road, claims: dict[str, str] = AGENT, **query: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = road.register(
            http_event(
                "GET", "/farmers", query={**query, **({"cursor": cursor} if cursor else {})}, claims=claims
            )
        )
        assert page.status == 200, page.body
        ids |= {f["farmer_id"] for f in page.body["items"]}
        cursor = page.body["next_cursor"]
        if cursor is None:
            return ids


def worklist(road: Road, claims: dict[str, str] = AGENT) -> dict[str, Any]:
    result = road.register(http_event("GET", "/agents/me/worklist", claims=claims))
    assert result.status == 200, result.body
    body: dict[str, Any] = result.body
    return body


COLLECTION_SECTIONS = ("due_this_month", "in_arrears", "about_to_lapse")


def sections_of(road: Road, farmer_id: str) -> list[str]:
    listed = worklist(road)
    return [name for name in COLLECTION_SECTIONS if farmer_id in {e["farmer_id"] for e in listed[name]}]


def audit_actions(road: Road, farmer_id: str) -> list[str]:
    return [str(item["action"]) for item in road.audit_trail(farmer_id)]


def amount_of(periods: list[str], income: int = 1_000_000) -> int:
    return sum(contribution_for(p, income).amount for p in periods)


@contextmanager
def business_day(day: date, hour: int = 10) -> Iterator[datetime]:
    """Every function in this process on that WITA day and hour."""
    moment = datetime.combine(day, time(hour), tzinfo=WITA)
    with use_clock(lambda: moment.astimezone(UTC)):
        yield moment


def ganra_farmer(road: Road, serial: int) -> dict[str, Any]:
    birth = date(1975, 3, 1 + serial % 28)
    body = farmer_body(
        nik=make_nik(birth, "M", prefix="731207", serial=serial), birth=birth, sex="M", kecamatan="73.12.07",
        village="73.12.07.2001",
    )  # fmt: skip
    created = road.register(http_event("POST", "/farmers", body=body, claims=AGENT_GANRA))
    assert created.status == 201, created.body
    farmer: dict[str, Any] = created.body
    return farmer


def stored_farmer(road: Road, farmer_id: str) -> dict[str, Any]:
    """GET /farmers/{id} as an admin, without the fields a read never changes."""
    got = road.register(
        http_event("GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, claims=ADMIN)
    )
    assert got.status == 200, got.body
    body: dict[str, Any] = got.body
    return body


# ---------------------------------------------------------------------------------- death


def test_a_death_ends_the_membership_and_the_months_after_it_are_given_back(road: Road) -> None:
    farmer = road.new_farmer(6101)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)  # confirmed
    paid = quote_and_pay(road, fid, 3)  # this month and the two after it
    assert road.pump() == (1, 0)  # posted
    assert fid in listed_ids(road, coverage_state="ACTIVE")

    died = death(road, fid, today(), note="Dilaporkan istri saat kunjungan")
    assert died.status == 200, died.body
    assert died.body["deceased_on"] == today().isoformat()
    assert died.body["coverage"] == {"state": "ENDED", "paid_through": add_months(current(), 2)}
    assert died.body["registration_status"] == "CONFIRMED"  # BPJS's decision stands; the membership is over

    again = death(road, fid, today())
    assert (again.status, again.body["code"]) == (409, "FARMER_DECEASED")
    assert again.body["deceased_on"] == today().isoformat()  # the date as data; the detail says it in words
    assert date_words(today()) in again.body["detail"]
    foreign = death(road, fid, today(), claims=AGENT_GANRA)
    assert (foreign.status, foreign.body["code"]) == (403, "FORBIDDEN")

    # No payment, no quote, no reactivation after the death.
    refused = pay(road, fid, {"months": 1, "amount": 16_800, "first_period": add_months(current(), 3)})
    assert (refused.status, refused.body["code"]) == (409, "FARMER_DECEASED")
    assert (quote(road, fid).status, quote(road, fid).body["code"]) == (409, "FARMER_DECEASED")
    reactivated = on_farmer(road, "POST", "/reactivate", fid)
    assert (reactivated.status, reactivated.body["code"]) == (409, "FARMER_DECEASED")
    assert [p["payment_id"] for p in payments_of(road, fid)] == [paid["payment_id"]]

    # ENDED in the lists, in no collection section of the worklist.
    assert fid in listed_ids(road, coverage_state="ENDED")
    for state in ("ACTIVE", "DUE", "ARREARS", "LAPSED", "NOT_STARTED"):
        assert fid not in listed_ids(road, coverage_state=state), state
    assert sections_of(road, fid) == []

    # The months paid after the month of death: a refund case, on the agent's worklist.
    (refund,) = refunds_of(road, fid)
    after = [add_months(current(), 1), add_months(current(), 2)]
    assert (refund["reason"], refund["status"], refund["periods"]) == ("PAID_AFTER_DEATH", "OPEN", after)
    assert refund["amount"] == amount_of(after) and refund["kecamatan_code"] == "73.12.04"
    assert refund["settled_at"] is None and refund["returned_to"] is None
    to_return = [r for r in worklist(road)["refunds_to_return"] if r["farmer_id"] == fid]
    assert [(r["refund_id"], r["amount"], r["action"]) for r in to_return] == [
        (refund["refund_id"], refund["amount"], "RETURN_REFUND")
    ]
    assert audit_actions(road, fid).count("DEATH_RECORDED") == 1


def test_a_farmer_in_arrears_who_dies_leaves_the_collection_lists_with_nothing_to_give_back(
    road: Road,
) -> None:
    two_months_ago = today().replace(day=1) - timedelta(days=40)
    with business_day(two_months_ago.replace(day=10)):
        farmer = road.new_farmer(6102)
        fid = farmer["farmer_id"]
        quote_and_pay(road, fid, 1)  # paid through the month two months back: in arrears now
    assert road.farmer(fid)["coverage"]["state"] == "ARREARS"
    assert sections_of(road, fid) in (["in_arrears"], ["about_to_lapse"])
    assert fid in listed_ids(road, coverage_state="ARREARS")

    died = death(road, fid, today() - timedelta(days=1))
    assert died.status == 200, died.body
    assert sections_of(road, fid) == []
    assert fid in listed_ids(road, coverage_state="ENDED") and fid not in listed_ids(
        road, coverage_state="ARREARS"
    )
    assert refunds_of(road, fid) == []  # nothing was paid beyond the month of death


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("tomorrow", "INCIDENT_DATE_INVALID"),
        ("before registration", "INCIDENT_DATE_INVALID"),
        ("31-12-2026", "VALIDATION_ERROR"),
    ],
)
def test_a_date_of_death_in_the_future_or_before_the_registration_is_refused(
    road: Road, day: str, code: str
) -> None:
    farmer = road.new_farmer({"tomorrow": 6103, "before registration": 6104}.get(day, 6105))
    fid = farmer["farmer_id"]
    sent = {"tomorrow": today() + timedelta(days=1), "before registration": today() - timedelta(days=1)}.get(
        day, day
    )
    refused = death(road, fid, sent)
    assert (refused.status, refused.body["code"]) == (422, code), refused.body
    if code == "INCIDENT_DATE_INVALID":
        assert [e["field"] for e in refused.body["errors"]] == ["date_of_death"]
    after = road.farmer(fid)
    assert after["deceased_on"] is None and after["coverage"]["state"] == "NOT_STARTED"
    assert "DEATH_RECORDED" not in audit_actions(road, fid)


def test_a_retried_death_report_replays_its_answer(road: Road) -> None:
    farmer = road.new_farmer(6106)
    key = f"death-{uuid.uuid4()}"
    first = death(road, farmer["farmer_id"], today(), key=key)
    assert first.status == 200, first.body
    replay = death(road, farmer["farmer_id"], today(), key=key)
    assert (replay.status, replay.body) == (200, first.body)
    other_body = death(road, farmer["farmer_id"], today(), key=key, note="Laporan lain")
    assert (other_body.status, other_body.body["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    # Another kecamatan with the same key: 403, not the stored answer.
    foreign = death(road, farmer["farmer_id"], today(), key=key, claims=AGENT_GANRA)
    assert (foreign.status, foreign.body["code"]) == (403, "FORBIDDEN")
    assert audit_actions(road, farmer["farmer_id"]).count("DEATH_RECORDED") == 1


# ---------------------------------------------------------------------------------- rejection


def test_a_registration_rejected_by_the_bpjs_sync_ends_it_and_gives_back_everything(road: Road) -> None:
    road.bpjs.configure(outage=True)  # BPJS decides later: the agent collects meanwhile
    farmer = road.new_farmer(6201)
    fid = farmer["farmer_id"]
    first = quote_and_pay(road, fid, 1)
    second = quote_and_pay(road, fid, 2)
    assert road.pump(rounds=2)[0] == 0
    road.bpjs.configure(outage=False, unknown_niks=[nik_of(6201)])
    assert road.pump() == (3, 0)  # the registration, then both postings

    rejected = road.farmer(fid)
    assert rejected["registration_status"] == "REJECTED" and rejected["kpj_number"] is None
    assert rejected["coverage"] == {"state": "ENDED", "paid_through": add_months(current(), 2)}
    assert fid in listed_ids(road, registration_status="REJECTED")
    assert fid in listed_ids(road, coverage_state="ENDED")
    assert fid not in listed_ids(road, coverage_state="ACTIVE")
    assert sections_of(road, fid) == []
    # Nothing reached BPJS's contributions; the postings failed without a second refund.
    assert road.bpjs.answered(CONTRIBUTIONS) == []
    assert {p["bpjs_status"] for p in payments_of(road, fid)} == {"FAILED"}
    (refund,) = refunds_of(road, fid)
    months = [current(), add_months(current(), 1), add_months(current(), 2)]
    assert (refund["reason"], refund["status"], refund["periods"]) == (
        "REGISTRATION_REJECTED",
        "OPEN",
        months,
    )
    assert refund["amount"] == first["amount"] + second["amount"] == amount_of(months)
    refused = pay(road, fid, {"months": 1, "amount": 16_800, "first_period": add_months(current(), 3)})
    assert (refused.status, refused.body["code"]) == (409, "FARMER_REJECTED")


def callback(road: Road, event_type: str, data: dict[str, Any], event_id: str | None = None) -> Any:
    return road.send_callback(
        {"event_id": event_id or f"evt-{uuid.uuid4()}", "type": event_type, "data": data}
    )


def test_a_registration_rejected_by_callback_ends_it_once_and_moves_no_further(road: Road) -> None:
    road.bpjs.configure(async_registration=True)  # 202 PENDING; the decision comes by callback
    farmer = road.new_farmer(6301)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    assert road.farmer(fid)["registration_status"] == "PENDING"
    paid = quote_and_pay(road, fid, 2)

    reason = {
        "farmer_id": fid,
        "reason_code": "NIK_NOT_FOUND",
        "reason": "NIK tidak ditemukan di data Dukcapil",
    }
    applied = callback(road, "PARTICIPANT_REJECTED", reason)
    assert (applied.status, applied.body["status"]) == (200, "APPLIED"), applied.body
    rejected = road.farmer(fid)
    assert rejected["registration_status"] == "REJECTED" and rejected["coverage"]["state"] == "ENDED"
    (refund,) = refunds_of(road, fid)
    assert (refund["reason"], refund["amount"], refund["periods"]) == (
        "REGISTRATION_REJECTED", paid["amount"], paid["periods"],
    )  # fmt: skip

    # The same decision again (another event): a duplicate, no second refund.
    duplicate = callback(road, "PARTICIPANT_REJECTED", reason)
    assert (duplicate.status, duplicate.body["status"]) == (200, "DUPLICATE")
    # Forward only: a confirmation now is refused and changes nothing.
    before = stored_farmer(road, fid)
    backwards = callback(road, "PARTICIPANT_CONFIRMED", {"farmer_id": fid, "kpj_number": "26000000777"})
    assert (backwards.status, backwards.body["code"]) == (409, "INVALID_TRANSITION")
    assert stored_farmer(road, fid) == before
    assert road.pump() == (1, 0)  # the posting: not sent, FAILED
    assert road.bpjs.answered(CONTRIBUTIONS) == []
    assert len(refunds_of(road, fid)) == 1
    assert audit_actions(road, fid).count("BPJS_CALLBACK_APPLIED") == 1


@pytest.fixture
def metrics_out(road: Road, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """The EMF lines the functions print, as CloudWatch would read them (metrics enabled)."""
    from sutasoma.runtime.observability import metrics

    metrics.clear_metrics()  # what other invocations left while metrics were off
    road.stack.env_overrides["POWERTOOLS_METRICS_DISABLED"] = "false"
    capsys.readouterr()

    def emitted(name: str) -> list[dict[str, Any]]:
        lines = [
            json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')
        ]
        return [line for line in lines if name in line]

    try:
        yield emitted
    finally:
        road.stack.env_overrides.pop("POWERTOOLS_METRICS_DISABLED", None)
        wiring.reset()


def test_participant_callbacks_move_forward_only_and_count_the_refusals(road: Road, metrics_out: Any) -> None:
    farmer = road.new_farmer(6401)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    before = stored_farmer(road, fid)
    kpj = before["kpj_number"]
    assert before["registration_status"] == "CONFIRMED" and len(kpj) == 11

    rejection = callback(road, "PARTICIPANT_REJECTED", {"farmer_id": fid, "reason": "Data tidak valid"})
    assert (rejection.status, rejection.body["code"]) == (409, "INVALID_TRANSITION")
    replaced = callback(road, "PARTICIPANT_CONFIRMED", {"farmer_id": fid, "kpj_number": "26999999999"})
    assert (replaced.status, replaced.body["code"]) == (409, "INVALID_TRANSITION")
    same = callback(road, "PARTICIPANT_CONFIRMED", {"farmer_id": fid, "kpj_number": kpj})
    assert (same.status, same.body["status"]) == (200, "DUPLICATE")
    event_id = f"evt-{uuid.uuid4()}"
    # An event applied once answers DUPLICATE when it comes again, whatever it says now.
    assert (
        callback(road, "PARTICIPANT_CONFIRMED", {"farmer_id": fid, "kpj_number": kpj}, event_id).status == 200
    )

    assert stored_farmer(road, fid) == before  # nothing changed, not even updated_at
    assert "BPJS_CALLBACK_APPLIED" not in audit_actions(road, fid)
    assert refunds_of(road, fid) == []

    emitted = metrics_out("BpjsInvalidTransition")
    values = [v for line in emitted for v in (line["BpjsInvalidTransition"] if isinstance(line["BpjsInvalidTransition"], list) else [line["BpjsInvalidTransition"]])]  # fmt: skip
    assert sum(values) == 2  # the two refused moves, not the duplicates
    # Counted where the alarm looks: its namespace and metric, and its dimension the service name
    # of the callback function (Powertools' default dimension: in Lambda each function has its
    # own process and name; here they share one Metrics, so it is read from the template).
    (alarm,) = road.stack.clients("cloudwatch").describe_alarms(
        AlarmNames=[road.stack.ref("BpjsInvalidTransitionAlarm")]
    )["MetricAlarms"]
    assert alarm["MetricName"] == "BpjsInvalidTransition"
    for line in emitted:
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == alarm["Namespace"]
        assert [m["Name"] for m in directive["Metrics"]] == ["BpjsInvalidTransition"]
    service = road.stack.functions["BpjsCallbackFunction"].environment["POWERTOOLS_SERVICE_NAME"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


# ---------------------------------------------------------------------------------- refused posting


def test_a_contribution_bpjs_refuses_for_good_is_given_back(road: Road) -> None:
    farmer = road.new_farmer(6501)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    kept = quote_and_pay(road, fid, 1)
    assert road.pump() == (1, 0)  # posted
    road.bpjs.configure(refuse_contributions=True)
    refused = quote_and_pay(road, fid, 2)
    assert road.pump() == (1, 0)  # a final answer: the message is done, not retried

    by_id = {p["payment_id"]: p for p in payments_of(road, fid)}
    assert by_id[kept["payment_id"]]["bpjs_status"] == "POSTED"
    assert by_id[refused["payment_id"]]["bpjs_status"] == "FAILED"
    (refund,) = refunds_of(road, fid)
    assert (refund["reason"], refund["status"]) == ("POSTING_REFUSED", "OPEN")
    assert (refund["periods"], refund["amount"]) == (refused["periods"], refused["amount"])
    # The refused months are not covered: paid through the month BPJS took.
    assert road.farmer(fid)["coverage"]["paid_through"] == current()
    assert road.farmer(fid)["registration_status"] == "CONFIRMED"
    road.bpjs.configure(refuse_contributions=False)
    assert road.pump() == (0, 0)  # nothing left to retry


# ---------------------------------------------------------------------------------- refunds


def test_refunds_are_listed_by_kecamatan_filtered_paged_and_settled_once(road: Road) -> None:
    lalabata = []
    for serial in (6601, 6602, 6603):
        fid = road.new_farmer(serial)["farmer_id"]
        quote_and_pay(road, fid, 2)
        assert death(road, fid, today()).status == 200
        lalabata.append(fid)
    ganra = ganra_farmer(road, 6604)["farmer_id"]
    quote_and_pay(road, ganra, 3, claims=AGENT_GANRA)
    assert death(road, ganra, today(), claims=AGENT_GANRA).status == 200

    # Scope: an agent sees their kecamatan, an admin every one or the one named.
    mine = all_refunds(road)
    assert {r["kecamatan_code"] for r in mine} == {"73.12.04"}
    assert set(lalabata) <= {r["farmer_id"] for r in mine} and ganra not in {r["farmer_id"] for r in mine}
    assert [r["farmer_id"] for r in all_refunds(road, AGENT_GANRA)] == [ganra]
    assert {r["farmer_id"] for r in all_refunds(road, ADMIN)} >= {*lalabata, ganra}
    assert [r["farmer_id"] for r in all_refunds(road, ADMIN, kecamatan_code="73.12.07")] == [ganra]
    assert all_refunds(road, COORDINATOR) == mine
    for claims, query, status, code in [
        (AGENT, {"kecamatan_code": "73.12.07"}, 403, "FORBIDDEN"),
        (COORDINATOR, {"kecamatan_code": "73.12.07"}, 403, "FORBIDDEN"),
        (ADMIN, {"kecamatan_code": "73.71.01"}, 422, "PLACE_INVALID"),
        (AGENT, {"status": "MAYBE"}, 422, "VALIDATION_ERROR"),
        (AGENT, {"limit": "0"}, 422, "VALIDATION_ERROR"),
        (AGENT, {"cursor": "not-a-cursor"}, 422, "VALIDATION_ERROR"),
    ]:
        refused = refunds(road, claims, **query)
        assert (refused.status, refused.body["code"]) == (status, code), (query, refused.body)
    assert road.pay(http_event("GET", "/refunds")).status == 401

    # Pages: one at a time gives the same cases, newest first, each once.
    paged = all_refunds(road, limit="1")
    assert paged == mine and len({r["refund_id"] for r in paged}) == len(paged)
    assert [r["refund_id"] for r in mine] == sorted((r["refund_id"] for r in mine), reverse=True)
    lalabata_cursor = refunds(road, AGENT, limit="1").body["next_cursor"]
    assert lalabata_cursor is not None
    foreign_cursor = refunds(road, AGENT_GANRA, cursor=lalabata_cursor)
    assert (foreign_cursor.status, foreign_cursor.body["code"]) == (422, "VALIDATION_ERROR")

    # Settle: once, audited, replayed by its key, refused to another kecamatan.
    (case,) = refunds_of(road, lalabata[0])
    key = f"settle-{uuid.uuid4()}"
    body = {"returned_to": "Baso (suami, ahli waris)"}
    foreign = settle(road, case["refund_id"], body, claims=AGENT_GANRA, key=key)
    assert (foreign.status, foreign.body["code"]) == (403, "FORBIDDEN")
    settled = settle(road, case["refund_id"], body, key=key)
    assert settled.status == 200, settled.body
    assert (settled.body["status"], settled.body["returned_to"]) == ("SETTLED", "Baso (suami, ahli waris)")
    assert settled.body["settled_at"] and settled.body["returned_at"]
    assert settle(road, case["refund_id"], body, key=key).body == settled.body  # the same key: replayed
    assert settle(road, case["refund_id"], body, claims=AGENT_GANRA, key=key).status == 403
    for again in (settle(road, case["refund_id"], body, key=f"settle-{uuid.uuid4()}"),
                  settle(road, case["refund_id"], body, claims=COORDINATOR)):  # fmt: skip
        assert (again.status, again.body["code"]) == (409, "INVALID_TRANSITION"), again.body
    assert audit_actions(road, lalabata[0]).count("REFUND_SETTLED") == 1

    assert case["refund_id"] in {r["refund_id"] for r in all_refunds(road, status="SETTLED")}
    assert case["refund_id"] not in {r["refund_id"] for r in all_refunds(road, status="OPEN")}
    open_ids = {r["refund_id"] for r in all_refunds(road, status="OPEN")}
    assert {r["refund_id"] for r in refunds_of(road, lalabata[1]) + refunds_of(road, lalabata[2])} <= open_ids
    assert case["refund_id"] not in {r["refund_id"] for r in worklist(road)["refunds_to_return"]}

    # Refusals that settle nothing.
    (other,) = refunds_of(road, lalabata[1])
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for wrong, status, code in [
        ({"returned_to": "Baso", "returned_at": tomorrow}, 422, "VALIDATION_ERROR"),
        ({"returned_at": datetime.now(UTC).isoformat()}, 422, "VALIDATION_ERROR"),
        ({"returned_to": "Baso", "returned_at": "2026-12-01T10:00:00"}, 422, "VALIDATION_ERROR"),  # no offset
        ({"returned_to": "Baso", "amount": 1}, 422, "VALIDATION_ERROR"),
        (
            {"returned_to": "Baso", "returned_at": "2001-01-01T00:00:00Z"},
            422,
            "VALIDATION_ERROR",
        ),  # before the case
        (
            {"returned_to": "Baso", "returned_at": "0001-01-01T00:00:00+14:00"},
            422,
            "VALIDATION_ERROR",
        ),  # no overflow
        ({"returned_to": "Baso", "returned_at": "9999-12-31T23:59:59Z"}, 422, "VALIDATION_ERROR"),
    ]:
        result = settle(road, other["refund_id"], wrong)
        assert (result.status, result.body["code"]) == (status, code), (wrong, result.body)
    for unknown in ("01M8K3XSY4RZ411Z5Y5R2137YY", "nonsense"):
        missing = settle(road, unknown, body)
        assert (missing.status, missing.body["code"]) == (404, "NOT_FOUND")
    assert refunds_of(road, lalabata[1])[0]["status"] == "OPEN"
    backdated = settle(
        road, other["refund_id"], {"returned_to": "Hasnah", "returned_at": datetime.now(UTC).isoformat()}
    )
    assert backdated.status == 200 and backdated.body["returned_to"] == "Hasnah"


# ---------------------------------------------------------------------------------- corrections


def test_corrections_by_staff_follow_the_nik_rules_move_the_nik_and_reach_bpjs(road: Road) -> None:
    first = road.new_farmer(6730)  # born the same day as the second: a NIK the second could have
    second = road.new_farmer(6702)
    fid = second["farmer_id"]
    assert road.pump() == (2, 0)
    kpj = road.farmer(fid)["kpj_number"]
    before = stored_farmer(road, fid)

    for claims, body, status, code in [
        (AGENT, {"full_name": "Hasnah Lamade", "reason": "Salah ketik nama"}, 403, "FORBIDDEN"),
        (COORDINATOR_GANRA, {"full_name": "Hasnah Lamade", "reason": "Salah ketik nama"}, 403, "FORBIDDEN"),
        (COORDINATOR, {"full_name": "Hasnah Lamade"}, 422, "VALIDATION_ERROR"),  # no reason
        (COORDINATOR, {"full_name": "Hasnah Lamade", "reason": "  "}, 422, "VALIDATION_ERROR"),
        (COORDINATOR, {"reason": "Tidak ada yang diubah"}, 422, "VALIDATION_ERROR"),
        (COORDINATOR, {"phone": "085211110000", "reason": "Nomor baru"}, 422, "VALIDATION_ERROR"),
        (COORDINATOR, {"nik": "7312041234", "reason": "Salah ketik NIK"}, 422, "NIK_INVALID"),
        (COORDINATOR, {"nik": make_nik(date(1984, 6, 1 + 6702 % 28), "F", serial=6702), "sex": "M",
                       "reason": "Salah ketik NIK"}, 422, "NIK_MISMATCH"),  # a woman's NIK, sex given as M
        (COORDINATOR, {"nik": nik_of(6702), "birth_date": "1990-01-01", "reason": "Salah ketik"}, 422, "NIK_MISMATCH"),
    ]:  # fmt: skip
        refused = correct(road, fid, body, claims)
        assert (refused.status, refused.body["code"]) == (status, code), (body, refused.body)

    taken = correct(road, fid, {"nik": nik_of(6730), "reason": "Salah ketik NIK"})
    assert (taken.status, taken.body["code"]) == (409, "NIK_ALREADY_REGISTERED")
    assert taken.body["farmer_id"] == first["farmer_id"]
    assert stored_farmer(road, fid) == before  # nothing changed

    named = correct(road, fid, {"full_name": "Hasnah Lamade", "reason": "Nama di KTP salah ketik"})
    assert named.status == 200, named.body
    assert (named.body["full_name"], named.body["nik_masked"]) == ("Hasnah Lamade", before["nik_masked"])
    new_nik = make_nik(date(1984, 6, 1 + 6702 % 28), "M", serial=6703)
    renumbered = correct(road, fid, {"nik": new_nik, "reason": "Digit terakhir NIK salah"}, ADMIN)
    assert renumbered.status == 200, renumbered.body
    assert renumbered.body["nik_masked"].endswith(new_nik[-4:])
    assert stored_farmer(road, fid)["nik"] == new_nik
    assert listed_ids(road, q="hasnah lamade") == {fid}
    assert audit_actions(road, fid).count("FARMER_CORRECTED") == 2

    # The claim moved: the new NIK is taken, the old one registers anew at once.
    new_again = road.register(
        http_event("POST", "/farmers", claims=AGENT, body=farmer_body(nik=new_nik, birth=date(1984, 6, 1 + 6702 % 28), sex="M"))
    )  # fmt: skip
    assert (new_again.status, new_again.body["code"], new_again.body["farmer_id"]) == (
        409,
        "NIK_ALREADY_REGISTERED",
        fid,
    )
    old_again = road.register(
        http_event("POST", "/farmers", claims=AGENT, body=farmer_body(nik=nik_of(6702), birth=date(1984, 6, 1 + 6702 % 28), sex="M"))
    )  # fmt: skip
    assert old_again.status == 201, old_again.body

    # BPJS gets both participant data changes, with the corrected fields, in order, and the old
    # NIK's new registration only after the correction that freed it (it waits meanwhile): one
    # participant per NIK, and the new farmer gets a KPJ of its own.
    done, _ = road.pump()
    assert done == 3  # two updates, and the new farmer's registration
    held = road.bpjs.sim.by_kpj[kpj]
    assert held.updates == [["full_name"], ["nik"]]
    assert (held.data["full_name"], held.data["nik"]) == ("Hasnah Lamade", new_nik)
    assert road.bpjs.sim.by_nik[new_nik] is held and road.bpjs.sim.by_nik[nik_of(6702)] is not held
    assert road.farmer(old_again.body["farmer_id"])["kpj_number"] not in (None, kpj)
    requests = road.bpjs.sim.request_log()["requests"]
    delivered = [r["route"] for r in requests if r["status"] < 300 and not r["replayed"]]
    assert delivered[-3:] == [PARTICIPANT_UPDATE, PARTICIPANT_UPDATE, PARTICIPANT_REGISTRATION], delivered


# ---------------------------------------------------------------------------------- ETag, If-Match


def patch(road: Road, farmer_id: str, body: dict[str, Any], if_match: str | None = None) -> Any:
    headers = {"If-Match": if_match} if if_match else None
    return on_farmer(road, "PATCH", "", farmer_id, body=body, headers=headers)


def test_etag_on_get_and_patch_and_if_match_of_an_older_one_is_412(road: Road) -> None:
    farmer = road.new_farmer(6801)
    fid = farmer["farmer_id"]
    got = on_farmer(road, "GET", "", fid)
    etag = got.headers["etag"]
    assert etag == f'"{fid}.0"'  # no person changed the record yet

    changed = patch(road, fid, {"phone": "085211110001"}, if_match=etag)
    assert changed.status == 200, changed.body
    newer = changed.headers["etag"]
    assert newer != etag and on_farmer(road, "GET", "", fid).headers["etag"] == newer

    stale = patch(road, fid, {"address": "Jalan Baru 3"}, if_match=etag)
    assert (stale.status, stale.body["code"]) == (412, "PRECONDITION_FAILED")
    assert stale.body["etag"] == newer
    foreign_tag = patch(
        road, fid, {"address": "Jalan Baru 3"}, if_match=f'"{road.new_farmer(6802)["farmer_id"]}.2"'
    )
    assert foreign_tag.status == 412
    assert road.farmer(fid)["address"] == farmer["address"]  # neither applied

    # Without If-Match (or with "*"), the fields apply to the latest record.
    latest = patch(road, fid, {"address": "Jalan Baru 3"})
    assert latest.status == 200 and latest.body["phone"] == "085211110001"
    star = patch(road, fid, {"commodity": "jagung"}, if_match="*")
    assert star.status == 200 and star.body["address"] == "Jalan Baru 3"
    weak = patch(road, fid, {"commodity": "kakao"}, if_match=f"W/{star.headers['etag']}")
    assert weak.status == 200, weak.body
    # A list of tags (RFC 9110): it applies if any is current.
    listed = patch(road, fid, {"commodity": "padi"}, if_match=f"{etag}, {weak.headers['etag']}")
    assert listed.status == 200, listed.body
    assert patch(road, fid, {"commodity": "jagung"}, if_match=f"{etag}, {weak.headers['etag']}").status == 412
    assert audit_actions(road, fid).count("FARMER_UPDATED") == 5


def test_a_patch_racing_the_bpjs_confirmation_never_fails(road: Road) -> None:
    """BPJS's confirmation lands between the PATCH's read and its write: the write meets a newer
    version, and the PATCH is decided again on it - 200, both changes kept, even with the If-Match
    of the record the agent opened before it (a system change is not a person's)."""
    from sutasoma.adapters.dynamo import keys
    from sutasoma.adapters.dynamo.codec import update_expression

    farmer = road.new_farmer(6901)
    fid = farmer["farmer_id"]

    def confirmed_meanwhile() -> None:
        # What bpjs_sync writes for a confirmation, under the next version.
        assign = {
            "registration_status": "CONFIRMED",
            "kpj_number": "26000009999",
            "confirmed_at": "2026-01-01T00:00:00Z",
        }
        expression, names, values = update_expression(assign, (), {"version": 1})
        road.stack.table().update(keys.farmer(fid), expression, names, values)

    client = dynamodb_client(road.register)
    seen = on_farmer(road, "GET", "", fid).headers["etag"]  # the agent opened the record
    with meanwhile(client, "TransactWriteItems", confirmed_meanwhile, only_if=f'"FARMER#{fid}"') as fired:
        changed = patch(road, fid, {"phone": "085211112222"}, if_match=seen)
    assert len(fired) == 1
    assert changed.status == 200, changed.body
    after = stored_farmer(road, fid)
    assert (after["phone"], after["registration_status"], after["kpj_number"]) == (
        "085211112222", "CONFIRMED", "26000009999",
    )  # fmt: skip
    assert changed.headers["etag"] == on_farmer(road, "GET", "", fid).headers["etag"] == f'"{fid}.1"'
    # BPJS's change alone does not make the agent's ETag older either.
    seen = changed.headers["etag"]
    confirmed_meanwhile()
    assert on_farmer(road, "GET", "", fid).headers["etag"] == seen
    assert patch(road, fid, {"address": "Dusun Baru"}, if_match=seen).status == 200
    assert audit_actions(road, fid).count("FARMER_UPDATED") == 2


# ---------------------------------------------------------------------------------- payments


def test_a_stale_quote_is_refused_with_the_fresh_one(road: Road) -> None:
    farmer = road.new_farmer(7001)
    fid = farmer["farmer_id"]
    q = quote(road, fid, 1).body
    body = {"months": 1, "amount": q["amount"], "first_period": q["first_period"]}
    assert pay(road, fid, body).status == 201
    stale = pay(road, fid, body)  # the second tap, with a new key
    assert (stale.status, stale.body["code"]) == (409, "QUOTE_STALE")
    fresh = stale.body["quote"]
    assert fresh["first_period"] == fresh["periods"][0] == add_months(current(), 1)
    assert (
        fresh["amount"]
        == amount_of([add_months(current(), 1)])
        == sum(line["amount"] for line in fresh["lines"])
    )
    assert [e["field"] for e in stale.body["errors"]] == ["first_period"]
    assert len(payments_of(road, fid)) == 1
    paid = pay(road, fid, {"months": 1, "amount": fresh["amount"], "first_period": fresh["first_period"]})
    assert paid.status == 201 and paid.body["periods"] == [add_months(current(), 1)]


def test_paid_at_before_the_registration_is_refused_and_the_same_day_passes(road: Road) -> None:
    start_of_today = datetime.combine(today(), time(0, 0), tzinfo=WITA)
    late = road.new_farmer(7101)
    q = quote(road, late["farmer_id"], 1).body
    body = {"months": 1, "amount": q["amount"], "first_period": q["first_period"]}
    before = pay(
        road, late["farmer_id"], {**body, "paid_at": (start_of_today - timedelta(minutes=1)).isoformat()}
    )
    assert (before.status, before.body["code"]) == (422, "PAID_AT_INVALID"), before.body
    assert [e["field"] for e in before.body["errors"]] == ["paid_at"]
    assert payments_of(road, late["farmer_id"]) == []
    # Registered and paid on one offline visit: the payment's time may come first that day.
    same_day = pay(road, late["farmer_id"], {**body, "paid_at": start_of_today.isoformat()})
    assert same_day.status == 201, same_day.body
    assert same_day.body["paid_at"] < late["registered_at"]


def test_an_income_change_applies_from_the_next_unpaid_month(road: Road) -> None:
    farmer = road.new_farmer(7201)
    fid = farmer["farmer_id"]
    first = quote_and_pay(road, fid, 2)
    patch(road, fid, {"monthly_income": 3_000_000})
    q = quote(road, fid, 1).body
    assert q["first_period"] == add_months(current(), 2)
    assert [line["income"] for line in q["lines"]] == [3_000_000]
    assert q["amount"] == amount_of(q["periods"], 3_000_000)
    second = quote_and_pay(road, fid, 1)
    by_id = {p["payment_id"]: p for p in payments_of(road, fid)}
    assert [line["income"] for line in by_id[first["payment_id"]]["lines"]] == [1_000_000, 1_000_000]
    assert [line["income"] for line in by_id[second["payment_id"]]["lines"]] == [3_000_000]
    assert by_id[first["payment_id"]]["amount"] == amount_of(first["periods"])


def test_a_claim_in_progress_is_recounted_like_its_counter(road: Road) -> None:
    """The BPP's count of claims in progress (a population counter) agrees with a recount: the
    recount after this test would find the filed claim otherwise."""
    from tests.support.claims import claim_body

    farmer = road.new_farmer(7301)
    fid = farmer["farmer_id"]
    assert road.pump() == (1, 0)
    quote_and_pay(road, fid, 1)
    body = claim_body(fid, "JKK", outcome="treatment", description="Terluka sabit saat panen.")
    filed = road.claim(http_event("POST", "/claims", body=body, claims=AGENT))
    assert filed.status == 201, filed.body
