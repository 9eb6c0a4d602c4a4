"""Delivering outbox operations to BPJS and recording what BPJS answered.

Called for a batch of SQS messages by sutasoma.app.bpjs_batch: the farmers of a batch side by
side, each farmer's operations in order (sutasoma.app.fifo_batch, round by round). What is
decided is recorded at once, with whatever else was decided while the previous record was being
written, in one transaction where it fits (`BpjsSync.record_round`): a few commits per batch
instead of one per message, and outcomes that move a kecamatan's counters (a rejection, a refused
posting) add to them once instead of colliding on them; a transaction that fails is written
decision by decision. Exactly-once in effect: BPJS applies our operation id once (X-Request-Id),
and the outcome is recorded by a versioned write of the outbox entry that only the first delivery
wins. Raising means "try this message again later"; the FIFO group (one per farmer) keeps the
farmer's later operations behind it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sutasoma.app.claim_lifecycle import claim_moved
from sutasoma.app.common import Writer, retry_on_conflict
from sutasoma.app.membership import posting_refused, registration_rejected
from sutasoma.app.nik_claims import NIK_HASH, WaitForNikRelease, registration_nik_hash, released_on_delivery
from sutasoma.app.packing import pack, together
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
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.fifo_batch import QueuedMessage


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
    """What BPJS's answer to an operation changes, named for the metrics and the audit."""

    name: str
    changes: ChangeSet = field(default_factory=ChangeSet)
    subject: str | None = None  # the claim, when the operation was a claim's


@dataclass(frozen=True)
class Decision:
    """An operation delivered to BPJS and what to record of it (`completion`, nothing for a
    delivery recorded before)."""

    operation: Operation
    outcome: Outcome
    entry: OutboxEntry | None = None
    completion: ChangeSet | None = None


def participant_payload(farmer: FarmerRecord) -> dict[str, Any]:
    return {
        "reference_id": farmer.farmer_id, "nik": farmer.nik, "full_name": farmer.full_name,
        "birth_date": farmer.birth_date.isoformat(), "sex": farmer.sex, "phone": farmer.phone,
        "address": farmer.address, "village_code": farmer.village_code, "kecamatan_code": farmer.kecamatan_code,
        "occupation": "PETANI", "commodity": farmer.commodity, "monthly_income": farmer.monthly_income,
        "programs": ["JKK", "JKM"],
    }  # fmt: skip


