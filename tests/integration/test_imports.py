"""Member imports on moto, through the three import functions: the file as people make it (BOM,
Windows line ends, XLSX), the files refused with a clear message (semicolons, empty, too big,
not what it says), every row checked and explained in the results file, the commit's farmers,
counters and reconcile, and the same file imported twice writing nothing the second time."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.seed.members import SampleOptions, csv_bytes, sample_members, xlsx_bytes
from sutasoma.adapters.dynamo.scan import TableScanner
from sutasoma.app.reconcile import reconcile
from tests.support.events import claims_for, http_event
from tests.support.imports import ADMIN, Imports, open_imports
from tests.support.road import Road

pytestmark = pytest.mark.usefixtures("calm_bpjs")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")


@pytest.fixture(scope="module")
def imports(road: Road) -> Imports:
    return open_imports(road)


_first = iter(range(100_000, 10_000_000, 10_000))


def rows(count: int, **options: Any) -> list[list[str]]:
    """Members no other test of the module has (their own NIKs, KPJs and phones)."""
    return list(sample_members(SampleOptions(count=count, first_index=next(_first), **options)))


def results(status: dict[str, Any]) -> list[list[str]]:
    """The results file (errors_url), as CSV rows."""
    body = httpx.get(status["errors_url"], trust_env=False).content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def items(imports: Imports) -> Iterator[tuple[str, str, str]]:
    """Every item but the imports' own, as (PK, SK, version or value) for a before/after."""
    for item in imports.road.stack.table_items():
        pk = item["PK"]["S"]
        if not pk.startswith("IMPORT#"):
            yield pk, item["SK"]["S"], str(sorted((k, str(v)) for k, v in item.items()))


def test_only_an_admin_imports(imports: Imports) -> None:
    assert imports.open(claims=COORDINATOR).code == "FORBIDDEN"
    assert imports.open("anggota.pdf").code == "VALIDATION_ERROR"
    opened = imports.open("Anggota 2022.XLSX")
    assert opened.status == 201
    upload = opened.body["upload"]
    assert upload["max_bytes"] == 20 * 1024 * 1024 and upload["object_key"].endswith(".xlsx")
    assert upload["fields"]["Content-Type"].startswith("application/vnd.openxmlformats")
    assert opened.body["status"] == "AWAITING_FILE"
    assert imports.status(opened.body["import_id"], COORDINATOR).code == "FORBIDDEN"
    assert imports.commit(opened.body["import_id"]).code == "IMPORT_INVALID_STATE"


def test_the_same_idempotency_key_opens_one_import(imports: Imports) -> None:
    first = imports.open(headers={"Idempotency-Key": "impor-anggota-001"})
    again = imports.open(headers={"Idempotency-Key": "impor-anggota-001"})
    assert first.status == again.status == 201
    assert first.body["import_id"] == again.body["import_id"]


def test_a_csv_with_a_bom_and_windows_line_ends_imports_and_reconciles(imports: Imports, road: Road) -> None:
    members = rows(120, other_person_every=0)
    import_id, status = imports.run(csv_bytes(members, bom=True, crlf=True))
    assert status["status"] == "VALIDATED", status
    assert (status["rows_total"], status["valid"], status["invalid"]) == (120, 120, 0)
    assert status["planned"] == {"create": 120, "update": 0} and status["rows_checked"] == 120
    assert imports.commit(import_id).status == 202
    assert imports.pump_chunks()[1] == 0
    done = imports.status(import_id).body
    assert (done["status"], done["created"], done["rows_done"]) == ("COMMITTED", 120, 120)
    road.pump()
    assert reconcile(TableScanner(imports.road.stack.table()))["differences"] == []


