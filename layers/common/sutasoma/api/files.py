"""Files the imports function answers with: the import template workbook, and the farmer list
(`GET /farmers/export`) as XLSX or CSV. Text cells are never formulas: the report files'
neutralising is reused (reports/render/csv.py csv_text, reports/render/xlsx_cells.py write_cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.farmer import registered_on
from sutasoma.domain.import_rows import COLUMNS
from sutasoma.domain.imports import CONTENT_TYPES
from sutasoma.domain.places import places
from sutasoma.domain.privacy import mask_phone
from sutasoma.domain.tariff import contribution_for
from sutasoma.reports.render.csv import csv_text

if TYPE_CHECKING:  # annotations only: the export's use case is loaded by its route (wiring)
    from sutasoma.app.exports import Export
    from sutasoma.domain.farmer import FarmerRecord

EXPORT_COLUMNS = (
    ("ID Petani", 28), ("NIK", 18), ("Nama", 24), ("Jenis Kelamin", 8), ("Tanggal Lahir", 12), ("No HP", 15),
    ("Kode Kecamatan", 10), ("Kecamatan", 14), ("Kode Desa", 14), ("Desa/Kelurahan", 18), ("Alamat", 30),
    ("Komoditas", 12), ("Penghasilan", 12), ("Iuran Bulan Ini", 10), ("Status Pendaftaran", 12),
    ("Nomor KPJ", 13), ("Status Kepesertaan", 14), ("Iuran Terbayar s.d.", 10), ("Meninggal Dunia", 12),
    ("Tanggal Terdaftar", 12), ("Didaftarkan Oleh", 18), ("Cek BPJS (impor)", 14),
)  # fmt: skip
SEX_LETTER = {"M": "L", "F": "P"}
TEXT_FORMAT = "@"  # typed digits stay text (a 16-digit NIK typed as a number loses its last digit)


def _workbook(out: io.BytesIO) -> Any:
    import xlsxwriter  # type: ignore[import-untyped]

    from sutasoma.reports.render.xlsx_cells import WORKBOOK_OPTIONS

    return xlsxwriter.Workbook(out, {"in_memory": True, **WORKBOOK_OPTIONS})


def template_workbook() -> bytes:
    """The sheet to fill ("Anggota": the header row, one example row, digits as text) and what
    each column means ("Petunjuk"), in Bahasa Indonesia."""
    from sutasoma.reports.render.xlsx_cells import write_cell

    out = io.BytesIO()
    workbook = _workbook(out)
    bold = workbook.add_format({"bold": True, "bg_color": "#243B53", "font_color": "#FFFFFF", "border": 1})
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    sheet = workbook.add_worksheet("Anggota")
    for col, column in enumerate(COLUMNS):
        sheet.set_column(col, col, max(14, len(column.header) + 4), text)
        write_cell(sheet, 0, col, column.header, bold)
        write_cell(sheet, 1, col, column.example, text)
    sheet.freeze_panes(1, 0)
    guide = workbook.add_worksheet("Petunjuk")
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 80, wrap)
    guide.set_column(3, 3, 22)
    for col, title in enumerate(("Kolom", "Wajib", "Penjelasan", "Contoh")):
        write_cell(guide, 0, col, title, bold)
    for row, column in enumerate(COLUMNS, 1):
        for col, value in enumerate((column.header, "wajib" if column.required else "boleh kosong",
                                     column.explanation, column.example)):  # fmt: skip
            write_cell(guide, row, col, value, wrap)
    notes = (
        "Satu baris untuk setiap peserta BPJS Ketenagakerjaan yang sudah terdaftar. Urutan kolom bebas; "
        "judul kolom harus sama (huruf besar/kecil tidak berpengaruh).",
        "CSV: pisahkan kolom dengan koma dan simpan sebagai UTF-8. Batas ukuran berkas 20 MB.",
        "Baris yang salah tidak diimpor; hasil pemeriksaan menjelaskan setiap baris yang ditolak.",
    )
    for offset, note in enumerate(notes):
        write_cell(guide, len(COLUMNS) + 2 + offset, 0, note)
    workbook.close()
    return out.getvalue()


def _row(farmer: FarmerRecord, export: Export, today: date) -> list[Any]:
    known = places()
    village = known.villages.get(farmer.village_code)
    coverage = farmer.coverage(today)
    check = farmer.imported.bpjs_check if farmer.imported else ""
    return [
        farmer.farmer_id, farmer.nik if export.view.nik_whole else farmer.nik_masked, farmer.full_name,
        SEX_LETTER[farmer.sex], farmer.birth_date.isoformat(),
        farmer.phone if export.view.phone_whole else mask_phone(farmer.phone), farmer.kecamatan_code,
        known.kecamatan[farmer.kecamatan_code].name, farmer.village_code, village.name if village else "",
        farmer.address, farmer.commodity, farmer.monthly_income,
        contribution_for(period_of(today), farmer.monthly_income).amount, farmer.registration_status.value,
        farmer.kpj_number or "", coverage.state.value, farmer.paid_through or "",
        farmer.deceased_on.isoformat() if farmer.deceased_on else "", registered_on(farmer).isoformat(),
        farmer.registered_by, check,
    ]  # fmt: skip


def _rows(export: Export, today: date) -> Iterator[list[Any]]:
    for farmer in export.farmers:
        yield _row(farmer, export, today)


def export_file(export: Export, file_type: str, today: date | None = None) -> tuple[bytes, str]:
    """The list as `file_type` (xlsx | csv), and its content type; states as on `today` (WITA)."""
    today = today or today_wita()
    if file_type == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([name for name, _ in EXPORT_COLUMNS])
        for values in _rows(export, today):
            writer.writerow([csv_text(v) if isinstance(v, str) else v for v in values])
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    from sutasoma.reports.render.xlsx_cells import write_cell

    data = io.BytesIO()
    workbook = _workbook(data)
    header = workbook.add_format(
        {"bold": True, "bg_color": "#243B53", "font_color": "#FFFFFF", "text_wrap": True}
    )
    sheet = workbook.add_worksheet("Petani")
    for col, (name, width) in enumerate(EXPORT_COLUMNS):
        sheet.set_column(col, col, width)
        write_cell(sheet, 0, col, name, header)
    for row, values in enumerate(_rows(export, today), 1):
        for col, value in enumerate(values):
            write_cell(sheet, row, col, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(export.farmers)), len(EXPORT_COLUMNS) - 1)
    workbook.close()
    return data.getvalue(), CONTENT_TYPES["xlsx"]
