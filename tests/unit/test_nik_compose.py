"""compose_nik: the NIK of a person, the inverse of parse_nik (for the local stack's demo
farmers, the tests' farmers and the benchmarks)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sutasoma.domain.nik import compose_nik, parse_nik, reconcile_identity

TODAY = date(2026, 11, 29)


def test_the_contracts_example_and_a_man() -> None:
    assert compose_nik("731204", date(1980, 8, 17), "F", 3) == "7312045708800003"
    assert compose_nik("731201", date(2001, 1, 2), "M", 1234) == "7312010201011234"


def test_a_nik_issued_outside_soppeng() -> None:
    assert compose_nik("737101", date(1985, 4, 12), "M", 1) == "7371011204850001"  # Makassar


@pytest.mark.parametrize(
    ("district", "sex", "serial"),
    [
        ("73120", "M", 1),
        ("7312045", "M", 1),
        ("73.12.", "M", 1),
        ("７３１２０４", "M", 1),  # full-width digits
        ("731204", "X", 1),
        ("731204", "M", 0),
        ("731204", "M", 10_000),
    ],
)
def test_what_cannot_be_a_nik_is_refused(district: str, sex: str, serial: int) -> None:
    with pytest.raises(ValueError):
        compose_nik(district, date(1980, 8, 17), sex, serial)  # type: ignore[arg-type]


@given(
    district=st.sampled_from(["731201", "731204", "731208", "737101", "110101", "940101"]),
    birth=st.dates(min_value=date(1927, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_round_trip_through_parse_nik(district: str, birth: date, sex: str, serial: int) -> None:
    raw = compose_nik(district, birth, sex, serial)  # type: ignore[arg-type]
    nik = parse_nik(raw)
    assert raw.startswith(district) and raw.endswith(f"{serial:04d}") and len(raw) == 16
    assert (nik.day, nik.month, nik.year_2d, nik.sex) == (birth.day, birth.month, birth.year % 100, sex)
    assert birth in nik.birth_date_candidates()
    assert reconcile_identity(nik, birth, nik.sex, TODAY) == (birth, sex)
