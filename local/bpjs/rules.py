"""What BPJS's side of the contract knows: its fixed answers and codes, the records it keeps
(participants, claims), and the checks of a request's fields (names only, never values)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SIGNATURE_WINDOW_S = 300
KPJ_PREFIX = "26"
REJECTED_SERIAL = "9999"
NIK_NOT_FOUND = ("NIK_NOT_FOUND", "NIK tidak ditemukan di data Dukcapil")
KPJ_NOT_FOUND = ("KPJ_NOT_FOUND", "Nomor KPJ tidak terdaftar")
CONTRIBUTION_REFUSED = ("CONTRIBUTION_REFUSED", "Iuran ditolak BPJS")
# A participant data change: the contact and work fields, and the identity fields a correction
# of a typo changes (name, birth date, sex, NIK).
CONTACT_FIELDS = frozenset({"phone", "address", "village_code", "commodity", "monthly_income"})
IDENTITY_FIELDS = frozenset({"full_name", "birth_date", "sex", "nik"})
UPDATABLE_FIELDS = CONTACT_FIELDS | IDENTITY_FIELDS
PROGRAMS = frozenset({"JKK", "JKM", "JHT"})
CLAIM_TYPES = frozenset({"JKK", "JKM"})
REQUEST_LOG_SIZE = 10_000

NIK_PATTERN = re.compile(r"^\d{16}$")
KPJ_PATTERN = re.compile(r"^\d{11}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def iso_now(clock: Callable[[], float] = time.time) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Participant:
    kpj_number: str
    reference_id: str
    registered_at: str
    nik: str = ""  # "" for a legacy participant until its NIK is known
    # What BPJS holds of the person, as registered and changed since (never logged nor listed).
    data: dict[str, Any] = field(default_factory=dict)
    # The names of the fields each applied update changed, in order (GET /_sim/participants).
    updates: list[list[str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """For GET /_sim/participants/{kpj_number}: the names of what changed, never values."""
        return {
            "kpj_number": self.kpj_number,
            "reference_id": self.reference_id,
            "registered_at": self.registered_at,
            "updates": [list(names) for names in self.updates],
        }


# Participants registered before SUTASOMA (a member import's KPJ numbers): any KPJ outside the
# simulator's own series (KPJ_PREFIX) is one, bound to the NIK of its first look-up, unless it
# ends in LEGACY_UNKNOWN_SUFFIX (BPJS knows no such number) or LEGACY_OTHER_SUFFIX (it is another
# person's: every look-up is a NIK mismatch). docs/bpjs-h2h.md "Simulator rules".
LEGACY_UNKNOWN_SUFFIX = "0000"
LEGACY_OTHER_SUFFIX = "99"


def is_legacy_kpj(kpj_number: str) -> bool:
    return not kpj_number.startswith(KPJ_PREFIX) and not kpj_number.endswith(LEGACY_UNKNOWN_SUFFIX)


@dataclass
class Claim:
    claim_ref: str
    claim_id: str
    kpj_number: str
    claim_type: str
    outcome: str = ""
    estimated_amount: int | None = None
    description: str | None = None
    status: str = "RECEIVED"
    amount: int | None = None
    reason: str | None = None
    automatic: bool = False  # decided and paid by the rules; a manual decision turns it off

    def as_json(self) -> dict[str, Any]:
        """For GET /_sim/claims: no KPJ number, claimant or description."""
        return {
            "claim_ref": self.claim_ref,
            "claim_id": self.claim_id,
            "type": self.claim_type,
            "status": self.status,
            "amount": self.amount,
            "reason": self.reason,
            "automatic": self.automatic,
        }


def error_answer(status: int, code: str, **extra: Any) -> Answer:
    return Answer(status, {"code": code, **extra})


def invalid_answer(problems: list[str]) -> Answer:
    return error_answer(400, "INVALID_REQUEST", errors=problems)


# ---------------------------------------------------------------------------------- field checks


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def non_empty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and bool(pattern.match(value))


def non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def positive_int(value: Any) -> bool:
    return non_negative_int(value) and value > 0


def check_fields(
    payload: Mapping[str, Any],
    required: Mapping[str, Callable[[Any], bool]],
    optional: Mapping[str, Callable[[Any], bool]],
) -> list[str]:
    """Names of the fields that are missing, invalid or unknown (never their values)."""
    problems = [f"{name}: required" for name in required if name not in payload]
    checks = {**required, **optional}
    for name, value in payload.items():
        check = checks.get(name)
        if check is None:
            problems.append(f"{name}: unknown field")
        elif not check(value):
            problems.append(f"{name}: invalid")
    return problems
