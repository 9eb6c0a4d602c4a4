"""BPJS Ketenagakerjaan host-to-host simulator: the contract of docs/bpjs-h2h.md on 127.0.0.1.

    python -m local.bpjs_simulator [--port 0] [--cons-id ID] [--callback-url URL]
                                   [--state-file PATH] [--latency-ms N] [--error-rate R] [--outage]
                                   [--async-registration] [--no-auto-decide-claims]
                                   [--claim-decision-delay-ms N] [--claim-payment-delay-ms N] [--seed N]

The signing key and the callback secret come from `--secret-key` / `--callback-secret` or, so
that they do not show in `ps`, from BPJS_SIM_SECRET_KEY / BPJS_SIM_CALLBACK_SECRET (every option
has a BPJS_SIM_* variable). Once listening it prints its URL and writes `{"url", "pid"}` to
the state file; SIGINT/SIGTERM stop it and remove the file. `python -m local` runs it for you.

BPJS endpoints (signed: X-Cons-Id, X-Timestamp within 300 s, X-Signature; X-Request-Id applied
once): POST /bpu/v1/participants, PUT /bpu/v1/participants/{kpj_number},
POST /bpu/v1/contributions, POST /bpu/v1/claims, GET /bpu/v1/claims/{claim_ref}.
Control endpoints (no signature, loopback clients only): GET/POST /_sim/config,
GET /_sim/requests, GET /_sim/callbacks, POST /_sim/callbacks/{event_id}/resend,
GET /_sim/claims, POST /_sim/claims/{claim_ref}/decision, POST /_sim/reset, GET /_sim/health.

Claims decide themselves (unless `auto_decide_claims` is off): `claim_decision_delay_ms` after a
claim is received, CLAIM_APPROVED (amount: `claim_amount`) or CLAIM_REJECTED (`claim_decision`),
then `claim_payment_delay_ms` after the approval was delivered, CLAIM_PAID. docs/bpjs-h2h.md
"Simulator rules" has the rules.

NIKs, names, phone numbers and KPJ numbers are never logged, nor returned by the request log:
it has method, route (the template, e.g. PUT /bpu/v1/participants/{kpj_number}), request id,
status and error code only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger("local.bpjs_simulator")

SIGNATURE_WINDOW_S = 300
KPJ_PREFIX = "26"
REJECTED_SERIAL = "9999"
NIK_NOT_FOUND = ("NIK_NOT_FOUND", "NIK tidak ditemukan di data Dukcapil")
KPJ_NOT_FOUND = ("KPJ_NOT_FOUND", "Nomor KPJ tidak terdaftar")
UPDATABLE_FIELDS = frozenset({"phone", "address", "village_code", "commodity", "monthly_income"})
PROGRAMS = frozenset({"JKK", "JKM", "JHT"})
CLAIM_TYPES = frozenset({"JKK", "JKM"})
REQUEST_LOG_SIZE = 10_000
# Callback delivery: BPJS retries a callback that did not get a 2xx, with growing pauses.
CALLBACK_ATTEMPTS = 6
CALLBACK_RETRY_BASE_S = 1.0
CALLBACK_TIMEOUT_S = 5.0

# Claim decisions (docs/bpjs-h2h.md "Simulator rules").
CLAIM_REJECTION_REASON = "Klaim ditolak: dokumen tidak sesuai"
FLAT_CARE_REIMBURSEMENT = 2_500_000  # JKK treatment / temporary disability without an estimate
JKM_DEFAULT_AMOUNT = 42_000_000  # 20 M death benefit + 12 M periodic at once + 10 M funeral
JKK_DEATH_DEFAULT_AMOUNT = 70_000_000  # 48 x Rp 1,000,000 + 10 M funeral + 12 M periodic at once
JKK_PERMANENT_DISABILITY_DEFAULT_AMOUNT = 56_000_000  # 56 x Rp 1,000,000
_REJECT_WORD = re.compile(r"\btolak\b", re.IGNORECASE)

_NIK = re.compile(r"^\d{16}$")
_KPJ = re.compile(r"^\d{11}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ConfigError(ValueError):
    """A /_sim/config change that is not valid."""


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def iso_now(clock: Callable[[], float] = time.time) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------- signing


def request_signature(
    secret_key: str, cons_id: str, timestamp: str, method: str, path: str, body: bytes
) -> str:
    """docs/bpjs-h2h.md: base64(HMAC-SHA256(secret, cons_id&timestamp&METHOD&path&hex(sha256(body))))."""
    message = "&".join((cons_id, timestamp, method.upper(), path, hashlib.sha256(body).hexdigest()))
    return base64.b64encode(hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def callback_signature(callback_secret: str, timestamp: str, raw_body: bytes) -> str:
    """CONTRACT.md: hex HMAC-SHA256 of timestamp + "." + raw body."""
    return hmac.new(
        callback_secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256
    ).hexdigest()


# ---------------------------------------------------------------------------------- configuration


@dataclass
class SimConfig:
    """The switches of POST /_sim/config."""

    latency_ms: int = 0
    error_rate: float = 0.0
    outage: bool = False
    async_registration: bool = False
    unknown_niks: list[str] = field(default_factory=list)
    callback_delay_ms: int = 500
    callback_url: str | None = None
    auto_decide_claims: bool = True
    claim_decision_delay_ms: int = 1000
    claim_payment_delay_ms: int = 1000

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> SimConfig:
        return SimConfig(**{**self.as_json(), "unknown_niks": list(self.unknown_niks)})

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial change, all or nothing."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {sorted(unknown)}")
        new = self.copy()
        for name, value in changes.items():
            setattr(new, name, _validated(name, value))
        for f in fields(self):
            setattr(self, f.name, getattr(new, f.name))


def _validated(name: str, value: Any) -> Any:
    if name in ("latency_ms", "callback_delay_ms", "claim_decision_delay_ms", "claim_payment_delay_ms"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120_000:
            raise ConfigError(f"{name} must be an integer from 0 to 120000")
        return value
    if name == "error_rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError("error_rate must be a number from 0 to 1")
        return float(value)
    if name in ("outage", "async_registration", "auto_decide_claims"):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
        return value
    if name == "unknown_niks":
        if not isinstance(value, list) or not all(isinstance(n, str) and _NIK.match(n) for n in value):
            raise ConfigError("unknown_niks must be a list of 16-digit NIKs")
        return list(value)
    if name == "callback_url":
        if value is not None and (not isinstance(value, str) or not is_loopback_url(value)):
            raise ConfigError("callback_url must be an http URL on 127.0.0.1 (or null)")
        return value
    raise ConfigError(f"unknown setting {name}")  # pragma: no cover - update() checks first


@dataclass(frozen=True)
class Credentials:
    cons_id: str
    secret_key: str
    callback_secret: str


# ---------------------------------------------------------------------------------- state


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Participant:
    kpj_number: str
    reference_id: str
    registered_at: str


@dataclass
class Claim:
    claim_ref: str
    claim_id: str
    kpj_number: str
    claim_type: str
    outcome: str = ""
    estimated_amount: int | None = None
    description: str | None = None
    status: str = "RECEIVED"
    amount: int | None = None
    reason: str | None = None
    automatic: bool = False  # decided and paid by the rules; a manual decision turns it off

    def as_json(self) -> dict[str, Any]:
        """For GET /_sim/claims: no KPJ number, claimant or description."""
        return {
            "claim_ref": self.claim_ref,
            "claim_id": self.claim_id,
            "type": self.claim_type,
            "status": self.status,
            "amount": self.amount,
            "reason": self.reason,
            "automatic": self.automatic,
        }


@dataclass(frozen=True)
class ClaimDecision:
    status: str  # APPROVED | REJECTED
    amount: int | None = None
    reason: str | None = None


def claim_amount(claim_type: str, outcome: str | None, estimated_amount: int | None) -> int:
    """The amount approved: the claim's estimate (the cash paid at once) if it has one above 0,
    else a documented default for its type and outcome."""
    if estimated_amount is not None and estimated_amount > 0:
        return estimated_amount
    if claim_type == "JKM":
        return JKM_DEFAULT_AMOUNT
    if outcome == "death":
        return JKK_DEATH_DEFAULT_AMOUNT
    if outcome == "permanent_disability":
        return JKK_PERMANENT_DISABILITY_DEFAULT_AMOUNT
    return FLAT_CARE_REIMBURSEMENT  # treatment, temporary disability (or an outcome not named)


def claim_decision(
    claim_type: str, outcome: str | None, estimated_amount: int | None, description: str | None
) -> ClaimDecision:
    """What the simulator decides for a received claim (its KPJ is known: an unknown KPJ is
    refused when the claim is submitted)."""
    if description and _REJECT_WORD.search(description):
        return ClaimDecision("REJECTED", reason=CLAIM_REJECTION_REASON)
    return ClaimDecision("APPROVED", amount=claim_amount(claim_type, outcome, estimated_amount))


@dataclass
class CallbackRecord:
    event_id: str
    type: str
    raw_body: bytes
    status: str = "SCHEDULED"  # SCHEDULED | DELIVERED | FAILED
    attempts: int = 0
    last_http_status: int | None = None
    on_delivered: Callable[[], None] | None = None  # run once, at the first 2xx

    def as_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "status": self.status,
            "attempts": self.attempts,
            "last_http_status": self.last_http_status,
        }


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


def _error(status: int, code: str, **extra: Any) -> Answer:
    return Answer(status, {"code": code, **extra})


def _invalid(problems: list[str]) -> Answer:
    return _error(400, "INVALID_REQUEST", errors=problems)


class Simulator:
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
        self.credentials = credentials
        self.initial_config = (config or SimConfig()).copy()
        self.config = self.initial_config.copy()
        self.seed = seed
        self.clock = clock
        self.sleep = sleep
        self.deliver = deliver or http_post
        self._lock = threading.RLock()
        self._timers: set[threading.Timer] = set()
        self.routes = [
            Route("POST", "/bpu/v1/participants", self._register),
            Route("PUT", "/bpu/v1/participants/{kpj_number}", self._update),
            Route("POST", "/bpu/v1/contributions", self._contribution),
            Route("POST", "/bpu/v1/claims", self._claim),
            Route("GET", "/bpu/v1/claims/{claim_ref}", self._claim_status),
        ]
        self._reset_state()

    def _reset_state(self) -> None:
        self.rng = random.Random(self.seed)
        self.answers: dict[str, Answer] = {}
        self.by_nik: dict[str, Participant] = {}
        self.by_kpj: dict[str, Participant] = {}
        self.next_kpj = 1
        self.postings: dict[str, str] = {}  # receipt number -> posting id
        self.claims: dict[str, Claim] = {}  # claim ref -> claim
        self.claims_by_id: dict[str, str] = {}
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.request_total = 0
        self.counts: Counter[str] = Counter()
        self.callbacks: dict[str, CallbackRecord] = {}

    # ------------------------------------------------------------------ control

    def reset(self) -> None:
        """Forget every participant, answer, request and callback; switches back to their start
        values. The callback URL is kept: it is where the stack is, not a switch."""
        with self._lock:
            self._cancel_timers()
            callback_url = self.config.callback_url
            self.config = self.initial_config.copy()
            self.config.callback_url = callback_url
            self._reset_state()

    def configure(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.config.update(changes)
            return self.config.as_json()

    def request_log(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.request_total,
                "counts": dict(sorted(self.counts.items())),
                "requests": list(self.requests),
            }

    def claim_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [claim.as_json() for claim in self.claims.values()]

    def callback_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [record.as_json() for record in self.callbacks.values()]

    def close(self) -> None:
        with self._lock:
            self._cancel_timers()

    def _cancel_timers(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
        self._timers.clear()

    # ------------------------------------------------------------------ one BPJS request

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[Answer, str]:
        """Answer one request to a BPJS endpoint; returns the answer and the route key for logs."""
        started = self.clock()
        with self._lock:
            latency_ms = self.config.latency_ms
        if latency_ms:
            self.sleep(latency_ms / 1000)
        route, params = self._match(method, path)
        route_key = route.key if route else f"{method} (unknown path)"
        lowered = {name.lower(): value for name, value in headers.items()}
        request_id = lowered.get("x-request-id", "")
        with self._lock:
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
            return _error(503, "SERVICE_UNAVAILABLE"), False
        if self.config.error_rate and self.rng.random() < self.config.error_rate:
            return _error(503, "SERVICE_UNAVAILABLE"), False
        refused = self._check_signature(method, path, headers, body)
        if refused:
            log.info("401 SIGNATURE_INVALID: %s", refused)
            return _error(401, "SIGNATURE_INVALID"), False
        if route is None:
            known_path = any(r.match(path) is not None for r in self.routes)
            return (_error(405, "METHOD_NOT_ALLOWED") if known_path else _error(404, "NOT_FOUND")), False
        if not request_id:
            return _invalid(["X-Request-Id header is required"]), False
        idempotent = method != "GET"
        if idempotent and request_id in self.answers:
            return self.answers[request_id], True
        payload: Any = None
        if method != "GET":
            try:
                payload = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return _invalid(["body is not JSON"]), False
            if not isinstance(payload, dict):
                return _invalid(["body must be a JSON object"]), False
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

    # ------------------------------------------------------------------ endpoints

    def _rejection(self, nik: str) -> tuple[str, str] | None:
        if nik.endswith(REJECTED_SERIAL) or nik in self.config.unknown_niks:
            return NIK_NOT_FOUND
        return None

    def _new_participant(self, nik: str, reference_id: str) -> Participant:
        participant = Participant(f"{KPJ_PREFIX}{self.next_kpj:09d}", reference_id, iso_now(self.clock))
        self.next_kpj += 1
        self.by_nik[nik] = participant
        self.by_kpj[participant.kpj_number] = participant
        return participant

    def _register(self, payload: dict[str, Any]) -> Answer:
        problems = _check_fields(
            payload,
            required={"reference_id": _non_empty_str, "nik": _matches(_NIK), "full_name": _non_empty_str,
                      "birth_date": _matches(_DATE)},
            optional={"sex": lambda v: v in ("M", "F"), "phone": _non_empty_str, "address": _is_str,
                      "village_code": _non_empty_str, "kecamatan_code": _non_empty_str,
                      "occupation": _non_empty_str, "commodity": _is_str, "monthly_income": _non_negative_int,
                      "programs": lambda v: isinstance(v, list) and bool(v) and set(v) <= PROGRAMS},
        )  # fmt: skip
        if problems:
            return _invalid(problems)
        nik, reference_id = payload["nik"], payload["reference_id"]
        known = self.by_nik.get(nik)
        if known is not None:
            return _error(409, "ALREADY_PARTICIPANT", kpj_number=known.kpj_number)
        rejection = self._rejection(nik)
        if self.config.async_registration:
            # BPJS decides now (deterministic) and tells us later, by callback.
            if rejection:
                event_type = "PARTICIPANT_REJECTED"
                data: dict[str, Any] = {
                    "farmer_id": reference_id, "reason_code": rejection[0], "reason": rejection[1]
                }  # fmt: skip
            else:
                participant = self._new_participant(nik, reference_id)
                event_type = "PARTICIPANT_CONFIRMED"
                data = {"farmer_id": reference_id, "kpj_number": participant.kpj_number}
            self._schedule_callback(event_type, data)
            return Answer(202, {"status": "PENDING"})
        if rejection:
            return _error(422, "REJECTED", reason_code=rejection[0], reason=rejection[1])
        participant = self._new_participant(nik, reference_id)
        return Answer(
            201,
            {
                "status": "CONFIRMED",
                "kpj_number": participant.kpj_number,
                "registered_at": participant.registered_at,
            },
        )

    def _update(self, payload: dict[str, Any], kpj_number: str) -> Answer:
        if kpj_number not in self.by_kpj:
            return _error(404, "NOT_FOUND")
        problems = _check_fields(
            payload,
            required={},
            optional={"phone": _non_empty_str, "address": _is_str, "village_code": _non_empty_str,
                      "commodity": _is_str, "monthly_income": _non_negative_int},
        )  # fmt: skip
        if not problems and not set(payload) & UPDATABLE_FIELDS:
            problems = [f"at least one of {sorted(UPDATABLE_FIELDS)}"]
        if problems:
            return _invalid(problems)
        return Answer(200, {"status": "UPDATED"})

    def _contribution(self, payload: dict[str, Any]) -> Answer:
        problems = _check_fields(
            payload,
            required={"kpj_number": _matches(_KPJ), "receipt_number": _non_empty_str,
                      "periods": lambda v: isinstance(v, list) and bool(v) and all(
                          isinstance(p, str) and _PERIOD.match(p) for p in v),
                      "amount": _positive_int, "paid_at": _non_empty_str},
            optional={},
        )  # fmt: skip
        if problems:
            return _invalid(problems)
        if payload["kpj_number"] not in self.by_kpj:
            return _error(422, "REJECTED", reason_code=KPJ_NOT_FOUND[0], reason=KPJ_NOT_FOUND[1])
        receipt = payload["receipt_number"]
        if receipt not in self.postings:  # a receipt is posted once, whatever the request id
            self.postings[receipt] = f"PST{len(self.postings) + 1:06d}"
        return Answer(201, {"status": "POSTED", "posting_id": self.postings[receipt]})

    def _claim(self, payload: dict[str, Any]) -> Answer:
        problems = _check_fields(
            payload,
            required={"claim_id": _non_empty_str, "kpj_number": _matches(_KPJ),
                      "type": lambda v: v in CLAIM_TYPES, "incident_date": _matches(_DATE),
                      "outcome": _non_empty_str, "claimant": lambda v: isinstance(v, dict),
                      "documents": lambda v: isinstance(v, list) and all(isinstance(d, str) for d in v)},
            optional={"estimated_amount": _non_negative_int, "description": _is_str},
        )  # fmt: skip
        if problems:
            return _invalid(problems)
        if payload["kpj_number"] not in self.by_kpj:
            return _error(422, "REJECTED", reason_code=KPJ_NOT_FOUND[0], reason=KPJ_NOT_FOUND[1])
        claim_id = payload["claim_id"]
        if claim_id not in self.claims_by_id:  # a claim is received once, whatever the request id
            claim_ref = f"KLM{len(self.claims) + 1:06d}"
            claim = Claim(
                claim_ref, claim_id, payload["kpj_number"], payload["type"], payload["outcome"],
                payload.get("estimated_amount"), payload.get("description"),
                automatic=self.config.auto_decide_claims,
            )  # fmt: skip
            self.claims[claim_ref] = claim
            self.claims_by_id[claim_id] = claim_ref
            if claim.automatic:
                self._later(self.config.claim_decision_delay_ms / 1000, self._decide_automatically, claim)
            log.info(
                "claim %s received (%s, %s)",
                claim_ref,
                claim.claim_type,
                "rules" if claim.automatic else "by hand",
            )
        return Answer(202, {"status": "RECEIVED", "claim_ref": self.claims_by_id[claim_id]})

    def _claim_status(self, payload: None, claim_ref: str) -> Answer:
        claim = self.claims.get(claim_ref)
        if claim is None:
            return _error(404, "NOT_FOUND")
        body: dict[str, Any] = {"status": claim.status}
        if claim.amount is not None:
            body["amount"] = claim.amount
        if claim.reason is not None:
            body["reason"] = claim.reason
        return Answer(200, body)

    # ------------------------------------------------------------------ claim decisions (control)

    def decide_claim(self, claim_ref: str, decision: Mapping[str, Any]) -> Answer:
        """A person's decision (POST /_sim/claims/{ref}/decision): RECEIVED -> APPROVED | REJECTED,
        APPROVED -> PAID, with the matching callback. The claim is then the person's: the rules
        take no further step on it."""
        with self._lock:
            claim = self.claims.get(claim_ref)
            if claim is None:
                return _error(404, "NOT_FOUND")
            status = decision.get("status")
            allowed = {"RECEIVED": {"APPROVED", "REJECTED"}, "APPROVED": {"PAID"}}.get(claim.status, set())
            if status not in allowed:
                return _error(409, "INVALID_TRANSITION", detail=f"{claim.status} -> {status}")
            reason = decision.get("reason")
            amount = decision.get("amount", claim.amount)
            if status == "REJECTED" and not _non_empty_str(reason):
                return _invalid(["reason"])
            if status != "REJECTED" and not _positive_int(amount):
                return _invalid(["amount"])
            claim.automatic = False
            event_id = self._apply_decision(
                claim, str(status), amount=amount, reason=reason, delay_s=self.config.callback_delay_ms / 1000
            )
            return Answer(200, {"claim_ref": claim_ref, "status": claim.status, "event_id": event_id})

    def _apply_decision(
        self,
        claim: Claim,
        status: str,
        *,
        amount: int | None = None,
        reason: str | None = None,
        delay_s: float = 0.0,
        on_delivered: Callable[[], None] | None = None,
    ) -> str:
        """Record a decision (valid, checked by the caller) and schedule its callback."""
        data: dict[str, Any] = {"claim_id": claim.claim_id}
        if status == "REJECTED":
            claim.reason = str(reason)
            data["reason"] = claim.reason
        else:
            claim.amount = int(amount) if amount is not None else claim.amount
            data["amount"] = claim.amount
            if status == "PAID":
                data["paid_at"] = iso_now(self.clock)
        claim.status = status
        return self._schedule_callback(f"CLAIM_{status}", data, delay_s, on_delivered)

    def _current(self, claim: Claim, status: str) -> bool:
        """Is this claim (not one from before a reset) still automatic and in this status?"""
        if self.claims.get(claim.claim_ref) is not claim or claim.status != status or not claim.automatic:
            return False
        if not self.config.auto_decide_claims:  # switched off since: a person decides
            claim.automatic = False
            return False
        return True

    def _decide_automatically(self, claim: Claim) -> None:
        with self._lock:
            if not self._current(claim, "RECEIVED"):
                return
            decision = claim_decision(
                claim.claim_type, claim.outcome, claim.estimated_amount, claim.description
            )
            # BPJS pays once we have acknowledged the approval (so PAID never overtakes APPROVED).
            on_delivered = partial(self._schedule_payment, claim) if decision.status == "APPROVED" else None
            self._apply_decision(
                claim,
                decision.status,
                amount=decision.amount,
                reason=decision.reason,
                on_delivered=on_delivered,
            )
        log.info("claim %s decided by the rules: %s", claim.claim_ref, decision.status)

    def _schedule_payment(self, claim: Claim) -> None:
        self._later(self.config.claim_payment_delay_ms / 1000, self._pay_automatically, claim)

    def _pay_automatically(self, claim: Claim) -> None:
        with self._lock:
            if not self._current(claim, "APPROVED"):
                return
            self._apply_decision(claim, "PAID")
        log.info("claim %s paid by the rules", claim.claim_ref)

    # ------------------------------------------------------------------ callbacks

    def _schedule_callback(
        self,
        event_type: str,
        data: dict[str, Any],
        delay_s: float | None = None,
        on_delivered: Callable[[], None] | None = None,
    ) -> str:
        event_id = f"evt_{uuid.uuid4().hex}"
        raw = json.dumps({"event_id": event_id, "type": event_type, "data": data}, separators=(",", ":"))
        record = CallbackRecord(event_id, event_type, raw.encode(), on_delivered=on_delivered)
        self.callbacks[event_id] = record
        self._arm(record, self.config.callback_delay_ms / 1000 if delay_s is None else delay_s)
        return event_id

    def resend_callback(self, event_id: str) -> bool:
        """Send an already delivered event again (same event_id and body, fresh signature)."""
        with self._lock:
            record = self.callbacks.get(event_id)
            if record is None:
                return False
            record.status, record.attempts = "SCHEDULED", 0
            self._arm(record, 0.0)
            return True

    def _arm(self, record: CallbackRecord, delay_s: float) -> None:
        self._later(delay_s, self._deliver, record)

    def _later(self, delay_s: float, action: Callable[..., None], *args: Any) -> None:
        """Run `action(*args)` on its own thread after `delay_s` (cancelled by reset and close)."""
        timer = threading.Timer(delay_s, self._run_timer, args=(action, args))
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def _run_timer(self, action: Callable[..., None], args: tuple[Any, ...]) -> None:
        with self._lock:
            self._timers.discard(threading.current_thread())
        action(*args)

    def _deliver(self, record: CallbackRecord) -> None:
        with self._lock:
            url = self.config.callback_url
            if self.callbacks.get(record.event_id) is not record:
                return  # reset in the meantime
            record.attempts += 1
        status: int | None = None
        if url is None:
            log.warning("callback %s (%s) not sent: no callback_url configured", record.event_id, record.type)
        else:
            timestamp = str(int(self.clock()))
            headers = {
                "Content-Type": "application/json",
                "X-Bpjs-Timestamp": timestamp,
                "X-Bpjs-Signature": callback_signature(
                    self.credentials.callback_secret, timestamp, record.raw_body
                ),
            }
            try:
                status = self.deliver(url, record.raw_body, headers)
            except Exception as error:  # connection refused, timeout: retried like a 5xx
                log.warning("callback %s (%s) failed: %s", record.event_id, record.type, type(error).__name__)
        with self._lock:
            if self.callbacks.get(record.event_id) is not record:
                return
            record.last_http_status = status
            if status is not None and 200 <= status < 300:
                record.status = "DELIVERED"
                then, record.on_delivered = record.on_delivered, None
                if then is not None:
                    then()
            elif record.attempts >= CALLBACK_ATTEMPTS:
                record.status = "FAILED"
            else:
                self._arm(record, CALLBACK_RETRY_BASE_S * 2 ** (record.attempts - 1))
        log.info(
            "callback %s %s -> %s (attempt %d, %s)",
            record.event_id, record.type, status, record.attempts, record.status,
        )  # fmt: skip


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a callback; only ever to a loopback URL (checked again here)."""
    if not is_loopback_url(url):
        raise ValueError("callback URL is not on 127.0.0.1")
    import httpx

    with httpx.Client(timeout=CALLBACK_TIMEOUT_S, trust_env=False) as client:
        return client.post(url, content=body, headers=headers).status_code


