"""Delivering outbox operations to BPJS and recording what BPJS answered.

Called by functions/bpjs_sync with a batch of SQS messages (`deliver_batch`): the farmers of a
batch side by side, each farmer's operations in order (sutasoma.app.fifo_batch). Exactly-once in
effect: BPJS applies our operation id once (X-Request-Id), and the outcome is recorded by a
versioned write of the outbox entry that only the first delivery wins. Raising means "try this
message again later"; the FIFO group (one per farmer) keeps the farmer's later operations behind it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.claim_lifecycle import claim_moved
from sutasoma.app.common import Writer, retry_on_conflict
from sutasoma.app.fifo_batch import BatchOutcome, NotStarted, QueuedMessage, run_in_groups
from sutasoma.app.membership import posting_refused, registration_rejected
from sutasoma.app.ports import BpjsGateway, BpjsRejected, Claims, Farmers, Outbox, Payments
from sutasoma.domain.audit import SYSTEM, AuditAction, by_party
from sutasoma.domain.changes import ChangeSet, Created, Updated, farmer_written
from sutasoma.domain.claim import ClaimEvent, ClaimStatus
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.farmer import BpjsCheck, FarmerRecord
from sutasoma.domain.imports import ImportMismatch
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.payment import BpjsPostingStatus
from sutasoma.domain.registration import RegistrationEvent, RegistrationStatus, can_move
from sutasoma.runtime.observability import logger, metrics

# Backoff of a failed message: its visibility timeout grows with each receive, so a long
# BPJS outage costs few calls. SQS caps a visibility timeout at 12 hours; 6 keeps clear of it.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# The longest one message may take: a BPJS call up to its connect and read timeouts
# (adapters/bpjs_client.TIMEOUT, 3 s + 10 s), plus the AWS calls around it. The function's
# Timeout (template.yaml) fits a whole batch of 10 of these.
MESSAGE_BUDGET_MS = 15_000


def backoff_seconds(receive_count: int) -> int:
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, receive_count - 1)))


class OutOfTime(Exception):
    """Not started: the invocation could time out before this message is done."""


def ensure_time_for_a_message(remaining_ms: int) -> None:
    """Start a message only if it can finish: a timed-out invocation fails its whole batch,
    item failures and backoff lost, every message received once more for nothing."""
    if remaining_ms < MESSAGE_BUDGET_MS:
        raise OutOfTime(f"{remaining_ms} ms left, a message may need {MESSAGE_BUDGET_MS}")


def deliver_batch(
    sync: BpjsSync, messages: Sequence[QueuedMessage], remaining_ms: Callable[[], int], parallel: int
) -> BatchOutcome:
    """Every message of a batch: farmers side by side (up to `parallel` threads), each farmer's in
    order; a message starts only with its time budget left. Metrics are counted by the caller's
    thread (`count_outcomes`)."""

    def may_start() -> None:
        try:
            ensure_time_for_a_message(remaining_ms())
        except OutOfTime:
            raise NotStarted from None

    if any(moves_nik(message) for message in messages):
        # A NIK corrected on one farmer may be registered by another farmer in the same batch:
        # BPJS must see the correction free the NIK first. Farmers are otherwise independent, so
        # only such a (rare) batch runs one farmer after another, in the order the batch names them.
        parallel = 1
    preloaded = sync.preload(messages)
    outcome = run_in_groups(
        messages,
        lambda message: sync.process(json.loads(message.body), preloaded.pop(message.message_id, None)),
        may_start=may_start,
        parallel=parallel,
    )
    for message_id, error in outcome.failed.items():
        logger.warning(
            "bpjs operation failed", extra={"message_id": message_id, "error": type(error).__name__}
        )
    return outcome


def moves_nik(message: QueuedMessage) -> bool:
    """A participant update that changes the NIK (a correction): the one order between farmers."""
    try:
        body = json.loads(message.body)
        return body.get("op_type") == OpType.PARTICIPANT_UPDATE.value and "nik" in body["payload"]["fields"]
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def count_outcomes(outcome: BatchOutcome) -> None:
    """One metric per outcome (BpjsConfirmed, BpjsPosted, ...), from the handler's thread."""
    for name, count in sorted(Counter(outcome.done.values()).items()):
        metrics.add_metric(name=f"Bpjs{name.title().replace('_', '')}", unit=MetricUnit.Count, value=count)


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


