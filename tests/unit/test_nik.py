from datetime import date

import pytest

from sutasoma.domain.errors import NikInvalid, NikMismatch
from sutasoma.domain.nik import nik_lookup_hash, parse_nik, reconcile_identity
from sutasoma.domain.privacy import mask_nik

TODAY = date(2026, 11, 29)


def test_woman_born_17_aug_1980_in_lalabata() -> None:
    nik = parse_nik("7312045708800003")
    assert (nik.province, nik.day, nik.month, nik.year_2d, nik.sex) == ("73", 17, 8, 80, "F")
    assert nik.birth_date(TODAY) == date(1980, 8, 17)


def test_man_day_is_not_offset() -> None:
    nik = parse_nik("7312041708800003")
    assert (nik.day, nik.sex) == (17, "M")


def test_nik_from_another_regency_parses() -> None:
    assert parse_nik("7371011204850002").province == "73"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("731204570880000", "16 digit"),
        ("73120457088000031", "16 digit"),
        ("", "16 digit"),
        ("73120457O8800003", "angka"),
        ("7312045708 80003", "angka"),
        ("７３１２０４５７０８８００００３", "angka"),  # full-width digits are not ASCII digits
        ("0012045708800003", "provinsi"),
        ("2012045708800003", "provinsi"),
        ("9912045708800003", "provinsi"),
        ("7300045708800003", "kabupaten"),
        ("7312005708800003", "kabupaten"),
        ("7312040013800003", "tanggal"),  # month 13
        ("7312040008800003", "tanggal"),  # day 0
        ("7312043208800003", "tanggal"),  # day 32
        ("7312047208800003", "tanggal"),  # day 72 - 40 = 32
        ("7312043002800003", "tanggal"),  # 30 February
        ("7312042902010003", "tanggal"),  # 29 Feb 1901 and 2001: no leap year
        ("7312045708800000", "urut"),
    ],
)
def test_invalid_nik(raw: str, fragment: str) -> None:
    with pytest.raises(NikInvalid) as caught:
        parse_nik(raw)
    assert caught.value.code == "NIK_INVALID"
    assert fragment in caught.value.errors[0].message
    assert caught.value.errors[0].field == "nik"


def test_leap_day_valid_in_one_century() -> None:
    nik = parse_nik("7312042902000003")  # 29 Feb 2000 exists, 1900 does not
    assert nik.birth_date_candidates() == [date(2000, 2, 29)]


def test_two_digit_year_takes_latest_century_not_in_future() -> None:
    assert parse_nik("7312041708090003").birth_date(TODAY) == date(2009, 8, 17)
    assert parse_nik("7312041708610003").birth_date(TODAY) == date(1961, 8, 17)
    assert parse_nik("7312041708270003").birth_date(TODAY) == date(1927, 8, 17)


def test_identity_defaults_from_nik() -> None:
    assert reconcile_identity(parse_nik("7312045708800003"), None, None, TODAY) == (date(1980, 8, 17), "F")


def test_given_birth_date_chooses_century() -> None:
    nik = parse_nik("7312041708250003")
    assert reconcile_identity(nik, date(1925, 8, 17), "M", TODAY) == (date(1925, 8, 17), "M")


@pytest.mark.parametrize(
    ("birth", "sex", "fields"),
    [
        (date(1980, 8, 18), None, ["birth_date"]),
        (date(1981, 8, 17), None, ["birth_date"]),
        (None, "M", ["sex"]),
        (date(1980, 7, 17), "M", ["birth_date", "sex"]),
    ],
)
def test_identity_mismatch(birth: date | None, sex: str | None, fields: list[str]) -> None:
    with pytest.raises(NikMismatch) as caught:
        reconcile_identity(parse_nik("7312045708800003"), birth, sex, TODAY)  # type: ignore[arg-type]
    assert caught.value.code == "NIK_MISMATCH"
    assert [e.field for e in caught.value.errors] == fields


def test_mask_shows_regency_and_serial_only() -> None:
    assert mask_nik("7312045708800003") == "7312********0003"


def test_lookup_hash_is_keyed() -> None:
    a = nik_lookup_hash("7312045708800003", b"key-one")
    assert a == nik_lookup_hash("7312045708800003", b"key-one")
    assert a != nik_lookup_hash("7312045708800003", b"key-two")
    assert "7312045708800003" not in a and len(a) == 64
