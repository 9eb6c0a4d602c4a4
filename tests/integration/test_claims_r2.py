"""Claims per CONTRACT r2 and DOMAIN "Claims life cycle", on moto with the BPJS simulator: one
death benefit per person, the death a claim records, estimates on the income the incident's
month was paid on, four eyes, the documents a verifier opens, refiling after a rejection."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest

from sutasoma.domain.clock import WITA, period_of, today_wita, use_clock
from sutasoma.domain.periods import add_months
from tests.support.claims import claim_body
from tests.support.events import claims_for, http_event
from tests.support.road import AGENT, Road, file_claim, get_claim
from tests.support.uploads import JPEG, post_file

COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
ADMIN = claims_for("admin", username="admin.dinas")

pytestmark = pytest.mark.usefixtures("calm_bpjs")


def paid_farmer(road: Road, serial: int, months: int = 1, **overrides: Any) -> str:
    """Registered, confirmed by BPJS, `months` paid from this month on (recorded today)."""
    fid = road.new_farmer(serial, **overrides)["farmer_id"]
    road.pump()
    path = {"farmer_id": fid}
    quote = road.pay(
        http_event("GET", "/farmers/{farmer_id}/payments/quote", path_params=path, query={"months": str(months)},
                   claims=AGENT)
    ).body  # fmt: skip
    paid = road.pay(
        http_event(
            "POST", "/farmers/{farmer_id}/payments", path_params=path, claims=AGENT,
            body={"months": months, "amount": quote["amount"], "first_period": quote["first_period"]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )  # fmt: skip
    assert paid.status == 201, paid.body
    road.pump()
    return fid


def jkk(fid: str, outcome: str, **overrides: Any) -> dict[str, Any]:
    return claim_body(fid, "JKK", outcome=outcome, description="Tertimpa pohon di kebun.", **overrides)


def upload_all(road: Road, claim: dict[str, Any]) -> None:
    for doc in claim["required_documents"]:
        url = road.claim(
            http_event("POST", "/claims/{claim_id}/documents", path_params={"claim_id": claim["claim_id"]},
                       body={"doc_type": doc}, claims=AGENT)
        )  # fmt: skip
        assert url.status == 200, url.body
        assert post_file(url.body, JPEG).status_code == 204
    road.stack.check_uploads()  # S3 -> EventBridge -> DocumentCheckFunction


def verify(road: Road, claim_id: str, claims: dict[str, str] = COORDINATOR, body: Any = None) -> Any:
    return road.claim(
        http_event(
            "POST", "/claims/{claim_id}/verify", path_params={"claim_id": claim_id}, claims=claims, body=body
        )
    )


def reject_by_bpjs(road: Road, claim: dict[str, Any]) -> None:
    upload_all(road, claim)
    assert verify(road, claim["claim_id"]).status == 200
    road.pump()  # sent to BPJS
    answer = road.send_callback(
        {"event_id": f"rej-{claim['claim_id']}", "type": "CLAIM_REJECTED",
         "data": {"claim_id": claim["claim_id"], "reason": "Dokumen tidak sesuai"}}
    )  # fmt: skip
    assert answer.status == 200, answer.body


def test_one_death_benefit_per_person(road: Road) -> None:
    fid = paid_farmer(road, 9101)
    jkm = file_claim(road, claim_body(fid))
    assert jkm.status == 201, jkm.body
    same = file_claim(road, claim_body(fid))
    assert (same.status, same.body["code"]) == (
        409,
        "DUPLICATE_CLAIM",
    )  # same type and date: a duplicate first
    death_by_accident = file_claim(road, jkk(fid, "death"))
    assert (death_by_accident.status, death_by_accident.body["code"]) == (409, "DEATH_ALREADY_CLAIMED")
    assert death_by_accident.body["claim_id"] == jkm.body["claim_id"]
    treatment = file_claim(road, jkk(fid, "treatment"))  # the same day, before the death: still covered
    assert treatment.status == 201, treatment.body


def test_a_death_claim_records_the_death_with_its_membership_rules(road: Road) -> None:
    fid = paid_farmer(road, 9102, months=3)  # paid this month and the next two
    filed = file_claim(road, claim_body(fid))
    assert filed.status == 201, filed.body
    farmer = road.farmer(fid)
    assert farmer["deceased_on"] == today_wita().isoformat()
    assert farmer["coverage"]["state"] == "ENDED"
    refunds = road.pay(http_event("GET", "/refunds", query={"status": "OPEN"}, claims=AGENT)).body["items"]
    [refund] = [r for r in refunds if r["farmer_id"] == fid]
    assert refund["reason"] == "PAID_AFTER_DEATH"
    assert refund["periods"] == [
        add_months(period_of(today_wita()), 1),
        add_months(period_of(today_wita()), 2),
    ]
    quote = road.pay(http_event("GET", "/farmers/{farmer_id}/payments/quote", path_params={"farmer_id": fid},
                                claims=AGENT))  # fmt: skip
    assert (quote.status, quote.body["code"]) == (409, "FARMER_DECEASED")


@contextmanager
def on_day(day: int) -> Iterator[date]:
    """The business clock on `day` of this month, 10:00 WITA."""
    moment = datetime.combine(today_wita().replace(day=day), time(10), tzinfo=WITA)
    with use_clock(lambda: moment.astimezone(UTC)):
        yield moment.date()


def test_no_incident_after_the_death_and_a_death_claim_agrees_with_the_recorded_date(road: Road) -> None:
    with on_day(5):
        fid = paid_farmer(road, 9103)
    with on_day(20) as today:
        died_on = today.replace(day=15)
        died = road.register(
            http_event("POST", "/farmers/{farmer_id}/death", path_params={"farmer_id": fid},
                       body={"date_of_death": died_on.isoformat()}, claims=AGENT)
        )  # fmt: skip
        assert died.status == 200, died.body
        after = file_claim(road, jkk(fid, "treatment", incident_date=today.replace(day=18).isoformat()))
        assert (after.status, after.body["code"]) == (422, "INCIDENT_DATE_INVALID")
        other_date = file_claim(road, claim_body(fid, incident_date=today.replace(day=14).isoformat()))
        assert (other_date.status, other_date.body["code"]) == (422, "INCIDENT_DATE_INVALID")
        before = file_claim(road, jkk(fid, "treatment", incident_date=today.replace(day=12).isoformat()))
        assert before.status == 201, before.body  # an accident before the death is still covered
        jkm = file_claim(road, claim_body(fid, incident_date=died_on.isoformat()))
        assert jkm.status == 201, jkm.body
        # With the death benefit claimed, a second death claim is that, whatever its date (CONTRACT).
        for second in (claim_body(fid, incident_date=today.replace(day=14).isoformat()),
                       jkk(fid, "death", incident_date=today.replace(day=13).isoformat())):  # fmt: skip
            refused = file_claim(road, second)
            assert (refused.status, refused.body["code"]) == (409, "DEATH_ALREADY_CLAIMED"), refused.body
            assert refused.body["claim_id"] == jkm.body["claim_id"]
    assert road.farmer(fid)["deceased_on"] == died_on.isoformat()  # recorded once, never moved by a claim


def test_the_estimate_uses_the_income_the_incident_month_was_paid_on(road: Road) -> None:
    fid = paid_farmer(road, 9104)  # paid at Rp 1,000,000
    road.patch(fid, monthly_income=3_000_000)  # applies from the next unpaid month
    filed = file_claim(road, jkk(fid, "death"))
    assert filed.status == 201, filed.body
    assert (
        filed.body["estimated_benefit"]["total"] == 48_000_000 + 10_000_000 + 12_000_000
    )  # Rp 70 M, not 166 M
    assert filed.body["income"] == 1_000_000
    assert "JKK_STMB" not in {item["code"] for item in filed.body["estimated_benefit"]["items"]}


def test_membership_months_stop_at_the_incident(road: Road) -> None:
    fid = paid_farmer(road, 9105, months=12)  # a year paid ahead, registered today
    filed = file_claim(road, claim_body(fid))
    assert filed.status == 201, filed.body
    assert filed.body["membership_months"] == 1  # this month only, not the 11 paid ahead
    codes = {item["code"] for item in filed.body["estimated_benefit"]["items"]}
    assert "SCHOLARSHIP_NOT_YET" in codes


def test_four_eyes_and_the_disability_percentage(road: Road) -> None:
    fid = paid_farmer(road, 9106)
    filed = file_claim(road, jkk(fid, "permanent_disability"), claims=COORDINATOR)
    assert filed.status == 201, filed.body
    disability = next(
        i for i in filed.body["estimated_benefit"]["items"] if i["code"] == "JKK_PERMANENT_DISABILITY"
    )
    assert disability["amount"] is None and "menunggu persentase" in disability["name"]
    upload_all(road, filed.body)
    own = verify(road, filed.body["claim_id"], COORDINATOR, {"disability_percent": 30})
    assert (own.status, own.body["code"]) == (403, "SELF_VERIFICATION")
    out_of_range = verify(road, filed.body["claim_id"], ADMIN, {"disability_percent": 0})
    assert (out_of_range.status, out_of_range.body["code"]) == (422, "VALIDATION_ERROR")
    for without in (None, {}, {"disability_percent": None}):  # the estimate would stay pending
        pending = verify(road, filed.body["claim_id"], ADMIN, without)
        assert (pending.status, pending.body["code"]) == (422, "VALIDATION_ERROR"), without
        assert pending.body["errors"] == [
            {"field": "disability_percent", "message": "Wajib untuk klaim cacat tetap: 1-100."}
        ]
    verified = verify(road, filed.body["claim_id"], ADMIN, {"disability_percent": 30})
    assert verified.status == 200, verified.body
    assert verified.body["disability_percent"] == 30
    assert verified.body["estimated_benefit"]["total"] == 24_000_000  # 30 % x 80 x Rp 1,000,000


def test_a_total_permanent_disability_is_56_wages_whatever_its_percentage(road: Road) -> None:
    fid = paid_farmer(road, 9113)
    filed = file_claim(road, jkk(fid, "permanent_disability"), claims=COORDINATOR)
    upload_all(road, filed.body)
    verified = verify(road, filed.body["claim_id"], ADMIN, {"disability_percent": 100})
    assert verified.status == 200, verified.body
    assert verified.body["estimated_benefit"]["total"] == 56_000_000  # 70 % x 80 x Rp 1,000,000


def test_a_percentage_only_for_a_permanent_disability(road: Road) -> None:
    fid = paid_farmer(road, 9107)
    filed = file_claim(road, jkk(fid, "treatment")).body
    upload_all(road, filed)
    refused = verify(road, filed["claim_id"], COORDINATOR, {"disability_percent": 40})
    assert (refused.status, refused.body["code"]) == (422, "VALIDATION_ERROR")


def test_the_verifier_opens_each_document_and_each_opening_is_audited(road: Road) -> None:
    fid = paid_farmer(road, 9108)
    filed = file_claim(road, jkk(fid, "treatment")).body
    path = {"claim_id": filed["claim_id"], "doc_type": "kpj_card"}
    missing = road.claim(http_event("GET", "/claims/{claim_id}/documents/{doc_type}", path_params=path,
                                    claims=COORDINATOR))  # fmt: skip
    assert (missing.status, missing.body["code"]) == (404, "NOT_FOUND")
    upload_all(road, filed)
    agent = road.claim(
        http_event("GET", "/claims/{claim_id}/documents/{doc_type}", path_params=path, claims=AGENT)
    )
    assert (agent.status, agent.body["code"]) == (403, "FORBIDDEN")
    opened = road.claim(http_event("GET", "/claims/{claim_id}/documents/{doc_type}", path_params=path,
                                   claims=COORDINATOR))  # fmt: skip
    assert opened.status == 200, opened.body
    assert httpx.get(opened.body["download_url"]).content == JPEG
    reads = [r for r in road.audit_trail(filed["claim_id"]) if r["action"] == "DOCUMENT_READ"]
    assert (
        len(reads) == 1
        and reads[0]["actor"] == "koordinator.lalabata"
        and reads[0]["detail"] == {"doc_type": "kpj_card"}
    )


def test_a_claim_bpjs_rejected_is_filed_again(road: Road) -> None:
    fid = paid_farmer(road, 9109)
    first = file_claim(road, jkk(fid, "treatment")).body
    reject_by_bpjs(road, first)
    rejected = get_claim(road, first["claim_id"]).body
    assert (rejected["status"], rejected["rejection_reason"]) == ("REJECTED", "Dokumen tidak sesuai")
    # The agent sees it, with BPJS's reason, on the worklist until it is filed again.
    (to_refile,) = [c for c in worklist(road)["claims_rejected"] if c["claim_id"] == first["claim_id"]]
    assert (to_refile["rejection_reason"], to_refile["action"]) == ("Dokumen tidak sesuai", "REFILE_CLAIM")
    assert "Dokumen tidak sesuai" in to_refile["action_text"]
    wrong_link = file_claim(road, jkk(fid, "treatment", previous_claim_id=str(uuid.uuid4())))
    assert (wrong_link.status, wrong_link.body["code"]) == (422, "VALIDATION_ERROR")
    again = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"]))
    assert again.status == 201, again.body
    assert again.body["previous_claim_id"] == first["claim_id"]
    twice = file_claim(road, jkk(fid, "treatment"))
    assert (twice.status, twice.body["code"]) == (409, "DUPLICATE_CLAIM")  # the refiling holds the key now
    assert first["claim_id"] not in {c["claim_id"] for c in worklist(road)["claims_rejected"]}
    assert get_claim(road, first["claim_id"]).body["status"] == "REJECTED"  # the rejection itself stays


def test_a_rejected_claim_is_filed_again_once(road: Road) -> None:
    fid = paid_farmer(road, 9111)
    first = file_claim(road, jkk(fid, "treatment")).body
    reject_by_bpjs(road, first)
    second = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"])).body
    reject_by_bpjs(road, second)  # rejected again
    stale = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"]))
    assert (stale.status, stale.body["code"]) == (422, "VALIDATION_ERROR")
    assert second["claim_id"] in stale.body["detail"]  # names the claim to refer to instead
    third = file_claim(road, jkk(fid, "treatment", previous_claim_id=second["claim_id"]))
    assert third.status == 201, third.body
    rejected = {c["claim_id"] for c in worklist(road)["claims_rejected"]}
    assert not rejected & {first["claim_id"], second["claim_id"]}


def worklist(road: Road) -> dict[str, Any]:
    result = road.register(http_event("GET", "/agents/me/worklist", claims=AGENT))
    assert result.status == 200, result.body
    return dict(result.body)


def test_a_rejected_death_claim_releases_the_death_benefit(road: Road) -> None:
    fid = paid_farmer(road, 9110)
    jkm = file_claim(road, claim_body(fid)).body
    reject_by_bpjs(road, jkm)
    as_accident = file_claim(road, jkk(fid, "death"))
    assert as_accident.status == 201, as_accident.body  # a death from a work accident is JKK


def test_a_second_refiling_of_a_live_refiling_is_a_duplicate(road: Road) -> None:
    """CONTRACT: a duplicate is a claim of the same farmer, type and incident date that is not
    REJECTED: refiling again while the refiling lives, or naming a claim BPJS has not rejected,
    is 409 DUPLICATE_CLAIM naming the live claim (it was 422)."""
    fid = paid_farmer(road, 9117)
    first = file_claim(road, jkk(fid, "treatment")).body
    named_live = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"]))
    assert named_live.status == 409 and named_live.body["code"] == "DUPLICATE_CLAIM", named_live.body
    assert named_live.body["claim_id"] == first["claim_id"]
    reject_by_bpjs(road, first)
    again = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"])).body
    twice = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"]))
    assert twice.status == 409 and twice.body["code"] == "DUPLICATE_CLAIM", twice.body
    assert twice.body["claim_id"] == again["claim_id"]
    assert f"sebagai klaim {again['claim_id']}" in twice.body["detail"]
    # Once the refiling is rejected too, the first rejected claim is not the one to refile.
    reject_by_bpjs(road, get_claim(road, again["claim_id"]).body)
    stale = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"]))
    assert stale.status == 422 and stale.body["code"] == "VALIDATION_ERROR", stale.body
    third = file_claim(road, jkk(fid, "treatment", previous_claim_id=again["claim_id"]))
    assert third.status == 201, third.body


def test_a_refiled_claim_points_to_its_refiling(road: Road) -> None:
    fid = paid_farmer(road, 9112)
    first = file_claim(road, jkk(fid, "treatment")).body
    assert first["refiled_as"] is None
    reject_by_bpjs(road, first)
    again = file_claim(road, jkk(fid, "treatment", previous_claim_id=first["claim_id"])).body
    assert get_claim(road, first["claim_id"]).body["refiled_as"] == again["claim_id"]
    assert again["refiled_as"] is None
