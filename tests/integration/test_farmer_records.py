"""GET/PATCH /farmers, the list with filters and cursors, the KTP upload URL, the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sutasoma.adapters.queue import OutboundQueue
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.runtime import wiring
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.stack import FunctionInvoker, MotoStack
from tests.support.uploads import JPEG, post_file

AGENT_LALABATA = claims_for("agent", "73.12.04", username="agen.lalabata")
AGENT_GANRA = claims_for("agent", "73.12.07", username="agen.ganra")
ADMIN = claims_for("admin", username="admin.dinas")


@pytest.fixture(scope="module")
def fresh(moto_stack: MotoStack) -> FunctionInvoker:
    """Empty resources, so list contents and counts are exact."""
    moto_stack.reset()
    return FunctionInvoker(moto_stack, "RegisterFunction")


def register_one(fn: FunctionInvoker, claims: dict[str, str] = AGENT_LALABATA, **kw: Any) -> dict[str, Any]:
    result = fn(http_event("POST", "/farmers", body=farmer_body(**kw), claims=claims))
    assert result.status == 201, result.body
    body: dict[str, Any] = result.body
    return body


def list_all(fn: FunctionInvoker, claims: dict[str, str], **query: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    cursor: str | None = None
    while True:
        q = dict(query)
        if cursor:
            q["cursor"] = cursor
        page = fn(http_event("GET", "/farmers", query=q, claims=claims))
        assert page.status == 200, page.body
        pages += 1
        items.extend(page.body["items"])
        cursor = page.body["next_cursor"]
        if cursor is None:
            return items, pages


def test_list_pages_filters_and_scope(fresh: FunctionInvoker) -> None:
    lalabata = [
        register_one(fresh, village=v, full_name=f"Petani {i}")
        for i, v in enumerate(["73.12.04.1001"] * 5 + ["73.12.04.2010"] * 3)
    ]
    ganra = [
        register_one(fresh, AGENT_GANRA, kecamatan="73.12.07", village="73.12.07.2001") for _ in range(4)
    ]

    items, pages = list_all(fresh, AGENT_LALABATA, limit="3")
    assert sorted(f["farmer_id"] for f in items) == sorted(f["farmer_id"] for f in lalabata)
    assert pages == 3 and len(items) == len({f["farmer_id"] for f in items})

    everyone, pages = list_all(fresh, ADMIN, limit="5")
    assert len(everyone) == 12 and pages == 3
    assert {f["farmer_id"] for f in everyone} == {f["farmer_id"] for f in lalabata + ganra}

    village, _ = list_all(fresh, AGENT_LALABATA, village_code="73.12.04.2010")
    assert len(village) == 3 and {f["village_code"] for f in village} == {"73.12.04.2010"}

    named, _ = list_all(fresh, ADMIN, q="petani 4")
    assert [f["full_name"] for f in named] == ["Petani 4"]

    assert len(list_all(fresh, ADMIN, registration_status="PENDING")[0]) == 12
    assert list_all(fresh, ADMIN, registration_status="CONFIRMED")[0] == []
    assert len(list_all(fresh, ADMIN, coverage_state="NOT_STARTED", kecamatan_code="73.12.07")[0]) == 4
    assert list_all(fresh, ADMIN, coverage_state="ACTIVE")[0] == []

    coordinator_ganra = claims_for("coordinator", "73.12.07")
    assert {f["kecamatan_code"] for f in list_all(fresh, coordinator_ganra)[0]} == {"73.12.07"}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"kecamatan_code": "73.12.07"}, 403, "FORBIDDEN"),
        ({"village_code": "73.12.07.2001"}, 403, "FORBIDDEN"),  # a real village, of another kecamatan
        ({"kecamatan_code": "73.12.04", "village_code": "73.12.07.2001"}, 422, "PLACE_INVALID"),  # not a pair
        ({"village_code": "73.12.04.9999"}, 422, "PLACE_INVALID"),
        ({"kecamatan_code": "73.71.01"}, 422, "PLACE_INVALID"),
        ({"limit": "0"}, 422, "VALIDATION_ERROR"),
        ({"limit": "101"}, 422, "VALIDATION_ERROR"),
        ({"limit": "ten"}, 422, "VALIDATION_ERROR"),
        ({"cursor": "not-a-cursor"}, 422, "VALIDATION_ERROR"),
        ({"registration_status": "MAYBE"}, 422, "VALIDATION_ERROR"),
        ({"coverage_state": "SLEEPING"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_list_refusals(fresh: FunctionInvoker, query: dict[str, str], status: int, code: str) -> None:
    result = fresh(http_event("GET", "/farmers", query=query, claims=AGENT_LALABATA))
    assert (result.status, result.code) == (status, code), result.body


def test_cursor_of_another_kecamatan_is_refused(fresh: FunctionInvoker) -> None:
    register_one(fresh, AGENT_GANRA, kecamatan="73.12.07", village="73.12.07.2002")
    page = fresh(http_event("GET", "/farmers", query={"limit": "1"}, claims=AGENT_GANRA))
    assert page.body["next_cursor"]
    stolen = fresh(
        http_event("GET", "/farmers", query={"cursor": page.body["next_cursor"]}, claims=AGENT_LALABATA)
    )
    assert stolen.status == 422 and stolen.code == "VALIDATION_ERROR"


def test_get_unknown_or_foreign_farmer(fresh: FunctionInvoker) -> None:
    ganra = register_one(fresh, AGENT_GANRA, kecamatan="73.12.07", village="73.12.07.2003")
    for farmer_id in ("01M8K3XSY4RZ411Z5Y5R2137YY", "nonsense", "'; DROP TABLE"):
        got = fresh(
            http_event("GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, claims=ADMIN)
        )
        assert (got.status, got.code) == (404, "NOT_FOUND")
    foreign = fresh(
        http_event(
            "GET",
            "/farmers/{farmer_id}",
            path_params={"farmer_id": ganra["farmer_id"]},
            claims=AGENT_LALABATA,
        )
    )
    assert (foreign.status, foreign.code) == (403, "FORBIDDEN")


def patch(fn: FunctionInvoker, farmer_id: str, body: Any, claims: dict[str, str] = AGENT_LALABATA) -> Any:
    return fn(
        http_event(
            "PATCH", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, body=body, claims=claims
        )
    )


def test_patch_changes_what_may_change(fresh: FunctionInvoker) -> None:
    farmer = register_one(fresh, village="73.12.04.1002")
    changed = patch(
        fresh,
        farmer["farmer_id"],
        {"phone": "085255512345", "village_code": "73.12.04.2008", "monthly_income": 2_000_000, "heirs": []},
    )
    assert changed.status == 200, changed.body
    assert changed.body["phone"] == "085255512345" and changed.body["village_code"] == "73.12.04.2008"
    assert changed.body["monthly_income"] == 2_000_000 and changed.body["heirs"] == []
    assert changed.body["updated_at"] >= farmer["updated_at"]
    got = fresh(
        http_event(
            "GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer["farmer_id"]}, claims=ADMIN
        )
    )
    assert got.body["village_code"] == "73.12.04.2008" and got.body["phone"] == "085255512345"
    moved, _ = list_all(fresh, ADMIN, village_code="73.12.04.2008")
    assert farmer["farmer_id"] in [f["farmer_id"] for f in moved]
    stayed, _ = list_all(fresh, ADMIN, village_code="73.12.04.1002")
    assert farmer["farmer_id"] not in [f["farmer_id"] for f in stayed]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"nik": "7312041708800003"}, 422, "VALIDATION_ERROR"),
        ({"full_name": "Nama Baru"}, 422, "VALIDATION_ERROR"),
        ({"birth_date": "1980-01-01"}, 422, "VALIDATION_ERROR"),
        ({}, 422, "VALIDATION_ERROR"),
        ({"village_code": "73.12.07.2001"}, 422, "PLACE_INVALID"),
        ({"monthly_income": 10}, 422, "VALIDATION_ERROR"),
    ],
)
def test_patch_refusals(fresh: FunctionInvoker, body: dict[str, Any], status: int, code: str) -> None:
    farmer = register_one(fresh)
    result = patch(fresh, farmer["farmer_id"], body)
    assert (result.status, result.code) == (status, code), result.body
    after = fresh(
        http_event(
            "GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer["farmer_id"]}, claims=ADMIN
        )
    )
    assert {k: v for k, v in after.body.items() if k != "nik"} == farmer


def test_patch_by_agent_of_another_kecamatan(fresh: FunctionInvoker) -> None:
    farmer = register_one(fresh)
    result = patch(fresh, farmer["farmer_id"], {"phone": "085255500000"}, claims=AGENT_GANRA)
    assert (result.status, result.code) == (403, "FORBIDDEN")


def test_ktp_upload_url_is_a_presigned_post_and_the_copy_counts_once_checked(fresh: FunctionInvoker) -> None:
    farmer = register_one(fresh)
    result = fresh(
        http_event(
            "POST",
            "/farmers/{farmer_id}/ktp",
            path_params={"farmer_id": farmer["farmer_id"]},
            claims=AGENT_LALABATA,
        )
    )
    assert result.status == 200, result.body
    assert result.body["object_key"].startswith(f"ktp/{farmer['farmer_id']}/")
    assert result.body["expires_in"] == 900 and result.body["max_bytes"] == 5 * 1024 * 1024
    assert result.body["fields"]["Content-Type"] == "image/jpeg"
    posted = post_file(result.body, JPEG)
    assert posted.status_code == 204, posted.text
    bucket = fresh.stack.ref("KtpBucket")
    stored = fresh.stack.clients("s3").get_object(Bucket=bucket, Key=result.body["object_key"])
    assert stored["Body"].read() == JPEG and stored["ContentType"] == "image/jpeg"
    assert get_farmer(fresh, farmer["farmer_id"])["ktp_uploaded_at"] is None  # not checked yet
    fresh.stack.check_uploads()
    assert get_farmer(fresh, farmer["farmer_id"])["ktp_uploaded_at"] is not None


def get_farmer(fn: FunctionInvoker, farmer_id: str) -> dict[str, Any]:
    result = fn(http_event("GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, claims=ADMIN))
    assert result.status == 200, result.body
    body: dict[str, Any] = result.body
    return body


def test_ktp_refusals(fresh: FunctionInvoker) -> None:
    farmer = register_one(fresh)
    path = {"farmer_id": farmer["farmer_id"]}
    wrong_type = fresh(
        http_event(
            "POST",
            "/farmers/{farmer_id}/ktp",
            path_params=path,
            body={"content_type": "text/html"},
            claims=ADMIN,
        )
    )
    assert (wrong_type.status, wrong_type.code) == (422, "VALIDATION_ERROR")
    foreign = fresh(http_event("POST", "/farmers/{farmer_id}/ktp", path_params=path, claims=AGENT_GANRA))
    assert (foreign.status, foreign.code) == (403, "FORBIDDEN")


class BrokenQueue(OutboundQueue):
    def send(self, entry: OutboxEntry) -> None:
        raise ConnectionError("SQS unreachable")


def test_enqueue_failure_keeps_registration_and_leaves_outbox_pending(fresh: FunctionInvoker) -> None:
    fresh(http_event("GET", "/health"))  # builds the services in this function's environment
    dispatcher = wiring.register_farmer(fresh.settings()).writer.dispatcher
    real_queue = dispatcher.queue
    dispatcher.queue = BrokenQueue("unused")
    try:
        body = farmer_body(nik=make_nik(date(1979, 3, 3), "M"), birth=date(1979, 3, 3), sex="M")
        result = fresh(http_event("POST", "/farmers", body=body, claims=AGENT_LALABATA))
    finally:
        dispatcher.queue = real_queue
    assert result.status == 201
    pending = fresh.stack.storage().outbox.pending(created_up_to=iso_utc(now_utc()))
    assert [e.farmer_id for e in pending] == [result.body["farmer_id"]]
    assert pending[0].op_type == "PARTICIPANT_REGISTRATION"
