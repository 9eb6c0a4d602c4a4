"""local.seed: demo users and demo farmers, checked against the domain's own rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from local.seed import DEMO_PASSWORD, WILAYAH_CSV, Wilayah, demo_farmers, demo_users, make_nik
from sutasoma.domain.nik import parse_nik, reconcile_identity
from sutasoma.domain.places import check_place

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    return Wilayah.load(REPO_ROOT / WILAYAH_CSV)


def test_wilayah_has_soppeng_8_kecamatan_and_70_villages(wilayah: Wilayah) -> None:
    assert [k.code for k in wilayah.kecamatan] == [f"73.12.{n:02d}" for n in range(1, 9)]
    assert [k.name for k in wilayah.kecamatan][:2] == ["Marioriwawo", "Liliriaja"]
    assert sum(len(v) for v in wilayah.villages.values()) == 70


def test_demo_users(wilayah: Wilayah) -> None:
    users = demo_users(wilayah)
    names = {u.username: u for u in users}
    assert len(users) == 17
    assert names["agen.lalabata"].role == "agent" and names["agen.lalabata"].kecamatan == "73.12.04"
    assert names["koordinator.donri-donri"].role == "coordinator"
    assert names["koordinator.donri-donri"].kecamatan == "73.12.06"
    assert names["admin"].role == "admin" and names["admin"].kecamatan is None
    assert {u.password for u in users} == {DEMO_PASSWORD}
    # The pool's policy: at least 10 characters with upper case, lower case and digits.
    assert len(DEMO_PASSWORD) >= 10
    assert any(c.isupper() for c in DEMO_PASSWORD) and any(c.islower() for c in DEMO_PASSWORD)
    assert any(c.isdigit() for c in DEMO_PASSWORD)


def test_nik_layout() -> None:
    assert make_nik("04", date(1980, 8, 17), "F", 3) == "7312045708800003"  # the contract's example
    assert make_nik("01", date(2001, 1, 2), "M", 1234) == "7312010201011234"


def test_demo_farmers_are_deterministic_and_valid(wilayah: Wilayah) -> None:
    farmers = demo_farmers(wilayah, today=TODAY)
    assert farmers == demo_farmers(wilayah, today=TODAY)  # same seed, same people
    assert len(farmers) == 24
    assert len({f.body["nik"] for f in farmers}) == 24
    assert len({f.idempotency_key for f in farmers}) == 24
    for farmer in farmers:
        body = farmer.body
        kecamatan = body["kecamatan_code"]
        assert farmer.agent == next(
            u.username for u in demo_users(wilayah) if u.role == "agent" and u.kecamatan == kecamatan
        )
        nik = parse_nik(body["nik"])  # the register function's own NIK rules
        birth = date.fromisoformat(body["birth_date"])
        assert reconcile_identity(nik, birth, body["sex"], TODAY) == (birth, body["sex"])
        assert body["nik"][4:6] == kecamatan[-2:]
        check_place(kecamatan, body["village_code"])  # the village is in that kecamatan
        age = TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))
        assert 17 <= age <= 65
        assert body["consent"] is True
        assert body["phone"].startswith("08") and body["phone"].isdigit()
    for code in (k.code for k in wilayah.kecamatan):
        assert sum(f.body["kecamatan_code"] == code for f in farmers) == 3
