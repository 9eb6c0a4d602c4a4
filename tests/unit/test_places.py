import pytest

from sutasoma.domain.errors import PlaceInvalid
from sutasoma.domain.places import check_place, kecamatan_codes, kecamatan_name, places

# DOMAIN.md: the 8 kecamatan of Kabupaten Soppeng and their number of villages.
EXPECTED = {
    "73.12.01": ("Marioriwawo", 13),
    "73.12.02": ("Liliriaja", 8),
    "73.12.03": ("Lilirilau", 12),
    "73.12.04": ("Lalabata", 10),
    "73.12.05": ("Marioriawa", 10),
    "73.12.06": ("Donri Donri", 9),
    "73.12.07": ("Ganra", 4),
    "73.12.08": ("Citta", 4),
}


def test_eight_kecamatan_with_their_villages() -> None:
    assert kecamatan_codes() == sorted(EXPECTED)
    for code, (name, count) in EXPECTED.items():
        assert kecamatan_name(code) == name
        assert len(places().kecamatan[code].villages) == count
    assert len(places().villages) == 70


def test_kelurahan_and_desa_by_code() -> None:
    assert places().villages["73.12.04.1001"].level == "kelurahan"
    assert places().villages["73.12.04.2008"].level == "desa"


def test_valid_place() -> None:
    assert check_place("73.12.04", "73.12.04.1001").name == "Lalabata Rilau"


@pytest.mark.parametrize(
    ("kecamatan", "village", "fields"),
    [
        ("73.12.02", "73.12.02.2004", ["village_code"]),  # a gap in the Kemendagri numbering
        ("73.12.04", "73.12.01.1001", ["village_code"]),  # village of Marioriwawo
        ("73.12.09", "73.12.04.1001", ["kecamatan_code"]),  # no ninth kecamatan
        ("73.71.01", "73.71.01.1001", ["kecamatan_code", "village_code"]),  # Makassar
        ("7312040", "7312040001", ["kecamatan_code", "village_code"]),  # BPS codes are another system
        ("", "", ["kecamatan_code", "village_code"]),
        ("73.12.04", "73.12.04", ["village_code"]),
    ],
)
def test_invalid_place(kecamatan: str, village: str, fields: list[str]) -> None:
    with pytest.raises(PlaceInvalid) as caught:
        check_place(kecamatan, village)
    assert caught.value.code == "PLACE_INVALID"
    assert [e.field for e in caught.value.errors] == fields
