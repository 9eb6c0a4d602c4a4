"""What a blind review of the field app found (2026-12-07), each driven as a penyuluh would meet
it and checked against the API:

- the text "null" under a server's error on a form, and "[object HTMLHeadingElement],…" instead
  of "Terkirim hari ini" in Menunggu dikirim (native `append` given null or an array), which hid
  the real receipt of a payment captured offline;
- the worklist's "Bayar Rp X" opening the payment on 1 month when it asked for 2 or 4;
- Beranda's refunds ignoring the village filter and not naming the farmer;
- a payment captured offline offered again as unpaid; a deceased farmer's page showing a
  contribution due; the verification queue naming only the claimant; "Buka data petani" on
  Pengembalian under 48 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from sutasoma.adapters.dynamo import keys
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from tests.e2e.browser.conftest import (
    AGENT,
    COORDINATOR,
    OTHER_VILLAGE,
    VILLAGE,
    Phone,
    choose_months_and_take_cash,
    file_claim,
    fill_registration,
    pay,
    register_confirmed,
    unique_name,
)
from tests.support.local_stack import aws_client

pytestmark = [pytest.mark.e2e]

# What the native DOM methods write for null, undefined and an array of elements (run into the
# next text: "nullBuka petani …").
STRAY = re.compile(r"null|undefined|\[object ")


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def quote(agent: httpx.Client, farmer_id: str, months: int) -> dict[str, Any]:
    answer = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": months})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def paid_through(stack: dict[str, Any], farmer_id: str, period: str) -> None:
    """Test arrangement (as tests/integration/test_worklist.py): the farmer as the months would
    have left them. Records cannot be back-dated, so arrears are written on the profile."""
    aws_client(stack, "dynamodb").update_item(
        TableName=stack["tables"]["DomainTable"],
        Key={name: {"S": value} for name, value in keys.farmer(farmer_id).items()},
        UpdateExpression="SET paid_through = :p",
        ExpressionAttributeValues={":p": {"S": period}},
    )


def test_a_servers_error_under_a_form_shows_its_words_and_no_stray_text(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    already = register_confirmed(agent)
    nik = agent.get(f"/farmers/{already['farmer_id']}").json()["nik"]
    page = phone.page
    phone.sign_in(AGENT)
    fill_registration(phone, name=unique_name("Kembar"), nik=nik, photo=None)
    box = page.locator("form .form-status")
    expect(box.get_by_role("alert")).to_contain_text("NIK", timeout=15_000)
    expect(box.get_by_role("link", name="Buka petani yang sudah terdaftar")).to_be_visible()
    assert not STRAY.search(box.inner_text()), box.inner_text()


def test_menunggu_dikirim_links_the_real_receipt_of_a_payment_captured_offline_once_sent(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    farmer_id = farmer["farmer_id"]
    one = quote(agent, farmer_id, 1)
    page = phone.page
    phone.sign_in(AGENT)
    phone.wait_for_service_worker()
    phone.go(f"/petani/{farmer_id}/bayar")
    phone.heading("Bayar iuran")
    phone.context.set_offline(True)
    choose_months_and_take_cash(phone, 1)
    phone.heading("Kuitansi sementara")

    phone.go("/kirim")
    phone.heading("Menunggu dikirim")
    expect(page.locator("li.outbox-item")).to_have_count(1)
    assert not STRAY.search(page.locator("main").inner_text()), page.locator("main").inner_text()

    # The signal returns: the payment is sent, and its real receipt is linked under "Terkirim hari ini".
    phone.context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").click()
    phone.heading("Terkirim hari ini")
    (payment,) = agent.get(f"/farmers/{farmer_id}/payments").json()["items"]
    assert payment["periods"] == one["periods"]
    receipt = page.get_by_role("link", name=f"Kuitansi {payment['receipt_number']}")
    expect(receipt).to_be_visible()
    assert not STRAY.search(page.locator("main").inner_text()), page.locator("main").inner_text()
    receipt.click()
    expect(page.locator("article.receipt")).to_contain_text(payment["receipt_number"])


def test_a_payment_waiting_to_be_sent_is_not_offered_again_until_it_is_sent(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent)
    farmer_id = farmer["farmer_id"]
    one = quote(agent, farmer_id, 1)
    page = phone.page
    phone.sign_in(AGENT)
    phone.wait_for_service_worker()
    phone.go(f"/petani/{farmer_id}/bayar")
    phone.heading("Bayar iuran")
    phone.context.set_offline(True)
    choose_months_and_take_cash(phone, 1)
    phone.heading("Kuitansi sementara")
    # Back to the payment: the month just taken is not offered again as unpaid.
    phone.go(f"/petani/{farmer_id}/bayar")
    phone.heading("Bayar iuran")
    pending = page.locator("article.pending-payment")
    expect(pending).to_contain_text(f"{rupiah(one['amount'])} · ")
    expect(pending).to_contain_text("menunggu dikirim")
    expect(page.locator("input[name=months]")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Terima Rp"))).to_have_count(0)
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)
    # Still on this screen when the signal returns: the app sends by itself ("online"), then the
    # screen shows the server's quote for the month after it, without a reload.
    phone.context.set_offline(False)
    expect(pending).to_have_count(0, timeout=30_000)
    after = quote(agent, farmer_id, 1)
    assert after["periods"] != one["periods"]
    expect(page.get_by_role("button", name=f"Terima {rupiah(after['amount'])} tunai")).to_be_visible()
    expect(page.locator("label[for=m1]")).to_contain_text(rupiah(after["amount"]))
    (payment,) = agent.get(f"/farmers/{farmer_id}/payments").json()["items"]
    assert payment["periods"] == one["periods"]


def test_the_worklists_bayar_opens_the_payment_on_the_months_it_asks_for(
    phone: Phone, user: Callable[[str], httpx.Client], stack: dict[str, Any]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent, full_name=unique_name("Tunggak"), village_code=VILLAGE)
    farmer_id = farmer["farmer_id"]
    current = period_of(today_wita())
    paid_through(stack, farmer_id, add_months(current, -2))  # last month and this one unpaid
    worklist = agent.get("/agents/me/worklist", params={"village_code": VILLAGE}).json()
    (entry,) = [
        e for name in ("due_this_month", "in_arrears", "about_to_lapse") for e in worklist[name]
        if e["farmer_id"] == farmer_id
    ]  # fmt: skip
    assert entry["periods_due"] == [add_months(current, -1), current]
    two = quote(agent, farmer_id, 2)
    assert (two["amount"], two["periods"]) == (entry["amount_due"], entry["periods_due"])

    page = phone.page
    phone.sign_in(AGENT)
    phone.go(f"/?desa={VILLAGE}")
    row_action = page.get_by_role("link", name=re.compile(f"untuk {farmer['full_name']}"))
    expect(row_action).to_contain_text(rupiah(entry["amount_due"]))
    row_action.click()
    phone.heading("Bayar iuran")
    expect(page.locator("input[name=months]:checked")).to_have_value("2")
    expect(page.locator("label[for=m2]")).to_contain_text("sesuai daftar kerja")
    # The common choices stay beside it.
    assert page.locator("input[name=months]").evaluate_all("els => els.map((e) => e.value)") == [
        "2", "1", "3", "6", "12",
    ]  # fmt: skip
    confirm = page.get_by_role("button", name=f"Terima {rupiah(entry['amount_due'])} tunai")
    expect(confirm).to_be_visible()
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)
    confirm.click()
    phone.answer_dialog("Ya, uang diterima")
    phone.heading("Kuitansi")
    (payment,) = agent.get(f"/farmers/{farmer_id}/payments").json()["items"]
    assert (payment["amount"], payment["periods"]) == (entry["amount_due"], entry["periods_due"])

    # Any number of 1-12 months asked for is offered and preselected with its own quote.
    four = quote(agent, farmer_id, 4)
    phone.go(f"/petani/{farmer_id}/bayar?bulan=4")
    expect(page.locator("input[name=months]:checked")).to_have_value("4")
    expect(page.locator("label[for=m4]")).to_contain_text(rupiah(four["amount"]))
    expect(page.get_by_role("button", name=f"Terima {rupiah(four['amount'])} tunai")).to_be_visible()
    # Not a number of months the app offers: the first choice, as before.
    phone.go(f"/petani/{farmer_id}/bayar?bulan=13")
    expect(page.locator("input[name=months]:checked")).to_have_value("1")
    expect(page.locator("input[name=months]")).to_have_count(4)


def test_beranda_refunds_follow_the_village_filter_and_name_the_farmer(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    here = register_confirmed(agent, full_name=unique_name("Almarhum"), village_code=VILLAGE)
    there = register_confirmed(agent, full_name=unique_name("Jauh"), village_code=OTHER_VILLAGE)
    for farmer in (here, there):
        pay(agent, farmer["farmer_id"], months=3)
        died = agent.post(
            f"/farmers/{farmer['farmer_id']}/death", json={"date_of_death": today_wita().isoformat()}
        )
        assert died.status_code == 200, died.text
    in_village = agent.get("/agents/me/worklist", params={"village_code": VILLAGE}).json()[
        "refunds_to_return"
    ]
    (refund,) = [r for r in in_village if r["farmer_id"] == here["farmer_id"]]
    assert all(r["village_code"] == VILLAGE for r in in_village)

    page = phone.page
    phone.sign_in(AGENT)
    section = page.locator("#kembali")
    # The whole kecamatan: both, each by name.
    expect(section.locator(".row-title").filter(has_text=there["full_name"])).to_be_visible()
    phone.go(f"/?desa={VILLAGE}")
    expect(page.get_by_label("Desa/kelurahan")).to_have_value(VILLAGE)
    titles = section.locator(".row-title")
    expect(titles.filter(has_text=there["full_name"])).to_have_count(0)
    expect(titles).to_have_count(len(in_village))
    row = section.locator("li.row").filter(has_text=here["full_name"])
    expect(row).to_contain_text(f"{rupiah(refund['amount'])} dikembalikan")
    expect(page.locator("nav.jump").get_by_role("button", name=re.compile("^Pengembalian"))).to_have_text(
        f"Pengembalian {len(in_village)}"
    )

    # Pengembalian: its touch targets are 48 px, "Buka data petani" among them.
    row.get_by_role("link").click()
    phone.heading("Pengembalian")
    card = page.locator(f"#r-{refund['refund_id']}")
    expect(card.get_by_role("link", name="Buka data petani")).to_be_visible()
    too_small, overflow = phone.layout_problems()
    assert too_small == [] and overflow <= 0, (too_small, overflow)

    # The deceased farmer's page: nothing due any more, the months after death given back.
    card.get_by_role("link", name="Buka data petani").click()
    phone.heading(here["full_name"])
    coverage = page.locator(".coverage-card")
    expect(coverage.locator(".chip")).to_have_text("Berakhir")
    expect(coverage).to_contain_text("dikembalikan")
    expect(coverage).not_to_contain_text("Iuran bulan ini")
    expect(coverage).not_to_contain_text("lunas s.d.")


def test_the_verification_queue_names_the_farmer_beside_the_claimant(
    phone: Phone, user: Callable[[str], httpx.Client]
) -> None:
    agent = user(AGENT)
    farmer = register_confirmed(agent, full_name=unique_name("Korban"))
    pay(agent, farmer["farmer_id"])
    claimant = {"full_name": "Ahli Waris Uji", "relationship": "spouse", "phone": "081234567891"}
    claim = file_claim(agent, farmer, claimant=claimant)
    page = phone.page
    phone.sign_in(COORDINATOR)
    phone.go("/verifikasi")
    phone.heading("Verifikasi klaim")
    row = page.locator(f"a[href='#/verifikasi/{claim['claim_id']}']")
    expect(row.locator(".row-title")).to_have_text(f"JKK · {farmer['full_name']}")
    expect(row).to_contain_text("Pengaju: Ahli Waris Uji")
    row.click()
    phone.heading("Verifikasi klaim JKK")
    expect(page.get_by_role("link", name=re.compile(f"^{farmer['full_name']}"))).to_be_visible()
