"""The field app in a phone's browser against the local stack's API as it is today (before
CONTRACT r2): sign in, register with a KTP photo, pay and get the receipt; work captured offline
reaching the server once each after a reload; claims with document photos and their verification
by another user; the worklist, search, the report; token refresh, Keluar, installability.

What needs r2 routes is in test_app_r2.py."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
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
    OTHER_VILLAGE,
    VILLAGE,
    Phone,
    choose_months_and_take_cash,
    farmers_named,
    file_claim,
    fill_registration,
    ktp_objects,
    new_nik,
    pay,
    register_confirmed,
    tiny_jpeg,
    unique_name,
    upload_documents,
)
from tests.support.farmers import farmer_body
from tests.support.local_stack import aws_client

pytestmark = pytest.mark.e2e
# ---------------------------------------------------------------------------------- the visit


def test_an_agent_signs_in_registers_a_farmer_with_a_ktp_photo_pays_and_gets_the_receipt(
    phone: Phone, user: Callable[[str], httpx.Client], stack: dict[str, Any], camera_photo: bytes
) -> None:
    page = phone.page
    phone.sign_in(AGENT)
    name, nik = unique_name(), new_nik()
    fill_registration(phone, name=name, nik=nik, photo=camera_photo)
    phone.heading("Terdaftar")
    expect(page.get_by_text(f"{name} terdaftar.")).to_be_visible()
    # The photo counts once the server has checked it (a second or two later).
    expect(page.get_by_text("Foto KTP tersimpan: sudah diperiksa server.")).to_be_visible(timeout=15_000)

    agent = user(AGENT)
    (farmer,) = farmers_named(agent, name)
    assert farmer["nik_masked"] == nik[:4] + "********" + nik[-4:]
    assert farmer["village_code"] == VILLAGE and farmer["sex"] == "F" and farmer["birth_date"] == "1980-08-17"
    assert [h["full_name"] for h in farmer["heirs"]] == ["Baso"]
    (ktp,) = ktp_objects(stack, farmer["farmer_id"])
    assert ktp["ContentType"] == "image/jpeg" and 10_000 < ktp["Size"] <= 1_000_000, ktp["Size"]

    page.get_by_role("link", name="Bayar iuran pertama").click()
    phone.heading("Bayar iuran")
    quote = agent.get(f"/farmers/{farmer['farmer_id']}/payments/quote", params={"months": 3}).json()
    choose_months_and_take_cash(phone, 3)
    phone.heading("Kuitansi")
    (payment,) = agent.get(f"/farmers/{farmer['farmer_id']}/payments").json()["items"]
    assert payment["amount"] == quote["amount"] and payment["periods"] == quote["periods"]
    receipt = page.locator("article.receipt")
    expect(receipt).to_contain_text(payment["receipt_number"])
    expect(receipt).to_contain_text(name)
    expect(receipt).to_contain_text("Rp " + f"{quote['amount']:,}".replace(",", "."))
    # Shareable: a WhatsApp link to the farmer's number with the receipt's text; printable.
    whatsapp = page.get_by_role("link", name="Kirim lewat WhatsApp").get_attribute("href") or ""
    assert whatsapp.startswith("https://wa.me/6281234567890?text=") and payment[
        "receipt_number"
    ] in httpx.URL(whatsapp).params.get("text", "")
    expect(page.get_by_role("button", name="Cetak")).to_be_visible()
    expect(page.get_by_role("button", name="Bagikan")).to_be_visible()


def test_the_receipt_prints_alone_on_a_narrow_receipt_roll(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    payment = pay(agent, farmer["farmer_id"])
    phone.sign_in(AGENT)
    phone.go(f"/kuitansi/{payment['payment_id']}?petani={farmer['farmer_id']}")
    phone.heading("Kuitansi")
    page = phone.page
    page.emulate_media(media="print")
    assert not page.locator("#tabs").is_visible() and not page.locator("header.top").is_visible()
    assert not page.get_by_role("button", name="Cetak").is_visible()
    expect(page.locator("article.receipt")).to_contain_text(payment["receipt_number"])
    pdf = page.pdf(prefer_css_page_size=True)
    # @page 58 mm wide: PDF points = 58 / 25.4 * 72 = 164.4
    width = float(re.search(rb"/MediaBox \[0 0 ([\d.]+) ", pdf).group(1))  # type: ignore[union-attr]
    assert abs(width - 164.4) < 2, width


def test_a_bad_nik_is_flagged_as_it_is_typed_in_the_servers_words_and_a_good_one_fills_the_form(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    page = phone.page
    phone.sign_in(AGENT)
    phone.go("/daftar")
    phone.heading("Daftar baru")
    nik_field = page.get_by_label("NIK (16 digit dari KTP)")
    agent = user(AGENT)
    for bad in ("9912045708800003", "7312043208800003", "7312045708800000", "7300045708800003"):
        nik_field.fill(bad)
        refused = agent.post("/farmers", json={"nik": bad, "full_name": "Uji", "phone": "081234567890",
                                               "kecamatan_code": "73.12.04", "village_code": VILLAGE,
                                               "address": "Dusun", "commodity": "padi", "consent": True})  # fmt: skip
        assert refused.status_code == 422 and refused.json()["code"] == "NIK_INVALID", refused.text
        (error,) = refused.json()["errors"]
        expect(page.locator(".field-error").first).to_have_text(error["message"])
        assert nik_field.get_attribute("aria-invalid") == "true"
    nik_field.fill("7312044108800003")  # a woman born on 1 August 1980
    expect(page.locator(".field-error").first).to_have_text("")
    assert page.get_by_label("Tanggal lahir").input_value() == "1980-08-01"
    assert page.get_by_label("Jenis kelamin").input_value() == "F"
    expect(page.locator(".nik-info")).to_contain_text("perempuan, lahir 1 Agu 1980")
    page.get_by_label("Jenis kelamin").select_option("M")
    expect(page.get_by_text("Jenis kelamin tidak sesuai dengan NIK")).to_be_visible()
    # The villages offered are the agent's kecamatan's (Lalabata: 10), and only those.
    villages = page.get_by_label("Desa/kelurahan").locator("option").all_inner_texts()
    assert len(villages) == 1 + 10 and "Kel. Lalabata Rilau" in villages


def test_offline_a_registration_and_a_payment_wait_survive_a_reload_and_reach_the_server_once(
    phone: Phone, user: Callable[[str], httpx.Client], stack: dict[str, Any], camera_photo: bytes
) -> None:
    agent = user(AGENT)
    to_pay = register_confirmed(agent)
    already = register_confirmed(agent)  # its NIK again is refused: NIK_ALREADY_REGISTERED
    already_nik = agent.get(f"/farmers/{already['farmer_id']}").json()["nik"]
    page = phone.page
    phone.sign_in(AGENT)
    phone.wait_for_service_worker()

    # The visit begins with a signal: the farmer's page and the payment screen (the quotes) load.
    phone.go(f"/petani/{to_pay['farmer_id']}/bayar")
    phone.heading("Bayar iuran")
    quote = agent.get(f"/farmers/{to_pay['farmer_id']}/payments/quote", params={"months": 1}).json()

    phone.context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Tanpa sinyal")
    choose_months_and_take_cash(phone, 1)
    phone.heading("Kuitansi sementara")
    expect(phone.badge()).to_have_text("Menunggu dikirim (1)")

    new_name = unique_name("Sitti")
    fill_registration(phone, name=new_name, nik=new_nik(date(1975, 3, 9), "F"), photo=camera_photo)
    phone.heading("Tersimpan di HP")
    fill_registration(phone, name=unique_name("Kembar"), nik=already_nik, photo=None)
    phone.heading("Tersimpan di HP")
    expect(phone.badge()).to_have_text("Menunggu dikirim (3)")

    # A reload without a signal: the app comes from the service worker, the outbox from IndexedDB.
    page.reload()
    phone.heading("Daftar baru")
    expect(phone.badge()).to_have_text("Menunggu dikirim (3)", timeout=15_000)
    phone.go("/kirim")
    phone.heading("Menunggu dikirim")
    expect(page.locator("li.outbox-item")).to_have_count(3)
    assert farmers_named(agent, new_name) == []
    assert agent.get(f"/farmers/{to_pay['farmer_id']}/payments").json()["items"] == []

    # The signal returns: everything is sent by itself; the refused one stays with the server's words.
    phone.context.set_offline(False)
    expect(phone.badge()).to_have_text("Menunggu dikirim (1)", timeout=30_000)
    refused = agent.post("/farmers", json=farmer_body(nik=already_nik, birth=date(1979, 5, 14), sex="F"))
    assert refused.status_code == 409, refused.text
    item = page.locator("li.outbox-item.state-refused")
    expect(item.locator(".problem")).to_have_text(refused.json()["detail"])
    expect(item.get_by_role("link", name="Buka petani yang sudah terdaftar")).to_be_visible()

    # Once each, checked through the API; sending again ("Kirim sekarang") records nothing more.
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(page.get_by_role("status").filter(has_text="terkirim")).to_be_visible()
    (registered,) = farmers_named(agent, new_name)
    payments = agent.get(f"/farmers/{to_pay['farmer_id']}/payments").json()["items"]
    assert [(p["amount"], p["periods"]) for p in payments] == [(quote["amount"], quote["periods"])]
    assert len(ktp_objects(stack, registered["farmer_id"])) == 1
    # The payment was taken while offline: paid_at is when the cash changed hands, not when sent.
    assert payments[0]["paid_at"] < payments[0]["recorded_at"]
    # Sent items leave the browser: only the refused one is still in IndexedDB.
    stored = page.evaluate(
        """() => new Promise((resolve) => {
             const open = indexedDB.open('sutasoma');
             open.onsuccess = () => {
               const request = open.result.transaction('outbox').objectStore('outbox').getAll();
               request.onsuccess = () => resolve(request.result.map((i) => [i.kind, i.state]));
             };
           })"""
    )
    assert stored == [["register", "refused"]]


def test_keluar_wipes_the_outbox_and_the_session(phone: Phone) -> None:
    page = phone.page
    phone.sign_in(AGENT)
    phone.wait_for_service_worker()
    phone.context.set_offline(True)
    fill_registration(phone, name=unique_name(), nik=new_nik(), photo=None)
    phone.heading("Tersimpan di HP")
    phone.go("/menu")
    page.get_by_role("button", name="Keluar").click()
    expect(page.locator("dialog.ask")).to_contain_text("1 catatan belum terkirim")
    phone.answer_dialog("Keluar")
    phone.heading("Masuk")
    left = page.evaluate(
        """async () => ({
             databases: (await indexedDB.databases()).map((d) => d.name),
             session: localStorage.getItem('sutasoma.session'),
           })"""
    )
    assert left == {"databases": [], "session": None}
    phone.context.set_offline(False)


# ---------------------------------------------------------------------------------- worklist, search


def test_beranda_lists_the_days_work_by_section_and_narrows_to_a_village(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    here = register_confirmed(agent, full_name=unique_name("Desa"), village_code=VILLAGE)
    there = register_confirmed(agent, full_name=unique_name("Lain"), village_code=OTHER_VILLAGE)
    page = phone.page
    phone.sign_in(AGENT)
    due = page.locator("#jatuh")
    titles = due.locator(".row-title")
    expect(titles.filter(has_text=here["full_name"])).to_be_visible()
    expect(titles.filter(has_text=there["full_name"])).to_be_visible()
    for section in ("Jatuh tempo", "Tunggakan", "Hampir nonaktif", "Dokumen klaim", "Pengembalian"):
        expect(page.get_by_role("heading", name=re.compile(f"^{section}"))).to_be_visible()
    page.get_by_label("Desa/kelurahan").select_option(VILLAGE)
    expect(titles.filter(has_text=here["full_name"])).to_be_visible()
    expect(titles.filter(has_text=there["full_name"])).to_have_count(0)
    # The row's action opens the payment for the months due.
    due.get_by_role("link", name=re.compile(f"untuk {here['full_name']}")).click()
    phone.heading("Bayar iuran")


def test_petani_finds_a_farmer_by_name_nik_or_kpj_and_shows_coverage_in_words_and_colour(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    paid = pay(agent, farmer["farmer_id"], months=2)
    whole = agent.get(f"/farmers/{farmer['farmer_id']}").json()
    page = phone.page
    phone.sign_in(AGENT)
    for query in (farmer["full_name"], whole["nik"], whole["kpj_number"]):
        phone.go("/petani")
        phone.heading("Petani")
        page.get_by_label("Cari petani").fill(query)
        page.get_by_role("button", name="Cari").click()
        expect(page.locator("ul.rows li")).to_have_count(1, timeout=15_000)
        expect(page.locator("ul.rows li")).to_contain_text(farmer["full_name"])
    page.locator("ul.rows li a").click()
    phone.heading(farmer["full_name"])
    chip = page.locator(".coverage-card .chip")
    expect(chip).to_have_text("Aktif")
    assert "tone-ok" in (chip.get_attribute("class") or "")
    through = paid["coverage"]["paid_through"]
    expect(page.locator(".coverage-card")).to_contain_text("lunas s.d.")
    assert period_of(today_wita()) <= through
    expect(page.get_by_text(paid["receipt_number"])).to_be_visible()
    # The NIK is masked until asked for.
    expect(page.get_by_text(whole["nik"])).to_have_count(0)
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_text(whole["nik"])).to_be_visible()


# ---------------------------------------------------------------------------------- claims


def test_an_agent_files_a_claim_photographs_its_documents_and_sees_the_estimate_and_timeline(
    phone: Phone, user: Callable[[str], httpx.Client], camera_photo: bytes
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    pay(agent, farmer["farmer_id"])
    page = phone.page
    phone.sign_in(AGENT)
    phone.go(f"/petani/{farmer['farmer_id']}/klaim")
    phone.heading("Ajukan klaim")
    page.get_by_label("Tanggal kejadian").fill(today_wita().isoformat())
    page.get_by_label("Kronologi singkat").fill("Tangan terluka parang saat membersihkan pematang")
    page.get_by_role("button", name="Ajukan klaim").click()
    phone.heading("Klaim JKK")
    expect(page.locator(".estimate")).to_contain_text("jumlah akhir ditetapkan BPJS")
    expect(page.locator(".estimate li").first).to_contain_text("Perawatan")
    (claim,) = agent.get("/claims", params={"farmer_id": farmer["farmer_id"]}).json()["items"]
    assert claim["status"] == "SUBMITTED" and claim["created_by"] == AGENT
    first = claim["documents"][0]
    row = page.locator("li.doc").filter(has_text=first["name"])
    expect(row.locator(".doc-status")).to_have_text("Belum ada")
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "doc.png", "mimeType": "image/png", "buffer": camera_photo}]
    )
    expect(page.locator("li.doc").filter(has_text=first["name"]).locator(".doc-status")).to_have_text(
        "Terunggah", timeout=20_000
    )
    uploaded = agent.get(f"/claims/{claim['claim_id']}").json()["documents"]
    assert [d["uploaded"] for d in uploaded if d["doc_type"] == first["doc_type"]] == [True]
    timeline = page.get_by_role("list", name="Status klaim")
    expect(timeline.locator("li.done")).to_have_count(1)
    expect(timeline.locator("li[aria-current=step]")).to_contain_text("Diajukan")


def test_a_coordinator_verifies_a_claim_another_user_filed(
    phone: Phone, user: Callable[[str], httpx.Client], browser: Browser
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    pay(agent, farmer["farmer_id"])
    claim = file_claim(agent, farmer)
    upload_documents(agent, claim, tiny_jpeg(browser))
    page = phone.page
    phone.sign_in(COORDINATOR)
    page.locator("a.tab-claim").click()
    phone.heading("Verifikasi klaim")
    page.locator(f"a[href='#/verifikasi/{claim['claim_id']}']").click()
    phone.heading("Verifikasi klaim JKK")
    expect(page.locator("li.doc.uploaded")).to_have_count(len(claim["required_documents"]))
    expect(page.get_by_text("Anda yang mengajukan klaim ini")).to_have_count(0)
    page.get_by_role("button", name="Verifikasi dan kirim ke BPJS").click()
    # Documents not opened yet (opening needs r2's GET /claims/{id}/documents/{doc_type}): asked.
    phone.answer_dialog("Tetap verifikasi")
    phone.heading("Klaim JKK")
    verified = agent.get(f"/claims/{claim['claim_id']}").json()
    assert verified["status"] in ("VERIFIED", "SENT_TO_BPJS", "APPROVED", "PAID")
    assert [e["by"] for e in verified["history"] if e["status"] == "VERIFIED"] == [COORDINATOR]
    timeline = page.get_by_role("list", name="Status klaim")
    expect(timeline.locator("li.done").filter(has_text="Diverifikasi")).to_have_count(1)
    expect(timeline.locator("li.done").filter(has_text=COORDINATOR)).to_have_count(1)


def test_a_coordinator_cannot_verify_a_claim_they_filed_themselves(
    phone: Phone, user: Callable[[str], httpx.Client], browser: Browser
) -> None:
    coordinator = user(COORDINATOR)
    farmer = register_confirmed(coordinator)
    pay(coordinator, farmer["farmer_id"])
    claim = file_claim(coordinator, farmer)
    upload_documents(coordinator, claim, tiny_jpeg(browser))
    page = phone.page
    phone.sign_in(COORDINATOR)
    phone.go(f"/verifikasi/{claim['claim_id']}")
    phone.heading("Verifikasi klaim JKK")
    expect(page.get_by_text("Anda yang mengajukan klaim ini")).to_be_visible()
    expect(page.get_by_role("button", name="Verifikasi dan kirim ke BPJS")).to_be_disabled()
    assert coordinator.get(f"/claims/{claim['claim_id']}").json()["status"] == "SUBMITTED"


# ---------------------------------------------------------------------------------- report


def test_a_coordinator_reads_the_monthly_report_and_downloads_its_files(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    period = add_months(period_of(today_wita()), -1)
    generated = user("admin").post(f"/reports/{period}")
    assert generated.status_code == 201, generated.text
    page = phone.page
    phone.sign_in(COORDINATOR)
    phone.go(f"/laporan?periode={period}")
    phone.heading("Laporan bulanan")
    card = page.locator("article.card")
    expect(card).to_have_count(1)  # the coordinator's own BPP only
    expect(card).to_contain_text("BPP Lalabata")
    expect(card).to_contain_text("Kolektibilitas")
    expect(page.locator("main")).not_to_contain_text("Tingkat bayar")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="CSV").click()
    download = downloading.value
    assert re.fullmatch(rf"sutasoma-{period}-v\d+\.csv", download.suggested_filename), (
        download.suggested_filename
    )
    assert "Lalabata" in Path(download.path()).read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------------------------- the platform


def test_the_id_token_is_refreshed_before_it_expires(phone: Phone) -> None:
    page = phone.page
    phone.sign_in(AGENT)
    before = page.evaluate("JSON.parse(localStorage.getItem('sutasoma.session'))")
    # Make the stored token look about to expire; the next call refreshes it (REFRESH_TOKEN_AUTH).
    page.evaluate(
        """() => { const s = JSON.parse(localStorage.getItem('sutasoma.session'));
                   s.expiresAt = Date.now() + 30000; localStorage.setItem('sutasoma.session', JSON.stringify(s)); }"""
    )
    time.sleep(1.1)  # a new token has a later iat
    page.reload()
    phone.heading("Beranda")
    after = page.evaluate("JSON.parse(localStorage.getItem('sutasoma.session'))")
    assert after["idToken"] != before["idToken"] and after["refreshToken"] == before["refreshToken"]
    assert after["expiresAt"] > before["expiresAt"] - 60_000


def test_a_new_user_sets_a_password_at_the_first_sign_in(phone: Phone, stack: dict[str, Any]) -> None:
    idp = aws_client(stack, "cognito-idp")
    username = f"penyuluh.baru.{int(time.time() * 1000) % 100000}"
    idp.admin_create_user(
        UserPoolId=stack["user_pool_id"],
        Username=username,
        TemporaryPassword="Sementara-2026",
        UserAttributes=[{"Name": "custom:kecamatan", "Value": "73.12.04"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_add_user_to_group(UserPoolId=stack["user_pool_id"], Username=username, GroupName="agent")
    page = phone.page
    phone.open("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.locator("input[name=password]").fill("Sementara-2026")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Akun baru: buat kata sandi Anda sendiri")).to_be_visible()
    page.get_by_label("Kata sandi baru").fill("Sawah-Hijau-2026")
    page.get_by_role("button", name="Simpan kata sandi dan masuk").click()
    phone.heading("Beranda")
    expect(page.locator(".lead").first).to_contain_text("Lalabata")


def test_the_app_is_installable_and_opens_without_a_network_after_the_first_visit(phone: Phone) -> None:
    page = phone.page
    phone.open("/masuk")
    phone.heading("Masuk")
    phone.wait_for_service_worker()
    cdp = phone.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito profiles, where Chrome installs nothing: that one is ours.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and '"short_name": "SUTASOMA"' in manifest["data"]
    phone.context.set_offline(True)
    page.reload()
    phone.heading("Masuk")  # index.html, the modules and config.json from the worker's caches
    phone.context.set_offline(False)


def test_every_screen_fits_a_360_px_phone_with_touch_targets_of_48_px(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    payment = pay(agent, farmer["farmer_id"])
    page = phone.page
    phone.sign_in(AGENT)
    routes = {
        "/": "Beranda",
        "/petani": "Petani",
        f"/petani/{farmer['farmer_id']}": farmer["full_name"],
        f"/petani/{farmer['farmer_id']}/bayar": "Bayar iuran",
        f"/kuitansi/{payment['payment_id']}?petani={farmer['farmer_id']}": "Kuitansi",
        "/daftar": "Daftar baru",
        f"/petani/{farmer['farmer_id']}/klaim": "Ajukan klaim",
        f"/petani/{farmer['farmer_id']}/kematian": "Catat kematian",
        "/klaim": "Klaim",
        "/pengembalian": "Pengembalian",
        "/kirim": "Menunggu dikirim",
        "/menu": "Lainnya",
    }
    for route, title in routes.items():
        phone.go(route)
        phone.heading(title)
        page.wait_for_timeout(100)
        too_small, overflow = phone.layout_problems()
        assert too_small == [], f"{route}: {too_small}"
        assert overflow <= 0, f"{route} scrolls sideways by {overflow} px"


def test_an_ended_session_is_said_on_the_sign_in_screen(phone: Phone) -> None:
    """A refresh token Cognito no longer accepts (NotAuthorizedException) ends the session: the
    sign-in screen says so instead of appearing without a word."""
    page = phone.page
    phone.sign_in(AGENT)
    page.evaluate(
        """() => { const s = JSON.parse(localStorage.getItem('sutasoma.session'));
                   s.expiresAt = Date.now() + 30000; s.refreshToken = 'tidak-berlaku';
                   localStorage.setItem('sutasoma.session', JSON.stringify(s)); }"""
    )
    page.reload()
    expect(page.get_by_text("Sesi Anda telah berakhir")).to_be_visible(timeout=25_000)
    assert page.evaluate("localStorage.getItem('sutasoma.session')") is None
    phone.sign_in(AGENT)
    expect(page.get_by_text("Sesi Anda telah berakhir")).to_have_count(0)
