"""BPJS Ketenagakerjaan host-to-host client (docs/bpjs-h2h.md), on httpx.

Only this module talks to BPJS. Every call is signed, carries our operation id as
`X-Request-Id` (BPJS applies a request id once), has timeouts, and ends in one of:
a result, `BpjsRejected` (a final business answer), `BpjsRetryable` (try again later) or
`BpjsRequestError` (our request is wrong: a person must look; never retried into a result).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from sutasoma.app.ports import BpjsRejected, BpjsRequestError, BpjsRetryable, Registration
from sutasoma.domain.farmer import BpjsCheck
from sutasoma.runtime.observability import tracer

tracer.patch(("httpx",))  # each BPJS call a subsegment of the trace (a no-op outside Lambda)

USER_AGENT = "sutasoma/1.0 (+Kabupaten Soppeng)"
TIMEOUT = httpx.Timeout(12.0, connect=3.0, read=10.0)
RETRYABLE_STATUSES = frozenset({401, 403, 408, 425, 429})


@dataclass(frozen=True)
class Credentials:
    cons_id: str
    secret_key: str


def sign(credentials: Credentials, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = "&".join(
        (credentials.cons_id, timestamp, method.upper(), path, hashlib.sha256(body).hexdigest())
    ).encode()
    digest = hmac.new(credentials.secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Pacer(Protocol):
    def wait_turn(self) -> None: ...


class BpjsClient:
    """Thread-safe: a batch's messages call BPJS side by side (one httpx connection pool)."""

    def __init__(
        self,
        base_url: str,
        credentials: Callable[[], Credentials],
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        pacer: Pacer | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._http = http
        self._clock = clock
        self._pacer = pacer
        # One secret read and one connection pool, however many threads start at once.
        self._lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
        return self._http

    # ------------------------------------------------------------------ endpoints
    def register_participant(self, request_id: str, participant: dict[str, Any]) -> Registration:
        response = self._call("POST", "/bpu/v1/participants", request_id, participant, ok={201, 202, 409})
        body = _json(response)
        if response.status_code == 409:
            if body.get("code") != "ALREADY_PARTICIPANT" or not body.get("kpj_number"):
                raise BpjsRequestError("unexpected 409 from participant registration", 409, body.get("code"))
            return Registration("CONFIRMED", str(body["kpj_number"]))
        status = str(body.get("status", ""))
        kpj = body.get("kpj_number")
        if status == "CONFIRMED" and _is_kpj(kpj):
            return Registration("CONFIRMED", str(kpj))
        if status == "PENDING":
            return Registration("PENDING", None)
        raise BpjsRequestError("participant registration answer not understood", response.status_code)

    def update_participant(self, request_id: str, kpj_number: str, changes: dict[str, Any]) -> None:
        self._call("PUT", f"/bpu/v1/participants/{kpj_number}", request_id, changes, ok={200})

    def post_contribution(self, request_id: str, contribution: dict[str, Any]) -> str:
        response = self._call("POST", "/bpu/v1/contributions", request_id, contribution, ok={201})
        return str(_json(response).get("posting_id", ""))

    def submit_claim(self, request_id: str, claim: dict[str, Any]) -> str:
        response = self._call("POST", "/bpu/v1/claims", request_id, claim, ok={201, 202})
        claim_ref = _json(response).get("claim_ref")
        if not isinstance(claim_ref, str) or not claim_ref:
            raise BpjsRequestError("claim submission answer without claim_ref", response.status_code)
        return claim_ref

    def lookup_participant(self, request_id: str, kpj_number: str, nik: str) -> str:
        """Whether BPJS knows the KPJ, and with this NIK (docs/bpjs-h2h.md "Participant look-up");
        the NIK travels in the body, never in a path that logs keep."""
        response = self._call(
            "POST",
            "/bpu/v1/participants/lookup",
            request_id,
            {"kpj_number": kpj_number, "nik": nik},
            ok={200},
        )
        body = _json(response)
        found, matches = body.get("kpj_found"), body.get("nik_matches")
        if found is False:
            return BpjsCheck.KPJ_NOT_FOUND.value
        if found is True and isinstance(matches, bool):
            return (BpjsCheck.MATCH if matches else BpjsCheck.NIK_MISMATCH).value
        raise BpjsRequestError("participant look-up answer not understood", response.status_code)

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, request_id: str, payload: Any, ok: set[int]) -> httpx.Response:
        body = (
            json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            if payload is not None
            else b""
        )
        with self._lock:
            credentials = self._credentials()  # cached by the secrets adapter after the first read
        http = self.http
        if self._pacer is not None:
            self._pacer.wait_turn()  # BPJS's rate limit: every request, retries included, takes a turn
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "X-Cons-Id": credentials.cons_id,
            "X-Timestamp": timestamp,
            "X-Signature": sign(credentials, timestamp, method, path, body),
            "X-Request-Id": request_id,
        }
        try:
            response = http.request(method, self._base_url + path, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise BpjsRetryable(f"BPJS timed out ({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise BpjsRetryable(f"BPJS unreachable ({type(error).__name__})") from None
        status = response.status_code
        if status in ok:
            return response
        code = _json(response).get("code")
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise BpjsRetryable(f"BPJS answered {status}", status, code)
        if status == 422 and code == "REJECTED":
            body_json = _json(response)
            raise BpjsRejected(
                str(body_json.get("reason_code", "REJECTED")), str(body_json.get("reason", ""))
            )
        raise BpjsRequestError(f"BPJS refused the request with {status}", status, code)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _is_kpj(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 11 and value.isdigit()