@dataclass(frozen=True)
class Outcome:
    name: str
    changes: ChangeSet = field(default_factory=ChangeSet)
    subject: str | None = None  # the claim, when the operation was a claim's


def participant_payload(farmer: FarmerRecord) -> dict[str, Any]:
    return {
        "reference_id": farmer.farmer_id, "nik": farmer.nik, "full_name": farmer.full_name,
        "birth_date": farmer.birth_date.isoformat(), "sex": farmer.sex, "phone": farmer.phone,
        "address": farmer.address, "village_code": farmer.village_code, "kecamatan_code": farmer.kecamatan_code,
        "occupation": "PETANI", "commodity": farmer.commodity, "monthly_income": farmer.monthly_income,
        "programs": ["JKK", "JKM"],
    }  # fmt: skip


# A message's outbox entry and farmer, read with its batch.
Loaded = tuple[OutboxEntry | None, FarmerRecord | None]


# What a participant data change may carry: the fields a PATCH changes, and the identity fields
# a correction changes (docs/bpjs-h2h.md "Participant update").
UPDATABLE_FIELDS = (
    "phone", "address", "village_code", "commodity", "monthly_income", "full_name", "birth_date", "sex", "nik",
)  # fmt: skip


class BpjsSync:
    def __init__(
        self,
        farmers: Farmers,
        payments: Payments,
        claims: Claims,
        outbox: Outbox,
        writer: Writer,
        bpjs: BpjsGateway,
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.claims = claims
        self.outbox = outbox
        self.writer = writer
        self.bpjs = bpjs

    def preload(self, messages: Sequence[QueuedMessage]) -> dict[str, Loaded]:
        """message id -> (outbox entry, farmer) of the first message of each farmer in the batch,
        read at once (one BatchGetItem): the later ones of a farmer read theirs when their turn
        comes, after the earlier ones changed the farmer. Nothing if the read fails: each message
        then reads its own."""
        first: dict[str, tuple[str, Operation]] = {}
        for message in messages:
            try:
                operation = Operation.from_message(json.loads(message.body))
            except (ValueError, TypeError, UnknownOperation):
                continue
            first.setdefault(message.group_id, (message.message_id, operation))
        if not first:
            return {}
        try:
            read = self.outbox.with_farmers([(op.farmer_id, op.op_id) for _, op in first.values()])
        except Exception as error:
            logger.warning("bpjs batch not preloaded", extra={"error": type(error).__name__})
            return {}
        return {message_id: read[op.op_id] for message_id, op in first.values() if op.op_id in read}

    def process(self, body: dict[str, Any], preloaded: Loaded | None = None) -> str:
        """Deliver one operation; returns the recorded outcome. Raises to be retried. `preloaded`
        (its entry and farmer, read with the batch) serves the first attempt only: an attempt
        after a write conflict reads again."""
        operation = Operation.from_message(body)
        first = [preloaded]

        def attempt() -> str:
            loaded, first[0] = first[0], None
            return self._deliver(operation, loaded)

        return retry_on_conflict(attempt)

    def _deliver(self, operation: Operation, loaded: Loaded | None = None) -> str:
        entry, farmer = loaded or (self.outbox.get(operation.farmer_id, operation.op_id), None)
        if entry is None:
            raise UnknownOperation("no outbox entry for this operation")
        if entry.delivered_at:
            return "DUPLICATE"
        farmer = farmer if loaded else self.farmers.get(operation.farmer_id)
        if farmer is None:
            raise UnknownOperation("operation for a farmer that does not exist")
        match entry.op_type:
            case OpType.PARTICIPANT_REGISTRATION:
                outcome = self._register(entry, farmer)
            case OpType.PARTICIPANT_UPDATE:
                outcome = self._update(entry, farmer)
            case OpType.CONTRIBUTION_POSTING:
                outcome = self._post_contribution(entry, farmer)
            case OpType.CLAIM_SUBMISSION:
                outcome = self._submit_claim(entry, farmer)
            case OpType.PARTICIPANT_LOOKUP:
                outcome = self._lookup(entry, farmer)
            case _:
                raise UnknownOperation(f"unknown operation type {entry.op_type}")
        self.writer.write(self._completion(entry, outcome))
        logger.info(
            "bpjs operation completed",
            extra={
                "op_id": entry.op_id,
                "op_type": entry.op_type,
                "farmer_id": entry.farmer_id,
                "outcome": outcome.name,
            },
        )
        return outcome.name

    @staticmethod
    def _completion(entry: OutboxEntry, outcome: Outcome) -> ChangeSet:
        """The entry marked delivered (only the first delivery's write succeeds), the outcome's
        changes and the audit record, in one commit."""
        stamp = iso_utc(now_utc())
        delivered = entry.next(delivered_at=stamp, outcome=outcome.name)
        subject = outcome.subject or entry.farmer_id
        resource = f"claim/{subject}" if outcome.subject else f"farmer/{entry.farmer_id}"
        changed = tuple(
            sorted({name for write in outcome.changes.writes if isinstance(write, Updated)
                    for name, value in write.after.stored().items() if write.before.stored().get(name) != value}
                   - {"version", "updated_at", "history"})
        )  # fmt: skip
        audit = by_party(
            SYSTEM, AuditAction.BPJS_OPERATION_COMPLETED, subject, resource, stamp, farmer_id=entry.farmer_id,
            fields=changed, detail={"op_id": entry.op_id, "outcome": outcome.name},
        )  # fmt: skip
        return ChangeSet(writes=(Updated(entry, delivered),), audit=(audit,)) + outcome.changes

    def _decided(self, farmer: FarmerRecord, event: RegistrationEvent, **changes: Any) -> ChangeSet:
        """The farmer moved by BPJS's answer, if the registration may still move that way."""
        if not can_move(farmer.registration_status, event):
            return ChangeSet()  # a callback decided first
        stamp = iso_utc(now_utc())
        after = farmer.next(updated_at=stamp, **changes)
        return farmer_written(farmer, after, period_of(today_wita()))

    def _register(self, entry: OutboxEntry, farmer: FarmerRecord) -> Outcome:
        if farmer.registration_status is RegistrationStatus.CONFIRMED and farmer.kpj_number:
            return Outcome("ALREADY_CONFIRMED")  # e.g. BPJS's callback came first
        try:
            registration = self.bpjs.register_participant(entry.op_id, participant_payload(farmer))
        except BpjsRejected as rejected:
            if not can_move(farmer.registration_status, RegistrationEvent.BPJS_REJECTED):
                return Outcome("REJECTED")  # a callback decided first
            _, changes = registration_rejected(
                farmer, self.payments.all_of(farmer.farmer_id), rejected.reason_code, rejected.reason,
                iso_utc(now_utc()), period_of(today_wita()),
            )  # fmt: skip
            return Outcome("REJECTED", changes)
        if registration.status == "PENDING":
            return Outcome("PENDING_DECISION")  # BPJS will call back with its decision
        changes = self._decided(
            farmer, RegistrationEvent.BPJS_CONFIRMED, registration_status=RegistrationStatus.CONFIRMED,
            kpj_number=registration.kpj_number, confirmed_at=iso_utc(now_utc()),
        )  # fmt: skip
        return Outcome("CONFIRMED", changes)

    def _update(self, entry: OutboxEntry, farmer: FarmerRecord) -> Outcome:
        if farmer.registration_status is RegistrationStatus.REJECTED:
            return Outcome("SKIPPED_NOT_PARTICIPANT")
        if not farmer.kpj_number:
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        fields = [f for f in entry.payload.get("fields", UPDATABLE_FIELDS) if f in UPDATABLE_FIELDS]
        if not fields:
            return Outcome("NOTHING_TO_SEND")
        # The current values: a later change supersedes an earlier one, and order is per farmer.
        values = farmer.stored()
        self.bpjs.update_participant(entry.op_id, farmer.kpj_number, {f: values[f] for f in fields})
        return Outcome("UPDATED")

    def _post_contribution(self, entry: OutboxEntry, farmer: FarmerRecord) -> Outcome:
        payment_id = str(entry.payload.get("payment_id", ""))
        payment = self.payments.get(entry.farmer_id, payment_id) if payment_id else None
        if payment is None:
            raise UnknownOperation("contribution posting for a payment that does not exist")
        if farmer.registration_status is RegistrationStatus.REJECTED:
            # Money was collected for someone BPJS refused: a refund case for the BPP.
            failed = payment.next(bpjs_status=BpjsPostingStatus.FAILED, bpjs_failure="PARTICIPANT_REJECTED")
            return Outcome("FAILED", ChangeSet(writes=(Updated(payment, failed),)))
        if not farmer.kpj_number or farmer.registration_status is not RegistrationStatus.CONFIRMED:
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        contribution = {
            "kpj_number": farmer.kpj_number, "receipt_number": payment.receipt_number, "periods": list(payment.periods),
            "amount": payment.amount, "paid_at": payment.paid_at,
        }  # fmt: skip
        try:
            posting_id = self.bpjs.post_contribution(entry.op_id, contribution)
        except BpjsRejected as rejected:
            # Refused for good: the months are not covered at BPJS, the money goes back.
            stamp = iso_utc(now_utc())
            failed = payment.next(bpjs_status=BpjsPostingStatus.FAILED, bpjs_failure=rejected.reason_code)
            _, uncovered = posting_refused(farmer, payment, stamp, period_of(today_wita()))
            return Outcome("FAILED", ChangeSet(writes=(Updated(payment, failed),)) + uncovered)
        posted = payment.next(
            bpjs_status=BpjsPostingStatus.POSTED, posting_id=posting_id, posted_at=iso_utc(now_utc())
        )
        return Outcome("POSTED", ChangeSet(writes=(Updated(payment, posted),)))

    def _submit_claim(self, entry: OutboxEntry, farmer: FarmerRecord) -> Outcome:
        claim_id = str(entry.payload.get("claim_id", ""))
        claim = self.claims.get(claim_id) if claim_id else None
        if claim is None:
            raise UnknownOperation("claim submission for a claim that does not exist")
        if claim.status is not ClaimStatus.VERIFIED:
            return Outcome("ALREADY_SENT", subject=claim_id)
        if not farmer.kpj_number:
            raise WaitForRegistration("registration not confirmed by BPJS yet")
        stamp = iso_utc(now_utc())
        submission = {
            "claim_id": claim_id, "kpj_number": farmer.kpj_number, "type": claim.claim_type,
            "incident_date": claim.incident_date.isoformat(), "outcome": claim.outcome,
            "claimant": claim.claimant.stored(), "description": claim.description,
            "estimated_amount": claim.estimated_benefit.total, "documents": list(claim.required_documents),
        }  # fmt: skip
        try:
            claim_ref = self.bpjs.submit_claim(entry.op_id, submission)
        except BpjsRejected as rejected:
            reason = rejected.reason or rejected.reason_code
            refused = claim.moved(
                ClaimEvent.REFUSED_AT_SUBMISSION, stamp, "BPJS", reason, rejection_reason=reason
            )
            return Outcome("REJECTED", claim_moved(claim, refused, period_of(today_wita())), claim_id)
        sent = claim.moved(ClaimEvent.SENT, stamp, SYSTEM, bpjs_claim_ref=claim_ref)
        return Outcome("SENT", claim_moved(claim, sent, period_of(today_wita())), claim_id)

    def _lookup(self, entry: OutboxEntry, farmer: FarmerRecord) -> Outcome:
        """An imported member's KPJ and NIK checked with BPJS; a mismatch goes on the admin's
        list of the import's members to check (GET /imports/{import_id}/mismatches)."""
        imported = farmer.imported
        if imported is None or not farmer.kpj_number:
            return Outcome("SKIPPED_NOT_IMPORTED")
        result = BpjsCheck(self.bpjs.lookup_participant(entry.op_id, farmer.kpj_number, farmer.nik))
        stamp = iso_utc(now_utc())
        checked = imported.but(bpjs_check=result.value, bpjs_checked_at=stamp)
        changes = ChangeSet(writes=(Updated(farmer, farmer.next(imported=checked, updated_at=stamp)),))
        if result is not BpjsCheck.MATCH:
            mismatch = ImportMismatch(
                import_id=imported.import_id, farmer_id=farmer.farmer_id, kecamatan_code=farmer.kecamatan_code,
                result=result, checked_at=stamp,
            )  # fmt: skip
            changes = changes + ChangeSet(writes=(Created(mismatch),))
        return Outcome(result.value, changes)