def test_the_results_csv_imported_again_changes_nothing(imports: Imports) -> None:
    """Its formula guard (an apostrophe before + - = @) is not part of the values: before, the
    phone came back refused and the address would have been stored with the apostrophe."""
    members = rows(2, other_person_every=0)  # the header row, then two members
    members[1][4] = "+62" + members[1][4][1:]  # 0812... written +62812...: a valid phone
    members[2][7] = "-Dusun Baru, RT 02"
    import_id, status = imports.run(csv_bytes(members))
    assert (status["status"], status["valid"]) == ("VALIDATED", 2), status.get("failure")
    assert imports.commit(import_id).status == 202
    assert imports.pump_chunks()[1] == 0
    table = results(status)
    assert table[1][4].startswith("'+62") and table[2][7] == "'-Dusun Baru, RT 02"  # guarded for Excel
    again = io.StringIO()
    csv.writer(again).writerows(table)
    _, checked = imports.run(again.getvalue().encode("utf-8"))
    assert (checked["status"], checked["valid"], checked["unchanged"]) == ("VALIDATED", 2, 2), checked


def test_an_xlsx_is_read_and_explained_row_by_row(imports: Imports) -> None:
    members = rows(30)
    members[3][0] = members[3][0][:15]  # NIK of 15 digits
    members[5][10] = members[4][10]  # the KPJ of the row before
    members[7][5] = "73.12.09"
    _import_id, status = imports.run(xlsx_bytes(members), "anggota.xlsx")
    assert (status["status"], status["valid"], status["invalid"]) == ("VALIDATED", 27, 3)
    opened = httpx.get(status["errors_url"], trust_env=False)
    assert opened.headers["content-type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(opened.content), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][-2:] == ["Hasil Pemeriksaan", "Keterangan"]
    assert table[3][-2] == "ditolak" and table[3][-1].startswith("NIK: NIK harus 16 digit")
    assert table[5][-1] == "Nomor KPJ: sama dengan baris 5 di berkas ini"
    assert table[7][-1].startswith("Kode Kecamatan: Kode kecamatan '73.12.09' tidak ada")
    assert table[1][-2:] == ["baru", None]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "Berkas kosong."),
        (
            b"NIK;Nama;Tanggal Lahir\n7312;x;y\n",
            "Berkas CSV memakai titik koma (;) sebagai pemisah kolom",
        ),
        (b"Nama,Alamat\nHasnah,Dusun\n", "Kolom wajib tidak ada: NIK, Tanggal Lahir"),
        (b"\xff\xfeN\x00I\x00K\x00", "Berkas CSV bukan teks UTF-8"),
        (b"PK\x03\x04 not really", "Berkas ini lembar kerja Excel, bukan CSV"),
    ],
    ids=["empty", "semicolons", "columns", "utf-16", "xlsx-named-csv"],
)
def test_a_file_that_cannot_be_read_fails_with_a_clear_message(
    imports: Imports, body: bytes, expected: str
) -> None:
    _, status = imports.run(body)
    assert status["status"] == "FAILED"
    assert status["failure"].startswith(expected), status["failure"]
    assert status["errors_url"] is None


def test_a_header_without_rows_fails(imports: Imports) -> None:
    _, status = imports.run(csv_bytes(rows(0)))
    assert status["failure"] == "Berkas tidak berisi baris data di bawah baris judul kolom."


def test_a_broken_xlsx_fails(imports: Imports) -> None:
    _, status = imports.run(b"PK\x03\x04" + b"\x00" * 200, "anggota.xlsx")
    assert status["failure"] == "Berkas XLSX rusak atau tidak dapat dibaca; simpan ulang dari Excel."
    _, status = imports.run(b"\xd0\xcf\x11\xe0 an old xls", "anggota.xlsx")
    assert status["failure"].startswith("Berkas Excel lama (.xls) tidak didukung")


