"""One row of a member import file, checked on its own (docs/imports.md "What is checked").

The file's columns (CONTRACT "Imports and exports"), what each means in Bahasa Indonesia (the
template workbook's second sheet), and `check_row`: the cells of a row → a `MemberRow` or the
list of what is wrong, each message in Bahasa Indonesia. What needs the table (NIK already
registered, KPJ already used) and the file as a whole (duplicates) is decided elsewhere
(domain/import_plan.py, app/import_validation.py). Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sutasoma.domain.clock import period_of
from sutasoma.domain.coverage import MAX_MONTHS_AHEAD
from sutasoma.domain.errors import DomainError
from sutasoma.domain.farmer import Sex, age_on
from sutasoma.domain.nik import parse_nik, reconcile_identity
from sutasoma.domain.periods import add_months, months_between
from sutasoma.domain.places import check_place
from sutasoma.domain.records import Record
from sutasoma.domain.tariff import BASE_TARIFFS, MIN_REPORTED_INCOME


@dataclass(frozen=True)
class Column:
    """One column of the member file, as the template explains it."""

    header: str  # as in the file (matched case-insensitively, any order)
    field: str
    required: bool  # the cell: the header is always required
    explanation: str  # the template's second sheet
    example: str


# fmt: off
COLUMNS: tuple[Column, ...] = (
    Column("NIK", "nik", True, "Nomor Induk Kependudukan, 16 digit sesuai KTP. Tulis sebagai teks: Excel "
           "membulatkan angka 16 digit.", "7312045708800003"),
    Column("Nama", "full_name", True, "Nama lengkap sesuai KTP (2-100 karakter).", "Hasnah"),
    Column("Tanggal Lahir", "birth_date", True, "Tanggal lahir, format YYYY-MM-DD. Harus sesuai NIK.",
           "1980-08-17"),
    Column("Jenis Kelamin", "sex", True, "L (laki-laki) atau P (perempuan). Harus sesuai NIK (tanggal "
           "lahir perempuan pada NIK ditambah 40).", "P"),
    Column("No HP", "phone", True, "Nomor HP petani, contoh 081234567890.", "081234567890"),
    Column("Kode Kecamatan", "kecamatan_code", True, "Kode Kemendagri kecamatan di Kabupaten Soppeng, "
           "contoh 73.12.04 (Lalabata).", "73.12.04"),
    Column("Kode Desa", "village_code", True, "Kode Kemendagri desa/kelurahan di kecamatan tersebut, "
           "contoh 73.12.04.1001.", "73.12.04.1001"),
    Column("Alamat", "address", True, "Alamat tempat tinggal (dusun, RT/RW), 3-200 karakter.",
           "Dusun Lalabata Rilau RT 01"),
    Column("Komoditas", "commodity", True, "Komoditas utama, contoh padi, jagung, kakao.", "padi"),
    Column("Penghasilan", "monthly_income", False, "Penghasilan per bulan yang dilaporkan ke BPJS, rupiah "
           "bulat ribuan, minimal 1.000.000. Kosong = 1.000.000.", "1000000"),
    Column("Nomor KPJ", "kpj_number", True, "Nomor Kartu Peserta Jamsostek dari BPJS Ketenagakerjaan, "
           "11 digit.", "11000000017"),
    Column("Tanggal Terdaftar", "registered_on", True, "Tanggal petani terdaftar sebagai peserta BPJS "
           "Ketenagakerjaan, format YYYY-MM-DD. Usia petani pada tanggal ini harus sesuai ketentuan.",
           "2022-12-01"),
    Column("Iuran Terbayar s.d.", "paid_through", False, "Bulan terakhir iuran lunas, format YYYY-MM. "
           "Kosong = belum pernah membayar. Tidak boleh sebelum bulan terdaftar, paling jauh 11 bulan "
           "setelah bulan ini.", "2026-03"),
    Column("Username Agen", "agent", False, "Username SUTASOMA penyuluh yang mendampingi petani, dari "
           "kecamatan yang sama. Boleh kosong.", "agen.lalabata"),
)
# fmt: on
HEADERS = {column.header.casefold(): column for column in COLUMNS}
FIRST_REGISTRATION = date.fromisoformat(BASE_TARIFFS[0].valid_from + "-01")  # BPU contributions begin
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE = re.compile(r"^(\+62|62|0)8[0-9]{7,12}$")
_KPJ = re.compile(r"^\d{11}$")
_SEXES: dict[str, Sex] = {"L": "M", "P": "F"}


@dataclass(frozen=True)
class AgentAccount:
    """A SUTASOMA user who may look after farmers (an agent or a coordinator) and their kecamatan."""

    username: str
    sub: str
    kecamatan: str


@dataclass(frozen=True)
class RowRules:
    """What a row of a member file is checked against."""

    today: date  # WITA
    age_low: int
    age_high: int
    agents: Mapping[str, AgentAccount]  # casefolded username -> account


class MemberRow(Record):
    """A row whose cells are each valid: an existing BPJS participant."""

    row: int  # the row number in the file (the header is row 1)
    nik: str
    full_name: str
    birth_date: date
    sex: Sex
    phone: str
    kecamatan_code: str
    village_code: str
    address: str
    commodity: str
    monthly_income: int
    kpj_number: str
    registered_on: date
    paid_through: str | None = None
    agent: str | None = None
    agent_sub: str | None = None


class RowError(Exception):
    """One thing wrong with one cell, in Bahasa Indonesia."""


def header_map(headers: list[Any]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index of a header row, and the headers missing from it: every column of
    the contract's header row, those whose cells may be empty too (a misspelt "Iuran Terbayar
    s.d." would otherwise be an extra column, and every member's cover lost without a word)."""
    found: dict[str, int] = {}
    for index, raw in enumerate(headers):
        column = HEADERS.get(" ".join(text_of(raw).split()).casefold())
        if column is not None and column.field not in found:
            found[column.field] = index
    missing = [c.header for c in COLUMNS if c.field not in found]
    return found, missing


