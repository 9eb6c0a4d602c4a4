"""BPJS callbacks (CONTRACT.md "BPJS callbacks"): verify the signature, then apply each event
once and only as the state machines allow (domain/registration.py, domain/claim.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sutasoma.app.claim_lifecycle import claim_moved
from sutasoma.app.common import Writer, retry_on_conflict
from sutasoma.app.membership import registration_rejected
from sutasoma.domain.audit import BPJS, AuditAction, by_party
from sutasoma.domain.changes import ChangeSet, Created, WriteConflict, farmer_written
from sutasoma.domain.claim import ClaimEvent, ClaimRecord
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.errors import FieldError, InvalidTransition, NotFound, Unauthorized, ValidationFailed
from sutasoma.domain.ids import is_id
from sutasoma.domain.partner import CallbackReceipt
from sutasoma.domain.registration import RegistrationEvent, RegistrationStatus, next_status
from sutasoma.domain.validation import validation_errors
from sutasoma.runtime.observability import logger, metrics

if TYPE_CHECKING:
    from sutasoma.app.ports import CallbackLog, Claims, Farmers, Payments
    from sutasoma.domain.farmer import FarmerRecord

EventType = Literal[
    "PARTICIPANT_CONFIRMED", "PARTICIPANT_REJECTED", "CLAIM_APPROVED", "CLAIM_REJECTED", "CLAIM_PAID"
]
CLAIM_EVENTS: dict[str, ClaimEvent] = {
    "CLAIM_APPROVED": ClaimEvent.BPJS_APPROVED,
    "CLAIM_REJECTED": ClaimEvent.BPJS_REJECTED,
    "CLAIM_PAID": ClaimEvent.BPJS_PAID,
}


class CallbackEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(min_length=1, max_length=128)
    type: EventType
    data: dict[str, Any]


class CallbackResult(BaseModel):
    event_id: str
    status: Literal["APPLIED", "DUPLICATE"]


class Duplicate(Exception):
    """The event's effect is already there: answer 200 DUPLICATE, change nothing."""


KPJ_DIGITS = re.compile(r"[0-9]{11}")  # ASCII digits: "٢٦٠…" passed str.isdigit()
UNIX_SECONDS = re.compile(r"-?[0-9]{1,12}")  # a clock in seconds, not a number past any float
HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def expected_signature(secret: bytes, timestamp: str, raw_body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: bytes, timestamp: str | None, signature: str | None, raw_body: bytes, now: float, window: int
) -> None:
    if not timestamp or not signature:
        raise Unauthorized("Header X-Bpjs-Timestamp dan X-Bpjs-Signature wajib ada.")
    # Shapes first: a timestamp of 400 digits overflowed the clock's float, a non-ASCII signature
    # made compare_digest raise (both 500s, no secret needed).
    if not UNIX_SECONDS.fullmatch(timestamp.strip()):
        raise Unauthorized("X-Bpjs-Timestamp bukan detik Unix.")
    if abs(now - int(timestamp)) > window:
        raise Unauthorized("Callback kedaluwarsa atau jam pengirim tidak sinkron.")
    sent = signature.strip().lower()
    if not HEX_SHA256.fullmatch(sent) or not hmac.compare_digest(
        expected_signature(secret, timestamp, raw_body), sent
    ):
        raise Unauthorized("Tanda tangan callback tidak valid.")


def _require(data: dict[str, Any], name: str, check: Callable[[Any], bool], message: str) -> Any:
    value = data.get(name)
    if not check(value):
        raise ValidationFailed("Isi callback tidak valid.", [FieldError(f"data.{name}", message)])
    return value


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_instant(value: Any) -> bool:
    """An ISO 8601 time with its offset, as BPJS sends `paid_at` (2026-11-29T03:10:00Z)."""
    if not isinstance(value, str) or not value.isascii():
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000_000_000


def participant_confirmed(farmer: FarmerRecord, event: CallbackEvent, stamp: str) -> FarmerRecord:
    """The farmer after BPJS's confirmation. Forward only: the same confirmation again is a
    Duplicate; a KPJ number is never replaced, a rejection never reversed (INVALID_TRANSITION)."""
    kpj = _require(
        event.data,
        "kpj_number",
        lambda v: isinstance(v, str) and KPJ_DIGITS.fullmatch(v) is not None,
        "kpj_number harus 11 digit.",
    )
    if farmer.registration_status is RegistrationStatus.CONFIRMED and farmer.kpj_number == kpj:
        raise Duplicate
    if farmer.kpj_number and farmer.kpj_number != kpj:
        # Also while a reactivation is PENDING: the member keeps the KPJ BPJS gave them (DOMAIN).
        raise InvalidTransition("Nomor KPJ petani ini sudah ada dan tidak diganti oleh callback.")
    status = next_status(farmer.registration_status, RegistrationEvent.BPJS_CONFIRMED)
    return farmer.next(registration_status=status, kpj_number=kpj, confirmed_at=stamp, updated_at=stamp)


