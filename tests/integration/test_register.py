"""The register function on moto: every rule of POST /farmers and what it leaves in AWS."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from sutasoma.adapters.dynamo import keys
from sutasoma.domain.clock import today_wita
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.stack import FunctionInvoker, MotoStack

AGENT_LALABATA = claims_for("agent", "73.12.04", username="agen.lalabata")


def post(
    register: FunctionInvoker, body: Any, claims: dict[str, str] | None = AGENT_LALABATA, **kw: Any
) -> Any:
    return register(http_event("POST", "/farmers", body=body, claims=claims, **kw))


def drain_queue(stack: MotoStack) -> list[dict[str, Any]]:
    sqs = stack.clients("sqs")
    url = stack.ref("BpjsOutboundQueue")
    messages: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
            VisibilityTimeout=0,
        ).get("Messages", [])
        if not got:
            return messages
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        messages.extend(got)


@pytest.fixture
def clean_queue(moto_stack: MotoStack) -> MotoStack:
    drain_queue(moto_stack)
    return moto_stack


@pytest.fixture
def nothing_written(moto_stack: MotoStack) -> Any:
    """Asserts that the request under test left the table and the queue as they were."""
    drain_queue(moto_stack)
    before = len(moto_stack.table_items())
    yield
    assert len(moto_stack.table_items()) == before
    assert drain_queue(moto_stack) == []


def test_registration_writes_farmer_nik_claim_outbox_counters_and_one_message(
    register: FunctionInvoker, clean_queue: MotoStack
) -> None:
    body = farmer_body()
    result = post(register, body)

    assert result.status == 201, result.body
    farmer = result.body
    assert farmer["registration_status"] == "PENDING" and farmer["kpj_number"] is None
    assert farmer["nik_masked"] == body["nik"][:4] + "********" + body["nik"][-4:]
    assert "nik" not in farmer
    assert farmer["coverage"] == {"state": "NOT_STARTED", "paid_through": None}
    assert farmer["monthly_contribution"] in (8_400, 16_800)
    assert farmer["registered_by"] == "agen.lalabata"
    assert farmer["heirs"] == body["heirs"]

    items = clean_queue.table_items()
    mine = [i for i in items if i["PK"]["S"] == keys.farmer(farmer["farmer_id"])["PK"]]
    assert sorted(i["SK"]["S"].split("#")[0] for i in mine) == ["OUTBOX", "PROFILE"]
    outbox = next(i for i in mine if i["SK"]["S"].startswith("OUTBOX#"))
    assert "GSI2PK" not in outbox and "sent_at" in outbox  # handed to SQS, no longer pending
    claims = [i for i in items if i["SK"]["S"] == "NIK" and i["farmer_id"]["S"] == farmer["farmer_id"]]
    assert len(claims) == 1 and body["nik"] not in claims[0]["PK"]["S"]

    messages = drain_queue(clean_queue)
    assert len(messages) == 1
    message = json.loads(messages[0]["Body"])
    assert message["op_type"] == "PARTICIPANT_REGISTRATION" and message["farmer_id"] == farmer["farmer_id"]
    assert messages[0]["Attributes"]["MessageGroupId"] == farmer["farmer_id"]
    assert messages[0]["Attributes"]["MessageDeduplicationId"] == message["op_id"]
    assert body["nik"] not in messages[0]["Body"] and body["phone"] not in messages[0]["Body"]

    period = today_wita().strftime("%Y-%m")
    counter = clean_queue.clients("dynamodb").get_item(
        TableName=clean_queue.ref("DomainTable"),
        Key={name: {"S": value} for name, value in keys.counter(period, "73.12.04").items()},
    )
    assert int(counter["Item"]["new_registrations"]["N"]) >= 1


def test_get_shows_whole_nik_list_shows_it_masked(register: FunctionInvoker) -> None:
    body = farmer_body(full_name="Siti Rahmah Unik", village="73.12.04.2009")
    created = post(register, body).body
    got = register(
        http_event(
            "GET",
            "/farmers/{farmer_id}",
            path_params={"farmer_id": created["farmer_id"]},
            claims=AGENT_LALABATA,
        )
    )
    assert got.status == 200 and got.body["nik"] == body["nik"]
    assert {k: v for k, v in got.body.items() if k != "nik"} == created
    listed = register(http_event("GET", "/farmers", query={"q": "rahmah unik"}, claims=AGENT_LALABATA))
    assert [f["farmer_id"] for f in listed.body["items"]] == [created["farmer_id"]]
    assert "nik" not in listed.body["items"][0]
    assert body["nik"] not in json.dumps(listed.body)


def test_nik_issued_outside_soppeng_is_accepted_for_a_soppeng_address(register: FunctionInvoker) -> None:
    nik = make_nik(date(1985, 4, 12), "M", prefix="737101")  # Makassar
    result = post(register, farmer_body(nik=nik, birth=date(1985, 4, 12), sex="M"))
    assert result.status == 201 and result.body["nik_masked"].startswith("7371")


@pytest.mark.parametrize(
    "nik",
    [
        "731204570880000",  # 15 digits
        "73120457088000031",  # 17 digits
        "7312O45708800003",  # a letter O
        "0012045708800003",  # no province 00
        "9912045708800003",  # no province 99
        "7312043208800003",  # day 32
        "7312047308800003",  # woman, day 73 - 40 = 33
        "7312043002800003",  # 30 February
        "7312041713800003",  # month 13
        "7312045708800000",  # serial 0000
        "731204570880000\u0663",  # an Arabic-Indic digit (was a 500: the lookup hash took ASCII only)
        "\uff17\uff13\uff11\uff12045708800003",  # full-width digits
        "731204570880000\u00b2",  # a superscript two
        "\U0001f600",  # an emoji
    ],
)
def test_invalid_nik_is_refused_and_nothing_written(
    register: FunctionInvoker, nothing_written: Any, nik: str
) -> None:
    body = farmer_body(nik=nik)
    body.pop("birth_date")
    body.pop("sex")
    result = post(register, body)
    assert result.status == 422 and result.code == "NIK_INVALID"
    assert result.headers["content-type"] == "application/problem+json"
    assert result.body["errors"][0]["field"] == "nik"
    assert {"type", "title", "status", "detail", "code"} <= set(result.body)


@pytest.mark.parametrize(
    ("birth_date", "sex"),
    [("1980-08-18", "F"), ("1981-08-17", "F"), ("1980-08-17", "M")],
)
def test_birth_date_or_sex_disagreeing_with_nik(
    register: FunctionInvoker, nothing_written: Any, birth_date: str, sex: str
) -> None:
    body = farmer_body(nik=make_nik(date(1980, 8, 17), "F"), birth_date=birth_date, sex=sex)
    result = post(register, body)
    assert result.status == 422 and result.code == "NIK_MISMATCH"


def _birth_for_age(years: int, days_after_birthday: int = 0) -> date:
    today = today_wita()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days_after_birthday)


@pytest.mark.parametrize(("years", "extra_days"), [(16, 0), (17, -1), (66, 0), (80, 0)])
def test_age_outside_17_to_65_is_refused(
    register: FunctionInvoker, nothing_written: Any, years: int, extra_days: int
) -> None:
    birth = _birth_for_age(years, extra_days)  # extra_days -1: the 17th birthday is tomorrow
    result = post(register, farmer_body(birth=birth, sex="M"))
    assert result.status == 422 and result.code == "AGE_OUT_OF_RANGE", result.body


@pytest.mark.parametrize("years", [17, 65])
def test_age_bounds_are_inclusive(register: FunctionInvoker, years: int) -> None:
    birth = _birth_for_age(years)
    result = post(register, farmer_body(birth=birth, sex="M"))
    assert result.status == 201, result.body


@pytest.mark.parametrize(
    ("kecamatan", "village"),
    [
        ("73.12.04", "73.12.01.1001"),  # village of Marioriwawo under Lalabata
        ("73.12.02", "73.12.02.2004"),  # a gap in the numbering
        ("73.12.09", "73.12.09.1001"),  # no such kecamatan
        ("73.71.01", "73.71.01.1001"),  # Makassar, not Soppeng
        ("7312040", "7312040001"),  # BPS statistical codes
    ],
)
def test_place_outside_the_list_is_refused(
    register: FunctionInvoker, nothing_written: Any, kecamatan: str, village: str
) -> None:
    result = post(register, farmer_body(kecamatan=kecamatan, village=village), claims=claims_for("admin"))
    assert result.status == 422 and result.code == "PLACE_INVALID"


def test_agent_cannot_register_in_another_kecamatan(register: FunctionInvoker, nothing_written: Any) -> None:
    result = post(register, farmer_body(kecamatan="73.12.01", village="73.12.01.2003"))
    assert result.status == 403 and result.code == "FORBIDDEN"


def test_coordinator_of_another_kecamatan_is_refused(register: FunctionInvoker, nothing_written: Any) -> None:
    result = post(register, farmer_body(), claims=claims_for("coordinator", "73.12.08"))
    assert result.status == 403 and result.code == "FORBIDDEN"


def test_admin_registers_anywhere(register: FunctionInvoker) -> None:
    result = post(
        register, farmer_body(kecamatan="73.12.07", village="73.12.07.2003"), claims=claims_for("admin")
    )
    assert result.status == 201


def test_no_claims_is_401(register: FunctionInvoker, nothing_written: Any) -> None:
    result = post(register, farmer_body(), claims=None)
    assert result.status == 401 and result.code == "UNAUTHORIZED"


def test_second_registration_of_a_nik_names_the_first(
    register: FunctionInvoker, clean_queue: MotoStack
) -> None:
    body = farmer_body()
    first = post(register, body)
    drain_queue(clean_queue)
    before = len(clean_queue.table_items())
    again = post(register, {**body, "full_name": "Nama Lain", "phone": "085200000000"})
    assert again.status == 409 and again.code == "NIK_ALREADY_REGISTERED"
    assert again.body["farmer_id"] == first.body["farmer_id"]
    assert len(clean_queue.table_items()) == before and drain_queue(clean_queue) == []


def test_same_nik_twenty_at_once_registers_once(register: FunctionInvoker, clean_queue: MotoStack) -> None:
    body = farmer_body()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: post(register, body), range(20)))
    statuses = sorted(r.status for r in results)
    assert statuses.count(201) == 1 and statuses.count(409) == 19, statuses
    winner = next(r for r in results if r.status == 201).body["farmer_id"]
    assert {r.body["farmer_id"] for r in results if r.status == 409} <= {winner, None}
    profiles = [
        i for i in clean_queue.table_items() if i["SK"]["S"] == "PROFILE" and i["nik"]["S"] == body["nik"]
    ]
    assert len(profiles) == 1
    assert len(drain_queue(clean_queue)) == 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"nik": "7312045708800003", ', "body"),
        ("not json at all", "body"),
        ("[]", "body"),
    ],
)
def test_malformed_json(register: FunctionInvoker, nothing_written: Any, raw: str, field: str) -> None:
    result = register(http_event("POST", "/farmers", raw_body=raw, claims=AGENT_LALABATA))
    assert result.status == 422 and result.code == "VALIDATION_ERROR"
    assert result.body["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),  # only JSON true is consent
        ({"consent": 1}, "consent"),
        ({"consent": "true"}, "consent"),
        ({"birth_date": "1980-08-17T00:00:00"}, "birth_date"),  # a date is YYYY-MM-DD, nothing else
        ({"birth_date": 335232000}, "birth_date"),
        ({"phone": "12345"}, "phone"),
        ({"monthly_income": 500_000}, "monthly_income"),
        ({"monthly_income": "1000000"}, "monthly_income"),
        ({"sex": "X"}, "sex"),
        ({"birth_date": "17-08-1980"}, "birth_date"),
        ({"nik": 7312045708800003}, "nik"),
        ({"heirs": [{"full_name": "Baso", "relationship": "tetangga"}]}, "heirs[0].relationship"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_invalid_fields_are_named(
    register: FunctionInvoker, nothing_written: Any, change: dict[str, Any], field: str
) -> None:
    result = post(register, farmer_body(**change))
    assert result.status == 422 and result.code == "VALIDATION_ERROR"
    assert field in [e["field"] for e in result.body["errors"]]
    assert all(e["message"] for e in result.body["errors"])


def test_optional_fields_sent_as_null_take_their_defaults(register: FunctionInvoker) -> None:
    body = farmer_body(nik=make_nik(date(1981, 3, 4), "M", serial=4417), birth_date=None, sex=None)
    result = post(register, {**body, "monthly_income": None, "heirs": None})
    assert result.status == 201, result.body
    assert (result.body["monthly_income"], result.body["heirs"], result.body["birth_date"]) == (
        1_000_000,
        [],
        "1981-03-04",
    )


def test_missing_required_fields(register: FunctionInvoker, nothing_written: Any) -> None:
    result = post(register, {"nik": "7312045708800003"})
    fields = {e["field"] for e in result.body["errors"]}
    assert result.status == 422
    assert {
        "full_name",
        "phone",
        "kecamatan_code",
        "village_code",
        "address",
        "commodity",
        "consent",
    } <= fields
    assert all(e["message"] == "Wajib diisi." for e in result.body["errors"])


def test_idempotency_key_replays_the_same_farmer(register: FunctionInvoker, clean_queue: MotoStack) -> None:
    body = farmer_body()
    headers = {"Idempotency-Key": "reg-7a0c8f0e-2d7e-4d1c"}
    first = post(register, body, headers=headers)
    second = post(register, body, headers=headers)
    assert first.status == second.status == 201
    assert second.body == first.body
    assert len(drain_queue(clean_queue)) == 1

    reused = post(register, {**body, "address": "Alamat lain"}, headers=headers)
    assert reused.status == 422 and reused.code == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize("key", ["x" * 256, "kunci\u00e9", "tab\tkey", " "])
def test_bad_idempotency_key_is_400(register: FunctionInvoker, nothing_written: Any, key: str) -> None:
    result = post(register, farmer_body(), headers={"Idempotency-Key": key})
    assert result.status == 400 and result.code == "IDEMPOTENCY_KEY_INVALID"


def test_short_and_plain_idempotency_keys_are_honoured(
    register: FunctionInvoker, clean_queue: MotoStack
) -> None:
    """CONTRACT sets no format for the key: "k1" or "pay 1" replay like a UUID."""
    for key in ["k1", "pay 1", "a/b#c"]:
        body = farmer_body()
        first = post(register, body, headers={"Idempotency-Key": key})
        again = post(register, body, headers={"Idempotency-Key": key})
        assert first.status == again.status == 201, (key, first.body)
        assert again.body == first.body
