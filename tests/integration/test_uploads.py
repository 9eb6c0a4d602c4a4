"""Uploads on moto, end to end (issue 14): the presigned POST answered by the API, the file posted
to S3 as a browser posts it, S3's event to the template's EventBridge rule, DocumentCheckFunction
recording the outcome on the farmer or the claim, a refused file gone (every version), and the
KTP copy opened by staff through a presigned GET, each opening audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sutasoma.domain.clock import today_wita
from tests.support.events import claims_for, http_event
from tests.support.road import AGENT, Road, file_claim, get_claim, pay_one_month
from tests.support.stack import FunctionInvoker
from tests.support.uploads import JPEG, PDF, PNG, landed_event, post_file

COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
COORDINATOR_GANRA = claims_for("coordinator", "73.12.07", username="koordinator.ganra")
ADMIN = claims_for("admin", username="admin.dinas")

pytestmark = pytest.mark.usefixtures("calm_bpjs")


def ktp_target(road: Road, farmer_id: str, content_type: str = "image/jpeg") -> dict[str, Any]:
    issued = road.register(
        http_event(
            "POST", "/farmers/{farmer_id}/ktp", path_params={"farmer_id": farmer_id},
            body={"content_type": content_type}, claims=AGENT,
        )
    )  # fmt: skip
    assert issued.status == 200, issued.body
    body: dict[str, Any] = issued.body
    return body


def ktp_link(road: Road, farmer_id: str, claims: dict[str, str]) -> Any:
    return road.register(
        http_event("GET", "/farmers/{farmer_id}/ktp", path_params={"farmer_id": farmer_id}, claims=claims)
    )


def versions(road: Road, bucket: str, key: str) -> list[dict[str, Any]]:
    listed = road.stack.clients("s3").list_object_versions(Bucket=bucket, Prefix=key)
    return [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]


def test_a_ktp_copy_goes_up_is_checked_and_opens_for_staff_only(road: Road) -> None:
    farmer_id = road.new_farmer(601)["farmer_id"]
    assert (ktp_link(road, farmer_id, COORDINATOR).status, ktp_link(road, farmer_id, COORDINATOR).code) == (
        404, "NOT_FOUND",
    )  # fmt: skip
    target = ktp_target(road, farmer_id)
    assert post_file(target, JPEG).status_code == 204
    (answer,) = road.stack.check_uploads()
    assert answer == {"checked": True, "status": "ACCEPTED", "refusal": None}
    farmer = road.farmer(farmer_id)
    assert farmer["ktp_uploaded_at"] and farmer["ktp_refused"] is None
    # Staff open it: a presigned GET of the stored bytes; each opening is in the farmer's trail.
    link = ktp_link(road, farmer_id, COORDINATOR)
    assert link.status == 200 and link.body["expires_in"] == 300
    with httpx.Client(trust_env=False) as s3:
        assert s3.get(link.body["download_url"]).content == JPEG
    assert ktp_link(road, farmer_id, ADMIN).status == 200
    assert (ktp_link(road, farmer_id, AGENT).status, ktp_link(road, farmer_id, COORDINATOR_GANRA).status) == (
        403, 403,
    )  # fmt: skip
    trail = [item["action"] for item in road.audit_trail(farmer_id)]
    assert trail.count("KTP_READ") == 2 and trail.count("KTP_UPLOADED") == 1


@pytest.mark.parametrize(
    ("content", "refusal"),
    [(PNG, "CONTENT_MISMATCH"), (JPEG[:200], "TOO_SMALL")],
    ids=["a PNG posted as a JPEG", "nearly empty"],
)
def test_a_refused_ktp_copy_is_deleted_for_good_and_the_farmer_says_why(
    road: Road, content: bytes, refusal: str
) -> None:
    farmer_id = road.new_farmer(602 + len(content) % 7)["farmer_id"]
    target = ktp_target(road, farmer_id)
    assert post_file(target, content).status_code == 204  # moto does not enforce the policy
    (answer,) = road.stack.check_uploads()
    assert answer["status"] == "REFUSED" and answer["refusal"] == refusal
    farmer = road.farmer(farmer_id)
    assert farmer["ktp_uploaded_at"] is None
    assert farmer["ktp_refused"]["refusal"] == refusal and farmer["ktp_refused"]["reason"]
    assert versions(road, road.stack.ref("KtpBucket"), target["object_key"]) == []  # no version, no marker
    assert ktp_link(road, farmer_id, COORDINATOR).status == 404


def test_documents_count_only_once_checked_and_a_refused_one_keeps_the_claim_waiting(road: Road) -> None:
    farmer = road.new_farmer(611)
    road.send_callback(
        {"event_id": f"evt-up-{farmer['farmer_id']}", "type": "PARTICIPANT_CONFIRMED",
         "data": {"farmer_id": farmer["farmer_id"], "kpj_number": "26000000611"}}
    )  # fmt: skip
    assert pay_one_month(road, farmer["farmer_id"]).status == 201
    body = {
        "farmer_id": farmer["farmer_id"], "type": "JKM", "incident_date": today_wita().isoformat(),
        "description": "Meninggal dunia di rumah.",
        "claimant": {"full_name": "Ahli Waris", "relationship": "child", "phone": "081234567891"},
    }  # fmt: skip
    claim = file_claim(road, body).body
    required = claim["required_documents"]
    for doc_type in required:
        issued = road.claim(
            http_event(
                "POST", "/claims/{claim_id}/documents", path_params={"claim_id": claim["claim_id"]},
                body={"doc_type": doc_type, "content_type": "application/pdf"}, claims=AGENT,
            )
        )  # fmt: skip
        assert issued.status == 200 and issued.body["max_bytes"] == 10 * 1024 * 1024
        content = b"<html>not a pdf</html>" + b" " * 2048 if doc_type == required[0] else PDF
        assert post_file(issued.body, content, "application/pdf").status_code == 204
    assert all(not d["uploaded"] for d in get_claim(road, claim["claim_id"]).body["documents"])
    road.stack.check_uploads()
    documents = {d["doc_type"]: d for d in get_claim(road, claim["claim_id"]).body["documents"]}
    refused = documents.pop(required[0])
    assert refused["status"] == "REFUSED" and not refused["uploaded"]
    assert refused["refused"]["refusal"] == "CONTENT_MISMATCH"
    assert all(d["status"] == "ACCEPTED" and d["size_bytes"] == len(PDF) for d in documents.values())
    verify = road.claim(
        http_event(
            "POST",
            "/claims/{claim_id}/verify",
            path_params={"claim_id": claim["claim_id"]},
            claims=COORDINATOR,
        )
    )
    assert (verify.status, verify.body["missing"]) == (409, [required[0]])


def test_the_function_leaves_other_events_and_buckets_alone(road: Road) -> None:
    check = FunctionInvoker(road.stack, "DocumentCheckFunction")
    s3 = road.stack.clients("s3")
    reports = road.stack.ref("ReportsBucket")
    s3.put_object(Bucket=reports, Key="reports/2026-01/x.csv", Body=b"a,b")
    assert check.raw(landed_event(s3, reports, "reports/2026-01/x.csv")) == {"checked": False}
    assert s3.get_object(Bucket=reports, Key="reports/2026-01/x.csv")["Body"].read() == b"a,b"
    # A key no upload of ours has, in the KTP bucket: deleted, nothing recorded.
    ktp = road.stack.ref("KtpBucket")
    s3.put_object(Bucket=ktp, Key="ktp/stray.html", Body=b"<script>", ContentType="text/html")
    assert check.raw(landed_event(s3, ktp, "ktp/stray.html")) == {"checked": False}
    assert "Contents" not in s3.list_objects_v2(Bucket=ktp, Prefix="ktp/stray")
    road.stack.landed.take()  # the puts above: already delivered by hand
