"""local.seed: demo users and demo farmers, checked against the domain's own rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from local.seed.farmers import demo_farmers
from local.seed.users import DEMO_PASSWORD, demo_users, soppeng_kecamatan
from sutasoma.domain.nik import parse_nik, reconcile_identity
from sutasoma.domain.places import Kecamatan, check_place

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def wilayah() -> Sequence[Kecamatan]:
    return soppeng_kecamatan()


def test_wilayah_has_soppeng_8_kecamatan_and_70_villages(wilayah: Sequence[Kecamatan]) -> None:
    assert [k.code for k in wilayah] == [f"73.12.{n:02d}" for n in range(1, 9)]
    assert [k.name for k in wilayah][:2] == ["Marioriwawo", "Liliriaja"]
    assert sum(len(k.villages) for k in wilayah) == 70


def test_demo_users(wilayah: Sequence[Kecamatan]) -> None:
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


def test_demo_farmers_are_deterministic_and_valid(wilayah: Sequence[Kecamatan]) -> None:
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
    for code in (k.code for k in wilayah):
        assert sum(f.body["kecamatan_code"] == code for f in farmers) == 3
