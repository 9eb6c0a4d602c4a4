"""The BPJS endpoints of the contract: participants, contributions, claims (docs/bpjs-h2h.md)."""

from __future__ import annotations

import logging
from typing import Any

from local.bpjs.base import SimulatorBase
from local.bpjs.rules import (
    CLAIM_TYPES,
    CONTRIBUTION_REFUSED,
    DATE_PATTERN,
    KPJ_NOT_FOUND,
    KPJ_PATTERN,
    KPJ_PREFIX,
    LEGACY_OTHER_SUFFIX,
    NIK_NOT_FOUND,
    NIK_PATTERN,
    PERIOD_PATTERN,
    PROGRAMS,
    REJECTED_SERIAL,
    UPDATABLE_FIELDS,
    Answer,
    Claim,
    Participant,
    check_fields,
    error_answer,
    invalid_answer,
    is_legacy_kpj,
    is_str,
    iso_now,
    matches,
    non_empty_str,
    non_negative_int,
    positive_int,
)

log = logging.getLogger("local.bpjs")


class Endpoints(SimulatorBase):
    """BPJS's answers to the contract's requests (authentic, applied once: `Simulator.handle`
    checked that); registrations, claims and their decisions may send callbacks."""

    def _rejection(self, nik: str) -> tuple[str, str] | None:
        if nik.endswith(REJECTED_SERIAL) or nik in self.config.unknown_niks:
            return NIK_NOT_FOUND
        return None

    def _new_participant(self, nik: str, reference_id: str, data: dict[str, Any]) -> Participant:
        participant = Participant(
            f"{KPJ_PREFIX}{self.next_kpj:09d}", reference_id, iso_now(self.clock), nik, data=dict(data)
        )
        self.next_kpj += 1
        self.by_nik[nik] = participant
        self.by_kpj[participant.kpj_number] = participant
        return participant

    def _known_kpj(self, kpj_number: str) -> bool:
        """A participant's KPJ: one the simulator assigned or was told of, or a legacy one."""
        return kpj_number in self.by_kpj or is_legacy_kpj(kpj_number)

    def _participant(self, kpj_number: str) -> Participant | None:
        """The participant of a KPJ; a legacy one is made on first use (its NIK not yet known)."""
        participant = self.by_kpj.get(kpj_number)
        if participant is None and is_legacy_kpj(kpj_number):
            participant = Participant(kpj_number, "", iso_now(self.clock))
            self.by_kpj[kpj_number] = participant
        return participant

    def add_participants(self, participants: list[dict[str, Any]]) -> int:
        """Participants BPJS had before SUTASOMA (POST /_sim/participants): KPJ and NIK each."""
        with self._lock:
            for item in participants:
                kpj, nik = str(item["kpj_number"]), str(item["nik"])
                participant = Participant(kpj, "", iso_now(self.clock), nik)
                self.by_kpj[kpj] = participant
                self.by_nik.setdefault(nik, participant)
            return len(participants)

    def _lookup(self, payload: dict[str, Any]) -> Answer:
        """Participant look-up: whether the KPJ is BPJS's, and with this NIK."""
        problems = check_fields(
            payload, required={"kpj_number": matches(KPJ_PATTERN), "nik": matches(NIK_PATTERN)}, optional={}
        )
        if problems:
            return invalid_answer(problems)
        kpj, nik = payload["kpj_number"], payload["nik"]
        known = self.by_kpj.get(kpj)
        if known is None:
            if not is_legacy_kpj(kpj):
                return Answer(200, {"kpj_found": False, "nik_matches": False})
            if kpj.endswith(LEGACY_OTHER_SUFFIX) or nik in self.by_nik:
                return Answer(200, {"kpj_found": True, "nik_matches": False})
            known = Participant(kpj, "", iso_now(self.clock), nik)  # bound to its first look-up
            self.by_kpj[kpj] = known
            self.by_nik[nik] = known
        return Answer(200, {"kpj_found": True, "nik_matches": known.nik == nik})

    def _register(self, payload: dict[str, Any]) -> Answer:
        problems = check_fields(
            payload,
            required={"reference_id": non_empty_str, "nik": matches(NIK_PATTERN), "full_name": non_empty_str,
                      "birth_date": matches(DATE_PATTERN)},
            optional={"sex": lambda v: v in ("M", "F"), "phone": non_empty_str, "address": is_str,
                      "village_code": non_empty_str, "kecamatan_code": non_empty_str,
                      "occupation": non_empty_str, "commodity": is_str, "monthly_income": non_negative_int,
                      "programs": lambda v: isinstance(v, list) and bool(v) and set(v) <= PROGRAMS},
        )  # fmt: skip
        if problems:
            return invalid_answer(problems)
        nik, reference_id = payload["nik"], payload["reference_id"]
        known = self.by_nik.get(nik)
        if known is not None:
            return error_answer(409, "ALREADY_PARTICIPANT", kpj_number=known.kpj_number)
        rejection = self._rejection(nik)
        if self.config.async_registration:
            # BPJS decides now (deterministic) and tells us later, by callback.
            if rejection:
                event_type = "PARTICIPANT_REJECTED"
                data: dict[str, Any] = {
                    "farmer_id": reference_id, "reason_code": rejection[0], "reason": rejection[1]
                }  # fmt: skip
            else:
                participant = self._new_participant(nik, reference_id, payload)
                event_type = "PARTICIPANT_CONFIRMED"
                data = {"farmer_id": reference_id, "kpj_number": participant.kpj_number}
            self._schedule_callback(event_type, data)
            return Answer(202, {"status": "PENDING"})
        if rejection:
            return error_answer(422, "REJECTED", reason_code=rejection[0], reason=rejection[1])
        participant = self._new_participant(nik, reference_id, payload)
        return Answer(
            201,
            {
                "status": "CONFIRMED",
                "kpj_number": participant.kpj_number,
                "registered_at": participant.registered_at,
            },
        )

    def _update(self, payload: dict[str, Any], kpj_number: str) -> Answer:
        participant = self._participant(kpj_number)
        if participant is None:
            return error_answer(404, "NOT_FOUND")
        problems = check_fields(
            payload,
            required={},
            optional={"phone": non_empty_str, "address": is_str, "village_code": non_empty_str,
                      "commodity": is_str, "monthly_income": non_negative_int,
                      "full_name": non_empty_str, "birth_date": matches(DATE_PATTERN),
                      "sex": lambda v: v in ("M", "F"), "nik": matches(NIK_PATTERN)},
        )  # fmt: skip
        if not problems and not set(payload) & UPDATABLE_FIELDS:
            problems = [f"at least one of {sorted(UPDATABLE_FIELDS)}"]
        if problems:
            return invalid_answer(problems)
        nik = payload.get("nik")
        old_nik = participant.data.get("nik") or participant.nik or None
        if nik is not None and nik != old_nik:
            holder = self.by_nik.get(nik)
            if holder is not None and holder is not participant:
                # Another participant has that NIK: BPJS cannot merge two people by a correction.
                return error_answer(409, "NIK_ALREADY_PARTICIPANT")
            if old_nik is not None and self.by_nik.get(old_nik) is participant:
                del self.by_nik[old_nik]
            self.by_nik[nik] = participant
            participant.nik = nik
        participant.data.update(payload)
        participant.updates.append(sorted(payload))
        return Answer(200, {"status": "UPDATED"})

    def _contribution(self, payload: dict[str, Any]) -> Answer:
        problems = check_fields(
            payload,
            required={"kpj_number": matches(KPJ_PATTERN), "receipt_number": non_empty_str,
                      "periods": lambda v: isinstance(v, list) and bool(v) and all(
                          isinstance(p, str) and PERIOD_PATTERN.match(p) for p in v),
                      "amount": positive_int, "paid_at": non_empty_str},
            optional={},
        )  # fmt: skip
        if problems:
            return invalid_answer(problems)
        if not self._known_kpj(payload["kpj_number"]):
            return error_answer(422, "REJECTED", reason_code=KPJ_NOT_FOUND[0], reason=KPJ_NOT_FOUND[1])
        if self.config.refuse_contributions:
            reason_code, reason = CONTRIBUTION_REFUSED
            return error_answer(422, "REJECTED", reason_code=reason_code, reason=reason)
        receipt = payload["receipt_number"]
        if receipt not in self.postings:  # a receipt is posted once, whatever the request id
            self.postings[receipt] = f"PST{len(self.postings) + 1:06d}"
        return Answer(201, {"status": "POSTED", "posting_id": self.postings[receipt]})

    def _claim(self, payload: dict[str, Any]) -> Answer:
        problems = check_fields(
            payload,
            required={"claim_id": non_empty_str, "kpj_number": matches(KPJ_PATTERN),
                      "type": lambda v: v in CLAIM_TYPES, "incident_date": matches(DATE_PATTERN),
                      "outcome": non_empty_str, "claimant": lambda v: isinstance(v, dict),
                      "documents": lambda v: isinstance(v, list) and all(isinstance(d, str) for d in v)},
            optional={"estimated_amount": non_negative_int, "description": is_str},
        )  # fmt: skip
        if problems:
            return invalid_answer(problems)
        if not self._known_kpj(payload["kpj_number"]):
            return error_answer(422, "REJECTED", reason_code=KPJ_NOT_FOUND[0], reason=KPJ_NOT_FOUND[1])
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
            return error_answer(404, "NOT_FOUND")
        body: dict[str, Any] = {"status": claim.status}
        if claim.amount is not None:
            body["amount"] = claim.amount
        if claim.reason is not None:
            body["reason"] = claim.reason
        return Answer(200, body)
