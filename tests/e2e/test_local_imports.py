"""A member import through `make run`'s stack, over HTTP, as an admin does it (docs/imports.md):
a generated file of a few hundred existing members uploaded with the presigned POST, checked
once it lands (S3 → EventBridge rule → the validating function), committed in chunks over SQS,
each imported member checked with the BPJS simulator; then the farmers, the monthly report of
their registration month and the reconcile are what the file said."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from local.seed.members import SampleOptions, csv_bytes, sample_members
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.support.local_stack import StackProcess, start_local_stack, stop_local_stack, user_clients
from tests.support.reconcile_jobs import reconciled

pytestmark = pytest.mark.e2e
ROWS = 300
MISMATCH_EVERY = 60  # every 60th member's KPJ is another person's at BPJS (simulator rule): 5 of 300


@pytest.fixture(scope="module")
def stack_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    running = start_local_stack(tmp_path_factory.mktemp("imports-stack"), "--no-seed")
    try:
        yield running
    finally:
        stop_local_stack(running.process)


@pytest.fixture(scope="module")
def user(stack_process: StackProcess) -> Iterator[Callable[[str], httpx.Client]]:
    yield from user_clients(stack_process.descriptor, timeout=60.0)


@pytest.fixture(scope="module")
def members() -> list[list[str]]:
    return list(
        sample_members(SampleOptions(count=ROWS, other_person_every=MISMATCH_EVERY, first_index=42_000))
    )


def wait_for(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], seconds: float
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        current = read()
        if done(current) or time.monotonic() > deadline:
            return current
        time.sleep(0.5)


def exported_rows(admin: httpx.Client) -> list[dict[str, str]]:
    """Every farmer, as the CSV export lists them."""
    exported = admin.get("/farmers/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    return list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def imported(user: Callable[[str], httpx.Client], members: list[list[str]]) -> dict[str, Any]:
    admin = user("admin")
    opened = admin.post("/imports", json={"kind": "members", "filename": "anggota-soppeng.csv"})
    assert opened.status_code == 201, opened.text
    form = opened.json()["upload"]
    with httpx.Client(trust_env=False, timeout=60) as s3:
        uploaded = s3.post(
            form["upload_url"], data=form["fields"], files={"file": ("anggota.csv", csv_bytes(members))}
        )
    assert uploaded.status_code in (200, 204), uploaded.text
    import_id = opened.json()["import_id"]

    def status() -> dict[str, Any]:
        answer = admin.get(f"/imports/{import_id}")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    checked = wait_for(status, lambda s: s["status"] in ("VALIDATED", "FAILED"), 60)
    assert checked["status"] == "VALIDATED", checked
    committed = admin.post(f"/imports/{import_id}/commit")
    assert committed.status_code == 202, committed.text
    done = wait_for(status, lambda s: s["status"] in ("COMMITTED", "FAILED"), 120)
    assert done["status"] == "COMMITTED", done
    # BPJS's look-ups run after the commit (bpjs_sync, MaximumConcurrency 2): the mismatches are a
    # few of them, the others may still be queued when the last mismatch is counted.
    looked = wait_for(status, lambda s: s["bpjs_mismatches"] >= ROWS // MISMATCH_EVERY, 120)

    def checks() -> dict[str, Any]:
        return dict(Counter(r["Cek BPJS (impor)"] for r in exported_rows(admin)))

    assert "PENDING" not in wait_for(checks, lambda counted: "PENDING" not in counted, 120)
    return {"checked": checked, "done": looked, "import_id": import_id}


def test_the_file_is_checked_then_committed(imported: dict[str, Any]) -> None:
    checked, done = imported["checked"], imported["done"]
    assert (checked["rows_total"], checked["valid"], checked["invalid"]) == (ROWS, ROWS, 0)
    assert checked["planned"] == {"create": ROWS, "update": 0}
    assert (done["created"], done["rows_done"], done["not_written"]) == (ROWS, ROWS, 0)
    assert done["bpjs_mismatches"] == ROWS // MISMATCH_EVERY


def test_imported_farmers_are_confirmed_members_with_their_kpj(
    user: Callable[[str], httpx.Client], members: list[list[str]], imported: dict[str, Any]
) -> None:
    admin = user("admin")
    listed = admin.get(f"/imports/{imported['import_id']}/mismatches", params={"limit": 100}).json()["items"]
    assert len(listed) == ROWS // MISMATCH_EVERY and {m["result"] for m in listed} == {"NIK_MISMATCH"}
    kpj = {row[10]: row for row in members[1:]}
    for item in listed:
        assert item["kpj_number"].endswith("99") and item["kpj_number"] in kpj
    rows = exported_rows(admin)
    assert len(rows) == ROWS
    by_kpj = {r["Nomor KPJ"]: r for r in rows}
    for number, member in kpj.items():
        farmer = by_kpj[number]
        assert (farmer["NIK"], farmer["Status Pendaftaran"]) == (member[0], "CONFIRMED")
        assert farmer["Iuran Terbayar s.d."] == member[12] and farmer["Tanggal Terdaftar"] == member[11][:10]
    checks = Counter(r["Cek BPJS (impor)"] for r in rows)
    assert checks == {"MATCH": ROWS - ROWS // MISMATCH_EVERY, "NIK_MISMATCH": ROWS // MISMATCH_EVERY}
    one = admin.get(f"/farmers/{listed[0]['farmer_id']}").json()
    assert one["imported"]["bpjs_check"] == "NIK_MISMATCH" and one["registration_status"] == "CONFIRMED"


def test_the_report_counts_them_in_their_months_and_the_reconcile_agrees(
    user: Callable[[str], httpx.Client], members: list[list[str]], imported: dict[str, Any]
) -> None:
    admin = user("admin")
    last_month = add_months(period_of(today_wita()), -1)
    registered_by = Counter(
        row[5] for row in members[1:] if period_of(date.fromisoformat(row[11])) <= last_month
    )
    new_in = Counter(row[5] for row in members[1:] if row[11][:7] == last_month)
    report = admin.post(f"/reports/{last_month}")
    assert report.status_code == 201, report.text
    rows = {r["kecamatan_code"]: r for r in report.json()["rows"]}
    for code, row in rows.items():
        assert row["registered"] == registered_by[code], code
        assert row["new_registrations"] == new_in[code], code
        assert row["active"] + row["arrears"] + row["lapsed"] + row["not_started"] == row["registered"]
    job = reconciled(admin, last_month)
    assert job["status"] == "DONE", job
    assert job["differences"] == []


def test_importing_the_same_file_again_changes_nothing(
    user: Callable[[str], httpx.Client], members: list[list[str]], imported: dict[str, Any]
) -> None:
    admin = user("admin")
    opened = admin.post("/imports", json={"kind": "members", "filename": "anggota-lagi.csv"}).json()
    with httpx.Client(trust_env=False, timeout=60) as s3:
        s3.post(
            opened["upload"]["upload_url"],
            data=opened["upload"]["fields"],
            files={"file": ("a.csv", csv_bytes(members))},
        )

    def status() -> dict[str, Any]:
        body: dict[str, Any] = admin.get(f"/imports/{opened['import_id']}").json()
        return body

    checked = wait_for(status, lambda s: s["status"] in ("VALIDATED", "FAILED"), 60)
    assert (checked["unchanged"], checked["planned"]) == (ROWS, {"create": 0, "update": 0})
    assert admin.post(f"/imports/{opened['import_id']}/commit").json()["status"] == "COMMITTED"
