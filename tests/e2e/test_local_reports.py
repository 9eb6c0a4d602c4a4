"""The monthly report over HTTP, on a complete `python -m local` of its own WITH its seeded history
(months of registrations, payments and claims replayed through the API, the report schedule of
each 5th included; local/seed/), with the ID tokens of demo users:

- last month's report is already there (the replayed 5th-of-month schedule made it); the admin
  generates it again (POST 201) and reads it: the 8 BPP, each with farmers, a best BPP, agents;
- a coordinator reads only their BPP's row, an agent is refused (403), a month without a report
  is 404;
- the three files: the CSV parses and carries the JSON's numbers, the XLSX is a workbook with
  its sheets (and a revision's changes), the HTML names the 8 kecamatan;
- the counters the history left are those of the records (reconcile finds no difference), and
  the business clock is back to now once the stack is up.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from local.seed.users import DEMO_NAMES
from sutasoma.domain.clock import WITA, period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import StackProcess, start_local_stack, stop_local_stack, user_clients
from tests.support.reconcile_jobs import reconciled

pytestmark = pytest.mark.e2e

# The seeded history takes ~40 s of the start on a small shared machine (docs/reports.md).
SEEDED_START_TIMEOUT_S = 150.0
KECAMATAN = {
    "73.12.01": "Marioriwawo",
    "73.12.02": "Liliriaja",
    "73.12.03": "Lilirilau",
    "73.12.04": "Lalabata",
    "73.12.05": "Marioriawa",
    "73.12.06": "Donri Donri",
    "73.12.07": "Ganra",
    "73.12.08": "Citta",
}
COORDINATOR, COORDINATED = "koordinator.lalabata", "73.12.04"
AGENT = "agen.lalabata"
SHEETS = ["Ringkasan BPP", "Agen", "Tren 12 bulan"]
DEMO_FULL_NAMES = {name for pair in DEMO_NAMES for name in pair}
CHANGES_SHEET = "Perubahan dari versi sebelumnya"  # a revision's (version 2 on): after the summary
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def seeded_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    running = start_local_stack(tmp_path_factory.mktemp("reports-stack"), timeout=SEEDED_START_TIMEOUT_S)
    try:
        yield running
    finally:
        stop_local_stack(running.process)


@pytest.fixture(scope="module")
def stack(seeded_stack: StackProcess) -> dict[str, Any]:
    return seeded_stack.descriptor


@pytest.fixture(scope="module")
def user(stack: dict[str, Any]) -> Iterator[Callable[[str], httpx.Client]]:
    """`user("admin")`: an HTTP client of the API with that demo user's ID token."""
    yield from user_clients(stack, timeout=60.0)


@pytest.fixture(scope="module")
def last_month() -> str:
    return add_months(period_of(today_wita()), -1)


@pytest.fixture(scope="module")
def generated(user: Callable[[str], httpx.Client], last_month: str) -> dict[str, Any]:
    """Last month's report, generated again by the admin (POST 201)."""
    created = user("admin").post(f"/reports/{last_month}")
    assert created.status_code == 201, created.text
    report: dict[str, Any] = created.json()
    return report


def test_the_history_was_seeded_and_its_schedules_made_the_reports(
    stack: dict[str, Any], user: Callable[[str], httpx.Client], last_month: str
) -> None:
    history = stack["history"]
    assert history["months"][-1] == period_of(today_wita()) and len(history["months"]) == 6
    assert history["farmers"] >= 100 and history["payments"] >= 100 and history["failed"] == 0
    # The history runs to yesterday: this month's 5th has been replayed from the 6th on.
    if today_wita().day <= 5:
        assert add_months(last_month, -1) in history["reports"]
        return
    assert last_month in history["reports"]
    # Made by the replayed schedule: 08:00 WITA on the 5th of this month, not now.
    before = user("admin").get(f"/reports/{last_month}")
    assert before.status_code == 200, before.text
    made = datetime.fromisoformat(before.json()["generated_at"].replace("Z", "+00:00")).astimezone(WITA)
    assert (made.day, made.hour) == (5, 8) and period_of(made.date()) == period_of(today_wita())


