"""The BPJS simulator speaks docs/bpjs-h2h.md: signatures, idempotency, KPJ numbers, rejections,
switches, callbacks. Requests are signed here by an independent implementation of the contract
(not the simulator's own function), so a shared mistake cannot hide."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import local.bpjs.__main__ as simulator_cli
from local.bpjs import base as simulator_base
from local.bpjs import claims as simulator_claims
from local.bpjs import config as simulator_config
from local.bpjs.app import SimulatorServer, serve
from local.bpjs.config import Credentials, SimConfig
from local.bpjs.simulator import Simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
CONS_ID = "sutasoma-test"
SECRET_KEY = "signing-key-for-tests-only"
CALLBACK_SECRET = "callback-secret-for-tests-only"
PARTICIPANTS = "/bpu/v1/participants"


def nik(serial: int, birth: str = "570880") -> str:
    """A 16-digit NIK of Lalabata (73.12.04) with this serial."""
    return f"731204{birth}{serial:04d}"


def participant(
    serial: int = 1, reference_id: str = "01JFARMER0000000000000000A", **extra: Any
) -> dict[str, Any]:
    return {
        "reference_id": reference_id,
        "nik": nik(serial),
        "full_name": "Hasnah",
        "birth_date": "1980-08-17",
        "sex": "F",
        "phone": "081234567890",
        "address": "Dusun Lalabata Rilau",
        "village_code": "73.12.04.1001",
        "kecamatan_code": "73.12.04",
        "occupation": "PETANI",
        "commodity": "padi",
        "monthly_income": 1_000_000,
        "programs": ["JKK", "JKM"],
        **extra,
    }


_request_ids = iter(range(1, 1_000_000))


def new_request_id() -> str:
    return f"01JREQ{next(_request_ids):020d}"[:26]


def signed_headers(
    method: str,
    path: str,
    body: bytes,
    *,
    request_id: str | None = None,
    timestamp: int | None = None,
    key: str = SECRET_KEY,
    cons_id: str = CONS_ID,
) -> dict[str, str]:
    """docs/bpjs-h2h.md, written out again: base64(HMAC-SHA256(key, cons&ts&METHOD&path&sha256hex(body)))."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hashlib.sha256(body).hexdigest()
    message = f"{cons_id}&{ts}&{method}&{path}&{digest}".encode()
    signature = base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-Cons-Id": cons_id,
        "X-Timestamp": ts,
        "X-Signature": signature,
        "X-Request-Id": request_id or new_request_id(),
    }


@dataclass
class Bpjs:
    """A test client of the simulator."""

    server: SimulatorServer
    http: httpx.Client

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def call(
        self, method: str, path: str, payload: Any = None, *, request_id: str | None = None, **sign: Any
    ) -> httpx.Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = signed_headers(method, path, body, request_id=request_id, **sign)
        return self.http.request(method, path, content=body, headers=headers)

    def register(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.call("POST", PARTICIPANTS, payload, **kwargs)

    def configure(self, **changes: Any) -> httpx.Response:
        return self.http.post("/_sim/config", json=changes)


@pytest.fixture
def bpjs() -> Iterator[Bpjs]:
    simulator = Simulator(
        Credentials(CONS_ID, SECRET_KEY, CALLBACK_SECRET), SimConfig(callback_delay_ms=0), seed=7
    )
    server = serve(simulator, 0)
    try:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=10.0) as http:
            yield Bpjs(server, http)
    finally:
        server.stop()


