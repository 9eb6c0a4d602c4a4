"""`GET /farmers/export` on moto: who may take a list out and of which kecamatan (the one scope
resolver), what each role sees of a farmer (NIK masked for coordinators, whole for admins), text
that a spreadsheet would run as a formula neutralised as in the report files, and the audit
record of every export."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import pytest

from sutasoma.app.exports import EXPORTS_SUBJECT
from tests.support.events import claims_for, http_event
from tests.support.imports import ADMIN
from tests.support.road import Road
from tests.support.stack import FunctionInvoker

pytestmark = pytest.mark.usefixtures("calm_bpjs")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
CITTA = claims_for("agent", "73.12.08", username="agen.citta")


@pytest.fixture(scope="module")
def exports(road: Road) -> FunctionInvoker:
    road.new_farmer(9101, address='=HYPERLINK("http://contoh.id","klik")', full_name="@Hasnah")
    road.new_farmer(9102, village_code="73.12.04.1002")
    citta = {"kecamatan_code": "73.12.08", "village_code": "73.12.08.2001"}
    from datetime import date

    from tests.support.farmers import farmer_body, make_nik

    birth = date(1984, 6, 3)
    body = farmer_body(nik=make_nik(birth, "M", prefix="731208", serial=9103), birth=birth, sex="M", **citta)
    assert road.register(http_event("POST", "/farmers", body=body, claims=CITTA)).status == 201
    return FunctionInvoker(road.stack, "ImportsFunction")


def export(fn: FunctionInvoker, claims: dict[str, str], **query: str) -> dict[str, Any]:
    answer: dict[str, Any] = fn.raw(http_event("GET", "/farmers/export", query=query, claims=claims))
    return answer


def csv_rows(answer: dict[str, Any]) -> list[dict[str, str]]:
    raw = base64.b64decode(answer["body"]) if answer.get("isBase64Encoded") else answer["body"].encode()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_coordinator_takes_their_kecamatan_out_nik_masked(exports: FunctionInvoker, road: Road) -> None:
    answer = export(exports, COORDINATOR, format="csv")
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"].startswith("text/csv")
    assert answer["headers"]["Content-Disposition"].startswith('attachment; filename="petani-73.12.04-')
    rows = csv_rows(answer)
    assert {r["Kode Kecamatan"] for r in rows} == {"73.12.04"} and len(rows) == 2
    assert all("********" in r["NIK"] and len(r["NIK"]) == 16 for r in rows)
    assert all(r["No HP"] == "081234567890" for r in rows)  # the list is for visits and calls
    hyperlink = next(r for r in rows if r["Alamat"].startswith("'"))
    assert hyperlink["Alamat"] == '\'=HYPERLINK("http://contoh.id","klik")'
    assert hyperlink["Nama"] == "'@Hasnah"
    village = csv_rows(export(exports, COORDINATOR, format="csv", village_code="73.12.04.1002"))
    assert [r["Kode Desa"] for r in village] == ["73.12.04.1002"]
    assert csv_rows(export(exports, COORDINATOR, format="csv", coverage_state="ACTIVE")) == []
    trail = road.audit_trail(EXPORTS_SUBJECT)
    mine = [t for t in trail if t["actor"] == "koordinator.lalabata"]
    assert mine and mine[0]["action"] == "FARMERS_EXPORTED"
    assert mine[0]["detail"]["nik"] == "masked" and mine[0]["detail"]["rows"] == "2"
    assert "nik" not in str(mine[0].get("fields", ""))


def test_outside_their_kecamatan_or_as_an_agent_is_forbidden(exports: FunctionInvoker) -> None:
    assert export(exports, COORDINATOR, kecamatan_code="73.12.08")["statusCode"] == 403
    assert (
        export(exports, COORDINATOR, village_code="73.12.08.2001")["statusCode"] == 403
    )  # another kecamatan
    assert (
        export(exports, COORDINATOR, kecamatan_code="73.12.04", village_code="73.12.08.2001")["statusCode"]
        == 422
    )
    assert export(exports, CITTA)["statusCode"] == 403
    assert export(exports, COORDINATOR, format="pdf")["statusCode"] == 422


def test_an_admin_takes_every_kecamatan_with_the_whole_nik_as_xlsx(
    exports: FunctionInvoker, road: Road
) -> None:
    answer = export(exports, ADMIN)
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(base64.b64decode(answer["body"]))).worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {r["Kode Kecamatan"].value for r in rows} == {"73.12.04", "73.12.08"}
    assert all("*" not in r["NIK"].value and len(r["NIK"].value) == 16 for r in rows)
    formula = next(r for r in rows if str(r["Alamat"].value).startswith("="))
    assert formula["Alamat"].data_type == "s"  # text, never a formula
    assert road.audit_trail(EXPORTS_SUBJECT)[-1]["detail"]["nik"] == "whole"