# A message's outbox entry and farmer, read with its batch.
@dataclass(frozen=True)
class Loaded:
    entry: OutboxEntry | None
    farmer: FarmerRecord | None
    releases: frozenset[str] = frozenset()  # the NIK hashes read with it that a correction is releasing


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
        read at once (one BatchGetItem), with the NIK releases its registrations wait for: the
        later ones of a farmer read theirs when their turn comes, after the earlier ones changed
        the farmer. Nothing if the read fails: each message then reads its own."""
        first: dict[str, tuple[str, Operation]] = {}
        hashes: list[str] = []
        for message in messages:
            try:
                body = json.loads(message.body)
                operation = Operation.from_message(body)
            except (ValueError, TypeError, AttributeError, UnknownOperation):
                continue
            if message.group_id not in first:
                first[message.group_id] = (message.message_id, operation)
                hashes += registration_nik_hash(body)
        if not first:
            return {}
        try:
            read, releasing = self.outbox.with_farmers(
                [(op.farmer_id, op.op_id) for _, op in first.values()], hashes
            )
        except Exception as error:
            logger.warning("bpjs batch not preloaded", extra={"error": type(error).__name__})
            return {}
        found = frozenset(releasing)
        return {
            message_id: Loaded(*read[op.op_id], found)
            for message_id, op in first.values()
            if op.op_id in read
        }

    def process(self, body: dict[str, Any], preloaded: Loaded | None = None) -> str:
        """Deliver one operation and record its outcome; returns the outcome's name. Raises to be
        retried. `preloaded` (its entry and farmer, read with the batch) serves the first attempt
        only: an attempt after a write conflict reads again."""
        return self._recorded(self.decide(body, preloaded))

    def decide(self, body: dict[str, Any], preloaded: Loaded | None = None) -> Decision:
        """Deliver one operation to BPJS; what to record of its answer, not yet written."""
        return self._decide(Operation.from_message(body), preloaded)

    def record_round(self, decided: list[tuple[QueuedMessage, Decision]]) -> dict[str, str | Exception]:
        """A round's decisions recorded in as few transactions as hold them (message id -> the
        outcome's name, or what failed it); a transaction that fails is written decision by
        decision, so one farmer changed meanwhile (a callback) never holds the others back."""
        results: dict[str, str | Exception] = {}
        written = [(m, d.completion) for m, d in decided if d.completion is not None]
        for message, decision in decided:
            if decision.completion is None:
                results[message.message_id] = decision.outcome.name
        by_id = {m.message_id: d for m, d in decided}
        for group in pack(written):
            if len(group) > 1:
                try:
                    self.writer.write(together(group))
                except Exception as error:  # some write met a change: each on its own below
                    logger.info("bpjs round written one by one", extra={"error": type(error).__name__})
                else:
                    for message, _ in group:
                        results[message.message_id] = self._logged(by_id[message.message_id])
                    continue
            for message, _ in group:
                results[message.message_id] = self._recorded_alone(by_id[message.message_id])
        return results

    def _recorded_alone(self, decision: Decision) -> str | Exception:
        try:
            return self._recorded(decision)
        except Exception as error:  # the message goes back to the queue
            return error

    def _recorded(self, decision: Decision) -> str:
        """The decision written; after a write conflict, decided again on what is stored now
        (BPJS answers a repeated operation id as it did the first time)."""
        first: list[Decision | None] = [decision]

        def attempt() -> str:
            made, first[0] = first[0], None
            made = made or self._decide(decision.operation)
            if made.completion is not None:
                self.writer.write(made.completion)
            return self._logged(made)

        return retry_on_conflict(attempt)

    @staticmethod
    def _logged(decision: Decision) -> str:
        if decision.entry is not None:
            logger.info(
                "bpjs operation completed",
                extra={
                    "op_id": decision.entry.op_id,
                    "op_type": decision.entry.op_type,
                    "farmer_id": decision.entry.farmer_id,
                    "outcome": decision.outcome.name,
                },
            )
        return decision.outcome.name

    def _decide(self, operation: Operation, loaded: Loaded | None = None) -> Decision:
        entry = loaded.entry if loaded else self.outbox.get(operation.farmer_id, operation.op_id)
        if entry is None:
            raise UnknownOperation("no outbox entry for this operation")
        if entry.delivered_at:
            return Decision(operation, Outcome("DUPLICATE"))
        farmer = loaded.farmer if loaded else self.farmers.get(operation.farmer_id)
        if farmer is None:
            raise UnknownOperation("operation for a farmer that does not exist")
        match entry.op_type:
            case OpType.PARTICIPANT_REGISTRATION:
                outcome = self._register(entry, farmer, loaded)
            case OpType.PARTICIPANT_UPDATE:
                updated = self._update(entry, farmer)
                outcome = Outcome(updated.name, updated.changes + released_on_delivery(entry))
            case OpType.CONTRIBUTION_POSTING:
                outcome = self._post_contribution(entry, farmer)
            case OpType.CLAIM_SUBMISSION:
                outcome = self._submit_claim(entry, farmer)
            case OpType.PARTICIPANT_LOOKUP:
                outcome = self._lookup(entry, farmer)
            case _:
                raise UnknownOperation(f"unknown operation type {entry.op_type}")
        return Decision(operation, outcome, entry, self._completion(entry, outcome))

    @staticmethod
    def _completion(entry: OutboxEntry, outcome: Outcome) -> ChangeSet:
        """The entry marked delivered (only the first delivery's write succeeds), the outcome's
        changes and the audit record, in one commit."""
        stamp = iso_utc(now_utc())
        delivered = entry.next(delivered_at=stamp, outcome=outcome.name)
        subject = outcome.subject or entry.farmer_id
        resource = f"claim/{subject}" if outcome.subject else f"farmer/{entry.farmer_id}"
        updated = [write.changed_fields() for write in outcome.changes.writes if isinstance(write, Updated)]
        changed = tuple(sorted(set().union(*updated) - {"version", "updated_at", "history"}))
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

    def _releasing(self, nik_hash: str, loaded: Loaded | None) -> bool:
        """Is a correction still releasing this NIK? As read with the batch, else read now (a
        release only ends while its registrations wait: an earlier read errs on waiting)."""
        return nik_hash in loaded.releases if loaded else self.farmers.nik_release_pending(nik_hash)

    def _register(self, entry: OutboxEntry, farmer: FarmerRecord, loaded: Loaded | None) -> Outcome:
        if farmer.registration_status is RegistrationStatus.CONFIRMED and farmer.kpj_number:
            return Outcome("ALREADY_CONFIRMED")  # e.g. BPJS's callback came first
        nik_hash = entry.payload.get(NIK_HASH)
        if isinstance(nik_hash, str) and self._releasing(nik_hash, loaded):
            raise WaitForNikRelease("a correction freeing this NIK has not reached BPJS yet")
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