def text_of(value: Any) -> str:
    """A cell as text: numbers without a decimal part, dates in ISO form, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _no_hidden_characters(text: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise RowError("berisi karakter kontrol atau tak terlihat")
    return text


def _text(min_length: int, max_length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = " ".join(_no_hidden_characters(text_of(value)).split())
        if not min_length <= len(text) <= max_length:
            raise RowError(f"harus {min_length}-{max_length} karakter")
        return text

    return check


def _nik(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise RowError("ditulis sebagai angka; tulis NIK sebagai teks (Excel membulatkan angka 16 digit)")
    text = text_of(value)
    try:
        parse_nik(text)
    except DomainError as invalid:
        raise RowError(invalid.errors[0].message if invalid.errors else invalid.detail) from None
    return text


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = text_of(value)
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise RowError("harus tanggal berformat YYYY-MM-DD") from None


def _period(value: Any) -> str | None:
    if isinstance(value, datetime):
        return period_of(value.date())
    if isinstance(value, date):
        return period_of(value)
    text = text_of(value)
    if not text:
        return None
    if not _PERIOD.match(text):
        raise RowError("harus bulan berformat YYYY-MM")
    return text


def _sex(value: Any) -> Sex:
    found = _SEXES.get(text_of(value).upper())
    if found is None:
        raise RowError("harus L atau P")
    return found


def _phone(value: Any) -> str:
    text = text_of(value).replace(" ", "").replace("-", "")
    if isinstance(value, int | float) and text.startswith("8"):
        text = "0" + text  # a number cell lost the leading zero
    if not _PHONE.match(text):
        raise RowError("tidak valid (contoh 081234567890)")
    return text


# Rupiah as spreadsheets write it: 1500000, 1.500.000 or 1,500,000 (thousands grouped), each
# optionally with a zero decimal part (1500000.0, 1.500.000,00, 1,500,000.00). Anything else is
# refused, never guessed: dropping every separator read "1500000.0" as 15,000,000.
_RUPIAH = re.compile(
    r"(?P<plain>\d+)(?:[.,]0+)?|(?P<dots>\d{1,3}(?:\.\d{3})+)(?:,0+)?|(?P<commas>\d{1,3}(?:,\d{3})+)(?:\.0+)?"
)


def _income(value: Any) -> int:
    text = text_of(value).upper().removeprefix("RP").removeprefix(".").strip().replace("\u00a0", " ")
    if not text:
        return MIN_REPORTED_INCOME
    match = (
        _RUPIAH.fullmatch(text.replace(" ", "")) if re.fullmatch(r"[\d.,]+|\d{1,3}( \d{3})+", text) else None
    )
    if match is None:
        raise RowError("harus angka rupiah bulat (contoh 1500000 atau 1.500.000, tanpa sen)")
    digits = next(group for group in match.groups() if group is not None).replace(".", "").replace(",", "")
    if len(digits) > 10:
        raise RowError("harus angka rupiah bulat (contoh 1500000 atau 1.500.000, tanpa sen)")
    amount = int(digits)
    if amount < MIN_REPORTED_INCOME or amount % 1000:
        raise RowError("minimal 1.000.000 dan dalam ribuan rupiah bulat")
    return amount


def _kpj(value: Any) -> str:
    text = text_of(value)
    if not _KPJ.match(text):
        raise RowError(
            "harus 11 digit" + (" (ditulis sebagai angka? tulis sebagai teks)" if text.isdigit() else "")
        )
    return text


def _code(value: Any) -> str:
    return _no_hidden_characters(text_of(value))


CHECKS: dict[str, Callable[[Any], Any]] = {
    "nik": _nik, "full_name": _text(2, 100), "birth_date": _date, "sex": _sex, "phone": _phone,
    "kecamatan_code": _code, "village_code": _code, "address": _text(3, 200),
    "commodity": lambda v: _text(2, 50)(v).lower(), "monthly_income": _income, "kpj_number": _kpj,
    "registered_on": _date, "paid_through": _period, "agent": lambda v: _no_hidden_characters(text_of(v)),
}  # fmt: skip


def cells_of(values: list[Any], columns: Mapping[str, int]) -> dict[str, Any]:
    return {name: values[index] if index < len(values) else None for name, index in columns.items()}


def check_row(row: int, cells: Mapping[str, Any], rules: RowRules) -> tuple[MemberRow | None, list[str]]:
    """The row as a member, or every fault found in it (column name: what is wrong)."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for column in COLUMNS:
        raw = cells.get(column.field)
        if text_of(raw) == "":
            if column.required:
                errors.append(f"{column.header}: wajib diisi")
            elif column.field == "monthly_income":
                values["monthly_income"] = MIN_REPORTED_INCOME  # empty = the minimum (CONTRACT)
            continue
        try:
            values[column.field] = CHECKS[column.field](raw)
        except RowError as fault:
            errors.append(f"{column.header}: {fault}")
    if not errors:
        errors.extend(_agreement(values, rules))
    if errors:
        return None, errors
    agent = rules.agents.get(values["agent"].casefold()) if values.get("agent") else None
    values["agent"], values["agent_sub"] = (agent.username, agent.sub) if agent else (None, None)
    return MemberRow(row=row, **values), []