def test_a_file_over_the_limit_is_refused(imports: Imports, road: Road) -> None:
    """S3 refuses it at the upload: the presigned POST's policy says 1 byte to 20 MB (moto does
    not enforce policies); one that got there all the same is refused by the check, by its size."""
    opened = imports.open()
    import_id, fields = opened.body["import_id"], opened.body["upload"]["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 20 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "text/csv"} in policy["conditions"]
    big = b"NIK,Nama\n" + b"x" * (20 * 1024 * 1024)
    road.stack.clients("s3").put_object(Bucket=imports.bucket, Key=f"uploads/{import_id}.csv", Body=big)
    imports.validate(import_id)
    status = imports.status(import_id).body
    assert (status["status"], status["failure"]) == (
        "FAILED",
        "Berkas lebih dari 20 MB; bagi menjadi beberapa berkas.",
    )


def test_rows_against_what_is_registered_and_the_same_file_twice(imports: Imports) -> None:
    members = rows(40)
    body = csv_bytes(members)
    first, status = imports.run(body)
    assert status["planned"]["create"] == 40
    imports.commit(first)
    imports.pump_chunks()
    before = sorted(items(imports))
    # The same file again: every row unchanged, and its commit writes nothing but the import.
    second, again = imports.run(body)
    assert (again["valid"], again["unchanged"], again["planned"]) == (40, 40, {"create": 0, "update": 0})
    committed = imports.commit(second)
    assert committed.status == 202 and committed.body["status"] == "COMMITTED"
    assert imports.pump_chunks() == (0, 0)
    assert sorted(items(imports)) == before
    assert imports.status(second).body["rows_done"] == 40
    # Changed rows: another KPJ is refused, a later paid-through and a new phone update.
    changed = [members[0], list(members[1]), list(members[2]), list(members[3])]
    changed[1][10] = "19999999990"
    changed[2][12], changed[2][4] = "2027-01", "081377770000"
    changed[3][1] = "Nama Lain Sekali"
    third, checked = imports.run(csv_bytes(changed))
    assert (checked["valid"], checked["invalid"], checked["unchanged"]) == (1, 2, 0)
    table = results(checked)
    assert table[1][-2:] == [
        "ditolak",
        "NIK sudah terdaftar di SUTASOMA dengan nomor KPJ lain; data tidak digabung. Periksa dengan BPJS.",
    ]
    assert table[2][-2] == "diperbarui"
    assert table[3][-1].startswith("Nama berbeda dengan data SUTASOMA")
    imports.commit(third)
    imports.pump_chunks()
    assert imports.status(third).body["updated"] == 1


def test_a_list_of_farmers_registered_meanwhile_is_not_written(imports: Imports, road: Road) -> None:
    """A NIK registered between the check and the commit: that row is not written, and said so."""
    members = rows(5, with_agents=False)
    import_id, _ = imports.run(csv_bytes(members))
    nik, birth, sex = members[2][0], members[2][2], "F" if members[2][3] == "P" else "M"
    body = {"nik": nik, "full_name": "Petani Baru", "birth_date": birth, "sex": sex, "phone": "081234500000",
            "kecamatan_code": members[2][5], "village_code": members[2][6], "address": "Dusun Baru",
            "commodity": "padi", "consent": True}  # fmt: skip
    agent = claims_for("agent", members[2][5], username="agen.x")
    assert road.register(http_event("POST", "/farmers", body=body, claims=agent)).status == 201
    imports.commit(import_id)
    imports.pump_chunks()
    status = imports.status(import_id).body
    assert (status["status"], status["created"], status["not_written"]) == ("COMMITTED", 4, 1)
    assert status["not_written_rows"] == [
        {"row": 3, "reason": "NIK sudah terdaftar di SUTASOMA sejak berkas diperiksa; baris tidak ditulis."}
    ]
    road.pump()
    assert reconcile(TableScanner(imports.road.stack.table()))["differences"] == []


def test_the_template_workbook(imports: Imports) -> None:
    answer = imports.http.raw(http_event("GET", "/imports/template.xlsx", claims=ADMIN))
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(base64.b64decode(answer["body"])), read_only=True)
    assert [s.title for s in book.worksheets] == ["Anggota", "Petunjuk"]
    sheet = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert sheet[0][:3] == ["NIK", "Nama", "Tanggal Lahir"] and sheet[1][10] == "11000000017"
    guide = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert guide[1][:2] == ["NIK", "wajib"] and "16 digit" in guide[1][2]
