"""The places of Kabupaten Soppeng (Kemendagri codes, Kepmendagri 300.2.2-2138/2025).

The list ships as data (`data/soppeng_wilayah.csv`). Codes have gaps, so a code is valid only
if it is in the list: never validate by pattern. BPS statistical codes are a different system
and are never accepted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sutasoma.domain.errors import FieldError, PlaceInvalid

REGENCY_CODE = "73.12"
REGENCY_NAME = "Kabupaten Soppeng"


@dataclass(frozen=True)
class Village:
    """A desa or kelurahan of Soppeng."""

    code: str
    name: str
    level: str  # "kelurahan" | "desa"
    kecamatan_code: str


@dataclass(frozen=True)
class Kecamatan:
    """A kecamatan of Soppeng (one BPP) and its villages."""

    code: str
    name: str
    villages: tuple[Village, ...]


@dataclass(frozen=True)
class Places:
    """Soppeng's kecamatan and villages, by code."""

    kecamatan: dict[str, Kecamatan]
    villages: dict[str, Village]


DATA = Path(__file__).with_name("data") / "soppeng_wilayah.csv"


@lru_cache(maxsize=1)
def places() -> Places:
    """Read on first use (csv and the file: not at every cold start, only where a place is checked)."""
    import csv

    rows = list(csv.DictReader(DATA.read_text(encoding="utf-8").splitlines()))
    villages = [
        Village(code=r["code"], name=r["name"], level=r["level"], kecamatan_code=r["code"][:8])
        for r in rows
        if r["level"] in ("kelurahan", "desa")
    ]
    kecamatan = {
        r["code"]: Kecamatan(
            code=r["code"],
            name=r["name"],
            villages=tuple(v for v in villages if v.kecamatan_code == r["code"]),
        )
        for r in rows
        if r["level"] == "kecamatan"
    }
    return Places(kecamatan=kecamatan, villages={v.code: v for v in villages})


def kecamatan_codes() -> list[str]:
    return sorted(places().kecamatan)


def kecamatan_name(code: str) -> str:
    return places().kecamatan[code].name


def is_kecamatan(code: str) -> bool:
    return code in places().kecamatan


def check_place(kecamatan_code: str, village_code: str) -> Village:
    """The village, if both codes are Soppeng's and the village lies in that kecamatan."""
    known = places()
    errors: list[FieldError] = []
    if kecamatan_code not in known.kecamatan:
        errors.append(
            FieldError("kecamatan_code", f"Kode kecamatan '{kecamatan_code}' tidak ada di Kabupaten Soppeng.")
        )
    village = known.villages.get(village_code)
    if village is None:
        errors.append(
            FieldError(
                "village_code", f"Kode desa/kelurahan '{village_code}' tidak ada di Kabupaten Soppeng."
            )
        )
    elif not errors and village.kecamatan_code != kecamatan_code:
        errors.append(
            FieldError(
                "village_code",
                f"Desa/kelurahan {village.name} berada di Kecamatan "
                f"{known.kecamatan[village.kecamatan_code].name}, bukan di kecamatan yang dipilih.",
            )
        )
    if errors or village is None:
        raise PlaceInvalid("Alamat harus berada di Kabupaten Soppeng.", errors)
    return village