# ---------------------------------------------------------------------------------- field checks


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _non_empty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and bool(pattern.match(value))


def _non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _positive_int(value: Any) -> bool:
    return _non_negative_int(value) and value > 0


def _check_fields(
    payload: Mapping[str, Any],
    required: Mapping[str, Callable[[Any], bool]],
    optional: Mapping[str, Callable[[Any], bool]],
) -> list[str]:
    """Names of the fields that are missing, invalid or unknown (never their values)."""
    problems = [f"{name}: required" for name in required if name not in payload]
    checks = {**required, **optional}
    for name, value in payload.items():
        check = checks.get(name)
        if check is None:
            problems.append(f"{name}: unknown field")
        elif not check(value):
            problems.append(f"{name}: invalid")
    return problems


# ---------------------------------------------------------------------------------- HTTP


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class SimulatorApp:
    """WSGI: /_sim/* control endpoints, everything else to the Simulator.

    With a base path (BPJS's real base URL has one, `/partner`), the endpoints are served under
    it and signed without it (docs/bpjs-h2h.md: the endpoint path, without any path of the base
    URL); a path outside it is a 404. Control endpoints answer with or without the base path.
    """

    def __init__(self, simulator: Simulator, base_path: str = "") -> None:
        self.simulator = simulator
        self.base_path = normalize_base_path(base_path)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        path = raw_uri.split("?", 1)[0] or "/"
        inside = not self.base_path or path.startswith(self.base_path + "/")
        if self.base_path and inside:
            path = path[len(self.base_path) :]
        try:
            if path == "/_sim" or path.startswith("/_sim/"):
                response = self._control(request, path)
            elif not inside:
                response = _json(404, {"code": "NOT_FOUND"})
            else:
                answer, _ = self.simulator.handle(
                    request.method, path, dict(request.headers.items()), request.get_data(cache=False)
                )
                response = _json(answer.status, answer.body)
        except Exception:
            log.exception("simulator error on %s", request.method)
            response = _json(500, {"code": "INTERNAL_ERROR"})
        return response(environ, start_response)

    def _control(self, request: Request, path: str) -> Response:
        sim = self.simulator
        remote = request.remote_addr or ""
        if not _is_loopback_address(remote):
            return _json(403, {"code": "FORBIDDEN", "detail": "control endpoints answer 127.0.0.1 only"})
        method = request.method
        if path == "/_sim/health" and method == "GET":
            return _json(200, {"status": "ok"})
        if path == "/_sim/config":
            if method == "GET":
                with sim._lock:
                    return _json(200, sim.config.as_json())
            if method == "POST":
                changes = request.get_json(silent=True)
                if not isinstance(changes, dict):
                    return _json(400, {"code": "INVALID_REQUEST", "detail": "a JSON object of settings"})
                try:
                    config = sim.configure(changes)
                except ConfigError as error:
                    return _json(400, {"code": "INVALID_REQUEST", "detail": str(error)})
                log.info("config changed: %s", ", ".join(sorted(changes)))
                return _json(200, config)
        if path == "/_sim/requests" and method == "GET":
            return _json(200, sim.request_log())
        if path == "/_sim/claims" and method == "GET":
            return _json(200, {"claims": sim.claim_list()})
        if path == "/_sim/callbacks" and method == "GET":
            return _json(200, {"callbacks": sim.callback_log()})
        if path == "/_sim/reset" and method == "POST":
            sim.reset()
            log.info("reset")
            return _json(200, {"status": "reset"})
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[1] == "callbacks" and parts[3] == "resend" and method == "POST":
            if sim.resend_callback(parts[2]):
                return _json(202, {"event_id": parts[2], "status": "SCHEDULED"})
            return _json(404, {"code": "NOT_FOUND"})
        if len(parts) == 4 and parts[1] == "claims" and parts[3] == "decision" and method == "POST":
            decision = request.get_json(silent=True)
            if not isinstance(decision, dict):
                return _json(400, {"code": "INVALID_REQUEST", "detail": "a JSON object"})
            answer = sim.decide_claim(parts[2], decision)
            return _json(answer.status, answer.body)
        return _json(404, {"code": "NOT_FOUND"})


