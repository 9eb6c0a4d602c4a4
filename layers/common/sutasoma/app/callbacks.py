"""BPJS callbacks (CONTRACT.md "BPJS callbacks"): verify, then apply each event once."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sutasoma.adapters.claim_store import ClaimStore
from sutasoma.adapters.store import CounterIncrement, population_change
from sutasoma.api.models import RegistrationStatus
from sutasoma.api.validation import validation_errors
from sutasoma.app.claims import InvalidTransition
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.errors import FieldError, NotFound, Unauthorized, ValidationFailed
from sutasoma.domain.ids import is_id
from sutasoma.runtime.observability import logger

EventType = Literal[
    "PARTICIPANT_CONFIRMED", "PARTICIPANT_REJECTED", "CLAIM_APPROVED", "CLAIM_REJECTED", "CLAIM_PAID"
]


class CallbackEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(min_length=1, max_length=128)
    type: EventType
    data: dict[str, Any]


class CallbackResult(BaseModel):
    event_id: str
    status: Literal["APPLIED", "DUPLICATE"]


def expected_signature(secret: bytes, timestamp: str, raw_body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: bytes, timestamp: str | None, signature: str | None, raw_body: bytes, now: float, window: int
) -> None:
    if not timestamp or not signature:
        raise Unauthorized("Header X-Bpjs-Timestamp dan X-Bpjs-Signature wajib ada.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Unauthorized("X-Bpjs-Timestamp bukan detik Unix.") from None
    if abs(now - sent_at) > window:
        raise Unauthorized("Callback kedaluwarsa atau jam pengirim tidak sinkron.")
    if not hmac.compare_digest(expected_signature(secret, timestamp, raw_body), signature.strip().lower()):
        raise Unauthorized("Tanda tangan callback tidak valid.")


def _require(data: dict[str, Any], field: str, check: Callable[[Any], bool], message: str) -> Any:
    value = data.get(field)
    if not check(value):
        raise ValidationFailed("Isi callback tidak valid.", [FieldError(f"data.{field}", message)])
    return value


class CallbackService:
    def __init__(self, store: ClaimStore, secret: Callable[[], bytes], window_seconds: int) -> None:
        self.store = store
        self._secret = secret
        self.window_seconds = window_seconds

    def receive(
        self, timestamp: str | None, signature: str | None, raw_body: bytes, now: float
    ) -> CallbackResult:
        verify_signature(self._secret(), timestamp, signature, raw_body, now, self.window_seconds)
        try:
            event = CallbackEvent.model_validate_json(raw_body)
        except ValidationError as invalid:
            raise ValidationFailed("Isi callback tidak valid.", validation_errors(invalid.errors())) from None
        if event.type.startswith("CLAIM_"):
            return self._claim_event(event)
        farmer_id = _require(
            event.data, "farmer_id", lambda v: isinstance(v, str) and is_id(v), "farmer_id tidak valid."
        )
        farmer = self.store.get_farmer(farmer_id)
        if farmer is None:
            raise NotFound("Petani tidak ditemukan.")
        if event.type == "PARTICIPANT_CONFIRMED":
            kpj = _require(
                event.data,
                "kpj_number",
                lambda v: isinstance(v, str) and len(v) == 11 and v.isdigit(),
                "kpj_number harus 11 digit.",
            )
            changes = {"registration_status": RegistrationStatus.CONFIRMED.value, "kpj_number": kpj}
        else:
            reason = _require(
                event.data, "reason", lambda v: isinstance(v, str) and bool(v.strip()), "reason wajib diisi."
            )
            changes = {
                "registration_status": RegistrationStatus.REJECTED.value,
                "rejection_code": str(event.data.get("reason_code") or "REJECTED"),
                "rejection_reason": reason,
            }
        # A rejection (or its reversal) moves the farmer in the population counters, in the same write.
        moves = population_change(
            farmer["kecamatan_code"], period_of(today_wita()), farmer, {**farmer, **changes}
        )
        applied = self.store.apply_callback(
            event.event_id,
            event.type,
            iso_utc(now_utc()),
            farmer_id,
            changes,
            change_items=tuple(self.store.counter_update(move) for move in moves),
            farmer_version=farmer["version"],
        )
        logger.info(
            "bpjs callback",
            extra={
                "event_id": event.event_id,
                "type": event.type,
                "farmer_id": farmer_id,
                "applied": applied,
            },
        )
        return CallbackResult(event_id=event.event_id, status="APPLIED" if applied else "DUPLICATE")

    # ------------------------------------------------------------------ claims
    def _claim_event(self, event: CallbackEvent) -> CallbackResult:
        claim_id = _require(
            event.data, "claim_id", lambda v: isinstance(v, str) and is_id(v), "claim_id tidak valid."
        )
        claim = self.store.get_claim(claim_id)
        if claim is None:
            raise NotFound("Klaim tidak ditemukan.")
        received_at = iso_utc(now_utc())
        claim_type = claim["claim_type"]
        month = period_of(today_wita())
        scope = f"KEC#{claim['kecamatan_code']}"
        if event.type == "CLAIM_APPROVED":
            amount = _require(event.data, "amount", _is_amount, "amount harus bilangan bulat Rupiah.")
            allowed, status = ("SENT_TO_BPJS",), "APPROVED"
            changes: dict[str, Any] = {"status": status, "approved_amount": amount}
            counters = {f"claims_approved_{claim_type}": 1, f"claims_approved_amount_{claim_type}": amount}
            reason = None
        elif event.type == "CLAIM_REJECTED":
            reason = _require(
                event.data, "reason", lambda v: isinstance(v, str) and bool(v.strip()), "reason wajib diisi."
            )
            allowed, status = ("SENT_TO_BPJS",), "REJECTED"
            changes = {"status": status, "rejection_reason": reason}
            counters = {f"claims_rejected_{claim_type}": 1}
        else:  # CLAIM_PAID
            amount = _require(event.data, "amount", _is_amount, "amount harus bilangan bulat Rupiah.")
            paid_at = _require(
                event.data, "paid_at", lambda v: isinstance(v, str) and bool(v), "paid_at wajib diisi."
            )
            allowed, status = ("APPROVED",), "PAID"
            changes = {"status": status, "paid_amount": amount, "paid_at": paid_at}
            counters = {f"claims_paid_{claim_type}": 1, f"claims_amount_{claim_type}": amount}
            reason = None
        if claim["status"] not in allowed:
            if self.store.callback_seen(event.event_id):
                return CallbackResult(event_id=event.event_id, status="DUPLICATE")
            raise InvalidTransition(
                f"Klaim berstatus {claim['status']}; {event.type} hanya berlaku dari {', '.join(allowed)}."
            )
        history = {"status": status, "at": received_at, "by": "BPJS", "reason": reason}
        applied = self.store.apply_callback(
            event.event_id,
            event.type,
            received_at,
            claim["farmer_id"],
            change_items=(
                self.store.transition(claim_id, allowed, changes, history),
                self.store.counter_update(CounterIncrement(month, scope, counters)),
            ),
        )
        logger.info("bpjs claim callback", extra={"event_id": event.event_id, "type": event.type, "claim_id": claim_id,
                                                    "applied": applied})  # fmt: skip
        return CallbackResult(event_id=event.event_id, status="APPLIED" if applied else "DUPLICATE")


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000_000_000
