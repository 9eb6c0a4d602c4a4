"""Delivering outbox operations to BPJS and recording what BPJS answered.

Called once per SQS message by functions/bpjs_sync. Exactly-once in effect: BPJS applies our
operation id once (X-Request-Id), and the outcome is recorded with a conditional write that
only the first delivery wins. Raising means "try this message again later"; the FIFO group
(one per farmer) keeps the farmer's later operations waiting behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.adapters.bpjs_client import TIMEOUT, BpjsClient, BpjsRejected
from sutasoma.adapters.claim_store import ClaimStore
from sutasoma.adapters.store import population_change
from sutasoma.api.models import RegistrationStatus
from sutasoma.app.outbox import OpType
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.runtime.observability import logger, metrics

# Backoff of a failed message: its visibility timeout grows with each receive, so a long
# BPJS outage costs few calls. SQS caps a visibility timeout at 12 hours; 6 keeps clear of it.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600


def backoff_seconds(receive_count: int) -> int:
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, receive_count - 1)))


# The longest one message may take: a BPJS call up to its connect and read timeouts, plus the
# AWS calls around it. The function's Timeout (template.yaml) fits a whole batch of 10 of these.
MESSAGE_BUDGET_MS = int(((TIMEOUT.connect or 0) + (TIMEOUT.read or 0)) * 1000) + 2_000


class OutOfTime(Exception):
    """Not started: the invocation could time out before this message is done."""


def ensure_time_for_a_message(remaining_ms: int) -> None:
    """Start a message only if it can finish: a timed-out invocation fails its whole batch,
    item failures and backoff lost, every message received once more for nothing."""
    if remaining_ms < MESSAGE_BUDGET_MS:
        raise OutOfTime(f"{remaining_ms} ms left, a message may need {MESSAGE_BUDGET_MS}")


class WaitForRegistration(Exception):
    """A later operation of a farmer whose registration BPJS has not confirmed yet."""


class UnknownOperation(Exception):
    """A message this version of the consumer cannot handle: for a person, via the DLQ."""


@dataclass(frozen=True)
class Operation:
    op_id: str
    op_type: str
    farmer_id: str

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> Operation:
        try:
            return cls(
                op_id=str(body["op_id"]), op_type=str(body["op_type"]), farmer_id=str(body["farmer_id"])
            )
        except KeyError:
            raise UnknownOperation("message without op_id, op_type and farmer_id") from None


def participant_payload(farmer: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference_id": farmer["farmer_id"],
        "nik": farmer["nik"],
        "full_name": farmer["full_name"],
        "birth_date": farmer["birth_date"],
        "sex": farmer["sex"],
        "phone": farmer["phone"],
        "address": farmer["address"],
        "village_code": farmer["village_code"],
        "kecamatan_code": farmer["kecamatan_code"],
        "occupation": "PETANI",
        "commodity": farmer["commodity"],
        "monthly_income": farmer["monthly_income"],
        "programs": ["JKK", "JKM"],
    }


UPDATABLE_FIELDS = ("phone", "address", "village_code", "commodity", "monthly_income")


class BpjsSync:
    def __init__(self, store: ClaimStore, client: BpjsClient) -> None:
        self.store = store
        self.client = client

    def process(self, body: dict[str, Any]) -> str:
        """Deliver one operation; returns the recorded outcome. Raises to be retried."""
        operation = Operation.from_message(body)
        entry = self.store.get_outbox(operation.farmer_id, operation.op_id)
        if entry is None:
            raise UnknownOperation("no outbox entry for this operation")
        if entry.get("delivered_at"):
            return "DUPLICATE"
        farmer = self.store.get_farmer(operation.farmer_id)
        if farmer is None:
            raise UnknownOperation("operation for a farmer that does not exist")
        payload = entry.get("payload") or {}
        payment_changes: tuple[str, dict[str, Any]] | None = None
        extra: tuple[dict[str, Any], ...] = ()
        match operation.op_type:
            case OpType.PARTICIPANT_REGISTRATION:
                outcome, changes = self._register(operation, farmer)
            case OpType.PARTICIPANT_UPDATE:
                outcome, changes = self._update(operation, farmer, payload)
            case OpType.CONTRIBUTION_POSTING:
                changes = None
                outcome, payment_changes = self._post_contribution(operation, farmer, payload)
            case OpType.CLAIM_SUBMISSION:
                changes = None
                outcome, extra = self._submit_claim(operation, farmer, payload)
            case _:
                raise UnknownOperation(f"unknown operation type {operation.op_type}")
        if changes:
            # A rejection takes the farmer out of the population counters, in the same write.
            moves = population_change(
                farmer["kecamatan_code"], period_of(today_wita()), farmer, {**farmer, **changes}
            )
            extra = (*extra, *(self.store.counter_update(move) for move in moves))
        applied = self.store.complete_operation(
            operation.farmer_id,
            operation.op_id,
            outcome,
            iso_utc(now_utc()),
            changes,
            payment_changes,
            extra,
            farmer_version=farmer["version"] if changes else None,
        )
        if not applied:
            return "DUPLICATE"
        metrics.add_metric(name=f"Bpjs{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
        logger.info(
            "bpjs operation completed",
            extra={"op_id": operation.op_id, "op_type": operation.op_type, "farmer_id": operation.farmer_id,
                   "outcome": outcome},
        )  # fmt: skip
        return outcome

    def _register(self, operation: Operation, farmer: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        if farmer["registration_status"] == RegistrationStatus.CONFIRMED.value and farmer.get("kpj_number"):
            return "ALREADY_CONFIRMED", None  # e.g. BPJS's callback came first
        try:
            registration = self.client.register_participant(operation.op_id, participant_payload(farmer))
        except BpjsRejected as rejected:
            return "REJECTED", {
                "registration_status": RegistrationStatus.REJECTED.value,
                "rejection_code": rejected.reason_code,
                "rejection_reason": rejected.reason,
            }
        if registration.status == "PENDING":
            return "PENDING_DECISION", None  # BPJS will call back with its decision
        return "CONFIRMED", {
            "registration_status": RegistrationStatus.CONFIRMED.value,
            "kpj_number": registration.kpj_number,
            "confirmed_at": iso_utc(now_utc()),
        }

    def _update(
        self, operation: Operation, farmer: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None]:
        if farmer["registration_status"] == RegistrationStatus.REJECTED.value:
            return "SKIPPED_NOT_PARTICIPANT", None
        if not farmer.get("kpj_number"):
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        fields = [f for f in payload.get("fields", UPDATABLE_FIELDS) if f in UPDATABLE_FIELDS]
        if not fields:
            return "NOTHING_TO_SEND", None
        # The current values: a later change supersedes an earlier one, and order is per farmer.
        self.client.update_participant(operation.op_id, farmer["kpj_number"], {f: farmer[f] for f in fields})
        return "UPDATED", None

    def _post_contribution(
        self, operation: Operation, farmer: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[str, tuple[str, dict[str, Any]]]:
        payment_id = str(payload.get("payment_id", ""))
        payment = self.store.get_payment(operation.farmer_id, payment_id) if payment_id else None
        if payment is None:
            raise UnknownOperation("contribution posting for a payment that does not exist")
        if farmer["registration_status"] == RegistrationStatus.REJECTED.value:
            # Money was collected for someone BPJS refused: a refund case for the BPP.
            return "FAILED", (payment_id, {"bpjs_status": "FAILED", "bpjs_failure": "PARTICIPANT_REJECTED"})
        if (
            not farmer.get("kpj_number")
            or farmer["registration_status"] != RegistrationStatus.CONFIRMED.value
        ):
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        try:
            posting_id = self.client.post_contribution(
                operation.op_id,
                {
                    "kpj_number": farmer["kpj_number"],
                    "receipt_number": payment["receipt_number"],
                    "periods": payment["periods"],
                    "amount": payment["amount"],
                    "paid_at": payment["paid_at"],
                },
            )
        except BpjsRejected as rejected:
            return "FAILED", (payment_id, {"bpjs_status": "FAILED", "bpjs_failure": rejected.reason_code})
        return "POSTED", (
            payment_id,
            {"bpjs_status": "POSTED", "posting_id": posting_id, "posted_at": iso_utc(now_utc())},
        )

    def _submit_claim(
        self, operation: Operation, farmer: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[str, tuple[dict[str, Any], ...]]:
        claim_id = str(payload.get("claim_id", ""))
        claim = self.store.get_claim(claim_id) if claim_id else None
        if claim is None:
            raise UnknownOperation("claim submission for a claim that does not exist")
        if claim["status"] != "VERIFIED":
            return "ALREADY_SENT", ()
        if not farmer.get("kpj_number"):
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        stamp = iso_utc(now_utc())
        try:
            claim_ref = self.client.submit_claim(
                operation.op_id,
                {
                    "claim_id": claim_id,
                    "kpj_number": farmer["kpj_number"],
                    "type": claim["claim_type"],
                    "incident_date": claim["incident_date"],
                    "outcome": claim.get("outcome"),
                    "claimant": claim["claimant"],
                    "description": claim["description"],
                    "estimated_amount": claim["estimated_benefit"]["total"],
                    "documents": claim["required_documents"],
                },
            )
        except BpjsRejected as rejected:
            reason = rejected.reason or rejected.reason_code
            refused = {"status": "REJECTED", "at": stamp, "by": "BPJS", "reason": reason}
            return "REJECTED", (
                self.store.transition(
                    claim_id, ("VERIFIED",), {"status": "REJECTED", "rejection_reason": reason}, refused
                ),
            )
        sent: dict[str, Any] = {"status": "SENT_TO_BPJS", "at": stamp, "by": "system", "reason": None}
        return "SENT", (
            self.store.transition(
                claim_id, ("VERIFIED",), {"status": "SENT_TO_BPJS", "bpjs_claim_ref": claim_ref}, sent
            ),
        )