def claim_decision(
    claim: ClaimRecord, event: CallbackEvent, stamp: str
) -> tuple[ClaimRecord, dict[str, int]]:
    """The claim after BPJS's decision, and what it adds to the month's counters."""
    kind = claim.claim_type
    if event.type == "CLAIM_APPROVED":
        amount = _require(event.data, "amount", _is_amount, "amount harus bilangan bulat Rupiah.")
        after = claim.moved(ClaimEvent.BPJS_APPROVED, stamp, BPJS, approved_amount=amount)
        return after, {f"claims_approved_{kind}": 1, f"claims_approved_amount_{kind}": amount}
    if event.type == "CLAIM_REJECTED":
        reason = _require(event.data, "reason", _is_text, "reason wajib diisi.")
        after = claim.moved(ClaimEvent.BPJS_REJECTED, stamp, BPJS, reason, rejection_reason=reason)
        return after, {f"claims_rejected_{kind}": 1}
    amount = _require(event.data, "amount", _is_amount, "amount harus bilangan bulat Rupiah.")
    paid_at = _require(
        event.data,
        "paid_at",
        _is_instant,
        "paid_at harus waktu ISO 8601 dengan zona (contoh 2026-11-29T03:10:00Z).",
    )
    after = claim.moved(ClaimEvent.BPJS_PAID, stamp, BPJS, paid_amount=amount, paid_at=paid_at)
    return after, {f"claims_paid_{kind}": 1, f"claims_amount_{kind}": amount}


class CallbackDesk:
    def __init__(
        self,
        farmers: Farmers,
        payments: Payments,
        claims: Claims,
        log: CallbackLog,
        writer: Writer,
        secret: Callable[[], bytes],
        window_seconds: int,
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.claims = claims
        self.log = log
        self.writer = writer
        self._secret = secret
        self.window_seconds = window_seconds

    def authenticate(self, timestamp: str | None, signature: str | None, raw_body: bytes, now: float) -> None:
        """401 unless BPJS signed these bytes within the window."""
        verify_signature(self._secret(), timestamp, signature, raw_body, now, self.window_seconds)

    def receive(
        self, timestamp: str | None, signature: str | None, raw_body: bytes, now: float
    ) -> CallbackResult:
        self.authenticate(timestamp, signature, raw_body, now)
        return self.apply(raw_body)

    def apply(self, raw_body: bytes) -> CallbackResult:
        """An authenticated callback's event, applied once."""
        try:
            event = CallbackEvent.model_validate_json(raw_body)
        except ValidationError as invalid:
            raise ValidationFailed("Isi callback tidak valid.", validation_errors(invalid.errors())) from None
        handle = self._claim_event if event.type in CLAIM_EVENTS else self._participant_event
        try:
            applied = retry_on_conflict(lambda: handle(event))
        except Duplicate:
            applied = False
        except InvalidTransition:
            if self.log.seen(event.event_id):
                applied = False
            else:
                # A partner sending moves the state machines forbid is a security event (alarm).
                metrics.add_metric(name="BpjsInvalidTransition", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "bpjs callback refused", extra={"event_id": event.event_id, "type": event.type}
                )
                raise
        logger.info(
            "bpjs callback", extra={"event_id": event.event_id, "type": event.type, "applied": applied}
        )
        return CallbackResult(event_id=event.event_id, status="APPLIED" if applied else "DUPLICATE")

    def _participant_event(self, event: CallbackEvent) -> bool:
        farmer_id = _require(
            event.data, "farmer_id", lambda v: isinstance(v, str) and is_id(v), "farmer_id tidak valid."
        )
        farmer = self.farmers.get(farmer_id)
        if farmer is None:
            raise NotFound("Petani tidak ditemukan.")
        stamp, period = iso_utc(now_utc()), period_of(today_wita())
        if event.type == "PARTICIPANT_CONFIRMED":
            after = participant_confirmed(farmer, event, stamp)
            changes = farmer_written(farmer, after, period)
        else:
            reason = _require(event.data, "reason", _is_text, "reason wajib diisi.")
            if farmer.registration_status is RegistrationStatus.REJECTED:
                raise Duplicate
            code = str(event.data.get("reason_code") or "REJECTED")
            payments = self.payments.all_of(farmer_id)
            after, changes = registration_rejected(farmer, payments, code, reason, stamp, period)
        fields = ("registration_status", "kpj_number", "rejection_code", "rejection_reason")
        changed = tuple(name for name in fields if getattr(after, name) != getattr(farmer, name))
        return self._write(event, farmer_id, changes, stamp, "farmer", farmer_id, changed)

    def _claim_event(self, event: CallbackEvent) -> bool:
        claim_id = _require(
            event.data, "claim_id", lambda v: isinstance(v, str) and is_id(v), "claim_id tidak valid."
        )
        claim = self.claims.get(claim_id)
        if claim is None:
            raise NotFound("Klaim tidak ditemukan.")
        stamp = iso_utc(now_utc())
        after, counts = claim_decision(claim, event, stamp)
        period = period_of(today_wita())
        changes = claim_moved(claim, after, period) + ChangeSet(
            counts=(CounterIncrement(period, claim.kecamatan_code, counts),)
        )
        return self._write(event, claim.farmer_id, changes, stamp, "claim", claim_id, ())

    def _write(
        self,
        event: CallbackEvent,
        farmer_id: str,
        changes: ChangeSet,
        stamp: str,
        kind: str,
        subject: str,
        fields: tuple[str, ...],
    ) -> bool:
        receipt = CallbackReceipt(
            event_id=event.event_id, event_type=event.type, farmer_id=farmer_id, received_at=stamp
        )
        audit = by_party(
            BPJS, AuditAction.BPJS_CALLBACK_APPLIED, subject, f"{kind}/{subject}", stamp, farmer_id=farmer_id,
            fields=fields, detail={"event_id": event.event_id, "event_type": event.type},
        )  # fmt: skip
        try:
            self.writer.write(ChangeSet(writes=(Created(receipt),), audit=(audit,)) + changes)
        except WriteConflict as conflict:
            if conflict.concerns(CallbackReceipt):
                return False  # this event was applied before
            raise
        return True
