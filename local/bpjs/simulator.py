"""BPJS Ketenagakerjaan host-to-host simulator: the contract of docs/bpjs-h2h.md, without HTTP.

BPJS endpoints (signed: X-Cons-Id, X-Timestamp within 300 s, X-Signature; X-Request-Id applied
once): POST /bpu/v1/participants, POST /bpu/v1/participants/lookup, PUT /bpu/v1/participants/{kpj_number},
POST /bpu/v1/contributions, POST /bpu/v1/claims, GET /bpu/v1/claims/{claim_ref}
(local.bpjs.endpoints). Claims decide themselves (unless `auto_decide_claims` is off):
`claim_decision_delay_ms` after a claim is received, CLAIM_APPROVED (amount: `claim_amount`) or
CLAIM_REJECTED (`claim_decision`), then `claim_payment_delay_ms` after the approval was
delivered, CLAIM_PAID (local.bpjs.claims). docs/bpjs-h2h.md "Simulator rules" has the rules.

NIKs, names, phone numbers and KPJ numbers are never logged, nor returned by the request log:
it has method, route (the template, e.g. PUT /bpu/v1/participants/{kpj_number}), request id,
status and error code only.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from local.bpjs.claims import ClaimDesk
from local.bpjs.config import Credentials, SimConfig
from local.bpjs.endpoints import Endpoints
from local.bpjs.rules import SIGNATURE_WINDOW_S, Answer, error_answer, invalid_answer, iso_now
from local.bpjs.signing import request_signature

log = logging.getLogger("local.bpjs")


class Route:
    """`/bpu/v1/participants/{kpj_number}`: matches a path and names its variables."""

    def __init__(self, method: str, template: str, handler: Callable[..., Answer]) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._regex = re.compile(f"^{pattern}$")

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    def match(self, path: str) -> dict[str, str] | None:
        found = self._regex.match(path)
        return found.groupdict() if found else None


class Simulator(Endpoints, ClaimDesk):
    """BPJS's side of the contract, without HTTP: state, rules, callbacks.

    Thread-safe (one lock around the state). Deterministic: KPJ numbers, posting ids and claim
    refs are counters, and `error_rate` draws from a Random seeded at start and at reset.
    """

    def __init__(
        self,
        credentials: Credentials,
        config: SimConfig | None = None,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        deliver: Callable[[str, bytes, dict[str, str]], int] | None = None,
    ) -> None:
        super().__init__(credentials, config, seed=seed, clock=clock, sleep=sleep, deliver=deliver)
        self.routes = [
            Route("POST", "/bpu/v1/participants", self._register),
            Route("POST", "/bpu/v1/participants/lookup", self._lookup),
            Route("PUT", "/bpu/v1/participants/{kpj_number}", self._update),
            Route("POST", "/bpu/v1/contributions", self._contribution),
            Route("POST", "/bpu/v1/claims", self._claim),
            Route("GET", "/bpu/v1/claims/{claim_ref}", self._claim_status),
        ]

    # ------------------------------------------------------------------ one BPJS request

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[Answer, str]:
        """Answer one request to a BPJS endpoint; returns the answer and the route key for logs."""
        started = self.clock()
        with self._lock:
            latency_ms = self.config.latency_ms
            over_the_limit = self._arrived(started)
        if latency_ms:
            self.sleep(latency_ms / 1000)
        route, params = self._match(method, path)
        route_key = route.key if route else f"{method} (unknown path)"
        lowered = {name.lower(): value for name, value in headers.items()}
        request_id = lowered.get("x-request-id", "")
        with self._lock:
            if over_the_limit:
                answer, replayed = error_answer(429, "RATE_LIMITED"), False
            else:
                answer, replayed = self._answer(method, path, lowered, body, route, params, request_id)
            self._record(route_key, request_id, answer, replayed)
        log.info(
            "%s %s -> %d%s%s (%d ms)",
            method, route.template if route else "(unknown path)", answer.status,
            f" {answer.body['code']}" if "code" in answer.body else "",
            " replayed" if replayed else "",
            round((self.clock() - started) * 1000),
        )  # fmt: skip
        return answer, route_key

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            params = route.match(path)
            if params is not None and route.method == method:
                return route, params
        return None, {}

    def _answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        route: Route | None,
        params: dict[str, str],
        request_id: str,
    ) -> tuple[Answer, bool]:
        if self.config.outage:
            return error_answer(503, "SERVICE_UNAVAILABLE"), False
        if self.config.error_rate and self.rng.random() < self.config.error_rate:
            return error_answer(503, "SERVICE_UNAVAILABLE"), False
        refused = self._check_signature(method, path, headers, body)
        if refused:
            log.info("401 SIGNATURE_INVALID: %s", refused)
            return error_answer(401, "SIGNATURE_INVALID"), False
        if route is None:
            known_path = any(r.match(path) is not None for r in self.routes)
            return (
                error_answer(405, "METHOD_NOT_ALLOWED") if known_path else error_answer(404, "NOT_FOUND")
            ), False
        if not request_id:
            return invalid_answer(["X-Request-Id header is required"]), False
        idempotent = method != "GET"
        if idempotent and request_id in self.answers:
            return self.answers[request_id], True
        payload: Any = None
        if method != "GET":
            try:
                payload = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return invalid_answer(["body is not JSON"]), False
            if not isinstance(payload, dict):
                return invalid_answer(["body must be a JSON object"]), False
        answer = route.handler(payload, **params)
        # Only an applied request is remembered: a refused one (400, 404) may come again fixed,
        # under the same operation id, once a person has looked at it.
        if idempotent and (
            answer.status < 300 or answer.body.get("code") in ("ALREADY_PARTICIPANT", "REJECTED")
        ):
            self.answers[request_id] = answer
        return answer, False

    def _check_signature(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why the request is not authentic, or None (`headers` with lower-case names)."""
        cons_id = headers.get("x-cons-id")
        timestamp = headers.get("x-timestamp")
        signature = headers.get("x-signature")
        if not cons_id or not timestamp or not signature:
            return "X-Cons-Id, X-Timestamp or X-Signature missing"
        if not hmac.compare_digest(cons_id, self.credentials.cons_id):
            return "unknown consumer id"
        if not timestamp.isdigit():
            return "X-Timestamp is not Unix seconds"
        skew = int(timestamp) - self.clock()
        if abs(skew) > SIGNATURE_WINDOW_S:
            return f"X-Timestamp {round(skew)} s from the simulator's clock (more than {SIGNATURE_WINDOW_S})"
        expected = request_signature(self.credentials.secret_key, cons_id, timestamp, method, path, body)
        if not hmac.compare_digest(expected, signature.strip()):
            return "signature does not match (key, method, path or body)"
        return None

    def _record(self, route_key: str, request_id: str, answer: Answer, replayed: bool) -> None:
        self.request_total += 1
        self.counts[f"{route_key} {answer.status}"] += 1
        self.requests.append(
            {
                "time": iso_now(self.clock),
                "route": route_key,
                "request_id": request_id,
                "status": answer.status,
                "code": answer.body.get("code"),
                "replayed": replayed,
            }
        )
