"""Valid test farmers: NIKs built by the product's own builder, places from the shipped list."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sutasoma.domain.nik import compose_nik

_serials = itertools.count(1)


def make_nik(birth: date, sex: str = "M", prefix: str = "731204", serial: int | None = None) -> str:
    """A NIK of district `prefix`; serials count up per session unless given (wrapping past 9999).
    Any `sex` but "F" (a body's invalid one, in a test of the refusal) makes a man's NIK."""
    number = serial if serial is not None else next(_serials)
    return compose_nik(prefix, birth, "F" if sex == "F" else "M", number % 10000 or 1)


def farmer_body(
    *,
    birth: date = date(1980, 8, 17),
    sex: str = "F",
    kecamatan: str = "73.12.04",
    village: str = "73.12.04.1001",
    nik: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nik": nik or make_nik(birth, sex),
        "full_name": "Hasnah",
        "birth_date": birth.isoformat(),
        "sex": sex,
        "phone": "081234567890",
        "kecamatan_code": kecamatan,
        "village_code": village,
        "address": "Dusun Lalabata Rilau RT 01",
        "commodity": "padi",
        "monthly_income": 1_000_000,
        "heirs": [{"full_name": "Baso", "relationship": "spouse", "phone": "081298765432"}],
        "consent": True,
    }
    body.update(overrides)
    return body
