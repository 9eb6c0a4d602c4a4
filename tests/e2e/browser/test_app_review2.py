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

from tests.e2e.browser.conftest import (
    AGENT,
    Phone,
    farmers_named,
    fill_registration,
    new_nik,
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
    expect(refused).to_contain_text("Foto KTP ditolak", timeout=15_000)
    expect(refused).to_contain_text("hampir kosong")
    expect(page.get_by_text("dengan foto KTP")).to_have_count(0)
    (listed,) = farmers_named(agent, name)
    farmer = agent.get(f"/farmers/{listed['farmer_id']}").json()
    assert farmer["ktp_uploaded_at"] is None and farmer["ktp_refused"]["refusal"] == "TOO_SMALL"

    # The farmer page says plainly that there is no KTP copy, and why.
    page.get_by_role("link", name="Buka data petani").click()
    state = page.locator(".ktp-state")
    expect(state).to_contain_text("Foto KTP belum ada", timeout=15_000)
    expect(state).to_contain_text("ditolak")

    # Again from the farmer page: refused, then a real photo stored.
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(state).to_contain_text("Foto KTP ditolak", timeout=15_000)
    expect(page.get_by_text("terunggah")).to_have_count(0)
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": camera_photo}]
    )
    expect(state).to_contain_text("Foto KTP tersimpan", timeout=20_000)
    assert agent.get(f"/farmers/{listed['farmer_id']}").json()["ktp_uploaded_at"]

    # A refused photo after a stored one: the stored one stays, and the refusal is said.
    page.locator("#ktp-file").set_input_files(
        files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(state).to_contain_text("Foto KTP ditolak", timeout=15_000)
    page.reload()
    expect(page.locator(".ktp-state")).to_contain_text(
        re.compile(r"Foto KTP tersimpan .* ditolak"), timeout=15_000
    )
