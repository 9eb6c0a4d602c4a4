"""BPJS callbacks' data rules, found by a review of the host-to-host path: a KPJ is never replaced
by a callback, also while a reactivation is PENDING (a confirmation with another KPJ answered 200
APPLIED and replaced it); a KPJ is 11 ASCII digits (Arabic-Indic digits passed `str.isdigit()` and
were posted to BPJS); `paid_at` is a time (a claim stored `"paid_at": "banana"`)."""

from __future__ import annotations

import pytest

from sutasoma.app.callbacks import CallbackEvent, claim_decision, participant_confirmed
from sutasoma.domain.errors import InvalidTransition, ValidationFailed
from sutasoma.domain.registration import RegistrationStatus
from tests.support.records import claim_record, farmer_record

STAMP = "2026-12-07T03:00:00Z"


def confirmed(farmer_id: str, kpj: object) -> CallbackEvent:
    return CallbackEvent.model_validate(
        {
            "event_id": "e1",
            "type": "PARTICIPANT_CONFIRMED",
            "data": {"farmer_id": farmer_id, "kpj_number": kpj},
        }
    )


def test_a_reactivated_members_kpj_is_never_replaced() -> None:
    pending = farmer_record(registration_status="PENDING", kpj_number="26000000020")  # reactivated
    with pytest.raises(InvalidTransition):
        participant_confirmed(pending, confirmed(pending.farmer_id, "26999999997"), STAMP)
    again = participant_confirmed(pending, confirmed(pending.farmer_id, "26000000020"), STAMP)
    assert (again.registration_status, again.kpj_number) == (RegistrationStatus.CONFIRMED, "26000000020")


@pytest.mark.parametrize(
    "kpj", ["\u0662\u0666\u0660\u0660\u0660\u0660\u0660\u0660\u0661\u0666\u0664", "2600000016", 26000000164]
)
def test_a_kpj_is_eleven_ascii_digits(kpj: object) -> None:
    pending = farmer_record(registration_status="PENDING")
    with pytest.raises(ValidationFailed):
        participant_confirmed(pending, confirmed(pending.farmer_id, kpj), STAMP)


@pytest.mark.parametrize("paid_at", ["banana", "2026-11-29", "2026-11-29T03:10:00", "", 1764386000])
def test_a_claims_paid_at_is_a_time_with_its_offset(paid_at: object) -> None:
    claim = claim_record(status="APPROVED", approved_amount=42_000_000)
    event = CallbackEvent.model_validate(
        {
            "event_id": "e2",
            "type": "CLAIM_PAID",
            "data": {"claim_id": claim.claim_id, "amount": 42_000_000, "paid_at": paid_at},
        }
    )
    with pytest.raises(ValidationFailed):
        claim_decision(claim, event, STAMP)


def test_bpjs_paid_at_as_sent_is_taken() -> None:
    claim = claim_record(status="APPROVED", approved_amount=42_000_000)
    event = CallbackEvent.model_validate(
        {"event_id": "e3", "type": "CLAIM_PAID",
         "data": {"claim_id": claim.claim_id, "amount": 42_000_000, "paid_at": "2026-11-29T03:10:00Z"}}
    )  # fmt: skip
    paid, counts = claim_decision(claim, event, STAMP)
    assert (paid.paid_at, counts["claims_amount_JKM"]) == ("2026-11-29T03:10:00Z", 42_000_000)
