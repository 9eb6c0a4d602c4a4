"""Personal data (UU 27/2022) on moto: every write leaves exactly one audit record in its own
transaction, every read of a whole NIK leaves one before it is answered, lists mask phones
and bank accounts, and the audit trail itself holds no NIK, phone or bank account."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sutasoma.adapters.dynamo.audit import AuditRepository
from sutasoma.adapters.dynamo.codec import from_dynamo
from sutasoma.adapters.dynamo.keys import AUDIT
from sutasoma.adapters.dynamo.unit_of_work import DynamoUnitOfWork
from sutasoma.domain.audit import AuditRecord
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.counters import Count
from sutasoma.domain.periods import add_months
from sutasoma.runtime import wiring
from tests.support.claims import claim_body
from tests.support.events import claims_for, http_event
from tests.support.log_scan import PERSONAL
from tests.support.road import AGENT, Road, get_claim, pay_one_month
from tests.support.uploads import documents_in

CURRENT = period_of(today_wita())
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
ADMIN = claims_for("admin", username="admin.dinas")
MASKED_PHONE = re.compile(r"^(\+62|62|0)8\d\d\*+\d{4}$")


pytestmark = pytest.mark.usefixtures("calm_bpjs")


# ---------------------------------------------------------------------------- helpers
def actions(road: Road, subject_id: str) -> list[str]:
    return [record["action"] for record in road.audit_trail(subject_id)]


def all_audit_items(road: Road) -> list[dict[str, Any]]:
    client = road.stack.clients("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(
        TableName=road.stack.ref("DomainTable"),
        FilterExpression="begins_with(PK, :audit)",
        ExpressionAttributeValues={":audit": {"S": AUDIT.prefix}},
    ):
        items.extend(from_dynamo(item) for item in page["Items"])
    return items


def get_farmer(road: Road, farmer_id: str, claims: dict[str, str] = AGENT) -> Any:
    return road.register(
        http_event("GET", "/farmers/{farmer_id}", path_params={"farmer_id": farmer_id}, claims=claims)
    )


def list_farmers(road: Road, claims: dict[str, str] = AGENT, **query: str) -> Any:
    return road.register(http_event("GET", "/farmers", query={"limit": "100", **query}, claims=claims))


class FailingCounters(DynamoUnitOfWork):
    """Breaks the counters of a transaction, as a fault in DynamoDB would (test_payments.py)."""

    def _count(self, count: Count) -> dict[str, Any]:
        update = super()._count(count)
        update["Update"]["TableName"] = "no-such-table"
        return update


class FailingAudit(AuditRepository):
    """The audit table write of a read fails, as DynamoDB throttling or an outage would."""

    def record(self, audit: AuditRecord) -> None:
        self.table.client.put_item(TableName="no-such-table", Item={"PK": {"S": "x"}, "SK": {"S": "y"}})


# ---------------------------------------------------------------------------- writes
def test_every_write_leaves_exactly_one_audit_record(road: Road) -> None:
    farmer = road.new_farmer(8101)
    fid = farmer["farmer_id"]
    [registered] = road.audit_trail(fid)
    assert registered["action"] == "FARMER_REGISTERED"
    assert (registered["actor"], registered["actor_role"]) == ("agen.lalabata", "agent")
    assert registered["actor_sub"] == AGENT["sub"] and registered["resource"] == f"farmer/{fid}"
    assert registered["request_id"] and registered["at"] == farmer["registered_at"]
    assert registered["SK"].startswith(registered["at"] + "#")

    road.pump()  # BPJS confirms the registration: a system write, recorded too
    assert actions(road, fid) == ["FARMER_REGISTERED", "BPJS_OPERATION_COMPLETED"]

    road.patch(fid, phone="085255512345", address="Dusun Baru RT 02")
    updated = [r for r in road.audit_trail(fid) if r["action"] == "FARMER_UPDATED"]
    assert len(updated) == 1 and updated[0]["fields"] == ["address", "phone"]  # names, never values

    paid = pay_one_month(road, fid)
    assert paid.status == 201, paid.body
    [payment] = [r for r in road.audit_trail(fid) if r["action"] == "PAYMENT_RECORDED"]
    assert payment["resource"] == f"payment/{paid.body['payment_id']}"
    assert payment["detail"]["receipt_number"] == paid.body["receipt_number"]
    road.pump()

    filed = road.claim(http_event("POST", "/claims", body=claim_body(fid), claims=AGENT))
    assert filed.status == 201, filed.body
    cid = filed.body["claim_id"]
    [submitted] = road.audit_trail(cid)
    assert (submitted["action"], submitted["farmer_id"], submitted["resource"]) == (
        "CLAIM_SUBMITTED",
        fid,
        f"claim/{cid}",
    )


def test_reactivation_and_verification_are_recorded(road: Road) -> None:
    farmer = road.new_farmer(8102)
    fid = farmer["farmer_id"]
    road.pump()
    road.stack.clients("dynamodb").update_item(
        TableName=road.stack.ref("DomainTable"),
        Key={"PK": {"S": f"FARMER#{fid}"}, "SK": {"S": "PROFILE"}},
        UpdateExpression="SET paid_through = :p",
        ExpressionAttributeValues={":p": {"S": add_months(CURRENT, -5)}},
    )
    reactivated = road.register(
        http_event("POST", "/farmers/{farmer_id}/reactivate", path_params={"farmer_id": fid}, claims=AGENT)
    )
    assert reactivated.status == 200, reactivated.body
    assert actions(road, fid).count("FARMER_REACTIVATED") == 1

    # A claim the coordinator verifies (documents in S3 first).
    road.pump()
    assert pay_one_month(road, fid).status == 201
    road.pump()
    filed = road.claim(http_event("POST", "/claims", body=claim_body(fid), claims=AGENT)).body
    cid = filed["claim_id"]
    documents_in(road.stack, cid, filed["required_documents"])
    verified = road.claim(
        http_event("POST", "/claims/{claim_id}/verify", path_params={"claim_id": cid}, claims=COORDINATOR)
    )
    assert verified.status == 200, verified.body
    [verify] = [r for r in road.audit_trail(cid) if r["action"] == "CLAIM_VERIFIED"]
    assert (verify["actor"], verify["actor_role"], verify["actor_sub"]) == (
        "koordinator.lalabata",
        "coordinator",
        COORDINATOR["sub"],
    )

    # BPJS's decision arrives as a signed callback: recorded as BPJS's, once.
    road.pump()  # the claim goes to BPJS (a system write)
    assert actions(road, cid).count("BPJS_OPERATION_COMPLETED") == 1
    event = {
        "event_id": f"ok-{cid}",
        "type": "CLAIM_APPROVED",
        "data": {"claim_id": cid, "amount": 42_000_000},
    }
    assert road.send_callback(event).body["status"] == "APPLIED"
    assert road.send_callback(event).body["status"] == "DUPLICATE"
    [decision] = [r for r in road.audit_trail(cid) if r["action"] == "BPJS_CALLBACK_APPLIED"]
    assert (decision["actor"], decision["actor_role"], decision["resource"]) == (
        "BPJS",
        "bpjs",
        f"claim/{cid}",
    )
    assert decision["detail"] == {"event_id": f"ok-{cid}", "event_type": "CLAIM_APPROVED"}


def test_a_failed_transaction_leaves_no_audit_record(road: Road) -> None:
    farmer = road.new_farmer(8103)
    fid = farmer["farmer_id"]
    before = road.audit_trail(fid)
    road.pay(http_event("GET", "/health"))  # build the services of this function
    writer = wiring.payment_desk(road.pay.settings()).writer
    real_unit = writer.unit
    writer.unit = FailingCounters(road.stack.table())
    try:
        failed = pay_one_month(road, fid)
    finally:
        writer.unit = real_unit
    assert failed.status == 500 and failed.body["code"] == "INTERNAL_ERROR"
    assert road.audit_trail(fid) == before  # no write, so no record of one
    assert pay_one_month(road, fid).status == 201
    assert actions(road, fid).count("PAYMENT_RECORDED") == 1


def test_a_refused_registration_leaves_no_audit_record(road: Road) -> None:
    farmer = road.new_farmer(8104)
    count = len(all_audit_items(road))
    again = road.register(
        http_event(
            "POST",
            "/farmers",
            body={**_body_of(road, farmer["farmer_id"]), "full_name": "Nama Lain"},
            claims=AGENT,
        )
    )
    assert again.status == 409 and again.body["code"] == "NIK_ALREADY_REGISTERED"
    assert len(all_audit_items(road)) == count + 1  # only the NIK_READ of _body_of


def _body_of(road: Road, farmer_id: str) -> dict[str, Any]:
    whole = get_farmer(road, farmer_id).body
    keys = ("nik", "full_name", "phone", "kecamatan_code", "village_code", "address", "commodity")
    return {**{k: whole[k] for k in keys}, "consent": True}


# ---------------------------------------------------------------------------- reads
def test_reading_a_whole_nik_is_recorded_and_a_list_is_not(road: Road) -> None:
    farmer = road.new_farmer(8105)
    fid = farmer["farmer_id"]
    assert list_farmers(road).status == 200
    assert actions(road, fid) == ["FARMER_REGISTERED"]

    got = get_farmer(road, fid, COORDINATOR)
    assert got.status == 200 and len(got.body["nik"]) == 16
    [read] = [r for r in road.audit_trail(fid) if r["action"] == "NIK_READ"]
    assert (read["actor"], read["actor_sub"], read["actor_role"]) == (
        "koordinator.lalabata",
        COORDINATOR["sub"],
        "coordinator",
    )
    assert read["resource"] == f"farmer/{fid}" and read["request_id"]

    assert get_farmer(road, fid, ADMIN).status == 200
    assert actions(road, fid).count("NIK_READ") == 2
    outsider = claims_for("agent", "73.12.07", username="agen.ganra")
    assert get_farmer(road, fid, outsider).status == 403  # refused: nothing disclosed, nothing recorded
    assert actions(road, fid).count("NIK_READ") == 2


def test_no_audit_record_no_nik(road: Road) -> None:
    farmer = road.new_farmer(8106)
    road.register(http_event("GET", "/health"))
    records = wiring.farmer_records(road.register.settings())
    real_audit = records.audit
    records.audit = FailingAudit(road.stack.table())
    try:
        refused = get_farmer(road, farmer["farmer_id"])
    finally:
        records.audit = real_audit
    assert refused.status == 500 and refused.body["code"] == "INTERNAL_ERROR"
    assert "nik" not in json.dumps(refused.body).replace("nik_", "")
    assert not PERSONAL.search(json.dumps(refused.body))


# ---------------------------------------------------------------------------- masking
def test_lists_mask_phones_and_hold_no_nik(road: Road) -> None:
    farmer = road.new_farmer(8107)
    listed = list_farmers(road)
    assert listed.status == 200
    [item] = [f for f in listed.body["items"] if f["farmer_id"] == farmer["farmer_id"]]
    assert item["phone"] == "0812****7890"
    assert [h["phone"] for h in item["heirs"]] == ["0812****5432"]
    assert "nik" not in item and item["nik_masked"].count("*") == 8
    for entry in listed.body["items"]:
        assert "nik" not in entry and MASKED_PHONE.match(entry["phone"]), entry["phone"]
        # The KPJ card number (11 digits, BPJS's) is shown in lists; nothing else of that shape.
        assert PERSONAL.findall(json.dumps({**entry, "kpj_number": None})) == []

    whole = get_farmer(road, farmer["farmer_id"]).body  # the agent calls the farmer
    assert whole["phone"] == "081234567890" and whole["heirs"][0]["phone"] == "081298765432"


def test_bank_account_whole_only_for_the_verifier(road: Road) -> None:
    farmer = road.new_farmer(8108)
    fid = farmer["farmer_id"]
    road.pump()
    assert pay_one_month(road, fid).status == 201
    road.pump()
    filed = road.claim(http_event("POST", "/claims", body=claim_body(fid), claims=AGENT))
    assert filed.status == 201, filed.body
    cid = filed.body["claim_id"]
    assert filed.body["claimant"]["bank_account"] == "***********3567"  # agents: masked

    by_agent = get_claim(road, cid).body["claimant"]
    assert by_agent["bank_account"] == "***********3567" and by_agent["phone"] == "081298765432"
    assert "BANK_ACCOUNT_READ" not in actions(road, cid)
    # The claimant's phone was shown whole to the agent: that read is on the record too.
    [phone_read] = [r for r in road.audit_trail(cid) if r["action"] == "PHONE_READ"]
    assert (phone_read["actor"], phone_read["fields"]) == ("agen.lalabata", ["claimant.phone"])

    by_coordinator = get_claim(road, cid, COORDINATOR).body["claimant"]
    assert by_coordinator["bank_account"] == "012301000123567"
    [read] = [r for r in road.audit_trail(cid) if r["action"] == "BANK_ACCOUNT_READ"]
    assert read["actor"] == "koordinator.lalabata"
    assert read["fields"] == ["claimant.bank_account", "claimant.phone"]

    for claims in (AGENT, COORDINATOR, ADMIN):
        page = road.claim(http_event("GET", "/claims", query={"farmer_id": fid}, claims=claims))
        assert page.status == 200, page.body
        [listed] = page.body["items"]
        assert listed["claimant"]["bank_account"] == "***********3567"
        assert listed["claimant"]["phone"] == "0812****5432"
        assert PERSONAL.findall(json.dumps(page.body)) == []


def test_audit_records_hold_no_personal_data(road: Road) -> None:
    """Scanned with the log scan's own pattern: no NIK, phone or bank account in any record."""
    farmer = road.new_farmer(8109)
    get_farmer(road, farmer["farmer_id"])
    road.patch(farmer["farmer_id"], phone="085211110000")
    records = all_audit_items(road)
    assert len(records) >= 3
    findings = [(r["PK"], found) for r in records for found in PERSONAL.findall(json.dumps(r, default=str))]
    assert findings == []
    assert not any("nik" in r or "phone" in r or "bank_account" in r for r in records)
