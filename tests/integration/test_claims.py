"""Claims on moto with the BPJS simulator: file, upload documents, verify, BPJS decides."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from sutasoma.adapters.dynamo import keys
from sutasoma.domain.clock import period_of, today_wita
from tests.support.claims import claim_body
from tests.support.events import claims_for, http_event
from tests.support.road import AGENT, Road, file_claim, get_claim
from tests.support.uploads import JPEG, post_file

COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
OTHER_COORDINATOR = claims_for("coordinator", "73.12.01", username="koordinator.marioriwawo")


pytestmark = pytest.mark.usefixtures("calm_bpjs")


def covered_farmer(road: Road, serial: int, **overrides: Any) -> dict[str, Any]:
    """Registered, confirmed by BPJS, and this month paid today."""
    farmer = road.new_farmer(serial, **overrides)
    road.pump()
    fid = farmer["farmer_id"]
    quote = road.pay(
        http_event("GET", "/farmers/{farmer_id}/payments/quote", path_params={"farmer_id": fid}, claims=AGENT)
    )
    paid = road.pay(
        http_event(
            "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": fid}, claims=AGENT,
            body={"months": 1, "amount": quote.body["amount"], "first_period": quote.body["first_period"]}, headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )  # fmt: skip
    assert paid.status == 201, paid.body
    road.pump()
    return road.farmer(fid)


def upload(road: Road, claim_id: str, doc_type: str) -> Any:
    url = road.claim(
        http_event(
            "POST", "/claims/{claim_id}/documents", path_params={"claim_id": claim_id}, body={"doc_type": doc_type},
            claims=AGENT,
        )
    )  # fmt: skip
    assert url.status == 200, url.body
    assert post_file(url.body, JPEG).status_code == 204
    road.stack.check_uploads()  # S3 -> EventBridge -> DocumentCheckFunction
    return url


def verify(road: Road, claim_id: str, claims: dict[str, str] = COORDINATOR) -> Any:
    return road.claim(
        http_event("POST", "/claims/{claim_id}/verify", path_params={"claim_id": claim_id}, claims=claims)
    )


def counter(road: Road, name: str) -> int:
    item = (
        road.stack.clients("dynamodb")
        .get_item(
            TableName=road.stack.ref("DomainTable"),
            Key={
                name: {"S": value}
                for name, value in keys.counter(period_of(today_wita()), "73.12.04").items()
            },
        )
        .get("Item", {})
    )
    return int(item.get(name, {"N": "0"})["N"])


def test_jkm_claim_from_filing_to_paid(road: Road) -> None:
    farmer = covered_farmer(road, 6001)
    submitted_before = counter(road, "claims_submitted_JKM")
    filed = file_claim(road, claim_body(farmer["farmer_id"]), headers={"Idempotency-Key": "claim-6001-jkm"})
    assert filed.status == 201, filed.body
    claim = filed.body
    assert claim["status"] == "SUBMITTED" and claim["type"] == "JKM"
    assert claim["estimated_benefit"]["total"] == 42_000_000
    assert {i["code"] for i in claim["estimated_benefit"]["items"] if i["in_total"]} == {
        "JKM_DEATH",
        "JKM_PERIODIC",
        "FUNERAL",
    }
    assert "marriage_book" in claim["required_documents"]  # the claimant is the spouse
    assert all(not d["uploaded"] for d in claim["documents"])
    assert counter(road, "claims_submitted_JKM") == submitted_before + 1
    again = file_claim(road, claim_body(farmer["farmer_id"]), headers={"Idempotency-Key": "claim-6001-jkm"})
    assert again.status == 201 and again.body["claim_id"] == claim["claim_id"]

    cid = claim["claim_id"]
    missing = verify(road, cid)
    assert (missing.status, missing.body["code"]) == (409, "DOCUMENTS_MISSING")
    assert sorted(missing.body["missing"]) == sorted(claim["required_documents"])

    for doc in claim["required_documents"][:-1]:
        upload(road, cid, doc)
    one_left = verify(road, cid)
    assert one_left.status == 409 and one_left.body["missing"] == [claim["required_documents"][-1]]
    upload(road, cid, claim["required_documents"][-1])
    assert all(d["uploaded"] for d in get_claim(road, cid).body["documents"])

    assert verify(road, cid, claims=AGENT).status == 403  # agents file, coordinators verify
    assert verify(road, cid, claims=OTHER_COORDINATOR).status == 403
    verified = verify(road, cid)
    assert verified.status == 200 and verified.body["status"] == "VERIFIED"
    twice = verify(road, cid)
    assert (twice.status, twice.body["code"]) == (409, "INVALID_TRANSITION")

    assert road.pump() == (1, 0)
    assert get_claim(road, cid).body["status"] == "SENT_TO_BPJS"

    paid_early = road.send_callback(
        {
            "event_id": f"paid-{cid}",
            "type": "CLAIM_PAID",
            "data": {"claim_id": cid, "amount": 42_000_000, "paid_at": "2026-12-01T02:00:00Z"},
        }
    )
    assert (paid_early.status, paid_early.body["code"]) == (409, "INVALID_TRANSITION")  # not approved yet
    approved = road.send_callback(
        {"event_id": f"ok-{cid}", "type": "CLAIM_APPROVED", "data": {"claim_id": cid, "amount": 42_000_000}}
    )
    assert (approved.status, approved.body["status"]) == (200, "APPLIED")
    paid = road.send_callback(
        {
            "event_id": f"paid-{cid}",
            "type": "CLAIM_PAID",
            "data": {"claim_id": cid, "amount": 42_000_000, "paid_at": "2026-12-01T02:00:00Z"},
        }
    )
    assert (paid.status, paid.body["status"]) == (200, "APPLIED")
    replay = road.send_callback(
        {
            "event_id": f"paid-{cid}",
            "type": "CLAIM_PAID",
            "data": {"claim_id": cid, "amount": 42_000_000, "paid_at": "2026-12-01T02:00:00Z"},
        }
    )
    assert (replay.status, replay.body["status"]) == (200, "DUPLICATE")

    final = get_claim(road, cid).body
    assert (
        final["status"] == "PAID"
        and final["paid_amount"] == 42_000_000
        and final["approved_amount"] == 42_000_000
    )
    assert [(e["status"], e["by"]) for e in final["history"]] == [
        ("SUBMITTED", "agen.lalabata"),
        ("VERIFIED", "koordinator.lalabata"),
        ("SENT_TO_BPJS", "system"),
        ("APPROVED", "BPJS"),
        ("PAID", "BPJS"),
    ]
    assert all(e["at"] for e in final["history"])
    assert counter(road, "claims_amount_JKM") >= 42_000_000 and counter(road, "claims_paid_JKM") >= 1


def test_jkk_death_estimate_uses_the_income(road: Road) -> None:
    farmer = covered_farmer(road, 6002, monthly_income=3_000_000)
    filed = file_claim(
        road,
        claim_body(
            farmer["farmer_id"],
            "JKK",
            outcome="death",
            road_accident=True,
            description="Tertimpa pohon di sawah.",
        ),
    )
    assert filed.status == 201, filed.body
    assert filed.body["estimated_benefit"]["total"] == 48 * 3_000_000 + 10_000_000 + 12_000_000
    assert "police_report" in filed.body["required_documents"]


def test_rejected_claim_records_the_reason(road: Road) -> None:
    farmer = covered_farmer(road, 6003)
    cid = file_claim(
        road, claim_body(farmer["farmer_id"], "JKK", outcome="treatment", description="Terluka cangkul.")
    ).body["claim_id"]
    for doc in get_claim(road, cid).body["required_documents"]:
        upload(road, cid, doc)
    assert verify(road, cid).status == 200
    road.pump()
    rejected = road.send_callback(
        {
            "event_id": f"no-{cid}",
            "type": "CLAIM_REJECTED",
            "data": {"claim_id": cid, "reason": "Bukan kecelakaan kerja"},
        }
    )
    assert rejected.status == 200
    final = get_claim(road, cid).body
    assert final["status"] == "REJECTED" and final["rejection_reason"] == "Bukan kecelakaan kerja"
    late = road.send_callback(
        {"event_id": f"ok-{cid}", "type": "CLAIM_APPROVED", "data": {"claim_id": cid, "amount": 1}}
    )
    assert (late.status, late.body["code"]) == (409, "INVALID_TRANSITION")


def test_refusals(road: Road) -> None:
    farmer = covered_farmer(road, 6004)
    fid = farmer["farmer_id"]
    cases: list[tuple[dict[str, Any], dict[str, str], int, str]] = [
        (
            claim_body(fid, incident_date=(today_wita() + timedelta(days=1)).isoformat()),
            AGENT,
            422,
            "INCIDENT_DATE_INVALID",
        ),
        (
            claim_body(fid, incident_date=today_wita().replace(year=today_wita().year - 6).isoformat()),
            AGENT,
            422,
            "INCIDENT_DATE_INVALID",
        ),
        (
            claim_body(fid, incident_date=(today_wita() - timedelta(days=40)).isoformat()),
            AGENT,
            422,
            "NOT_COVERED",
        ),
        (claim_body(fid, "JKM", outcome="treatment"), AGENT, 422, "VALIDATION_ERROR"),
        (claim_body(fid, type="JKX"), AGENT, 422, "VALIDATION_ERROR"),
        (claim_body(fid), claims_for("agent", "73.12.01"), 403, "FORBIDDEN"),
        (claim_body("01M8K3XSY4RZ411Z5Y5R2137YY"), AGENT, 404, "NOT_FOUND"),
    ]
    for body, caller, status, code in cases:
        result = file_claim(road, body, claims=caller)
        assert (result.status, result.body["code"]) == (status, code), (body, result.body)

    pending = road.new_farmer(6005)  # not confirmed, nothing paid
    road.bpjs.configure(outage=True)
    not_covered = file_claim(road, claim_body(pending["farmer_id"]))
    assert not_covered.status == 422 and not_covered.body["code"] == "NOT_COVERED"
    assert {e["field"] for e in not_covered.body["errors"]} == {"farmer_id", "incident_date"}

    first = file_claim(road, claim_body(fid, "JKK", outcome="treatment"))
    assert first.status == 201
    duplicate = file_claim(road, claim_body(fid, "JKK", outcome="treatment", description="Laporan kedua."))
    assert (duplicate.status, duplicate.body["code"]) == (409, "DUPLICATE_CLAIM")
    assert duplicate.body["claim_id"] == first.body["claim_id"]
    assert file_claim(road, claim_body(fid, "JKM")).status == 201  # another type is another claim

    wrong_doc = road.claim(
        http_event(
            "POST", "/claims/{claim_id}/documents", path_params={"claim_id": first.body["claim_id"]},
            body={"doc_type": "death_certificate"}, claims=AGENT,
        )
    )  # fmt: skip
    assert (wrong_doc.status, wrong_doc.body["code"]) == (422, "VALIDATION_ERROR")


def test_lists_by_kecamatan_status_and_farmer(road: Road) -> None:
    farmer = covered_farmer(road, 6006)
    cid = file_claim(road, claim_body(farmer["farmer_id"], "JKK", outcome="treatment")).body["claim_id"]
    mine = road.claim(http_event("GET", "/claims", query={"farmer_id": farmer["farmer_id"]}, claims=AGENT))
    assert [c["claim_id"] for c in mine.body["items"]] == [cid]
    submitted = road.claim(
        http_event("GET", "/claims", query={"status": "SUBMITTED", "limit": "100"}, claims=COORDINATOR)
    )
    assert cid in [c["claim_id"] for c in submitted.body["items"]]
    assert all(
        c["status"] == "SUBMITTED" and c["kecamatan_code"] == "73.12.04" for c in submitted.body["items"]
    )
    foreign = road.claim(
        http_event("GET", "/claims", query={"kecamatan_code": "73.12.04"}, claims=OTHER_COORDINATOR)
    )
    assert foreign.status == 403
    assert get_claim(road, cid, claims=OTHER_COORDINATOR).status == 403
    everywhere = road.claim(http_event("GET", "/claims", query={"limit": "1"}, claims=claims_for("admin")))
    assert len(everywhere.body["items"]) == 1 and everywhere.body["next_cursor"]