@dataclass
class Sink:
    """Receives BPJS callbacks, as our /bpjs/callbacks would."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    event: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} callbacks, wanted {count}"
            time.sleep(0.02)


@pytest.fixture
def sink() -> Iterator[Sink]:
    found = Sink()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        found.received.append((dict(request.headers.items()), request.get_data()))
        status = found.statuses.pop(0) if found.statuses else 200
        return Response("{}", status=status, content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    found.url = f"http://127.0.0.1:{server.server_port}/bpjs/callbacks"
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def callback_signature_ok(headers: dict[str, str], raw: bytes) -> bool:
    """CONTRACT.md, written out again: hex HMAC-SHA256(secret, timestamp + "." + raw body)."""
    timestamp = headers["X-Bpjs-Timestamp"]
    expected = hmac.new(CALLBACK_SECRET.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Bpjs-Signature"])


# ---------------------------------------------------------------------------------- signatures


def test_a_correctly_signed_registration_is_confirmed_with_an_11_digit_kpj(bpjs: Bpjs) -> None:
    response = bpjs.register(participant(1))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "CONFIRMED"
    assert (
        len(body["kpj_number"]) == 11 and body["kpj_number"].isdigit() and body["kpj_number"].startswith("26")
    )
    assert body["registered_at"].endswith("Z")


def _tampered(kind: str) -> tuple[str, str, bytes, dict[str, str]]:
    """method, path, body sent, and the headers (signed for something else)."""
    body = json.dumps(participant(2)).encode()
    now = int(time.time())
    match kind:
        case "wrong key":
            return "POST", PARTICIPANTS, body, signed_headers("POST", PARTICIPANTS, body, key="another-key")
        case "wrong consumer id":
            return (
                "POST",
                PARTICIPANTS,
                body,
                signed_headers("POST", PARTICIPANTS, body, cons_id="someone-else"),
            )
        case "stale timestamp":
            return "POST", PARTICIPANTS, body, signed_headers("POST", PARTICIPANTS, body, timestamp=now - 301)
        case "timestamp from the future":
            return "POST", PARTICIPANTS, body, signed_headers("POST", PARTICIPANTS, body, timestamp=now + 301)
        case "body tampered":
            headers = signed_headers("POST", PARTICIPANTS, body)
            return "POST", PARTICIPANTS, body.replace(b"Hasnah", b"Hasnan"), headers
        case "signed for another path":
            return "POST", PARTICIPANTS, body, signed_headers("POST", "/bpu/v1/contributions", body)
        case "signed for another method":
            return "POST", PARTICIPANTS, body, signed_headers("PUT", PARTICIPANTS, body)
        case "no signature":
            headers = signed_headers("POST", PARTICIPANTS, body)
            del headers["X-Signature"]
            return "POST", PARTICIPANTS, body, headers
        case "timestamp not unix seconds":
            headers = signed_headers("POST", PARTICIPANTS, body)
            headers["X-Timestamp"] = "2026-11-29T08:00:00Z"
            return "POST", PARTICIPANTS, body, headers
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "wrong key",
        "wrong consumer id",
        "stale timestamp",
        "timestamp from the future",
        "body tampered",
        "signed for another path",
        "signed for another method",
        "no signature",
        "timestamp not unix seconds",
    ],
)
def test_bad_signatures_are_refused_with_401_signature_invalid(bpjs: Bpjs, kind: str) -> None:
    method, path, body, headers = _tampered(kind)
    response = bpjs.http.request(method, path, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"code": "SIGNATURE_INVALID"}
    assert bpjs.sim.by_nik == {}  # nothing was applied


def test_a_timestamp_inside_the_window_is_accepted(bpjs: Bpjs) -> None:
    assert bpjs.register(participant(3), timestamp=int(time.time()) - 290).status_code == 201
    assert bpjs.register(participant(4), timestamp=int(time.time()) + 290).status_code == 201


def test_a_get_signs_the_digest_of_an_empty_body(bpjs: Bpjs) -> None:
    assert bpjs.call("GET", "/bpu/v1/claims/KLM999999").json() == {"code": "NOT_FOUND"}  # authentic: 404
    headers = signed_headers("GET", "/bpu/v1/claims/KLM999999", b"{}")  # digest of another body
    assert bpjs.http.get("/bpu/v1/claims/KLM999999", headers=headers).status_code == 401


def test_x_request_id_is_required(bpjs: Bpjs) -> None:
    body = json.dumps(participant(5)).encode()
    headers = signed_headers("POST", PARTICIPANTS, body)
    del headers["X-Request-Id"]
    response = bpjs.http.post(PARTICIPANTS, content=body, headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "INVALID_REQUEST"


def test_under_a_base_path_the_endpoint_path_is_signed_without_it() -> None:
    """BPJS's base URL has a path (/partner); the signed path is the endpoint's alone."""
    simulator = Simulator(Credentials(CONS_ID, SECRET_KEY, CALLBACK_SECRET))
    server = serve(simulator, 0, base_path="partner/")
    try:
        assert server.url.endswith("/partner")
        with httpx.Client(base_url=server.url, trust_env=False) as http:
            body = json.dumps(participant(6)).encode()
            good = signed_headers("POST", PARTICIPANTS, body)
            assert http.post(PARTICIPANTS, content=body, headers=good).status_code == 201
            with_base = signed_headers("POST", "/partner" + PARTICIPANTS, body)
            assert http.post(PARTICIPANTS, content=body, headers=with_base).status_code == 401
            assert http.get("/_sim/health").status_code == 200
        root = server.url.removesuffix("/partner")
        with httpx.Client(base_url=root, trust_env=False) as http:
            outside = http.post(
                PARTICIPANTS, content=body, headers=signed_headers("POST", PARTICIPANTS, body)
            )
            assert outside.status_code == 404
            assert http.get("/_sim/health").status_code == 200
    finally:
        server.stop()


# ---------------------------------------------------------------------------------- registration rules


def test_kpj_numbers_are_assigned_in_order_and_stable_per_nik(bpjs: Bpjs) -> None:
    first = bpjs.register(participant(11)).json()["kpj_number"]
    second = bpjs.register(participant(12)).json()["kpj_number"]
    assert (first, second) == ("26000000001", "26000000002")
    again = bpjs.register(participant(11, reference_id="01JFARMER0000000000000000B"))
    assert again.status_code == 409
    assert again.json() == {"code": "ALREADY_PARTICIPANT", "kpj_number": first}


def test_a_repeated_request_id_gets_the_first_answer(bpjs: Bpjs) -> None:
    request_id = new_request_id()
    first = bpjs.register(participant(21), request_id=request_id)
    time.sleep(1.1)  # a fresh signature and a later clock: the answer is still the first one
    repeat = bpjs.register(participant(21), request_id=request_id)
    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert len(bpjs.sim.by_nik) == 1
    log = bpjs.http.get("/_sim/requests").json()
    assert [r["replayed"] for r in log["requests"]] == [False, True]


def test_nik_serial_9999_is_rejected_as_unknown_to_dukcapil(bpjs: Bpjs) -> None:
    response = bpjs.register(participant(9999))
    assert response.status_code == 422
    assert response.json() == {
        "code": "REJECTED",
        "reason_code": "NIK_NOT_FOUND",
        "reason": "NIK tidak ditemukan di data Dukcapil",
    }
    # A rejection is final: a repeat (same request id) gets it again, and no KPJ was spent.
    assert bpjs.sim.next_kpj == 1


def test_a_nik_on_the_unknown_list_is_rejected(bpjs: Bpjs) -> None:
    assert bpjs.configure(unknown_niks=[nik(31)]).status_code == 200
    assert bpjs.register(participant(31)).json()["reason_code"] == "NIK_NOT_FOUND"
    assert bpjs.register(participant(32)).status_code == 201


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"nik": "73120457088000"}, "nik: invalid"),
        ({"birth_date": "17-08-1980"}, "birth_date: invalid"),
        ({"sex": "P"}, "sex: invalid"),
        ({"programs": ["JKN"]}, "programs: invalid"),
        ({"favourite_colour": "green"}, "favourite_colour: unknown field"),
    ],
)
def test_a_malformed_registration_is_a_400_naming_the_field_not_its_value(
    bpjs: Bpjs, change: dict[str, Any], problem: str
) -> None:
    request_id = new_request_id()
    response = bpjs.register(participant(41, **change), request_id=request_id)
    assert response.status_code == 400
    assert response.json() == {"code": "INVALID_REQUEST", "errors": [problem]}
    # Not applied, so not remembered: the same operation, fixed, goes through.
    assert bpjs.register(participant(41), request_id=request_id).status_code == 201


def test_unknown_path_and_method(bpjs: Bpjs) -> None:
    assert bpjs.call("POST", "/bpu/v1/nothing", {}).status_code == 404
    assert bpjs.call("DELETE", PARTICIPANTS).status_code == 405


# ---------------------------------------------------------------------------------- other endpoints


def test_update_contribution_and_claim(bpjs: Bpjs) -> None:
    kpj = bpjs.register(participant(51)).json()["kpj_number"]

    updated = bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {"phone": "081298765432", "commodity": "jagung"})
    assert updated.status_code == 200 and updated.json() == {"status": "UPDATED"}
    assert bpjs.call("PUT", f"{PARTICIPANTS}/26999999999", {"phone": "0812"}).status_code == 404
    assert bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {"nik": "7312"}).status_code == 400
    assert bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {"kpj_number": "26000000001"}).status_code == 400
    assert bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {}).status_code == 400

    contribution = {
        "kpj_number": kpj,
        "receipt_number": "SPP-0412-2026-000123",
        "periods": ["2026-11", "2026-12"],
        "amount": 16800,
        "paid_at": "2026-11-29T03:10:00Z",
    }
    posted = bpjs.call("POST", "/bpu/v1/contributions", contribution)
    assert posted.status_code == 201 and posted.json()["status"] == "POSTED"
    again = bpjs.call("POST", "/bpu/v1/contributions", contribution)  # another request id, same receipt
    assert again.json()["posting_id"] == posted.json()["posting_id"]
    unknown = bpjs.call("POST", "/bpu/v1/contributions", {**contribution, "kpj_number": "26999999999"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "REJECTED"
    assert unknown.json()["reason_code"] == "KPJ_NOT_FOUND"
    bad_period = bpjs.call("POST", "/bpu/v1/contributions", {**contribution, "periods": ["2026-13"]})
    assert bad_period.status_code == 400

    claim = {
        "claim_id": "01JCLAIM000000000000000000",
        "kpj_number": kpj,
        "type": "JKK",
        "incident_date": "2026-11-20",
        "outcome": "luka",
        "claimant": {"full_name": "Hasnah"},
        "documents": ["claims/x/ktp.jpg"],
    }
    received = bpjs.call("POST", "/bpu/v1/claims", claim)
    assert received.status_code == 202 and received.json()["status"] == "RECEIVED"
    claim_ref = received.json()["claim_ref"]
    assert bpjs.call("POST", "/bpu/v1/claims", claim).json()["claim_ref"] == claim_ref
    status = bpjs.call("GET", f"/bpu/v1/claims/{claim_ref}")
    assert status.status_code == 200 and status.json() == {"status": "RECEIVED"}
    assert bpjs.call("GET", "/bpu/v1/claims/KLM424242").status_code == 404
    assert bpjs.call("POST", "/bpu/v1/claims", {**claim, "type": "JHT"}).status_code == 400


def test_a_correction_of_the_identity_is_applied_and_recorded_by_name(bpjs: Bpjs) -> None:
    kpj = bpjs.register(participant(52)).json()["kpj_number"]
    other = bpjs.register(participant(53, reference_id="01JFARMER0000000000000000B")).json()["kpj_number"]
    corrected = {
        "full_name": "Hasnah Lamade",
        "birth_date": "1980-08-18",
        "sex": "F",
        "nik": nik(54, "580880"),
    }
    updated = bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", corrected)
    assert updated.status_code == 200 and updated.json() == {"status": "UPDATED"}
    held = bpjs.sim.by_kpj[kpj]
    assert {name: held.data[name] for name in corrected} == corrected
    assert bpjs.sim.by_nik[nik(54, "580880")] is held and nik(52) not in bpjs.sim.by_nik
    # The old NIK is free at BPJS too; the new one answers ALREADY_PARTICIPANT with the same KPJ.
    again = bpjs.register(participant(54) | {"nik": nik(54, "580880")})
    assert (again.status_code, again.json()["kpj_number"]) == (409, kpj)
    # Another participant's NIK: refused, nothing changed, not remembered (it may come fixed).
    taken = bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {"nik": nik(53)})
    assert (taken.status_code, taken.json()["code"]) == (409, "NIK_ALREADY_PARTICIPANT")
    assert bpjs.sim.by_nik[nik(53)].kpj_number == other and held.data["nik"] == nik(54, "580880")
    for bad in ({"sex": "X"}, {"birth_date": "18-08-1980"}, {"full_name": " "}):
        assert bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", bad).status_code == 400, bad
    # Over HTTP: the names of what each update changed, never the values.
    info = bpjs.http.get(f"/_sim/participants/{kpj}")
    assert info.status_code == 200
    assert info.json()["updates"] == [["birth_date", "full_name", "nik", "sex"]]
    assert "Hasnah" not in info.text and nik(54, "580880") not in info.text
    assert bpjs.http.get("/_sim/participants/26999999999").status_code == 404


def test_refuse_contributions_answers_a_final_rejection(bpjs: Bpjs) -> None:
    kpj = bpjs.register(participant(55)).json()["kpj_number"]
    contribution = {"kpj_number": kpj, "receipt_number": "BPP04-2026-000001", "periods": ["2026-11"],
                    "amount": 8400, "paid_at": "2026-11-29T03:10:00Z"}  # fmt: skip
    assert bpjs.configure(refuse_contributions=True).json()["refuse_contributions"] is True
    refused = bpjs.call(
        "POST", "/bpu/v1/contributions", contribution, request_id="01JREQREFUSED00000000000001"
    )
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["reason_code"]) == ("REJECTED", "CONTRIBUTION_REFUSED")
    bpjs.configure(refuse_contributions=False)
    # Final: the same operation again gets the same answer; another receipt is posted.
    again = bpjs.call("POST", "/bpu/v1/contributions", contribution, request_id="01JREQREFUSED00000000000001")
    assert again.status_code == 422
    other = bpjs.call(
        "POST", "/bpu/v1/contributions", {**contribution, "receipt_number": "BPP04-2026-000002"}
    )
    assert other.status_code == 201


def test_claim_decisions_are_sent_by_signed_callback(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url)
    kpj = bpjs.register(participant(52)).json()["kpj_number"]
    claim = {
        "claim_id": "01JCLAIM000000000000000001",
        "kpj_number": kpj,
        "type": "JKM",
        "incident_date": "2026-11-20",
        "outcome": "meninggal",
        "claimant": {},
        "documents": [],
    }
    claim_ref = bpjs.call("POST", "/bpu/v1/claims", claim).json()["claim_ref"]
    decided = bpjs.http.post(
        f"/_sim/claims/{claim_ref}/decision", json={"status": "APPROVED", "amount": 42_000_000}
    )
    assert decided.status_code == 200
    assert (
        bpjs.http.post(f"/_sim/claims/{claim_ref}/decision", json={"status": "REJECTED"}).status_code == 409
    )
    sink.wait(1)
    headers, raw = sink.received[0]
    assert callback_signature_ok(headers, raw)
    event = json.loads(raw)
    assert event["type"] == "CLAIM_APPROVED"
    assert event["data"] == {"claim_id": claim["claim_id"], "amount": 42_000_000}
    assert bpjs.call("GET", f"/bpu/v1/claims/{claim_ref}").json() == {
        "status": "APPROVED",
        "amount": 42_000_000,
    }


# ---------------------------------------------------------------------------------- claims decided by the rules

CLAIMS = "/bpu/v1/claims"


def claim_payload(kpj: str, serial: int, **overrides: Any) -> dict[str, Any]:
    """A claim as bpjs_sync submits it (layers/common/sutasoma/bpjs_sync.py `_submit_claim`)."""
    return {
        "claim_id": f"01JCLAIM{serial:018d}",
        "kpj_number": kpj,
        "type": "JKM",
        "incident_date": "2026-11-20",
        "outcome": "death",
        "claimant": {"full_name": "Baso Lamade", "relationship": "spouse", "phone": "081298765432"},
        "description": "Meninggal dunia karena sakit di rumah.",
        "estimated_amount": 42_000_000,
        "documents": ["kpj_card", "death_certificate"],
        **overrides,
    }


def events(sink: Sink) -> list[dict[str, Any]]:
    return [json.loads(raw) for _, raw in sink.received]


@pytest.mark.parametrize(
    ("claim_type", "outcome", "estimated", "description", "expected"),
    [
        # The estimate (the cash paid at once) when there is one above 0.
        ("JKM", "death", 42_000_000, "Meninggal dunia.", ("APPROVED", 42_000_000, None)),
        ("JKK", "death", 166_000_000, "Tertimpa pohon.", ("APPROVED", 166_000_000, None)),
        ("JKK", "permanent_disability", 84_000_000, "Jari putus.", ("APPROVED", 84_000_000, None)),
        ("JKK", "treatment", 1_234_567, "Terluka cangkul.", ("APPROVED", 1_234_567, None)),
        # Otherwise the defaults: care reimbursement, JKM, JKK death (48 x 1 M + 10 M + 12 M)…
        ("JKK", "treatment", 0, "Terluka cangkul.", ("APPROVED", 2_500_000, None)),
        ("JKK", "temporary_disability", None, None, ("APPROVED", 2_500_000, None)),
        ("JKK", "luka", None, None, ("APPROVED", 2_500_000, None)),
        ("JKM", "death", None, None, ("APPROVED", 42_000_000, None)),
        ("JKM", "death", 0, "", ("APPROVED", 42_000_000, None)),
        ("JKK", "death", None, None, ("APPROVED", 70_000_000, None)),
        ("JKK", "permanent_disability", None, None, ("APPROVED", 56_000_000, None)),
        # TOLAK, as a word, in any case: rejected, whatever the amount.
        ("JKM", "death", 42_000_000, "TOLAK: akta palsu", ("REJECTED", None, "Klaim ditolak: dokumen tidak sesuai")),
        ("JKK", "treatment", 0, "uji coba tolak", ("REJECTED", None, "Klaim ditolak: dokumen tidak sesuai")),
        ("JKK", "treatment", 0, "(Tolak.)", ("REJECTED", None, "Klaim ditolak: dokumen tidak sesuai")),
        ("JKK", "treatment", 0, "Sempat ditolak puskesmas", ("APPROVED", 2_500_000, None)),
        ("JKK", "treatment", 0, "TOLAKAN", ("APPROVED", 2_500_000, None)),
    ],
)  # fmt: skip
def test_the_decision_rules(
    claim_type: str, outcome: str, estimated: int | None, description: str | None, expected: tuple[Any, ...]
) -> None:
    decision = simulator_claims.claim_decision(claim_type, outcome, estimated, description)
    assert (decision.status, decision.amount, decision.reason) == expected


def test_a_received_claim_is_approved_then_paid_by_signed_callbacks(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=200, claim_payment_delay_ms=200)
    kpj = bpjs.register(participant(91)).json()["kpj_number"]
    claim = claim_payload(kpj, 91, estimated_amount=42_000_000)
    started = time.monotonic()
    received = bpjs.call("POST", CLAIMS, claim)
    assert received.status_code == 202 and received.json()["status"] == "RECEIVED"
    claim_ref = received.json()["claim_ref"]
    assert bpjs.call("GET", f"{CLAIMS}/{claim_ref}").json() == {"status": "RECEIVED"}
    sink.wait(1)
    assert time.monotonic() - started >= 0.2  # claim_decision_delay_ms
    sink.wait(2)
    assert time.monotonic() - started >= 0.4  # then claim_payment_delay_ms
    approved, paid = events(sink)
    assert all(callback_signature_ok(headers, raw) for headers, raw in sink.received)
    assert all(abs(int(headers["X-Bpjs-Timestamp"]) - time.time()) < 5 for headers, _ in sink.received)
    assert approved["type"] == "CLAIM_APPROVED"
    assert approved["data"] == {"claim_id": claim["claim_id"], "amount": 42_000_000}
    assert paid["type"] == "CLAIM_PAID"
    assert set(paid["data"]) == {"claim_id", "amount", "paid_at"}
    assert paid["data"]["claim_id"] == claim["claim_id"] and paid["data"]["amount"] == 42_000_000
    paid_at = datetime.strptime(paid["data"]["paid_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - paid_at).total_seconds()) < 5
    assert approved["event_id"] != paid["event_id"]
    assert bpjs.call("GET", f"{CLAIMS}/{claim_ref}").json() == {"status": "PAID", "amount": 42_000_000}
    assert bpjs.http.get("/_sim/claims").json() == {
        "claims": [
            {"claim_ref": claim_ref, "claim_id": claim["claim_id"], "type": "JKM", "status": "PAID",
             "amount": 42_000_000, "reason": None, "automatic": True}
        ]
    }  # fmt: skip
    callbacks = bpjs.http.get("/_sim/callbacks").json()["callbacks"]
    assert [(c["type"], c["status"]) for c in callbacks] == [
        ("CLAIM_APPROVED", "DELIVERED"),
        ("CLAIM_PAID", "DELIVERED"),
    ]
    time.sleep(0.3)
    assert len(sink.received) == 2  # nothing more


def test_without_an_estimate_the_default_amount_is_approved(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=0, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(92)).json()["kpj_number"]
    payload = claim_payload(kpj, 92, type="JKK", outcome="treatment")
    del payload["estimated_amount"], payload["description"]  # both optional
    assert bpjs.call("POST", CLAIMS, payload).status_code == 202
    sink.wait(2)
    assert [(e["type"], e["data"]["amount"]) for e in events(sink)] == [
        ("CLAIM_APPROVED", 2_500_000),
        ("CLAIM_PAID", 2_500_000),
    ]


def test_a_claim_saying_tolak_is_rejected_by_callback_with_the_reason(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=0, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(93)).json()["kpj_number"]
    claim = claim_payload(kpj, 93, description="Uji coba: tolak klaim ini.")
    claim_ref = bpjs.call("POST", CLAIMS, claim).json()["claim_ref"]
    sink.wait(1)
    headers, raw = sink.received[0]
    assert callback_signature_ok(headers, raw)
    event = json.loads(raw)
    assert event["type"] == "CLAIM_REJECTED"
    assert event["data"] == {"claim_id": claim["claim_id"], "reason": "Klaim ditolak: dokumen tidak sesuai"}
    assert bpjs.call("GET", f"{CLAIMS}/{claim_ref}").json() == {
        "status": "REJECTED",
        "reason": "Klaim ditolak: dokumen tidak sesuai",
    }
    time.sleep(0.3)
    assert len(sink.received) == 1


def test_a_claim_of_an_unknown_kpj_is_rejected_at_once(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=0)
    refused = bpjs.call("POST", CLAIMS, claim_payload("26999999999", 94))
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "REJECTED",
        "reason_code": "KPJ_NOT_FOUND",
        "reason": "Nomor KPJ tidak terdaftar",
    }
    time.sleep(0.3)
    assert sink.received == []


def test_a_claim_is_decided_once_however_often_it_is_submitted(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=100, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(95)).json()["kpj_number"]
    claim = claim_payload(kpj, 95)
    request_id = new_request_id()
    refs = {
        bpjs.call("POST", CLAIMS, claim, request_id=rid).json()["claim_ref"]
        for rid in (request_id, request_id, None)
    }
    assert len(refs) == 1
    sink.wait(2)
    time.sleep(0.4)
    assert [e["type"] for e in events(sink)] == ["CLAIM_APPROVED", "CLAIM_PAID"]


@pytest.mark.parametrize(
    "problem",
    [
        {"estimated_amount": -1},
        {"estimated_amount": "42000000"},
        {"estimated_amount": True},
        {"description": 7},
    ],
)
def test_a_malformed_estimate_or_description_is_a_400(bpjs: Bpjs, problem: dict[str, Any]) -> None:
    kpj = bpjs.register(participant(96)).json()["kpj_number"]
    response = bpjs.call("POST", CLAIMS, claim_payload(kpj, 96, **problem))
    assert response.status_code == 400
    assert response.json()["errors"] == [f"{next(iter(problem))}: invalid"]


def test_with_auto_decide_claims_off_only_a_person_decides(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(
        callback_url=sink.url, auto_decide_claims=False, claim_decision_delay_ms=0, claim_payment_delay_ms=0
    )
    kpj = bpjs.register(participant(97)).json()["kpj_number"]
    claim_ref = bpjs.call("POST", CLAIMS, claim_payload(kpj, 97)).json()["claim_ref"]
    time.sleep(0.3)
    assert sink.received == []
    assert bpjs.call("GET", f"{CLAIMS}/{claim_ref}").json() == {"status": "RECEIVED"}
    approved = bpjs.http.post(
        f"/_sim/claims/{claim_ref}/decision", json={"status": "APPROVED", "amount": 30_000_000}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"
    sink.wait(1)
    time.sleep(0.3)
    assert [e["type"] for e in events(sink)] == ["CLAIM_APPROVED"]  # no payment by itself
    assert bpjs.http.post(f"/_sim/claims/{claim_ref}/decision", json={"status": "PAID"}).status_code == 200
    sink.wait(2)
    paid = events(sink)[1]
    assert paid["type"] == "CLAIM_PAID" and paid["data"]["amount"] == 30_000_000


def test_a_manual_decision_takes_the_claim_over_from_the_rules(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=300, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(98)).json()["kpj_number"]
    first = bpjs.call("POST", CLAIMS, claim_payload(kpj, 98)).json()["claim_ref"]
    second = bpjs.call("POST", CLAIMS, claim_payload(kpj, 99)).json()["claim_ref"]
    assert (
        bpjs.http.post(
            f"/_sim/claims/{first}/decision", json={"status": "REJECTED", "reason": "Uji"}
        ).status_code
        == 200
    )
    assert (
        bpjs.http.post(
            f"/_sim/claims/{second}/decision", json={"status": "APPROVED", "amount": 1_000_000}
        ).status_code
        == 200
    )
    sink.wait(2)
    time.sleep(0.6)  # past the rules' decision time: they do nothing
    assert sorted((e["type"], e["data"].get("amount")) for e in events(sink)) == [
        ("CLAIM_APPROVED", 1_000_000),
        ("CLAIM_REJECTED", None),
    ]
    assert bpjs.call("GET", f"{CLAIMS}/{second}").json() == {"status": "APPROVED", "amount": 1_000_000}


def test_switching_the_rules_off_stops_the_steps_not_yet_taken(bpjs: Bpjs, sink: Sink) -> None:
    # A generous delay: on a loaded machine the switch must still come before the decision.
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=2000)
    kpj = bpjs.register(participant(100)).json()["kpj_number"]
    claim_ref = bpjs.call("POST", CLAIMS, claim_payload(kpj, 100)).json()["claim_ref"]
    bpjs.configure(auto_decide_claims=False)
    time.sleep(2.3)
    assert sink.received == []
    bpjs.configure(auto_decide_claims=True)
    time.sleep(0.5)
    assert sink.received == []  # it waits for a person now
    assert (
        bpjs.http.post(
            f"/_sim/claims/{claim_ref}/decision", json={"status": "APPROVED", "amount": 5}
        ).status_code
        == 200
    )


def test_payment_waits_until_the_approval_was_acknowledged(
    bpjs: Bpjs, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_base, "CALLBACK_RETRY_BASE_S", 0.2)
    sink.statuses = [409]  # e.g. our side had not recorded SENT_TO_BPJS yet
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=0, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(101)).json()["kpj_number"]
    bpjs.call("POST", CLAIMS, claim_payload(kpj, 101))
    sink.wait(3)
    first, again, paid = sink.received
    assert first[1] == again[1] and json.loads(first[1])["type"] == "CLAIM_APPROVED"
    assert json.loads(paid[1])["type"] == "CLAIM_PAID"
    assert all(callback_signature_ok(headers, raw) for headers, raw in sink.received)


def test_an_approval_never_acknowledged_is_not_paid_until_it_is_resent(
    bpjs: Bpjs, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_base, "CALLBACK_RETRY_BASE_S", 0.01)
    sink.statuses = [500] * simulator_base.CALLBACK_ATTEMPTS
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=0, claim_payment_delay_ms=0)
    kpj = bpjs.register(participant(102)).json()["kpj_number"]
    claim_ref = bpjs.call("POST", CLAIMS, claim_payload(kpj, 102)).json()["claim_ref"]
    sink.wait(simulator_base.CALLBACK_ATTEMPTS)
    deadline = time.monotonic() + 5
    while (callbacks := bpjs.http.get("/_sim/callbacks").json()["callbacks"])[0]["status"] != "FAILED":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    assert len(callbacks) == 1 and bpjs.call("GET", f"{CLAIMS}/{claim_ref}").json()["status"] == "APPROVED"
    assert bpjs.http.post(f"/_sim/callbacks/{callbacks[0]['event_id']}/resend").status_code == 202
    sink.wait(simulator_base.CALLBACK_ATTEMPTS + 2)
    assert json.loads(sink.received[-1][1])["type"] == "CLAIM_PAID"


def test_reset_cancels_the_decisions_to_come(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, claim_decision_delay_ms=300)
    kpj = bpjs.register(participant(103)).json()["kpj_number"]
    bpjs.call("POST", CLAIMS, claim_payload(kpj, 103))
    assert bpjs.http.post("/_sim/reset").status_code == 200
    time.sleep(0.5)
    assert sink.received == []
    config = bpjs.http.get("/_sim/config").json()
    assert (
        config["auto_decide_claims"],
        config["claim_decision_delay_ms"],
        config["claim_payment_delay_ms"],
    ) == (
        True,
        1000,
        1000,
    )


def test_the_claim_switches_on_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = simulator_cli.parse_args([])
    assert (
        defaults.no_auto_decide_claims,
        defaults.claim_decision_delay_ms,
        defaults.claim_payment_delay_ms,
    ) == (
        False,
        1000,
        1000,
    )
    args = simulator_cli.parse_args(["--no-auto-decide-claims", "--claim-decision-delay-ms", "0"])
    assert args.no_auto_decide_claims and args.claim_decision_delay_ms == 0
    monkeypatch.setenv("BPJS_SIM_CLAIM_PAYMENT_DELAY_MS", "250")
    monkeypatch.setenv("BPJS_SIM_NO_AUTO_DECIDE_CLAIMS", "1")
    from_env = simulator_cli.parse_args([])
    assert from_env.claim_payment_delay_ms == 250 and from_env.no_auto_decide_claims


# ---------------------------------------------------------------------------------- switches


def test_outage_answers_503_and_applies_nothing(bpjs: Bpjs) -> None:
    assert bpjs.configure(outage=True).json()["outage"] is True
    request_id = new_request_id()
    response = bpjs.register(participant(61), request_id=request_id)
    assert response.status_code == 503 and response.json() == {"code": "SERVICE_UNAVAILABLE"}
    assert bpjs.register(participant(61), key="even-a-bad-signature").status_code == 503  # before auth
    bpjs.configure(outage=False)
    # The retry of the same operation is applied now: a 503 was not an answer to remember.
    assert bpjs.register(participant(61), request_id=request_id).status_code == 201


def test_error_rate_is_a_share_of_503s_and_deterministic(bpjs: Bpjs) -> None:
    bpjs.configure(error_rate=1.0)
    assert bpjs.register(participant(62)).status_code == 503

    def draw() -> list[int]:
        bpjs.http.post("/_sim/reset")
        bpjs.configure(error_rate=0.5)
        return [bpjs.call("GET", "/bpu/v1/claims/KLM000404").status_code for _ in range(40)]

    statuses = draw()
    assert set(statuses) == {503, 404}
    assert 8 <= statuses.count(503) <= 32
    assert draw() == statuses  # the same seed draws the same sequence after a reset


def test_latency_is_added_to_every_answer(bpjs: Bpjs) -> None:
    bpjs.configure(latency_ms=300)
    started = time.monotonic()
    assert bpjs.register(participant(63)).status_code == 201
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    "change",
    [
        {"error_rate": 1.5},
        {"error_rate": "half"},
        {"latency_ms": -1},
        {"outage": "yes"},
        {"unknown_niks": ["123"]},
        {"callback_url": "https://example.com/bpjs/callbacks"},
        {"auto_decide_claims": "yes"},
        {"refuse_contributions": 1},
        {"claim_decision_delay_ms": -1},
        {"claim_payment_delay_ms": 120_001},
        {"claim_payment_delay_ms": 1.5},
        {"colour": "blue"},
    ],
)
def test_bad_config_changes_are_refused_and_change_nothing(bpjs: Bpjs, change: dict[str, Any]) -> None:
    before = bpjs.http.get("/_sim/config").json()
    response = bpjs.http.post("/_sim/config", json={"latency_ms": 5, **change})
    assert response.status_code == 400
    assert bpjs.http.get("/_sim/config").json() == before


def test_reset_forgets_everything_but_the_callback_url(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(callback_url=sink.url, outage=False, latency_ms=10)
    assert bpjs.register(participant(64)).json()["kpj_number"] == "26000000001"
    assert bpjs.http.post("/_sim/reset").status_code == 200
    config = bpjs.http.get("/_sim/config").json()
    assert config["latency_ms"] == 0 and config["callback_url"] == sink.url
    assert bpjs.http.get("/_sim/requests").json()["total"] == 0
    assert bpjs.register(participant(64)).json()["kpj_number"] == "26000000001"


def test_the_request_log_counts_routes_and_holds_no_personal_data(bpjs: Bpjs) -> None:
    kpj = bpjs.register(participant(65)).json()["kpj_number"]
    bpjs.call("PUT", f"{PARTICIPANTS}/{kpj}", {"phone": "081298765432"})
    bpjs.register(participant(9999))
    log = bpjs.http.get("/_sim/requests").json()
    assert log["total"] == 3
    assert log["counts"] == {
        "POST /bpu/v1/participants 201": 1,
        "POST /bpu/v1/participants 422": 1,
        "PUT /bpu/v1/participants/{kpj_number} 200": 1,
    }
    assert set(log["requests"][0]) == {"time", "route", "request_id", "status", "code", "replayed"}
    text = json.dumps(log)
    for personal in (nik(65), nik(9999), kpj, "081298765432", "Hasnah"):
        assert personal not in text


# ---------------------------------------------------------------------------------- callbacks


def test_async_registration_answers_202_and_confirms_by_signed_callback(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(async_registration=True, callback_url=sink.url)
    response = bpjs.register(participant(71, reference_id="01JFARMER00000000000000071"))
    assert response.status_code == 202 and response.json() == {"status": "PENDING"}
    sink.wait(1)
    headers, raw = sink.received[0]
    assert headers["Content-Type"] == "application/json"
    assert abs(int(headers["X-Bpjs-Timestamp"]) - time.time()) < 5
    assert callback_signature_ok(headers, raw)
    event = json.loads(raw)
    assert set(event) == {"event_id", "type", "data"} and event["event_id"]
    assert event["type"] == "PARTICIPANT_CONFIRMED"
    assert event["data"] == {"farmer_id": "01JFARMER00000000000000071", "kpj_number": "26000000001"}
    # The NIK has its KPJ now: another registration of it is ALREADY_PARTICIPANT, at once.
    assert bpjs.register(participant(71)).json() == {
        "code": "ALREADY_PARTICIPANT",
        "kpj_number": "26000000001",
    }
    callbacks = bpjs.http.get("/_sim/callbacks").json()["callbacks"]
    assert callbacks == [
        {"event_id": event["event_id"], "type": "PARTICIPANT_CONFIRMED", "status": "DELIVERED",
         "attempts": 1, "last_http_status": 200}
    ]  # fmt: skip


def test_async_rejection_comes_by_callback_with_the_reason(bpjs: Bpjs, sink: Sink) -> None:
    bpjs.configure(async_registration=True, callback_url=sink.url)
    assert bpjs.register(participant(9999, reference_id="01JFARMER00000000000009999")).status_code == 202
    sink.wait(1)
    headers, raw = sink.received[0]
    assert callback_signature_ok(headers, raw)
    assert json.loads(raw)["type"] == "PARTICIPANT_REJECTED"
    assert json.loads(raw)["data"] == {
        "farmer_id": "01JFARMER00000000000009999",
        "reason_code": "NIK_NOT_FOUND",
        "reason": "NIK tidak ditemukan di data Dukcapil",
    }


def test_a_failed_callback_is_retried_and_can_be_resent(
    bpjs: Bpjs, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_base, "CALLBACK_RETRY_BASE_S", 0.05)
    sink.statuses = [500, 503]
    bpjs.configure(async_registration=True, callback_url=sink.url)
    bpjs.register(participant(72))
    sink.wait(3)
    deadline = time.monotonic() + 5
    while (callbacks := bpjs.http.get("/_sim/callbacks").json()["callbacks"])[0]["status"] != "DELIVERED":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert callbacks[0]["attempts"] == 3
    bodies = {raw for _, raw in sink.received}
    assert len(bodies) == 1  # the same event, event_id and all, each time
    assert all(callback_signature_ok(h, raw) for h, raw in sink.received)

    assert bpjs.http.post(f"/_sim/callbacks/{callbacks[0]['event_id']}/resend").status_code == 202
    sink.wait(4)
    assert sink.received[3][1] == sink.received[0][1]
    assert bpjs.http.post("/_sim/callbacks/evt_nope/resend").status_code == 404


def test_callbacks_only_go_to_loopback_urls() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        simulator_base.http_post("http://192.0.2.10/bpjs/callbacks", b"{}", {})
    with pytest.raises(simulator_config.ConfigError):
        SimConfig().update({"callback_url": "http://bpjs.example/callbacks"})


# ---------------------------------------------------------------------------------- the process


def test_runs_as_a_process_and_stops_on_sigterm(tmp_path: Path) -> None:
    state_file = tmp_path / "sim.json"
    env = {
        **os.environ,
        "BPJS_SIM_CONS_ID": CONS_ID,
        "BPJS_SIM_SECRET_KEY": SECRET_KEY,
        "BPJS_SIM_CALLBACK_SECRET": CALLBACK_SECRET,
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local.bpjs", "--port", "0", "--state-file", str(state_file)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not state_file.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        state = json.loads(state_file.read_text())
        assert state["pid"] == process.pid and state["url"].startswith("http://127.0.0.1:")
        with httpx.Client(base_url=state["url"], trust_env=False) as http:
            assert http.get("/_sim/health").json() == {"status": "ok"}
            body = json.dumps(participant(81)).encode()
            response = http.post(
                PARTICIPANTS, content=body, headers=signed_headers("POST", PARTICIPANTS, body)
            )
            assert response.status_code == 201
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0
    assert not state_file.exists()
    assert "listening on http://127.0.0.1:" in output
    assert "POST /bpu/v1/participants -> 201" in output
    assert nik(81) not in output and "26000000001" not in output


def test_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BPJS_SIM_")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "local.bpjs", "--port", "0", "--cons-id", CONS_ID],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert b"secret_key" in result.stderr


def test_the_busiest_second_is_counted_and_a_rate_limit_answers_429() -> None:
    """Every arrival counts (answered or refused): `rate.max_in_any_second` is the most requests in
    any one-second window; with `rate_limit`, the ones beyond it in their second get 429."""
    now = [1_000.0]
    simulator = Simulator(
        Credentials("sutasoma-test", "k" * 48, "c" * 48), SimConfig(rate_limit=3), clock=lambda: now[0]
    )
    statuses = []
    for at in (0.0, 0.2, 0.4, 0.6, 0.8, 1.3, 2.5):
        now[0] = 1_000.0 + at
        answer, _ = simulator.handle("POST", "/bpu/v1/participants", {}, b"{}")
        statuses.append(answer.status)
    # Unsigned: 401 when within the limit. 0.6 and 0.8 are the 4th and 5th of [0.0, 1.0); at 1.3
    # the second (0.3, 1.3] holds 0.4, 0.6, 0.8 and 1.3: four, refused too; 2.5 is alone.
    assert statuses == [401, 401, 401, 429, 429, 429, 401]
    rate = simulator.request_log()["rate"]
    assert rate == {"max_in_any_second": 5, "limit": 3, "refused": 3}
    simulator.configure({"rate_limit": 0})
    assert simulator.request_log()["rate"]["limit"] is None
