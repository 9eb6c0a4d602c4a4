"""Authorization matrix over HTTP: every route of template.yaml x every kind of caller.

Callers: four bad tokens (none, expired, another user pool's — other signing key and issuer —,
a real token with a tampered signature) and the demo users: agent and coordinator of the
farmer's kecamatan (73.12.04 Lalabata) and of another one (73.12.01), and the admin.

The table below is the expectation. A cell is a set of statuses (`201/409`); anything else
fails, so an allowed call never sees 401/403 and a refused one never 2xx. For JWT routes the
"bad" column is the gateway's 401 `{"message":"Unauthorized"}` for each of the four bad
tokens; 403 cells are problem+json `FORBIDDEN`. Public routes ignore the token: the callbacks
route answers 401 for want of an HMAC signature, its own authentication.

Allowed cells answer with the route's own outcome for the data: reactivating a farmer who
has not lapsed is 409, verifying a claim without documents is 409 DOCUMENTS_MISSING, the
claim of the setup makes every further POST /claims a 409 DUPLICATE_CLAIM.

The routes are read from template.yaml: a route without a row here fails
`test_every_template_route_has_a_matrix_row`.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from moto.utilities.utils import load_resource

from local.bpjs.signing import callback_signature
from local.template.cfn_yaml import load_yaml
from sutasoma.domain.clock import period_of, today_wita
from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import REPO_ROOT, aws_client
from tests.support.uploads import JPEG, post_file

pytestmark = pytest.mark.e2e

OWN = "73.12.04"  # Lalabata: the farmer's kecamatan
OTHER = "73.12.01"
UNAUTHORIZED = {"message": "Unauthorized"}
BAD_CALLERS = ("no-token", "expired", "other-pool", "tampered")
DEMO_CALLERS = ("agent-own", "agent-other", "coord-own", "coord-other", "admin")

# route                                   | bad | agent-own | agent-other | coord-own | coord-other | admin
MATRIX = """
GET /health                                | 200 | 200       | 200         | 200       | 200         | 200
GET /docs                                  | 200 | 200       | 200         | 200       | 200         | 200
GET /openapi.json                          | 200 | 200       | 200         | 200       | 200         | 200
POST /bpjs/callbacks                       | 401 | 401       | 401         | 401       | 401         | 401
POST /farmers                              | 401 | 201       | 403         | 201       | 403         | 201
GET /farmers                               | 401 | 200       | 403         | 200       | 403         | 200
GET /farmers/{farmer_id}                   | 401 | 200       | 403         | 200       | 403         | 200
PATCH /farmers/{farmer_id}                 | 401 | 200       | 403         | 200       | 403         | 200
POST /farmers/{farmer_id}/ktp              | 401 | 200       | 403         | 200       | 403         | 200
GET /farmers/{farmer_id}/ktp               | 401 | 403       | 403         | 200       | 403         | 200
POST /farmers/{farmer_id}/reactivate       | 401 | 409       | 403         | 409       | 403         | 409
POST /farmers/{farmer_id}/death            | 401 | 200/409   | 403         | 200/409   | 403         | 200/409
POST /farmers/{farmer_id}/corrections      | 401 | 403       | 403         | 200       | 403         | 200
GET /agents/me/worklist                    | 401 | 200       | 403         | 200       | 403         | 200
GET /farmers/{farmer_id}/payments/quote    | 401 | 200       | 403         | 200       | 403         | 200
POST /farmers/{farmer_id}/payments         | 401 | 201       | 403         | 201       | 403         | 201
GET /farmers/{farmer_id}/payments          | 401 | 200       | 403         | 200       | 403         | 200
GET /refunds                               | 401 | 200       | 403         | 200       | 403         | 200
POST /refunds/{refund_id}/settle           | 401 | 200/409   | 403         | 200/409   | 403         | 200/409
POST /claims                               | 401 | 201/409   | 403         | 201/409   | 403         | 201/409
GET /claims                                | 401 | 200       | 403         | 200       | 403         | 200
GET /claims/{claim_id}                     | 401 | 200       | 403         | 200       | 403         | 200
POST /claims/{claim_id}/documents          | 401 | 200       | 403         | 200       | 403         | 200
GET /claims/{claim_id}/documents/{doc_type} | 401 | 403      | 403         | 200/404   | 403         | 200/404
POST /claims/{claim_id}/verify             | 401 | 403       | 403         | 409       | 403         | 409
POST /reports/{period}                     | 401 | 403       | 403         | 403       | 403         | 201
GET /reports/{period}                      | 401 | 403       | 403         | 200       | 200         | 200
GET /reports/{period}/files/{file_type}    | 401 | 403       | 403         | 200       | 200         | 200
POST /reports/{period}/reconcile           | 401 | 403       | 403         | 403       | 403         | 202
GET /reports/{period}/reconcile/{job_id}   | 401 | 403       | 403         | 403       | 403         | 200
POST /imports                              | 401 | 403       | 403         | 403       | 403         | 201
GET /imports/template.xlsx                 | 401 | 200       | 200         | 200       | 200         | 200
GET /imports/{import_id}                   | 401 | 403       | 403         | 403       | 403         | 200
POST /imports/{import_id}/commit           | 401 | 403       | 403         | 403       | 403         | 409
GET /imports/{import_id}/mismatches        | 401 | 403       | 403         | 403       | 403         | 200
GET /farmers/export                        | 401 | 403       | 403         | 200       | 403         | 200
"""


def _parse_matrix() -> dict[str, dict[str, set[int]]]:
    table: dict[str, dict[str, set[int]]] = {}
    for line in MATRIX.strip().splitlines():
        route, *cells = (c.strip() for c in line.split("|"))
        statuses = [{int(s) for s in cell.split("/")} for cell in cells]
        table[route] = {"bad": statuses[0], **dict(zip(DEMO_CALLERS, statuses[1:], strict=True))}
    return table


EXPECTED = _parse_matrix()


def template_routes() -> dict[str, bool]:
    """ "METHOD /path" -> public, for every HttpApi event of template.yaml."""
    routes: dict[str, bool] = {}
    for resource in load_yaml(REPO_ROOT / "template.yaml")["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                e = event["Properties"]
                routes[f"{e['Method'].upper()} {e['Path']}"] = (e.get("Auth") or {}).get(
                    "Authorizer"
                ) == "NONE"
    return routes


ROUTES = template_routes()


def _cases() -> list[Any]:
    cases = []
    for route in ROUTES:  # a route missing from MATRIX gets one failing case (and the test below)
        for caller in (*BAD_CALLERS, *DEMO_CALLERS):
            expected = EXPECTED.get(route, {}).get("bad" if caller in BAD_CALLERS else caller)
            shown = "/".join(str(s) for s in sorted(expected)) if expected else "MISSING"
            cases.append(pytest.param(route, caller, id=f"{route} | {caller} | {shown}"))
    return cases


# ---------------------------------------------------------------------------------- setup


@dataclass
class World:
    farmer_id: str  # alive and paying: the farmer, payment and KTP routes work on it
    claim_id: str  # a death claim on `claimed_id` (filing it records that farmer's death)
    period: str
    tokens: dict[str, str | None]
    dying_id: str  # a farmer whose death the death route records (once; then 409)
    claimed_id: str  # the farmer of the JKM claim (a death claim records the death: not farmer_id)
    refund_id: str  # an open refund case (settled once; then 409)
    job_id: str  # a reconcile job the admin asked for
    import_id: str  # an import waiting for its file (a commit: 409 IMPORT_INVALID_STATE)


def _user(descriptor: dict[str, Any], role: str, kecamatan: str | None) -> str:
    return next(
        u["username"] for u in descriptor["demo_users"] if u["role"] == role and u["kecamatan"] == kecamatan
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _new_farmer_body() -> dict[str, Any]:
    birth = date(1971, 3, 1 + random.randrange(28))
    return farmer_body(
        nik=make_nik(birth, "M", serial=random.randrange(1, 9999)),
        birth=birth,
        sex="M",
        full_name="Matriks Uji",
    )


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0xFF
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def _bad_tokens(real: str) -> dict[str, str | None]:
    claims = jwt.decode(real, options={"verify_signature": False})
    moto_key = RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    other_issuer = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_OtherPool"
    return {
        "no-token": None,
        "expired": jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 3600},
            moto_key,
            algorithm="RS256",
            headers={"kid": "dummy"},
        ),
        "other-pool": jwt.encode(
            {**claims, "iss": other_issuer, "exp": now + 3600},
            other_key,
            algorithm="RS256",
            headers={"kid": "dummy"},
        ),
        "tampered": _tampered(real),
    }


def _confirm_by_callback(api: httpx.Client, descriptor: dict[str, Any], farmer_id: str) -> None:
    """BPJS confirms the participant: a signed callback (pollers are off in this stack)."""
    secret = aws_client(descriptor, "secretsmanager").get_secret_value(
        SecretId=descriptor["secrets"]["BpjsCallbackSecret"]
    )["SecretString"]
    raw = json.dumps(
        {
            "event_id": f"evt-matrix-{uuid.uuid4()}",
            "type": "PARTICIPANT_CONFIRMED",
            "data": {"farmer_id": farmer_id, "kpj_number": f"26{random.randrange(10**9):09d}"},
        }
    )
    timestamp = str(int(time.time()))
    response = api.post(
        "/bpjs/callbacks",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Bpjs-Timestamp": timestamp,
            "X-Bpjs-Signature": callback_signature(secret, timestamp, raw.encode()),
        },
    )
    assert response.status_code == 200, response.text


def _pay(api: httpx.Client, token: str, farmer_id: str, months: int = 1) -> httpx.Response:
    quote = _ok(
        api.get(f"/farmers/{farmer_id}/payments/quote", params={"months": months}, headers=_bearer(token)),
        200,
    )
    return api.post(
        f"/farmers/{farmer_id}/payments",
        json={"months": months, "amount": quote["amount"], "first_period": quote["first_period"]},
        headers={**_bearer(token), "Idempotency-Key": str(uuid.uuid4())},
    )


def _upload_ktp(api: httpx.Client, token: str, farmer_id: str) -> None:
    """A KTP copy through its presigned POST, counted once DocumentCheckFunction checked it."""
    target = _ok(api.post(f"/farmers/{farmer_id}/ktp", json={}, headers=_bearer(token)), 200)
    assert post_file(target, JPEG).status_code == 204
    deadline = time.monotonic() + 10
    while not _ok(api.get(f"/farmers/{farmer_id}", headers=_bearer(token)), 200)["ktp_uploaded_at"]:
        assert time.monotonic() < deadline, "the KTP copy was not checked within 10 s"
        time.sleep(0.1)


def _claim_body(farmer_id: str) -> dict[str, Any]:
    return {
        "farmer_id": farmer_id,
        "type": "JKM",
        "incident_date": today_wita().isoformat(),
        "description": "Meninggal dunia di rumah (uji matriks akses).",
        "claimant": {"full_name": "Ahli Waris", "relationship": "spouse", "phone": "081234567891"},
    }


@pytest.fixture(scope="module")
def world(api: httpx.Client, local_stack: dict[str, Any], id_token: Callable[[str], str]) -> World:
    tokens: dict[str, str | None] = {
        "agent-own": id_token(_user(local_stack, "agent", OWN)),
        "agent-other": id_token(_user(local_stack, "agent", OTHER)),
        "coord-own": id_token(_user(local_stack, "coordinator", OWN)),
        "coord-other": id_token(_user(local_stack, "coordinator", OTHER)),
        "admin": id_token(_user(local_stack, "admin", None)),
    }
    agent = str(tokens["agent-own"])
    tokens.update(_bad_tokens(agent))

    farmer = _ok(api.post("/farmers", json=_new_farmer_body(), headers=_bearer(agent)), 201)
    farmer_id = farmer["farmer_id"]
    _confirm_by_callback(api, local_stack, farmer_id)
    assert (
        _ok(api.get(f"/farmers/{farmer_id}", headers=_bearer(agent)), 200)["registration_status"]
        == "CONFIRMED"
    )
    _ok(_pay(api, agent, farmer_id), 201)
    _upload_ktp(api, agent, farmer_id)  # staff may open it (GET /farmers/{id}/ktp)
    # The JKM claim's farmer: a death claim records the death, and farmer_id must stay alive for
    # the payment routes. This month, paid today: covers an incident today.
    claimed_id = _ok(api.post("/farmers", json=_new_farmer_body(), headers=_bearer(agent)), 201)["farmer_id"]
    _confirm_by_callback(api, local_stack, claimed_id)
    _ok(_pay(api, agent, claimed_id), 201)
    claim = api.post("/claims", json=_claim_body(claimed_id), headers=_bearer(agent))
    claim_id = _ok(claim, 201)["claim_id"]
    period = period_of(today_wita())
    _ok(api.post(f"/reports/{period}", headers=_bearer(str(tokens["admin"]))), 201)
    dying_id = _ok(api.post("/farmers", json=_new_farmer_body(), headers=_bearer(agent)), 201)["farmer_id"]
    # Paid two months ahead, then died: the months after the death are a refund case.
    died_id = _ok(api.post("/farmers", json=_new_farmer_body(), headers=_bearer(agent)), 201)["farmer_id"]
    _confirm_by_callback(api, local_stack, died_id)
    _ok(_pay(api, agent, died_id, months=3), 201)
    death = {"date_of_death": today_wita().isoformat()}
    _ok(api.post(f"/farmers/{died_id}/death", json=death, headers=_bearer(agent)), 200)
    refunds = _ok(
        api.get("/refunds", params={"kecamatan_code": OWN, "status": "OPEN"}, headers=_bearer(agent)), 200
    )
    refund_id = next(r["refund_id"] for r in refunds["items"] if r["farmer_id"] == died_id)
    job = _ok(api.post(f"/reports/{period}/reconcile", headers=_bearer(str(tokens["admin"]))), 202)
    opened = api.post("/imports", json=_import_body(), headers=_bearer(str(tokens["admin"])))
    import_id = _ok(opened, 201)["import_id"]
    return World(
        farmer_id, claim_id, period, tokens, dying_id, claimed_id, refund_id, job["job_id"], import_id
    )


def _import_body() -> dict[str, Any]:
    return {"kind": "members", "filename": "matriks.csv"}


# ---------------------------------------------------------------------------------- requests


def _request(route: str, w: World) -> tuple[str, str, dict[str, Any]]:
    """(method, url, httpx kwargs) of a request that is valid for an allowed caller."""
    method, template = route.split(" ", 1)
    farmer_id = w.dying_id if route == "POST /farmers/{farmer_id}/death" else w.farmer_id
    url = template.format(
        farmer_id=farmer_id,
        claim_id=w.claim_id,
        period=w.period,
        file_type="csv",
        refund_id=w.refund_id,
        doc_type="kpj_card",
        job_id=w.job_id,
        import_id=w.import_id,
    )
    kwargs: dict[str, Any] = {}
    own = {"kecamatan_code": OWN}  # the callers of another kecamatan ask for ours: refused
    bodies: dict[str, Callable[[], Any]] = {
        "POST /farmers": _new_farmer_body,
        "PATCH /farmers/{farmer_id}": lambda: {"address": f"Dusun Matriks {random.randrange(100)}"},
        "POST /farmers/{farmer_id}/ktp": lambda: {"content_type": "image/jpeg"},
        "POST /claims": lambda: _claim_body(w.claimed_id),
        "POST /claims/{claim_id}/documents": lambda: {"doc_type": "death_certificate"},
        "POST /farmers/{farmer_id}/death": lambda: {"date_of_death": today_wita().isoformat()},
        "POST /farmers/{farmer_id}/corrections": lambda: {
            "full_name": "Matriks Uji Koreksi",
            "reason": "Salah ketik.",
        },
        "POST /refunds/{refund_id}/settle": lambda: {"returned_to": "Ahli waris"},
        "POST /imports": _import_body,
        "POST /bpjs/callbacks": lambda: {
            "event_id": "evt-unsigned",
            "type": "PARTICIPANT_CONFIRMED",
            "data": {},
        },
    }
    params: dict[str, dict[str, str]] = {
        "GET /farmers": own,
        "GET /agents/me/worklist": own,
        "GET /claims": own,
        "GET /refunds": own,
        "GET /farmers/export": {**own, "format": "csv"},
        "GET /farmers/{farmer_id}/payments/quote": {"months": "1"},
    }
    if route in bodies:
        kwargs["json"] = bodies[route]()
    if route in params:
        kwargs["params"] = params[route]
    return method, url, kwargs


@pytest.fixture(scope="module")
def doc_type(api: httpx.Client, world: World) -> str:
    claim = _ok(api.get(f"/claims/{world.claim_id}", headers=_bearer(str(world.tokens["admin"]))), 200)
    return str(claim["required_documents"][0])


# ---------------------------------------------------------------------------------- tests


def test_every_template_route_has_a_matrix_row() -> None:
    missing = sorted(set(ROUTES) - set(EXPECTED))
    assert not missing, f"routes of template.yaml without a row in MATRIX: {missing}"
    assert not sorted(set(EXPECTED) - set(ROUTES)), "MATRIX rows for routes the template no longer has"
    public = {route for route, is_public in ROUTES.items() if is_public}
    assert public == {"GET /health", "GET /docs", "GET /openapi.json", "POST /bpjs/callbacks"}
    # A JWT route refuses every bad token; no role is ever refused with 401.
    for route, cells in EXPECTED.items():
        assert (cells["bad"] == {401}) or route in public, route
        assert all(401 not in cells[c] for c in DEMO_CALLERS) or route == "POST /bpjs/callbacks", route


@pytest.mark.parametrize(("route", "caller"), _cases())
def test_authorization(api: httpx.Client, world: World, doc_type: str, route: str, caller: str) -> None:
    assert route in EXPECTED, f"{route}: add a row to MATRIX"
    expected = EXPECTED[route]["bad" if caller in BAD_CALLERS else caller]
    method, url, kwargs = _request(route, world)
    if route == "POST /claims/{claim_id}/documents":
        kwargs["json"] = {"doc_type": doc_type}
    if route == "POST /farmers/{farmer_id}/payments":
        quote = _ok(
            api.get(
                f"/farmers/{world.farmer_id}/payments/quote", headers=_bearer(str(world.tokens["admin"]))
            ),
            200,
        )
        kwargs["json"] = {"months": 1, "amount": quote["amount"], "first_period": quote["first_period"]}
    token = world.tokens[caller]
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token is not None:
        headers.update(_bearer(token))
    response = api.request(method, url, headers=headers, **kwargs)

    assert response.status_code in expected, (
        f"{route} as {caller}: {response.status_code} {response.text[:300]}"
    )
    if response.status_code == 401 and not ROUTES[route]:
        assert response.json() == UNAUTHORIZED  # the gateway refused: the function did not run
    elif response.status_code == 401:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "UNAUTHORIZED"
    elif response.status_code == 403:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "FORBIDDEN"


def _ids(response: httpx.Response, key: str) -> set[str]:
    assert response.status_code == 200, response.text
    return {item[key] for item in response.json()["items"]}


def test_lists_without_filters_are_scoped_to_the_callers_kecamatan(api: httpx.Client, world: World) -> None:
    """GET /farmers and GET /claims with no filter: own kecamatan only, all of them for the admin."""
    for caller, sees in (
        ("agent-own", True),
        ("coord-own", True),
        ("admin", True),
        ("agent-other", False),
        ("coord-other", False),
    ):
        headers = _bearer(str(world.tokens[caller]))
        claims = api.get("/claims", params={"limit": 100}, headers=headers)
        assert (world.claim_id in _ids(claims, "claim_id")) is sees, caller
        if caller != "admin":
            assert {c["kecamatan_code"] for c in claims.json()["items"]} <= {
                OTHER if "other" in caller else OWN
            }
        farmers = api.get("/farmers", params={"q": "Matriks Uji", "limit": 100}, headers=headers)
        found = _ids(farmers, "farmer_id")
        assert (world.farmer_id in found) is sees, caller
        if not sees:
            assert found == set()  # every farmer of the setup is in 73.12.04
        by_farmer = api.get("/claims", params={"farmer_id": world.claimed_id}, headers=headers)
        if sees:
            assert world.claim_id in _ids(by_farmer, "claim_id")
        else:
            assert (by_farmer.status_code, by_farmer.json()["code"]) == (403, "FORBIDDEN")


def test_coordinator_of_another_kecamatan_reads_only_its_own_report_rows(
    api: httpx.Client, world: World
) -> None:
    rows = {
        caller: [
            r["kecamatan_code"]
            for r in _ok(
                api.get(f"/reports/{world.period}", headers=_bearer(str(world.tokens[caller]))), 200
            )["rows"]
        ]
        for caller in ("coord-own", "coord-other", "admin")
    }
    assert rows["coord-own"] == [OWN]
    assert rows["coord-other"] == [OTHER]
    assert len(rows["admin"]) == 8
