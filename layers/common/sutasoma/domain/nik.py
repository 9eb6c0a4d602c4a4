"""NIK (Nomor Induk Kependudukan), the 16-digit KTP number: `PP KK SS DDMMYY NNNN`.

province, regency, district of first issue, birth date (day + 40 for women), serial.
A NIK is for life: a farmer who moved to Soppeng keeps one issued elsewhere, so residence is
checked on the address, never on the NIK prefix. The NIK is personal data (UU 27/2022):
never log it; show it masked; look it up through a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sutasoma.domain.errors import FieldError, NikInvalid, NikMismatch
from sutasoma.domain.privacy import mask_nik

Sex = Literal["M", "F"]

# Kemendagri province codes, including the Papua provinces created in 2022.
# fmt: off
PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",  # Sumatra, Kepulauan Riau
    "31", "32", "33", "34", "35", "36",  # Java
    "51", "52", "53",  # Bali, Nusa Tenggara
    "61", "62", "63", "64", "65",  # Kalimantan
    "71", "72", "73", "74", "75", "76",  # Sulawesi
    "81", "82",  # Maluku
    "91", "92", "93", "94", "95", "96",  # Papua
})
# fmt: on
FEMALE_DAY_OFFSET = 40


def _invalid(message: str) -> NikInvalid:
    return NikInvalid("NIK tidak valid.", [FieldError("nik", message)])


@dataclass(frozen=True)
class Nik:
    """A NIK that passed the checks, with what it encodes."""

    value: str
    day: int
    month: int
    year_2d: int
    sex: Sex

    @property
    def province(self) -> str:
        return self.value[:2]

    def birth_date_candidates(self) -> list[date]:
        """Real dates the six birth digits can mean, latest century first."""
        found = []
        for century in (2000, 1900):
            try:
                found.append(date(century + self.year_2d, self.month, self.day))
            except ValueError:
                continue
        return found

    def birth_date(self, today: date) -> date:
        """The latest reading that is not in the future (NIK years have two digits)."""
        candidates = self.birth_date_candidates()
        for candidate in candidates:
            if candidate <= today:
                return candidate
        return candidates[-1]

    def masked(self) -> str:
        return mask_nik(self.value)


def parse_nik(raw: str) -> Nik:
    if len(raw) != 16:
        raise _invalid(f"NIK harus 16 digit, yang diberikan {len(raw)} karakter.")
    if not raw.isascii() or not raw.isdigit():
        raise _invalid("NIK hanya boleh berisi angka.")
    if raw[:2] not in PROVINCE_CODES:
        raise _invalid(f"Kode provinsi {raw[:2]} pada NIK tidak dikenal.")
    if raw[2:4] == "00" or raw[4:6] == "00":
        raise _invalid("Kode kabupaten/kota dan kecamatan pada NIK tidak boleh 00.")
    encoded_day, month, year_2d = int(raw[6:8]), int(raw[8:10]), int(raw[10:12])
    sex: Sex = "F" if encoded_day > FEMALE_DAY_OFFSET else "M"
    day = encoded_day - FEMALE_DAY_OFFSET if sex == "F" else encoded_day
    if raw[12:] == "0000":
        raise _invalid("Nomor urut pada NIK tidak boleh 0000.")
    nik = Nik(value=raw, day=day, month=month, year_2d=year_2d, sex=sex)
    if not nik.birth_date_candidates():
        raise _invalid("Tanggal lahir pada NIK bukan tanggal yang sah.")
    return nik


def reconcile_identity(nik: Nik, birth_date: date | None, sex: Sex | None, today: date) -> tuple[date, Sex]:
    """Birth date and sex of the farmer; those given must agree with the NIK."""
    errors: list[FieldError] = []
    if birth_date is not None and birth_date not in nik.birth_date_candidates():
        errors.append(FieldError("birth_date", "Tanggal lahir tidak sesuai dengan NIK."))
    if sex is not None and sex != nik.sex:
        errors.append(
            FieldError("sex", "Jenis kelamin tidak sesuai dengan NIK (tanggal lahir perempuan ditambah 40).")
        )
    if errors:
        raise NikMismatch("Data diri tidak sesuai dengan NIK.", errors)
    return (birth_date or nik.birth_date(today)), nik.sex


def nik_lookup_hash(value: str, key: bytes) -> str:
    """Keyed hash: equal NIKs meet in one item without the NIK being a key anywhere. Any text
    hashes (UTF-8, the same bytes as ASCII for a NIK): it may be taken before the NIK is checked,
    and a NIK of Arabic-Indic or full-width digits must come to NIK_INVALID, not a 500."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def compose_nik(district_code6: str, birth_date: date, sex: Sex, serial: int) -> str:
    """The NIK of a person (the inverse of `parse_nik`): `PP KK SS` of the district of first
    issue (`731204`), the birth date (day + 40 for women), the 4-digit serial (1-9999).

    For tools that need valid NIKs (the local stack's demo farmers, tests, benchmarks); the
    product never makes a NIK, it only reads them.
    """
    if len(district_code6) != 6 or not district_code6.isascii() or not district_code6.isdigit():
        raise ValueError(f"district code must be 6 digits (PPKKSS), not {district_code6!r}")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1-9999, not {serial}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "F" else 0)
    return f"{district_code6}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"
