"""One row of a member import, checked on its own and against what SUTASOMA holds (domain/
import_rows.py, domain/import_plan.py): every row error of the issue, each said in Bahasa
Indonesia with the column it is about."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.import_plan import (
    PlannedRow,
    RowAction,
    created_changes,
    imported_farmer,
    plan_row,
    updated_changes,
)
from sutasoma.domain.import_rows import (
    COLUMNS,
    AgentAccount,
    MemberRow,
    RowRules,
    check_row,
    header_map,
)
from sutasoma.domain.nik import compose_nik

TODAY = date(2026, 11, 20)
AGENTS = {
    "agen.lalabata": AgentAccount("agen.lalabata", "sub-1", "73.12.04"),
    "agen.citta": AgentAccount("agen.citta", "sub-2", "73.12.08"),
}
RULES = RowRules(TODAY, 17, 65, AGENTS)
NIK = compose_nik("731204", date(1980, 8, 17), "F", 3)
ADMIN = Caller("admin-sub", "admin", Role.ADMIN, None)


def cells(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "nik": NIK, "full_name": "Hasnah", "birth_date": "1980-08-17", "sex": "P", "phone": "081234567890",
        "kecamatan_code": "73.12.04", "village_code": "73.12.04.1001", "address": "Dusun Lalabata Rilau RT 01",
        "commodity": "Padi", "monthly_income": "1000000", "kpj_number": "11000000017",
        "registered_on": "2022-12-01", "paid_through": "2026-10", "agent": "agen.lalabata",
    }  # fmt: skip
    row.update(changes)
    return row


def errors_of(**changes: Any) -> list[str]:
    member, errors = check_row(2, cells(**changes), RULES)
    assert member is None
    return errors


def test_a_valid_row_becomes_a_member() -> None:
    member, errors = check_row(2, cells(), RULES)
    assert errors == []
    assert member is not None
    assert (member.sex, member.commodity, member.monthly_income) == ("F", "padi", 1_000_000)
    assert (member.agent, member.agent_sub, member.paid_through) == ("agen.lalabata", "sub-1", "2026-10")


def test_optional_cells_take_their_defaults() -> None:
    member, errors = check_row(2, cells(monthly_income="", paid_through=None, agent=""), RULES)
    assert errors == [] and member is not None
    assert (member.monthly_income, member.paid_through, member.agent) == (1_000_000, None, None)


def test_spreadsheet_cells_as_excel_gives_them() -> None:
    """Dates as dates, numbers as numbers: accepted where nothing is lost."""
    member, errors = check_row(
        2,
        cells(birth_date=datetime(1980, 8, 17), registered_on=date(2022, 12, 1), paid_through=datetime(2026, 10, 1),
              phone=81234567890, monthly_income=1500000.0, kpj_number=11000000017),
        RULES,
    )  # fmt: skip
    assert errors == [] and member is not None
    assert (member.phone, member.monthly_income, member.paid_through) == (
        "081234567890",
        1_500_000,
        "2026-10",
    )


@pytest.mark.parametrize(
    ("written", "income"),
    [
        ("1500000", 1_500_000), ("1.500.000", 1_500_000), ("1,500,000", 1_500_000), ("Rp 1.500.000", 1_500_000),
        ("Rp. 2.500.000", 2_500_000), ("1 500 000", 1_500_000), ("1500000.0", 1_500_000),
        ("1500000,00", 1_500_000), ("1.500.000,00", 1_500_000), ("1,500,000.00", 1_500_000),
        ("15000000.0", 15_000_000), (1500000.0, 1_500_000), (2_000_000, 2_000_000),
    ],
)  # fmt: skip
def test_income_is_read_as_written_never_scaled(written: Any, income: int) -> None:
    """Separators and a zero decimal part as spreadsheets write them; a decimal part never
    becomes more zeros (1500000.0 was read as 15,000,000)."""
    member, errors = check_row(2, cells(monthly_income=written), RULES)
    assert errors == [] and member is not None and member.monthly_income == income


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"nik": "731204570880000"}, "NIK: NIK harus 16 digit"),
        ({"nik": "73120457088000AB"}, "NIK: NIK hanya boleh berisi angka"),
        ({"nik": "9912045708800003"}, "NIK: Kode provinsi 99"),
        ({"nik": "7312043208800003"}, "NIK: Tanggal lahir pada NIK bukan tanggal yang sah"),
        ({"nik": "7312045708800000"}, "NIK: Nomor urut pada NIK tidak boleh 0000"),
        ({"nik": 7312045708800003}, "NIK: ditulis sebagai angka"),
        ({"birth_date": "1980-08-18"}, "Tanggal Lahir: Tanggal lahir tidak sesuai dengan NIK"),
        ({"birth_date": "17/08/1980"}, "Tanggal Lahir: harus tanggal berformat YYYY-MM-DD"),
        ({"sex": "L"}, "Jenis Kelamin: Jenis kelamin tidak sesuai dengan NIK"),
        ({"sex": "W"}, "Jenis Kelamin: harus L atau P"),
        ({"full_name": "H"}, "Nama: harus 2-100 karakter"),
        ({"full_name": "Has\u200bnah"}, "Nama: berisi karakter kontrol atau tak terlihat"),
        ({"address": "Dusun\u202e 1"}, "Alamat: berisi karakter kontrol atau tak terlihat"),
        ({"phone": "12345"}, "No HP: tidak valid"),
        (
            {"kecamatan_code": "73.12.09"},
            "Kode Kecamatan: Kode kecamatan '73.12.09' tidak ada di Kabupaten Soppeng",
        ),
        ({"kecamatan_code": "7312040"}, "Kode Kecamatan: Kode kecamatan '7312040' tidak ada"),  # BPS code
        ({"village_code": "73.12.02.2004"}, "Kode Desa: Kode desa/kelurahan '73.12.02.2004' tidak ada"),
        ({"village_code": "73.12.08.2001"}, "Kode Desa: Desa/kelurahan"),  # a village of Citta
        ({"monthly_income": "900000"}, "Penghasilan: minimal 1.000.000"),
        ({"monthly_income": "1000500"}, "Penghasilan: minimal 1.000.000 dan dalam ribuan"),
        ({"monthly_income": "satu juta"}, "Penghasilan: harus angka rupiah bulat"),
        ({"monthly_income": "1500000.5"}, "Penghasilan: harus angka rupiah bulat"),  # sen
        ({"monthly_income": "1.500.000,50"}, "Penghasilan: harus angka rupiah bulat"),
        ({"monthly_income": "1.500,000"}, "Penghasilan: minimal 1.000.000"),  # 1.500 with decimals
        ({"monthly_income": 1500000.5}, "Penghasilan: harus angka rupiah bulat"),  # a number cell
        ({"monthly_income": "1.000.00"}, "Penghasilan: harus angka rupiah bulat"),
        ({"kpj_number": "1100000001"}, "Nomor KPJ: harus 11 digit"),
        ({"kpj_number": "KPJ-1234567"}, "Nomor KPJ: harus 11 digit"),
        ({"registered_on": "2026-11-21"}, "Tanggal Terdaftar: tidak boleh di masa depan"),
        ({"registered_on": "2015-06-30"}, "Tanggal Terdaftar: sebelum 2015-07-01"),
        ({"registered_on": "2022-13-01"}, "Tanggal Terdaftar: harus tanggal berformat YYYY-MM-DD"),
        ({"paid_through": "2026/10"}, "Iuran Terbayar s.d.: harus bulan berformat YYYY-MM"),
        ({"paid_through": "2027-11"}, "Iuran Terbayar s.d.: paling jauh 2027-10"),
        ({"paid_through": "2022-11"}, "Iuran Terbayar s.d.: sebelum bulan terdaftar"),
        ({"agent": "agen.entah"}, "Username Agen: tidak dikenal di SUTASOMA"),
        ({"agent": "agen.citta"}, "Username Agen: agen.citta bertugas di kecamatan lain (73.12.08)"),
        ({"nik": ""}, "NIK: wajib diisi"),
        ({"kpj_number": None}, "Nomor KPJ: wajib diisi"),
        ({"registered_on": " "}, "Tanggal Terdaftar: wajib diisi"),
    ],
)
def test_every_fault_of_a_row_is_said(changes: dict[str, Any], expected: str) -> None:
    assert any(e.startswith(expected) for e in errors_of(**changes)), errors_of(**changes)


def test_age_is_taken_on_the_registration_date() -> None:
    young = compose_nik("731204", date(2006, 1, 5), "M", 7)
    too_young = errors_of(nik=young, birth_date="2006-01-05", sex="L", registered_on="2022-12-01")
    assert (
        "Tanggal Lahir: usia pada tanggal terdaftar 16 tahun; yang dapat didaftarkan 17-65 tahun" in too_young
    )
    old = compose_nik("731204", date(1950, 3, 1), "M", 8)
    assert any(
        "usia pada tanggal terdaftar 72 tahun" in e
        for e in errors_of(nik=old, birth_date="1950-03-01", sex="L")
    )
    # 64 at registration, 68 today: an existing member, imported as such.
    member, errors = check_row(2, cells(nik=compose_nik("731204", date(1958, 6, 1), "M", 9), birth_date="1958-06-01",
                                        sex="L", registered_on="2022-12-01"), RULES)  # fmt: skip
    assert errors == [] and member is not None


def test_several_faults_are_all_said() -> None:
    errors = errors_of(phone="x", kpj_number="1", nik="")
    assert {e.split(":")[0] for e in errors} == {"NIK", "No HP", "Nomor KPJ"}


def test_headers_any_order_any_case() -> None:
    headers = [c.header.upper() for c in reversed(COLUMNS)] + ["Catatan"]
    found, missing = header_map(headers)
    assert missing == [] and found["nik"] == len(COLUMNS) - 1
    found, missing = header_map(["nik", " nama ", "Nomor  KPJ"])
    assert "Tanggal Terdaftar" in missing and found["kpj_number"] == 2
    # Columns whose cells may be empty are still part of the header row: a misspelt one is missing,
    # not an extra column (every member's cover was lost without a word).
    misspelt = [c.header for c in COLUMNS if c.field != "paid_through"] + ["Iuran Terbayar sd"]
    assert header_map(misspelt)[1] == ["Iuran Terbayar s.d."]
    assert header_map([c.header for c in COLUMNS if not c.required])[1] == [
        c.header for c in COLUMNS if c.required
    ]


# ------------------------------------------------------------------ against what SUTASOMA holds


def member(**changes: Any) -> MemberRow:
    found, errors = check_row(2, cells(**changes), RULES)
    assert found is not None, errors
    return found


def ids() -> Any:
    counter = iter(range(1000))
    return lambda: f"01M9000000000000000000{next(counter):04d}"


def existing(**changes: Any) -> FarmerRecord:
    planned = PlannedRow(member=member(), action=RowAction.CREATE, farmer_id="01M90000000000000000000001",
                         nik_hash="h", lookup_op_id="01M90000000000000000000002")  # fmt: skip
    return imported_farmer(planned, "01M9IMPORT0000000000000001", ADMIN, "2026-11-01T00:00:00Z").but(
        **changes
    )


def test_a_new_nik_and_kpj_is_created() -> None:
    plan = plan_row(member(), "h", None, None, ids())
    assert isinstance(plan, PlannedRow) and plan.action is RowAction.CREATE and plan.lookup_op_id


def test_a_kpj_of_another_farmer_is_refused() -> None:
    assert (
        plan_row(member(), "h", None, "01OTHER", ids()) == "Nomor KPJ sudah dipakai petani lain di SUTASOMA."
    )


def test_the_same_nik_and_kpj_again_is_unchanged_or_updated() -> None:
    farmer = existing()
    same = plan_row(member(), "h", farmer, farmer.farmer_id, ids())
    assert isinstance(same, PlannedRow) and same.action is RowAction.UNCHANGED
    later = plan_row(
        member(paid_through="2026-12", phone="081299990000"), "h", farmer, farmer.farmer_id, ids()
    )
    assert isinstance(later, PlannedRow) and later.action is RowAction.UPDATE
    # An earlier paid-through than SUTASOMA's (payments made since) changes nothing.
    assert plan_row(member(paid_through="2026-01"), "h", farmer, None, ids()).action is RowAction.UNCHANGED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("farmer_changes", "row_changes", "expected"),
    [
        ({"kpj_number": "11000000099"}, {}, "NIK sudah terdaftar di SUTASOMA dengan nomor KPJ lain"),
        ({"kpj_number": None}, {}, "NIK sudah terdaftar di SUTASOMA dan belum memiliki nomor KPJ"),
        (
            {"deceased_on": date(2025, 1, 2)},
            {},
            "Kepesertaan petani dengan NIK ini di SUTASOMA sudah berakhir",
        ),
        ({"full_name": "Hasnah Binti Ali"}, {}, "Nama berbeda dengan data SUTASOMA"),
        (
            {},
            {"kecamatan_code": "73.12.08", "village_code": "73.12.08.2001", "agent": ""},
            "Kode Kecamatan berbeda",
        ),
    ],
)
def test_a_registered_nik_is_never_merged(
    farmer_changes: dict[str, Any], row_changes: dict[str, Any], expected: str
) -> None:
    refusal = plan_row(member(**row_changes), "h", existing(**farmer_changes), None, ids())
    assert isinstance(refusal, str) and refusal.startswith(expected), refusal


def test_the_created_farmer_and_its_counts() -> None:
    planned = PlannedRow(member=member(), action=RowAction.CREATE, farmer_id="01M90000000000000000000001",
                         nik_hash="h", lookup_op_id="01M90000000000000000000002")  # fmt: skip
    changes = created_changes(planned, "01M9IMPORT0000000000000001", ADMIN, "2026-11-20T01:00:00Z")
    farmer = changes.writes[0].record  # type: ignore[union-attr]
    assert farmer.registration_status.value == "CONFIRMED" and farmer.kpj_number == "11000000017"
    assert (farmer.coverage_start, farmer.paid_through, farmer.registered_by) == (
        "2022-12",
        "2026-10",
        "agen.lalabata",
    )
    assert farmer.registered_at == "2022-11-30T16:00:00Z"  # 1 December 00:00 WITA
    assert farmer.imported.bpjs_check == "PENDING"
    [coverage] = farmer.import_coverage  # the months paid at BPJS, at the row's income
    assert (coverage.first_period, coverage.last_period, coverage.income) == (
        "2022-12",
        "2026-10",
        farmer.monthly_income,
    )
    counted = {(type(c).__name__, c.period) for c in changes.counts}
    assert counted == {("PopulationDelta", "2022-12"), ("CounterIncrement", "2022-12")}
    assert changes.outbox[0].op_type.value == "PARTICIPANT_LOOKUP" and changes.outbox[0].sent_at
    assert changes.audit[0].action.value == "FARMER_IMPORTED" and changes.audit[0].detail["row"] == "2"


def test_an_update_moves_paid_through_and_records_the_imported_months() -> None:
    farmer = existing(paid_through="2026-08")
    planned = PlannedRow(member=member(paid_through="2026-12"), action=RowAction.UPDATE, farmer_id=farmer.farmer_id,
                         nik_hash="h", update_op_id="01M90000000000000000000003")  # fmt: skip
    changes = updated_changes(
        planned, farmer, "01M9IMPORT0000000000000002", ADMIN, "2026-11-20T01:00:00Z", "2026-11"
    )
    assert changes is not None
    after = changes.writes[0].after  # type: ignore[union-attr]
    assert after.paid_through == "2026-12" and after.import_coverage[-1].first_period == "2026-09"
    assert after.import_coverage[-1].income == after.monthly_income
    assert changes.outbox == ()  # paid-through is not a participant field: nothing for BPJS
    assert updated_changes(planned, after, "x", ADMIN, "2026-11-20T01:00:00Z", "2026-11") is None
