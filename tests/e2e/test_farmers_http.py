"""An app client over HTTP against the local stack: log in through Cognito, register, read,
list, and every way of getting it wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import aws_client

pytestmark = pytest.mark.e2e


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def queue_messages(stack: dict[str, Any]) -> list[dict[str, Any]]:
    sqs = aws_client(stack, "sqs")
    url = sqs.get_queue_url(QueueName="sutasoma-local-bpjs-outbound.fifo")["QueueUrl"]
    found: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        if not got:
            return found
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found.extend(got)


def test_docs_and_openapi_are_public(api: httpx.Client) -> None:
    docs = api.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "swagger" in docs.text.lower()
    spec = api.get("/openapi.json")
    assert spec.status_code == 200
    document = spec.json()
    assert document["openapi"].startswith("3.1")
    assert {"/farmers", "/farmers/{farmer_id}", "/farmers/{farmer_id}/ktp", "/health"} <= set(
        document["paths"]
    )
    assert {"post", "get"} <= set(document["paths"]["/farmers"])
    assert "FarmerCreate" in json.dumps(document["components"]["schemas"])
    # One document for the whole API: the other functions' routes too (scripts/openapi.py).
    assert {
        "/farmers/{farmer_id}/payments",
        "/claims/{claim_id}/verify",
        "/reports/{period}",
        "/bpjs/callbacks",
        "/agents/me/worklist",
    } <= set(document["paths"])
    assert document["paths"]["/claims"]["post"]["security"] == [{"CognitoIdToken": []}]
    assert "/bpjs/callbacks" in docs.text  # Swagger UI renders the same document


def test_agent_logs_in_registers_reads_back_and_lists(
    api: httpx.Client, id_token: Callable[[str], str], local_stack: dict[str, Any]
) -> None:
    queue_messages(local_stack)
    token = id_token("agen.lalabata")
    body = farmer_body(full_name="Hasnah Binti Lamade", nik=make_nik(date(1982, 3, 9), "F", serial=7101))
    body["birth_date"] = "1982-03-09"
    created = api.post("/farmers", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    farmer = created.json()
    assert farmer["registration_status"] == "PENDING" and farmer["kecamatan_code"] == "73.12.04"

    read = api.get(f"/farmers/{farmer['farmer_id']}", headers=bearer(token))
    assert read.status_code == 200 and read.json()["nik"] == body["nik"]

    listed = api.get("/farmers", params={"q": "lamade", "limit": 5}, headers=bearer(token))
    assert [f["farmer_id"] for f in listed.json()["items"]] == [farmer["farmer_id"]]
    assert listed.json()["items"][0]["nik_masked"] == body["nik"][:4] + "********" + body["nik"][-4:]

    table = next(t for t in aws_client(local_stack, "dynamodb").list_tables()["TableNames"] if "Domain" in t)
    item = aws_client(local_stack, "dynamodb").get_item(
        TableName=table, Key={"PK": {"S": f"FARMER#{farmer['farmer_id']}"}, "SK": {"S": "PROFILE"}}
    )["Item"]
    assert item["full_name"]["S"] == "Hasnah Binti Lamade"
    messages = [json.loads(m["Body"]) for m in queue_messages(local_stack)]
    assert [(m["op_type"], m["farmer_id"]) for m in messages] == [
        ("PARTICIPANT_REGISTRATION", farmer["farmer_id"])
    ]


def test_expected_refusals_over_http(api: httpx.Client, id_token: Callable[[str], str]) -> None:
    token = id_token("agen.ganra")
    headers = bearer(token)
    cases: list[tuple[Any, int, str]] = [
        (farmer_body(kecamatan="73.12.07", village="73.12.07.2001", nik="731207570880"), 422, "NIK_INVALID"),
        (
            farmer_body(
                kecamatan="73.12.07", village="73.12.07.2001", nik=make_nik(date(1980, 8, 17), "F"), sex="M"
            ),
            422,
            "NIK_MISMATCH",
        ),
        (farmer_body(kecamatan="73.12.07", village="73.12.04.1001"), 422, "PLACE_INVALID"),
        (farmer_body(kecamatan="73.12.04", village="73.12.04.1001"), 403, "FORBIDDEN"),
        (
            farmer_body(kecamatan="73.12.07", village="73.12.07.2001", birth=date(2015, 1, 1)),
            422,
            "AGE_OUT_OF_RANGE",
        ),
    ]
    for body, status, code in cases:
        response = api.post("/farmers", json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    malformed = api.post(
        "/farmers", content=b'{"nik": ', headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["code"] == "VALIDATION_ERROR"
    missing = api.get("/farmers/01M8K3XSY4RZ411Z5Y5R2137YY", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_twenty_registrations_of_one_nik_at_once(
    api: httpx.Client, id_token: Callable[[str], str], local_stack: dict[str, Any]
) -> None:
    queue_messages(local_stack)
    token = id_token("agen.citta")
    body = farmer_body(
        kecamatan="73.12.08", village="73.12.08.2003", nik=make_nik(date(1990, 5, 5), "F", serial=7202)
    )
    body["birth_date"] = "1990-05-05"
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _: api.post("/farmers", json=body, headers=bearer(token)), range(20))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    winner = next(r for r in responses if r.status_code == 201).json()["farmer_id"]
    assert {r.json()["farmer_id"] for r in responses if r.status_code == 409} == {winner}
    assert len(queue_messages(local_stack)) == 1


def test_missing_and_expired_tokens(api: httpx.Client) -> None:
    assert api.get("/farmers").status_code == 401
    assert api.post("/farmers", json=farmer_body()).status_code == 401


def test_an_access_token_is_answered_with_what_to_send(
    api: httpx.Client, local_stack: dict[str, Any]
) -> None:
    # The gateway accepts Cognito access tokens (they name the app client), but they carry no
    # custom:kecamatan: the answer says to send the ID token, not "not assigned to a kecamatan".
    user = next(u for u in local_stack["demo_users"] if u["username"] == "agen.lalabata")
    tokens = aws_client(local_stack, "cognito-idp").initiate_auth(
        ClientId=local_stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
    )["AuthenticationResult"]
    response = api.get("/farmers", headers=bearer(tokens["AccessToken"]))
    assert response.status_code == 401, response.text
    problem = response.json()
    assert problem["code"] == "UNAUTHORIZED" and "ID token" in problem["detail"]
    assert api.get("/farmers", headers=bearer(tokens["IdToken"])).status_code == 200
