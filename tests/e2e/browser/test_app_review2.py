"""What the second blind review of the field app found (2026-12-07, `fieldapp2`), each driven as
a penyuluh or coordinator would meet it and checked against the API:

- D2: a KTP photo the server refuses (nearly empty) was reported as stored, and the refusal was
  never shown; the app now waits for the server's check, at registration and on the farmer page;
- D1: no screens to change a farmer's data (PATCH with If-Match), correct an identity
  (coordinator), or see the KTP copy (coordinator); "Iuran bulan ini" after an income change.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from sutasoma.domain.periods import add_months
from tests.e2e.browser.conftest import (
    AGENT,
    COORDINATOR,
    Phone,
    farmers_named,
    fill_registration,
    new_nik,
    pay,
    register_confirmed,
    tiny_jpeg,
    unique_name,
)

pytestmark = [pytest.mark.e2e]


def tiny_png() -> bytes:
    """A 4 x 4 picture: shrunk to a JPEG of well under 1 KiB, which the server refuses (TOO_SMALL)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc8\x32\x32" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def wait_for(check: Callable[[], Any], what: str, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.25)
    return found


def test_a_refused_ktp_photo_is_said_to_be_refused_at_registration_and_on_the_farmer_page(
    phone: Phone, user: Callable[[str], httpx.Client], camera_photo: bytes
) -> None:
    agent = user(AGENT)
    page = phone.page
    phone.sign_in(AGENT)
    name = unique_name("Rahmah")
    fill_registration(phone, name=name, nik=new_nik(), photo=tiny_png())
    phone.heading("Terdaftar")
    expect(page.get_by_text(f"{name} terdaftar.")).to_be_visible()
    refused = page.locator(".ktp-check").get_by_role("alert")
    expect(refused).to_contain_text("Foto KTP ditolak", timeout=25_000)
    expect(refused).to_contain_text("hampir kosong")
    expect(page.get_by_text("dengan foto KTP")).to_have_count(0)
    (listed,) = farmers_named(agent, name)
    farmer = agent.get(f"/farmers/{listed['farmer_id']}").json()
    assert farmer["ktp_uploaded_at"] is None and farmer["ktp_refused"]["refusal"] == "TOO_SMALL"

    # The farmer page says plainly that there is no KTP copy, and why.
    page.get_by_role("link", name="Buka data petani").click()
    state = page.locator(".ktp-state")
    expect(state).to_contain_text("Foto KTP belum ada", timeout=25_000)
    expect(state).to_contain_text("ditolak")

    # Again from the farmer page: refused, then a real photo stored.
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(state).to_contain_text("Foto KTP ditolak", timeout=25_000)
    expect(page.get_by_text("terunggah")).to_have_count(0)
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": camera_photo}]
    )
    expect(state).to_contain_text("Foto KTP tersimpan", timeout=25_000)
    assert agent.get(f"/farmers/{listed['farmer_id']}").json()["ktp_uploaded_at"]

    # A refused photo after a stored one: the stored one stays, and the refusal is said.
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(state).to_contain_text("Foto KTP ditolak", timeout=25_000)
    page.reload()
    expect(page.locator(".ktp-state")).to_contain_text(
        re.compile(r"Foto KTP tersimpan .* ditolak"), timeout=25_000
    )


def month_long(period: str) -> str:
    names = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]  # fmt: skip
    year, month = period.split("-")
    return f"{names[int(month) - 1]} {year}"


def test_an_agent_changes_a_farmers_income_and_phone_after_someone_else_changed_the_record(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent, coordinator = user(AGENT), user(COORDINATOR)
    farmer = register_confirmed(agent, monthly_income=1_500_000)
    farmer_id = farmer["farmer_id"]
    paid = pay(agent, farmer_id, 2)
    next_month = add_months(paid["periods"][-1], 1)
    page = phone.page
    phone.sign_in(AGENT)
    phone.go(f"/petani/{farmer_id}")
    phone.heading(farmer["full_name"])
    expect(page.get_by_role("link", name="Koreksi data diri")).to_have_count(0)
    expect(page.get_by_role("button", name="Lihat foto KTP")).to_have_count(0)
    page.get_by_role("link", name="Ubah data").click()
    phone.heading("Ubah data petani")
    # The income note names the month the new income applies from.
    expect(page.get_by_text(re.compile(f"berlaku mulai {month_long(next_month)}"))).to_be_visible()
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow == 0, (too_small, overflow)

    # Meanwhile the coordinator changes the address: the agent's save is refused (412) and reloaded.
    changed = coordinator.patch(f"/farmers/{farmer_id}", json={"address": "Dusun Baru RT 02"})
    assert changed.status_code == 200, changed.text
    page.get_by_label("Penghasilan per bulan (Rp)").fill("3000000")
    page.get_by_label("No. HP petani").fill("081399990000")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.get_by_text(re.compile("baru saja diubah orang lain"))).to_be_visible(timeout=25_000)
    expect(page.get_by_label("Alamat")).to_have_value("Dusun Baru RT 02")
    assert agent.get(f"/farmers/{farmer_id}").json()["monthly_income"] == 1_500_000

    page.get_by_label("Penghasilan per bulan (Rp)").fill("3000000")
    page.get_by_label("No. HP petani").fill("081399990000")
    page.get_by_role("button", name="Simpan perubahan").click()
    phone.heading(farmer["full_name"])
    now = agent.get(f"/farmers/{farmer_id}").json()
    assert (now["monthly_income"], now["phone"], now["address"]) == (
        3_000_000,
        "081399990000",
        "Dusun Baru RT 02",
    )
    # The page says what the next unpaid month costs at the new income, not "Iuran bulan ini".
    next_quote = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": 1}).json()
    assert next_quote["periods"] == [next_month]
    coverage = page.locator(".coverage-card")
    expect(coverage).to_contain_text("Iuran bulan ini sudah dibayar")
    expect(coverage).to_contain_text(rupiah(next_quote["amount"]))
    expect(coverage).not_to_contain_text(f"Iuran bulan ini {rupiah(now['monthly_contribution'])}")