def test_admin_generates_last_months_report_with_all_eight_bpp(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    assert generated["period"] == last_month
    generated_at = datetime.fromisoformat(generated["generated_at"].replace("Z", "+00:00"))
    assert abs(generated_at - datetime.now(UTC)) < timedelta(minutes=5)  # the clock is back to now

    read = user("admin").get(f"/reports/{last_month}")
    assert read.status_code == 200, read.text
    report = read.json()
    assert report == generated
    rows = report["rows"]
    assert {r["kecamatan_code"]: r["kecamatan_name"] for r in rows} == KECAMATAN
    for row in rows:  # a real month: every BPP has farmers, members and collections
        assert row["registered"] > 0 and row["active"] > 0 and row["contributions_collected"] > 0, row
        assert row["active"] + row["arrears"] + row["lapsed"] + row["not_started"] == row["registered"]
        assert row["rank"] in range(1, 9)
    assert sorted(r["rank"] for r in rows) == list(range(1, 9))
    totals = report["totals"]
    for figure in (
        "registered",
        "active",
        "arrears",
        "lapsed",
        "contributions_due",
        "contributions_collected",
    ):
        assert totals[figure] == sum(r[figure] for r in rows), figure
    assert totals["arrears"] > 0 and totals["payments"] > 0
    best = next(r for r in rows if r["rank"] == 1)
    assert report["best_bpp"]["kecamatan_code"] == best["kecamatan_code"]
    assert report["best_bpp"]["score"] == best["score"] == max(r["score"] for r in rows)
    agents = report["agents"]
    assert {a["kecamatan_code"] for a in agents} == set(KECAMATAN)
    assert all(a["username"].startswith(("agen.", "koordinator.")) for a in agents)
    # By the name in their Cognito account (seeded for the demo users), not their username.
    assert all(a["full_name"] in DEMO_FULL_NAMES for a in agents), agents
    assert sum(a["collections_amount"] for a in agents) == totals["contributions_collected"]
    assert [p["period"] for p in report["trend"]][-1] == last_month


def test_the_meetings_version_is_kept_and_the_regeneration_is_the_next(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    version = generated["version"]
    assert version >= 2 and generated["supersedes"] == version - 1 and generated["generated_by"] == "admin"
    first = user("admin").get(f"/reports/{last_month}", params={"version": 1})
    assert first.status_code == 200, first.text
    meeting = first.json()
    if today_wita().day > 5:  # this month's 5th was replayed: version 1 is the schedule's
        assert meeting["generated_by"] == "jadwal"
    assert (meeting["version"], meeting["supersedes"], meeting["provisional"]) == (1, None, False)
    assert meeting["generated_at"] < generated["generated_at"]
    # The history does not change between the two: nothing to list, and no figure moved.
    assert generated["changes"] == [] and meeting["rows"] == generated["rows"]
    assert user("admin").get(f"/reports/{last_month}", params={"version": version + 1}).status_code == 404


def test_this_month_is_a_preview_and_next_month_cannot_be_generated(
    user: Callable[[str], httpx.Client], last_month: str
) -> None:
    current = add_months(last_month, 1)
    preview = user("admin").post(f"/reports/{current}")
    assert preview.status_code == 201, preview.text
    body = preview.json()
    assert (body["provisional"], body["best_bpp"]) == (True, None) and body["version"] >= 1
    assert all(r["rank"] is None for r in body["rows"])
    html = user("admin").get(f"/reports/{current}/files/html")
    assert html.status_code == 200 and html.headers["content-disposition"].startswith("inline")
    later = user("admin").post(f"/reports/{add_months(current, 1)}")
    assert later.status_code == 422 and later.json()["code"] == "PERIOD_NOT_ENDED", later.text


def test_a_coordinator_sees_only_their_bpp(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    read = user(COORDINATOR).get(f"/reports/{last_month}")
    assert read.status_code == 200, read.text
    report = read.json()
    (row,) = report["rows"]
    assert row["kecamatan_code"] == COORDINATED
    whole = next(r for r in generated["rows"] if r["kecamatan_code"] == COORDINATED)
    # The coordinator's copy adds how far behind the best BPP theirs is (0 for the best).
    assert row["gap_to_best"] == round(generated["best_bpp"]["score"] - whole["collection_rate"], 4) >= 0
    assert {**row, "gap_to_best": None} == whole
    assert report["totals"]["registered"] == row["registered"]
    assert {a["kecamatan_code"] for a in report["agents"]} <= {COORDINATED}


def test_an_agent_is_refused_and_a_month_without_report_is_404(
    stack: dict[str, Any], user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    refused = user(AGENT).get(f"/reports/{last_month}")
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN", refused.text
    assert user(AGENT).post(f"/reports/{last_month}").status_code == 403
    assert user(AGENT).get(f"/reports/{last_month}/files/csv").status_code == 403
    before_history = add_months(stack["history"]["months"][0], -2)
    missing = user("admin").get(f"/reports/{before_history}")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND", missing.text


def test_the_csv_carries_the_reports_numbers(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    response = user("admin").get(f"/reports/{last_month}/files/csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line["kecamatan_code"] for line in lines] == [*KECAMATAN, "TOTAL"]
    by_code = {r["kecamatan_code"]: r for r in generated["rows"]}
    for line in lines:
        row = by_code.get(line["kecamatan_code"], generated["totals"])
        assert line["period"] == last_month
        for figure in (
            "registered", "new_registrations", "active", "arrears", "lapsed", "not_started",
            "contributions_due", "contributions_collected", "payments",
        ):  # fmt: skip
            assert int(line[figure]) == row[figure], (line["kecamatan_code"], figure)
        for kind in ("submitted", "amount", "paid"):
            for claim_type in ("JKK", "JKM"):
                assert int(line[f"claims_{kind}_{claim_type.lower()}"]) == row[f"claims_{kind}"][claim_type]
        assert float(line["collection_rate_pct"]) == pytest.approx(row["collection_rate"] * 100, abs=0.005)
        if line["kecamatan_code"] != "TOTAL":
            assert int(line["rank"]) == row["rank"]
            assert float(line["score"]) == pytest.approx(row["score"], abs=0.00005)


def test_the_xlsx_is_a_workbook_with_its_sheets(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    response = user("admin").get(f"/reports/{last_month}/files/xlsx")
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        assert workbook.testzip() is None
        root = ElementTree.fromstring(workbook.read("xl/workbook.xml"))  # noqa: S314 - our own renderer's XML
        names = [sheet.get("name") for sheet in root.iter(f"{MAIN_NS}sheet")]
        revision = generated["supersedes"] is not None
        assert names == ([SHEETS[0], CHANGES_SHEET, *SHEETS[1:]] if revision else SHEETS)
        shared = workbook.read("xl/sharedStrings.xml").decode("utf-8")
    assert all(name in shared for name in KECAMATAN.values())


def test_the_html_names_the_eight_kecamatan(
    user: Callable[[str], httpx.Client], generated: dict[str, Any], last_month: str
) -> None:
    response = user("admin").get(f"/reports/{last_month}/files/html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert all(name in page for name in KECAMATAN.values())
    assert generated["best_bpp"]["kecamatan_name"] in page
    assert len(re.findall(r"<svg\b", page)) >= 2


def test_the_history_counters_are_the_records_and_now_is_now(
    user: Callable[[str], httpx.Client], last_month: str
) -> None:
    admin = user("admin")
    job = reconciled(admin, last_month)
    assert job["status"] == "DONE", job
    assert job["items_scanned"] > 1000
    assert job["differences"] == []
    # After the replay, writes are dated now again.
    birth = datetime(1984, 3, 9).date()
    body = farmer_body(nik=make_nik(birth, "M", serial=7777), birth=birth, sex="M")
    created = user(AGENT).post("/farmers", json=body)
    assert created.status_code == 201, created.text
    registered_at = datetime.fromisoformat(created.json()["registered_at"].replace("Z", "+00:00"))
    assert abs(registered_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_the_history_shows_every_membership_case(
    stack: dict[str, Any], user: Callable[[str], httpx.Client]
) -> None:
    """local/seed/plan.py SHOWCASES, in Lalabata: a deceased farmer with an open refund, a rejected
    one whose refund was settled, DUE (until the 15th) next to ARREARS, a correction that reached
    BPJS, a first payment due."""
    history = stack["history"]
    cases = history["showcase"]
    assert set(cases) == {"deceased", "rejected", "due", "arrears", "corrected", "first_payment"}
    assert (history["deaths"], history["corrections"], history["refunds_settled"]) == (1, 1, 1)
    agent, admin = user(AGENT), user("admin")

    def farmer(case: str) -> dict[str, Any]:
        got = agent.get(f"/farmers/{cases[case]}")
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        return body

    refunds = {}
    for status in ("OPEN", "SETTLED"):
        listed = admin.get("/refunds", params={"status": status, "kecamatan_code": COORDINATED, "limit": 100})
        assert listed.status_code == 200, listed.text
        refunds |= {(r["farmer_id"], r["reason"]): r for r in listed.json()["items"]}

    dead = farmer("deceased")
    assert dead["deceased_on"] and dead["coverage"]["state"] == "ENDED"
    died = refunds[(dead["farmer_id"], "PAID_AFTER_DEATH")]
    assert died["status"] == "OPEN" and died["amount"] > 0
    assert all(period > dead["deceased_on"][:7] for period in died["periods"])

    rejected = farmer("rejected")
    assert (rejected["registration_status"], rejected["coverage"]["state"]) == ("REJECTED", "ENDED")
    given_back = refunds[(rejected["farmer_id"], "REGISTRATION_REJECTED")]
    assert given_back["status"] == "SETTLED" and given_back["returned_to"] and len(given_back["periods"]) == 2

    assert farmer("due")["coverage"]["state"] == ("DUE" if today_wita().day <= 15 else "ARREARS")
    assert farmer("arrears")["coverage"]["state"] == "ARREARS"
    first = farmer("first_payment")
    assert (first["registration_status"], first["coverage"]["state"]) == ("CONFIRMED", "NOT_STARTED")

    worklist = agent.get("/agents/me/worklist").json()
    due_now = {e["farmer_id"]: e["action"] for e in worklist["due_this_month"]}
    assert due_now[cases["first_payment"]] == "COLLECT_FIRST_PAYMENT"
    if today_wita().day <= 15:
        assert due_now[cases["due"]] == "COLLECT_DUE"
    owing = {e["farmer_id"] for e in worklist["in_arrears"] + worklist["about_to_lapse"]}
    assert cases["arrears"] in owing
    assert died["refund_id"] in {r["refund_id"] for r in worklist["refunds_to_return"]}
    for section in ("due_this_month", "in_arrears", "about_to_lapse"):
        assert not {cases["deceased"], cases["rejected"]} & {e["farmer_id"] for e in worklist[section]}

    corrected = farmer("corrected")
    simulator = httpx.get(
        f"{stack['bpjs_simulator_url']}/_sim/participants/{corrected['kpj_number']}",
        timeout=10.0,
        trust_env=False,
    )
    assert simulator.status_code == 200 and simulator.json()["updates"] == [["full_name"]]
