"""Member files read and written row by row, from and to a file on disk: XLSX through openpyxl's
read-only mode (rows parsed as the sheet is read, never the whole workbook in memory) and
xlsxwriter's constant-memory mode, CSV through the csv module (UTF-8 with or without a BOM,
Windows or Unix line ends, comma-separated). Text cells written out are never formulas: the
same neutralising as the report files (reports/render/csv.py csv_text, xlsx.py write_cell)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sutasoma.app.ports import ImportFileInvalid
from sutasoma.reports.render.csv import csv_text

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
BROKEN_XLSX = "Berkas XLSX rusak atau tidak dapat dibaca; simpan ulang dari Excel."


def _magic(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(4)


class XlsxRows:
    """The first sheet's rows: (row number, cell values), the header row first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        magic = _magic(self.path)
        if magic == OLE_MAGIC:
            raise ImportFileInvalid(
                "Berkas Excel lama (.xls) tidak didukung; simpan sebagai .xlsx lalu unggah lagi."
            )
        if magic != ZIP_MAGIC:
            raise ImportFileInvalid(
                "Berkas ini bukan XLSX yang sah; simpan dari Excel sebagai .xlsx atau gunakan CSV."
            )
        from openpyxl import load_workbook  # only the validating function reads workbooks
        from openpyxl.utils.exceptions import InvalidFileException

        unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError)
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except unreadable:
            raise ImportFileInvalid(BROKEN_XLSX) from None
        try:
            if not workbook.worksheets:
                return
            for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
                yield number, list(values)
        except unreadable:  # a sheet's XML broken part-way (SyntaxError: ElementTree's ParseError)
            raise ImportFileInvalid(BROKEN_XLSX) from None
        finally:
            workbook.close()


class CsvRows:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        magic = _magic(self.path)
        if magic in (ZIP_MAGIC, OLE_MAGIC):
            raise ImportFileInvalid(
                "Berkas ini lembar kerja Excel, bukan CSV; unggah dengan nama berakhiran .xlsx."
            )
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as text:
                for number, row in enumerate(csv.reader(text), 1):
                    if number == 1 and len(row) == 1 and ";" in row[0]:
                        raise ImportFileInvalid(
                            "Berkas CSV memakai titik koma (;) sebagai pemisah kolom. Simpan ulang sebagai "
                            "CSV UTF-8 dengan pemisah koma (,), atau unggah sebagai .xlsx."
                        )
                    yield number, [unquoted(cell) for cell in row]
        except UnicodeDecodeError:
            raise ImportFileInvalid(
                'Berkas CSV bukan teks UTF-8; simpan ulang sebagai "CSV UTF-8 (dipisah koma)".'
            ) from None
        except csv.Error:
            raise ImportFileInvalid("Berkas CSV tidak dapat dibaca (tanda kutip tidak tertutup?).") from None


def unquoted(cell: str) -> str:
    """A cell as its writer meant it: the apostrophe that keeps a spreadsheet from taking text
    for a formula (`csv_text`, which the results file and the exports write, and Excel's own text
    mark) is not part of the value. The results CSV imported again is then unchanged, not
    `'+62812…` refused as a phone and `'-Dusun Baru` stored as an address."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def _plain(value: Any) -> Any:
    """A read cell as it is written back: dates as ISO text, the rest as read."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


class XlsxResults:
    """The results workbook, written row after row (xlsxwriter's constant-memory mode)."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter  # type: ignore[import-untyped]

        from sutasoma.reports.render.xlsx_cells import WORKBOOK_OPTIONS

        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, **WORKBOOK_OPTIONS})
        self.sheet = self.workbook.add_worksheet("Hasil Pemeriksaan")
        self.bold = self.workbook.add_format({"bold": True})
        self.row = 0

    def write(self, cells: list[Any]) -> None:
        from sutasoma.reports.render.xlsx_cells import write_cell

        fmt = self.bold if self.row == 0 else None
        for col, value in enumerate(cells):
            write_cell(self.sheet, self.row, col, _plain(value), fmt)
        self.row += 1

    def close(self) -> None:
        self.workbook.close()


class CsvResults:
    """The results as CSV: UTF-8 with a BOM, comma-separated, CRLF (as the report's CSV)."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file, lineterminator="\r\n")

    def write(self, cells: list[Any]) -> None:
        values = (_plain(c) for c in cells)
        self.writer.writerow(["" if v is None else csv_text(v) if isinstance(v, str) else v for v in values])

    def close(self) -> None:
        self.file.close()


def reader(path: Path, file_type: str) -> XlsxRows | CsvRows:
    return XlsxRows(path) if file_type == "xlsx" else CsvRows(path)


def results_writer(path: Path, file_type: str) -> XlsxResults | CsvResults:
    return XlsxResults(path) if file_type == "xlsx" else CsvResults(path)