def test_a_coordinator_corrects_an_identity_with_a_reason_and_opens_the_ktp_copy(
    phone: Phone, user: Callable[[str], httpx.Client], stack: dict[str, Any], browser: Any
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    farmer_id = farmer["farmer_id"]
    page = phone.page
    phone.sign_in(COORDINATOR)
    phone.go(f"/petani/{farmer_id}")
    phone.heading(farmer["full_name"])
    # No copy yet: said so.
    page.get_by_role("button", name="Lihat foto KTP").click()
    expect(page.get_by_text("Belum ada foto KTP yang tersimpan.")).to_be_visible(timeout=25_000)

    page.get_by_role("link", name="Koreksi data diri").click()
    phone.heading("Koreksi data diri")
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow == 0, (too_small, overflow)
    nik = page.get_by_label("NIK (16 digit dari KTP)")
    nik.fill("9912345678901234")
    expect(page.get_by_text("Kode provinsi 99 pada NIK tidak dikenal.")).to_be_visible()
    nik.fill(farmer_nik := agent.get(f"/farmers/{farmer_id}").json()["nik"])
    new_name = unique_name("Koreksi")
    page.get_by_label("Nama lengkap sesuai KTP").fill(new_name)
    page.get_by_label("Alasan koreksi").fill("abc")
    page.get_by_role("button", name="Simpan koreksi").click()
    expect(page.get_by_text("Tulis alasan koreksi, 5–500 karakter.")).to_be_visible()
    page.get_by_label("Alasan koreksi").fill("Nama salah ketik;\ndicocokkan dengan KTP asli")
    page.get_by_role("button", name="Simpan koreksi").click()
    phone.heading(new_name)
    now = agent.get(f"/farmers/{farmer_id}").json()
    assert now["full_name"] == new_name and now["nik"] == farmer_nik

    # A stored copy opens as a picture.
    upload_ktp(agent, farmer_id, tiny_jpeg(browser))
    page.reload()
    phone.heading(new_name)
    page.get_by_role("button", name="Lihat foto KTP").click()
    picture = page.get_by_role("img", name=f"Foto KTP {new_name}")
    expect(picture).to_be_visible(timeout=25_000)
    wait_for(
        lambda: picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the KTP copy never loaded"
    )


def test_an_agent_cannot_open_the_correction_screen(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    farmer = register_confirmed(user(AGENT))
    phone.sign_in(AGENT)
    phone.go(f"/petani/{farmer['farmer_id']}/koreksi")
    phone.heading("Khusus koordinator")


def upload_ktp(agent: httpx.Client, farmer_id: str, jpeg: bytes) -> None:
    target = agent.post(f"/farmers/{farmer_id}/ktp", json={"content_type": "image/jpeg"}).json()
    with httpx.Client(timeout=30.0, trust_env=False) as s3:
        sent = s3.post(
            target["upload_url"], data=target["fields"], files={"file": ("ktp.jpg", jpeg, "image/jpeg")}
        )
    assert sent.status_code in (200, 204), sent.text
    wait_for(
        lambda: agent.get(f"/farmers/{farmer_id}").json()["ktp_uploaded_at"], "the KTP copy was never checked"
    )


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def test_a_report_month_outside_the_picker_is_said_not_swapped_silently(phone: Phone) -> None:
    """`#/laporan?periode=` of a month the picker does not offer (not ended, too old, not a month)
    shows last month's report with a notice that names the month asked for and why."""
    page = phone.page
    phone.sign_in(COORDINATOR)
    for asked, why in (
        ("2099-01", "belum berakhir"),
        ("2020-01", "di luar 12 bulan terakhir"),
        ("bulan", "bukan bulan"),
    ):
        phone.go(f"/laporan?periode={asked}")
        phone.heading("Laporan bulanan")
        expect(page.locator("main")).to_contain_text(why, timeout=25_000)
        expect(page.locator("main")).to_contain_text("tidak dapat dibuka di sini")
    phone.go("/laporan")
    phone.heading("Laporan bulanan")
    expect(page.get_by_text("tidak dapat dibuka di sini")).to_have_count(0)
