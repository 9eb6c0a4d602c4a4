"""Claims at BPJS: what the rules decide for a received claim (amount or rejection), and the
claim desk - decisions by the rules (on their timers) or by a person (POST /_sim/claims/{ref}/decision)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from local.bpjs.base import SimulatorBase
from local.bpjs.rules import Answer, Claim, error_answer, invalid_answer, iso_now, non_empty_str, positive_int

log = logging.getLogger("local.bpjs")


# Claim decisions (docs/bpjs-h2h.md "Simulator rules").
CLAIM_REJECTION_REASON = "Klaim ditolak: dokumen tidak sesuai"
FLAT_CARE_REIMBURSEMENT = 2_500_000  # JKK treatment / temporary disability without an estimate
JKM_DEFAULT_AMOUNT = 42_000_000  # 20 M death benefit + 12 M periodic at once + 10 M funeral
JKK_DEATH_DEFAULT_AMOUNT = 70_000_000  # 48 x Rp 1,000,000 + 10 M funeral + 12 M periodic at once
JKK_PERMANENT_DISABILITY_DEFAULT_AMOUNT = 56_000_000  # 56 x Rp 1,000,000
REJECT_WORD = re.compile(r"\btolak\b", re.IGNORECASE)


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
    if description and REJECT_WORD.search(description):
        return ClaimDecision("REJECTED", reason=CLAIM_REJECTION_REASON)
    return ClaimDecision("APPROVED", amount=claim_amount(claim_type, outcome, estimated_amount))


class ClaimDesk(SimulatorBase):
    """Decisions on received claims: by the rules, on their timers (unless `auto_decide_claims`
    is off), or by a person through the control endpoint, each sent to SUTASOMA by callback."""

    def decide_claim(self, claim_ref: str, decision: Mapping[str, Any]) -> Answer:
        """A person's decision (POST /_sim/claims/{ref}/decision): RECEIVED -> APPROVED | REJECTED,
        APPROVED -> PAID, with the matching callback. The claim is then the person's: the rules
        take no further step on it."""
        with self._lock:
            claim = self.claims.get(claim_ref)
            if claim is None:
                return error_answer(404, "NOT_FOUND")
            status = decision.get("status")
            allowed = {"RECEIVED": {"APPROVED", "REJECTED"}, "APPROVED": {"PAID"}}.get(claim.status, set())
            if status not in allowed:
                return error_answer(409, "INVALID_TRANSITION", detail=f"{claim.status} -> {status}")
            reason = decision.get("reason")
            amount = decision.get("amount", claim.amount)
            if status == "REJECTED" and not non_empty_str(reason):
                return invalid_answer(["reason"])
            if status != "REJECTED" and not positive_int(amount):
                return invalid_answer(["amount"])
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
