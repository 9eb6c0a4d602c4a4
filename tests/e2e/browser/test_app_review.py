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
from tests.e2e.browser.conftest import (
    AGENT,
    Phone,
    choose_months_and_take_cash,
    fill_registration,
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