def _is_loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's request lines would carry paths with KPJ numbers: the simulator logs its own."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class SimulatorServer:
    simulator: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    base_path: str = ""

    @property
    def url(self) -> str:
        """The base URL of the BPJS API (what BPJS_BASE_URL is set to)."""
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}{self.base_path}"

    def stop(self) -> None:
        self.simulator.close()
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def normalize_base_path(base_path: str) -> str:
    """`partner/` -> `/partner`; `/` or empty -> empty."""
    stripped = base_path.strip("/")
    return f"/{stripped}" if stripped else ""


def serve(
    simulator: Simulator, port: int = 0, host: str = "127.0.0.1", base_path: str = ""
) -> SimulatorServer:
    """Serve the simulator on a background thread (threaded: one thread per request)."""
    if not _is_loopback_address(host):
        raise ValueError("the simulator listens on a loopback address only")
    app = SimulatorApp(simulator, base_path)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="bpjs-simulator", daemon=True
    )
    thread.start()
    return SimulatorServer(simulator, server, thread, app.base_path)


# ---------------------------------------------------------------------------------- CLI


def _env_default(name: str, default: Any = None) -> Any:
    return os.environ.get(f"BPJS_SIM_{name}", default)


def _env_flag(name: str) -> bool:
    return str(_env_default(name, "")).lower() in ("1", "true", "yes", "on")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.bpjs_simulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=_env_default("HOST", "127.0.0.1"), help="loopback address only")
    parser.add_argument("--port", type=int, default=int(_env_default("PORT", "0")), help="0 = any free port")
    parser.add_argument("--cons-id", default=_env_default("CONS_ID"), help="consumer id (BPJS_SIM_CONS_ID)")
    parser.add_argument(
        "--secret-key", default=_env_default("SECRET_KEY"), help="signing key (BPJS_SIM_SECRET_KEY)"
    )
    parser.add_argument(
        "--callback-secret",
        default=_env_default("CALLBACK_SECRET"),
        help="callback key (BPJS_SIM_CALLBACK_SECRET)",
    )
    parser.add_argument(
        "--base-path", default=_env_default("BASE_PATH", ""), help="serve the API under it, e.g. /partner"
    )
    parser.add_argument(
        "--callback-url",
        default=_env_default("CALLBACK_URL"),
        help="e.g. http://127.0.0.1:3000/bpjs/callbacks",
    )
    parser.add_argument(
        "--state-file", type=Path, default=_env_default("STATE_FILE"), help='{"url", "pid"} once listening'
    )
    parser.add_argument("--latency-ms", type=int, default=int(_env_default("LATENCY_MS", "0")))
    parser.add_argument("--error-rate", type=float, default=float(_env_default("ERROR_RATE", "0")))
    parser.add_argument("--outage", action="store_true", default=_env_flag("OUTAGE"))
    parser.add_argument("--async-registration", action="store_true", default=_env_flag("ASYNC_REGISTRATION"))
    parser.add_argument(
        "--callback-delay-ms", type=int, default=int(_env_default("CALLBACK_DELAY_MS", "500"))
    )
    parser.add_argument(
        "--no-auto-decide-claims",
        action="store_true",
        default=_env_flag("NO_AUTO_DECIDE_CLAIMS"),
        help="claims wait for POST /_sim/claims/{ref}/decision",
    )
    parser.add_argument(
        "--claim-decision-delay-ms", type=int, default=int(_env_default("CLAIM_DECISION_DELAY_MS", "1000"))
    )
    parser.add_argument(
        "--claim-payment-delay-ms", type=int, default=int(_env_default("CLAIM_PAYMENT_DELAY_MS", "1000"))
    )
    parser.add_argument(
        "--seed", type=int, default=int(_env_default("SEED", "0")), help="for error_rate draws"
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the process that started it is gone"
    )
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s bpjs-simulator: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    missing = [n for n in ("cons_id", "secret_key", "callback_secret") if not getattr(args, n)]
    if missing:
        log.error("missing %s (options or BPJS_SIM_* environment variables)", ", ".join(missing))
        return 2
    config = SimConfig()
    try:
        config.update(
            {
                "latency_ms": args.latency_ms,
                "error_rate": args.error_rate,
                "outage": args.outage,
                "async_registration": args.async_registration,
                "callback_delay_ms": args.callback_delay_ms,
                "callback_url": args.callback_url,
                "auto_decide_claims": not args.no_auto_decide_claims,
                "claim_decision_delay_ms": args.claim_decision_delay_ms,
                "claim_payment_delay_ms": args.claim_payment_delay_ms,
            }
        )
    except ConfigError as error:
        log.error("%s", error)
        return 2
    simulator = Simulator(
        Credentials(args.cons_id, args.secret_key, args.callback_secret), config, seed=args.seed
    )
    try:
        running = serve(simulator, args.port, args.host, args.base_path)
    except (OSError, ValueError) as error:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    if args.state_file is not None:
        state_file = Path(args.state_file)
        state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = state_file.with_suffix(state_file.suffix + ".tmp")
        tmp.write_text(json.dumps({"url": running.url, "pid": os.getpid()}) + "\n", encoding="utf-8")
        os.replace(tmp, state_file)
    print(f"BPJS simulator listening on {running.url}", flush=True)
    parent = os.getppid()
    try:
        while not stop.wait(0.5):
            if args.exit_with_parent and os.getppid() != parent:
                log.warning("the process that started the simulator is gone: stopping")
                break
    finally:
        running.stop()
        if args.state_file is not None:
            Path(args.state_file).unlink(missing_ok=True)
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
