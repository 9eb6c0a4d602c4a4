"""The field app with the report and worklist of CONTRACT r2, in a phone's browser against the local
stack: a revised month read in its latest version and in version 1 (the meeting's), what the
revision changed, kolektibilitas against last month and the gap to the best BPP, agents by their
full names, the files of a version (the HTML opened in a tab of its own); an admin making a new
version and the current month's provisional preview; a claim BPJS rejected on Beranda with BPJS's
reason, filed again from there (`previous_claim_id`), and a second refiling refused.

Earlier months' activity is written as the counters the write transactions keep
(tests/support/report_history.py): records cannot be back-dated."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.e2e.browser.conftest import (
    AGENT,
    COORDINATOR,
    Phone,
    pay,
    register_confirmed,
    rejected_by_bpjs,
    tiny_jpeg,
)
from tests.support.report_history import late_payment, members_who_paid

pytestmark = pytest.mark.e2e

LALABATA, CITTA = "73.12.04", "73.12.08"
CURRENT = period_of(today_wita())
REVISED = add_months(CURRENT, -2)  # history the month before it; no other test reads these months
REGENERATED = add_months(CURRENT, -4)
AGENT_NAME = "Syamsul Bahri"  # agen.lalabata's Cognito name (local/seed/users.py)


def month_name(period: str) -> str:
    names = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]  # fmt: skip
    year, month = period.split("-")
    return f"{names[int(month) - 1]} {year}"


@pytest.fixture(scope="module")
def revised(stack: dict[str, Any], user: Callable[[str], httpx.Client]) -> dict[str, Any]:
    """REVISED: Lalabata's 4 members of the month before in arrears and 2 new ones paid (2 of 6),
    Citta's 3 all paid (best BPP); version 1 made; then one of Lalabata's paid REVISED late and
    version 2 made (3 of 6)."""
    admin = user("admin")
    members_who_paid(stack, LALABATA, add_months(REVISED, -1), 4, agent=AGENT)
    members_who_paid(stack, LALABATA, REVISED, 2, agent=AGENT)
    members_who_paid(stack, CITTA, REVISED, 3)
    first = admin.post(f"/reports/{REVISED}")
    assert first.status_code == 201, first.text
    late_payment(stack, LALABATA, REVISED)
    second = admin.post(f"/reports/{REVISED}")
    assert second.status_code == 201, second.text
    assert (first.json()["version"], second.json()["version"], second.json()["supersedes"]) == (1, 2, 1)
    return {"first": first.json(), "second": second.json()}


def test_a_revised_month_shows_what_changed_and_version_1_stays_readable(
    phone: Phone, revised: dict[str, Any], user: Callable[[str], httpx.Client]
) -> None:
    page = phone.page
    phone.sign_in(COORDINATOR)
    phone.wait_for_service_worker()
    phone.go(f"/laporan?periode={REVISED}")
    phone.heading("Laporan bulanan")
    main = page.locator("main")
    expect(page.locator(".version-line")).to_have_text("Versi 2 · dibuat oleh admin · menggantikan versi 1")
    expect(page.get_by_label("Versi", exact=True)).to_have_value("2")
    card = page.locator("article.card")
    expect(card).to_have_count(1)  # the coordinator's own BPP only
    expect(card.locator(".rate-value")).to_have_text("50,0 %")
    # Last month all 4 had paid (100 %): down 50 points; Citta's 100 % is the best.
    expect(card.locator(".rate-change")).to_contain_text("▼")
    expect(card.locator(".rate-change")).to_contain_text("50,0 poin dari bulan lalu")
    expect(card.locator(".target")).to_have_text("Target: belum ditetapkan")
    expect(card.locator(".best-gap")).to_have_text("Tertinggal 50,0 poin dari BPP terbaik Citta")
    expect(card).to_contain_text("peringkat 2")
    expect(card.locator(".figure").filter(has_text="Tidak membayar")).to_be_visible()
    expect(card.locator(".fact").filter(has_text="Klaim diproses")).to_be_visible()
    expect(card.locator(".fact").filter(has_text="Pengembalian belum diserahkan")).to_contain_text("0 · Rp 0")

    changes = page.locator("section.changes")
    expect(changes.get_by_role("heading", name="Perubahan dari versi 1")).to_be_visible()
    expect(changes.locator("h3")).to_have_text(["BPP Lalabata"])  # only the coordinator's BPP
    expect(changes.locator("li").filter(has_text="Aktif")).to_contain_text("2 → 3")
    expect(changes.locator("li").filter(has_text="Tunggakan")).to_contain_text("4 → 3")
    expect(changes.locator("li").filter(has_text="Kolektibilitas")).to_contain_text("33,3 % → 50,0 %")
    expect(main).not_to_contain_text("collection_rate")

    agents = page.locator("table.agents")
    row = agents.locator("tbody tr").filter(has_text=AGENT_NAME)
    expect(row.locator(".agent-name")).to_have_text(AGENT_NAME)
    expect(row.locator(".agent-user")).to_have_text(AGENT)
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)

    # The meeting's version 1, unchanged.
    page.get_by_label("Versi", exact=True).select_option("1")
    expect(page.locator(".version-line")).to_have_text("Versi 1 · dibuat oleh admin")
    expect(main).to_contain_text("Ini versi 1, bukan yang terbaru (versi 2)")
    expect(page.locator("article.card .rate-value")).to_have_text("33,3 %")
    expect(page.locator("section.changes")).to_have_count(0)
    assert "versi=1" in page.evaluate("location.hash")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Unduh CSV").click()
    download = downloading.value
    assert download.suggested_filename == f"sutasoma-{REVISED}-v1.csv"
    assert "Lalabata" in Path(download.path()).read_text(encoding="utf-8-sig")
    version_1 = user(COORDINATOR).get(f"/reports/{REVISED}/files/csv", params={"version": 1})
    assert Path(download.path()).read_bytes() == version_1.content

    # The HTML in a tab of its own, with its own styles (a blob: URL would get the app's CSP).
    with phone.context.expect_page() as opening:
        page.get_by_role("button", name="Buka HTML").click()
    tab = opening.value
    tab.wait_for_load_state()
    assert "/berkas/" in tab.url and tab.url.endswith(f"sutasoma-{REVISED}-v1.html")
    expect(tab.locator("h1")).to_contain_text(month_name(REVISED))
    assert tab.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(16, 42, 67)"
    assert tab.evaluate("origin") == "null"  # sandboxed: nothing of the app's storage or tokens
    expect(page.locator(".file-status")).to_have_text("Laporan HTML dibuka di tab baru.")
    tab.reload()
    expect(tab.locator("body")).to_contain_text("Berkas ini sudah ditutup.")  # served once
    tab.close()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Unduh HTML").click()
    assert downloading.value.suggested_filename == f"sutasoma-{REVISED}-v1.html"

    page.get_by_role("button", name="Lihat versi terbaru").click()
    expect(page.locator(".version-line")).to_contain_text("Versi 2")


def test_an_admin_makes_a_new_version_and_the_earlier_one_stays(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    admin = user("admin")
    first = admin.post(f"/reports/{REGENERATED}")
    assert first.status_code == 201, first.text
    page = phone.page
    phone.sign_in("admin")
    phone.go(f"/laporan?periode={REGENERATED}")
    phone.heading("Laporan bulanan")
    expect(page.locator(".version-line")).to_have_text("Versi 1 · dibuat oleh admin")
    expect(page.get_by_label("Versi", exact=True)).to_have_count(0)  # one version: nothing to pick
    expect(page.locator("table.overview")).to_be_visible()  # the admin's overview of the 8 BPP
    expect(page.locator("article.card")).to_have_count(8)
    page.get_by_role("button", name="Buat ulang (versi baru)").click()
    dialog = page.locator("dialog.ask")
    expect(dialog).to_contain_text("Versi 1 tidak berubah dan tetap dapat dibaca")
    phone.answer_dialog("Ya, buat versi baru")
    expect(page.locator(".version-line")).to_have_text("Versi 2 · dibuat oleh admin · menggantikan versi 1")
    expect(page.locator("section.changes")).to_contain_text("Tidak ada angka yang berubah.")
    expect(page.get_by_label("Versi", exact=True)).to_have_value("2")
    kept = admin.get(f"/reports/{REGENERATED}", params={"version": 1}).json()
    assert kept == first.json()


def test_the_current_month_is_a_provisional_preview_without_rank(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    page = phone.page
    phone.sign_in("admin")
    phone.go("/laporan")
    phone.heading("Laporan bulanan")
    months = page.get_by_label("Bulan").locator("option")
    values = [months.nth(i).get_attribute("value") for i in range(months.count())]
    assert values[0] == CURRENT and add_months(CURRENT, 1) not in values  # no month not yet begun
    phone.go(f"/laporan?periode={CURRENT}")
    preview = page.get_by_role("button", name=re.compile("^(Perbarui pratinjau|Pratinjau) bulan berjalan$"))
    preview.click()
    banner = page.locator(".banner-provisional")
    expect(banner).to_contain_text("SEMENTARA — bulan berjalan, belum dievaluasi")
    expect(page.locator(".version-line")).to_have_text(
        re.compile(r"^Versi \d+ · pratinjau sementara · dibuat oleh admin$")
    )
    expect(page.locator(".rank")).to_have_count(0)
    expect(page.locator(".best")).to_have_count(0)
    expect(page.get_by_label("Versi", exact=True)).to_have_count(0)
    expect(page.locator("table.overview caption")).to_have_text("Kolektibilitas per BPP (tanpa peringkat)")
    expect(page.locator(".fact").filter(has_text="Jatuh tempo").first).to_be_visible()

    phone.go("/menu")
    phone.heading("Lainnya")
    page.get_by_role("button", name="Keluar").click()
    phone.answer_dialog("Keluar")
    phone.heading("Masuk")
    phone.sign_in(COORDINATOR)
    phone.go(f"/laporan?periode={CURRENT}")
    expect(page.locator(".banner-provisional")).to_contain_text(
        "SEMENTARA — bulan berjalan, belum dievaluasi"
    )
    expect(page.locator("article.card .best-gap")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Pratinjau"))).to_have_count(0)  # admin only
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)


def test_a_claim_bpjs_rejected_is_on_beranda_with_its_reason_and_is_filed_again_once(
    phone: Phone, user: Callable[[str], httpx.Client], browser: Browser
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    pay(agent, farmer["farmer_id"])
    rejected = rejected_by_bpjs(agent, user(COORDINATOR), farmer, tiny_jpeg(browser))
    page = phone.page
    phone.sign_in(AGENT)
    section = page.locator("#ditolak")
    expect(section.get_by_role("heading", name=re.compile("^Klaim ditolak BPJS"))).to_be_visible()
    item = section.locator("li.rejected").filter(has_text=farmer["full_name"])
    expect(item.locator(".reject-reason")).to_contain_text(rejected["rejection_reason"])
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)

    item.get_by_role("link", name=re.compile("^Ajukan ulang")).click()
    phone.heading("Ajukan ulang klaim")
    expect(page.locator(".refile-note")).to_contain_text(rejected["rejection_reason"])
    expect(page.get_by_label("Jenis klaim")).to_be_disabled()
    expect(page.get_by_label("Jenis klaim")).to_have_value(rejected["type"])
    expect(page.get_by_label("Tanggal kejadian")).to_have_value(rejected["incident_date"])
    expect(page.get_by_label("Kronologi singkat")).to_have_value(rejected["description"])
    expect(page.get_by_label("Nama pengaju (peserta atau ahli waris)")).to_have_value(farmer["full_name"])
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)
    page.get_by_label("Kronologi singkat").fill("Tangan terluka sabit saat panen; kuitansi klinik yang benar")
    page.get_by_role("button", name="Ajukan ulang klaim").click()
    phone.heading("Klaim JKK")
    expect(page.get_by_text("Pengajuan ulang dari")).to_be_visible()
    refiled_id = page.evaluate("location.hash").removeprefix("#/klaim/")
    refiled = agent.get(f"/claims/{refiled_id}").json()
    assert refiled["previous_claim_id"] == rejected["claim_id"] and refiled["status"] == "SUBMITTED"
    assert refiled["incident_date"] == rejected["incident_date"] and refiled["type"] == rejected["type"]
    worklist = agent.get("/agents/me/worklist").json()
    assert rejected["claim_id"] not in {c["claim_id"] for c in worklist["claims_rejected"]}
    phone.go("/")
    phone.heading("Beranda")
    expect(page.locator("#ditolak li.rejected").filter(has_text=farmer["full_name"])).to_have_count(0)

    # The rejected claim now says where it went (`refiled_as`) instead of offering it again.
    phone.go(f"/klaim/{rejected['claim_id']}")
    phone.heading("Klaim JKK")
    expect(page.get_by_role("link", name="Ajukan ulang")).to_have_count(0)
    expect(page.get_by_text("Sudah diajukan ulang")).to_be_visible()
    page.get_by_role("link", name="buka klaim yang baru").click()
    phone.heading("Klaim JKK")
    assert page.evaluate("location.hash") == f"#/klaim/{refiled_id}"
    # A stale form (opened before the refiling, e.g. on a second phone) is refused by the server,
    # which names the newer claim.
    phone.go(f"/petani/{farmer['farmer_id']}/klaim?ulang={rejected['claim_id']}")
    phone.heading("Ajukan ulang klaim")
    page.get_by_role("button", name="Ajukan ulang klaim").click()
    expect(page.locator(".form-status")).to_contain_text(f"sudah diajukan ulang sebagai klaim {refiled_id}")
    page.get_by_role("link", name="Buka klaim yang baru").click()
    phone.heading("Klaim JKK")
    assert page.evaluate("location.hash") == f"#/klaim/{refiled_id}"
    assert len(agent.get("/claims", params={"farmer_id": farmer["farmer_id"]}).json()["items"]) == 2