def _agreement(values: dict[str, Any], rules: RowRules) -> list[str]:
    """What is wrong between cells: NIK and identity, place, dates, age, agent."""
    errors: list[str] = []
    try:
        reconcile_identity(parse_nik(values["nik"]), values["birth_date"], values["sex"], rules.today)
    except DomainError as mismatch:
        errors.extend(f"{_header(e.field)}: {e.message.rstrip('.')}" for e in mismatch.errors)
    try:
        check_place(values["kecamatan_code"], values["village_code"])
    except DomainError as wrong:
        errors.extend(f"{_header(e.field)}: {e.message.rstrip('.')}" for e in wrong.errors)
    errors.extend(_date_faults(values, rules))
    agent_name = values.get("agent")
    if agent_name:
        agent = rules.agents.get(agent_name.casefold())
        if agent is None:
            errors.append("Username Agen: tidak dikenal di SUTASOMA")
        elif agent.kecamatan != values["kecamatan_code"]:
            errors.append(f"Username Agen: {agent.username} bertugas di kecamatan lain ({agent.kecamatan})")
    return errors


def _date_faults(values: dict[str, Any], rules: RowRules) -> list[str]:
    registered: date = values["registered_on"]
    errors: list[str] = []
    if registered > rules.today:
        errors.append("Tanggal Terdaftar: tidak boleh di masa depan")
    elif registered < FIRST_REGISTRATION:
        errors.append(f"Tanggal Terdaftar: sebelum {FIRST_REGISTRATION.isoformat()} (awal iuran peserta BPU)")
    age = age_on(values["birth_date"], registered)
    if not rules.age_low <= age <= rules.age_high:
        errors.append(
            f"Tanggal Lahir: usia pada tanggal terdaftar {age} tahun; yang dapat didaftarkan "
            f"{rules.age_low}-{rules.age_high} tahun"
        )
    paid_through = values.get("paid_through")
    if paid_through is not None:
        latest = add_months(period_of(rules.today), MAX_MONTHS_AHEAD)
        if months_between(paid_through, latest) < 0:
            errors.append(f"Iuran Terbayar s.d.: paling jauh {latest} (bulan ini + {MAX_MONTHS_AHEAD})")
        elif months_between(period_of(registered), paid_through) < 0:
            errors.append("Iuran Terbayar s.d.: sebelum bulan terdaftar")
    return errors


def _header(field: str) -> str:
    names = {"birth_date": "Tanggal Lahir", "sex": "Jenis Kelamin", "kecamatan_code": "Kode Kecamatan",
             "village_code": "Kode Desa", "nik": "NIK"}  # fmt: skip
    return names.get(field, field)
