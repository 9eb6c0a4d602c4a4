"""A caller outside a farmer's kecamatan hears 403 whatever it sends (CONTRACT.md: acting outside
one's kecamatan → 403; sutasoma.app.scope): an invalid body or query is judged only for a caller
who may act on the farmer, and an unknown farmer is 404 before its body is read. Blind contract
reviews found these routes answering 422 with the field rules to callers of other kecamatan.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.events import claims_for, http_event
from tests.support.road import Road
from tests.support.stack import FunctionInvoker

LALABATA_AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
MARIORIWAWO_AGENT = claims_for("agent", "73.12.01", username="agen.marioriwawo")
MARIORIWAWO_COORDINATOR = claims_for("coordinator", "73.12.01", username="koordinator.marioriwawo")
UNKNOWN_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"

# (method, route suffix, body, query): each invalid for any caller.
INVALID = [
    ("POST", "/payments", {"months": 1}, None),
    ("GET", "/payments/quote", None, {"months": "99"}),
    ("PATCH", "", {"phone": "1"}, None),
    ("POST", "/death", {"date_of_death": "kemarin"}, None),
    ("POST", "/corrections", {"full_name": "Nama Baru"}, None),
]


def on_farmer(road: Road, method: str, suffix: str, farmer_id: str, claims: dict[str, str], body: Any,
              query: dict[str, str] | None) -> Any:  # fmt: skip
    function = road.pay if "/payments" in suffix else road.register
    event = http_event(
        method, "/farmers/{farmer_id}" + suffix, path_params={"farmer_id": farmer_id}, claims=claims, body=body,
        query=query, headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    return function(event)


@pytest.mark.parametrize(("method", "suffix", "body", "query"), INVALID)
def test_another_kecamatan_hears_403_and_an_unknown_farmer_404_before_the_body(
    road: Road, method: str, suffix: str, body: Any, query: dict[str, str] | None
) -> None:
    farmer = road.new_farmer(7301 + [row[:2] for row in INVALID].index((method, suffix)))
    before = road.farmer(farmer["farmer_id"])
    outsider = MARIORIWAWO_COORDINATOR if suffix == "/corrections" else MARIORIWAWO_AGENT
    refused = on_farmer(road, method, suffix, farmer["farmer_id"], outsider, body, query)
    assert (refused.status, refused.body["code"]) == (403, "FORBIDDEN"), refused.body
    assert "errors" not in refused.body  # nothing said about the body
    # The farmer's own kecamatan (a coordinator corrects) hears 404 for an unknown farmer, and
    # what is wrong with its input for this one.
    insider = claims_for("coordinator", "73.12.04", username="koordinator.lalabata") if suffix == "/corrections" \
        else LALABATA_AGENT  # fmt: skip
    unknown = on_farmer(road, method, suffix, UNKNOWN_ID, insider, body, query)
    assert (unknown.status, unknown.body["code"]) == (404, "NOT_FOUND"), unknown.body
    judged = on_farmer(road, method, suffix, farmer["farmer_id"], insider, body, query)
    assert (judged.status, judged.body["code"]) == (422, "VALIDATION_ERROR"), judged.body
    assert judged.body["errors"]
    assert road.farmer(farmer["farmer_id"]) == before  # nothing written by any of them


def test_query_parameters_given_empty_are_no_filter(road: Road) -> None:
    """CONTRACT writes its lists as `GET /farmers?kecamatan_code=&village_code=&…&limit=&cursor=`:
    a parameter given empty is not given (no filter, the default limit), never a 422 or 404."""
    farmer = road.new_farmer(7311)
    empty = {name: "" for name in
             ("kecamatan_code", "village_code", "registration_status", "coverage_state", "q", "limit", "cursor")}  # fmt: skip
    listed = road.register(http_event("GET", "/farmers", query=empty, claims=LALABATA_AGENT))
    assert listed.status == 200, listed.body
    assert farmer["farmer_id"] in {f["farmer_id"] for f in listed.body["items"]}
    claims = FunctionInvoker(road.stack, "ClaimFunction")(
        http_event(
            "GET",
            "/claims",
            query={"status": "", "farmer_id": "", "kecamatan_code": ""},
            claims=LALABATA_AGENT,
        )
    )
    assert claims.status == 200, claims.body
    refunds = road.pay(
        http_event("GET", "/refunds", query={"status": "", "kecamatan_code": ""}, claims=LALABATA_AGENT)
    )
    assert refunds.status == 200, refunds.body
    # A value given is still judged.
    bad = road.register(http_event("GET", "/farmers", query={"limit": "0"}, claims=LALABATA_AGENT))
    assert (bad.status, bad.body["code"]) == (422, "VALIDATION_ERROR")
