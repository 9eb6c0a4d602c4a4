"""What the report-file tests share: the 8 kecamatan, an empty month, and readers that take a
rendered CSV, XLSX or HTML apart with the standard library only (csv, zipfile and ElementTree,
a strict html.parser)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

from sutasoma.reports.models import ByType, KecamatanRow, Report, TrendPoint

NAMES = {
    "73.12.01": "Marioriwawo",
    "73.12.02": "Liliriaja",
    "73.12.03": "Lilirilau",
    "73.12.04": "Lalabata",
    "73.12.05": "Marioriawa",
    "73.12.06": "Donri Donri",
    "73.12.07": "Ganra",
    "73.12.08": "Citta",
}


def _zero_row(code: str, name: str) -> KecamatanRow:
    return KecamatanRow(
        kecamatan_code=code,
        kecamatan_name=name,
        registered=0,
        new_registrations=0,
        active=0,
        arrears=0,
        lapsed=0,
        not_started=0,
        contributions_due=0,
        contributions_collected=0,
        payments=0,
        collection_rate=0.0,
        claims_submitted=ByType(),
        claims_amount=ByType(),
        claims_paid=ByType(),
        score=0.0,
        rank=None,
    )


def empty_report(*, with_trend: bool = True) -> Report:
    """A month with nothing in it (no programme yet): every trend month without data."""
    trend = [
        TrendPoint(period=f"2026-{m:02d}", collection_rate=None, contributions_collected=0, by_kecamatan={})
        for m in range(1, 13)
    ]
    return Report(
        period="2026-12",
        generated_at="2027-01-05T00:00:00Z",
        rows=[_zero_row(code, name) for code, name in NAMES.items()],
        totals=_zero_row("73.12", "Kabupaten Soppeng"),
        agents=[],
        best_bpp=None,
        ranking_formula="Peringkat menurut kolektibilitas",
        incentive_rate=0.05,
        trend=trend if with_trend else [],
    )


# ------------------------------------------------------------------ readers


def file_texts(report: Report) -> dict[str, str]:
    """Every text a reader of each file sees: the CSV, the XLSX's strings and sheet names, the
    HTML's text and attributes (for what every format must or must not say)."""
    from sutasoma.reports.render import render

    book = Xlsx(render(report, "xlsx"))
    return {
        "csv": render(report, "csv").decode("utf-8-sig"),
        "xlsx": "\n".join([*book.sheet_names, *book.strings]),
        "html": render(report, "html").decode("utf-8"),
    }


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _xml(data: bytes | str) -> ElementTree.Element:
    return ElementTree.fromstring(data)  # noqa: S314 - the XML our own renderer just wrote


def _cell_index(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match is not None
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    return int(match.group(2)) - 1, col - 1


class Xlsx:
    """The cells of each sheet of an XLSX, read with zipfile and ElementTree only."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        assert self.zip.testzip() is None
        strings_xml = _xml(self.zip.read("xl/sharedStrings.xml"))
        self.strings = [
            "".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t"))
            for si in strings_xml.findall("m:si", _NS)
        ]
        workbook = _xml(self.zip.read("xl/workbook.xml"))
        rels = _xml(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", _NS)}
        self.sheet_files = {
            sheet.get("name"): "xl/" + str(targets[sheet.get(f"{{{_NS['r']}}}id")])
            for sheet in workbook.findall("m:sheets/m:sheet", _NS)
        }
        self.sheet_names = list(self.sheet_files)

    def sheet_xml(self, name: str) -> str:
        return self.zip.read(self.sheet_files[name]).decode("utf-8")

    def cells(self, name: str) -> dict[tuple[int, int], object]:
        root = _xml(self.sheet_xml(name))
        out: dict[tuple[int, int], object] = {}
        for cell in root.iter(f"{{{_NS['m']}}}c"):
            value = cell.find("m:v", _NS)
            if value is None or value.text is None:
                continue
            kind = cell.get("t")
            key = _cell_index(str(cell.get("r")))
            if kind == "s":
                out[key] = self.strings[int(value.text)]
            elif kind in ("str", "inlineStr"):
                out[key] = value.text
            else:
                number = float(value.text)
                out[key] = int(number) if number.is_integer() else number
        return out

    def styles(self, name: str) -> dict[tuple[int, int], str]:
        root = _xml(self.sheet_xml(name))
        return {_cell_index(str(c.get("r"))): c.get("s", "0") for c in root.iter(f"{{{_NS['m']}}}c")}


def table(
    cells: dict[tuple[int, int], object], header_row: int
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """Header text -> column, and the rows under the header as dicts keyed by header text."""
    headers = {" ".join(str(v).split()): c for (r, c), v in cells.items() if r == header_row}
    last = max(r for r, _ in cells)
    rows = [
        {h: cells.get((r, c)) for h, c in headers.items()}
        for r in range(header_row + 1, last + 1)
        if any((r, c) in cells for c in headers.values())
    ]
    return headers, rows


class StrictParser(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = frozenset({"meta", "br", "img", "link", "input", "hr", "col", "area", "base", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> with {self.stack[-3:]} open")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(data: bytes) -> StrictParser:
    parser = StrictParser()
    parser.feed(data.decode("utf-8"))
    parser.close()
    assert parser.errors == []
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser
