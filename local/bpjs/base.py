"""The simulator's state and its plumbing: switches, records, the request log, timers and the
callbacks BPJS sends (signed, retried with growing pauses until answered 2xx)."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local.bpjs.config import Credentials, SimConfig, is_loopback_url
from local.bpjs.rules import REQUEST_LOG_SIZE, Answer, Claim, Participant
from local.bpjs.signing import callback_signature

log = logging.getLogger("local.bpjs")


# Callback delivery: BPJS retries a callback that did not get a 2xx, with growing pauses.
CALLBACK_ATTEMPTS = 6
CALLBACK_RETRY_BASE_S = 1.0
CALLBACK_TIMEOUT_S = 5.0


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


class SimulatorBase:
    """The simulator's state (switches, participants, postings, claims, answers, request log,
    callbacks) behind one lock, with its timers and its callbacks.

    `Simulator` (local.bpjs.simulator) adds the requests, `Endpoints` the BPJS endpoints and
    `ClaimDesk` the claim decisions.
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
        self._reset_state()

    def _reset_state(self) -> None:
        self.rng = random.Random(self.seed)  # nosec B311 # - the simulator's reproducible draws (errors, delays), not crypto
        self.answers: dict[str, Answer] = {}
        self.by_nik: dict[str, Participant] = {}
        self.by_kpj: dict[str, Participant] = {}
        self.next_kpj = 1
        self.postings: dict[str, str] = {}  # receipt number -> posting id
        self.claims: dict[str, Claim] = {}  # claim ref -> claim
        self.claims_by_id: dict[str, str] = {}
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.arrivals: deque[float] = deque()  # arrival times of the last second (the rate)
        self.max_in_any_second = 0
        self.rate_refused = 0
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
                "rate": {
                    "max_in_any_second": self.max_in_any_second,
                    "limit": self.config.rate_limit or None,
                    "refused": self.rate_refused,
                },
            }

    def _arrived(self, at: float) -> bool:
        """Count one arrival (under the lock); True when it is over `rate_limit` for its second.

        Every request counts, refused or not: it is a call BPJS received. The busiest second is
        found by sliding a window of one second along the arrivals (the window ending at each)."""
        self.arrivals.append(at)
        while self.arrivals and self.arrivals[0] <= at - 1.0:
            self.arrivals.popleft()
        self.max_in_any_second = max(self.max_in_any_second, len(self.arrivals))
        over = bool(self.config.rate_limit) and len(self.arrivals) > self.config.rate_limit
        self.rate_refused += over
        return over

    def participant_info(self, kpj_number: str) -> dict[str, Any] | None:
        """A participant's KPJ, reference and the names of the fields its updates changed."""
        with self._lock:
            participant = self.by_kpj.get(kpj_number)
            return participant.as_json() if participant else None

    def claim_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [claim.as_json() for claim in self.claims.values()]

    def callback_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [record.as_json() for record in self.callbacks.values()]

    def close(self) -> None:
        with self._lock:
            self._cancel_timers()

    def _decide_automatically(self, claim: Claim) -> None:
        """The rules' decision on a received claim, when its timer fires (ClaimDesk)."""
        raise NotImplementedError

    def _cancel_timers(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
        self._timers.clear()

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
