"""The registration state machine: a farmer's participation as BPJS decided it.

`PENDING` until BPJS answers; BPJS's decision moves a registration forward only
(DOMAIN.md "Membership life cycle"); a lapsed member registers again (reactivation).
Every move is one row of TRANSITIONS; anything else is refused.
"""

from __future__ import annotations

from enum import StrEnum

from sutasoma.domain.errors import InvalidTransition


class RegistrationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


class RegistrationEvent(StrEnum):
    BPJS_CONFIRMED = "BPJS_CONFIRMED"  # BPJS accepted the registration and assigned a KPJ
    BPJS_REJECTED = "BPJS_REJECTED"  # BPJS refused it for good
    REACTIVATED = "REACTIVATED"  # a lapsed member registers again


TRANSITIONS: dict[tuple[RegistrationStatus, RegistrationEvent], RegistrationStatus] = {
    (RegistrationStatus.PENDING, RegistrationEvent.BPJS_CONFIRMED): RegistrationStatus.CONFIRMED,
    (RegistrationStatus.PENDING, RegistrationEvent.BPJS_REJECTED): RegistrationStatus.REJECTED,
    (RegistrationStatus.CONFIRMED, RegistrationEvent.REACTIVATED): RegistrationStatus.PENDING,
}


def can_move(current: RegistrationStatus, event: RegistrationEvent) -> bool:
    return (current, event) in TRANSITIONS


def next_status(current: RegistrationStatus, event: RegistrationEvent) -> RegistrationStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(
            f"Status pendaftaran {current.value} tidak dapat berubah karena {event.value}."
        ) from None
