"""Browser tests of the field app: Debian's chromium driven by Playwright for Python (its own
browser download is not reachable here), at 360 x 640, against a local stack of their own started
on free ports like the other e2e stacks, with the BPJS simulator and the SQS pollers on (so that
registrations are confirmed and get a KPJ number) and no seed.

`make test` installs chromium when it is missing (`make chromium`); without it these tests fail,
they never skip. Every test fails on a script error, a CSP or Trusted Types violation, or any
console error other than a refused request (tests provoke 4xx answers and go offline on purpose).
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from sutasoma.domain.clock import today_wita
from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import (
    StackProcess,
    aws_client,
    start_local_stack,
    stop_local_stack,
    user_clients,
)

# The flags this machine's chromium needs (no sandbox as root; no calls to Google's services).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
PASSWORD = "Soppeng-Demo-2026"
CONFIRMED_TIMEOUT_S = 15.0
# Console lines a test may cause on purpose: a refused request, a request made while offline.
EXPECTED_CONSOLE = re.compile(
    r"Failed to load resource: (the server responded with a status of 4\d\d|net::ERR_INTERNET_DISCONNECTED)"
)


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("no chromium: `make test` installs it (apt-get install -y chromium, as root)")
    return path


@pytest.fixture(scope="session")
def app_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    running = start_local_stack(tmp_path_factory.mktemp("browser-stack"), "--no-seed", "--no-schedules")
    try:
        yield running
    finally:
        stop_local_stack(running.process)


@pytest.fixture(scope="session")
def stack(app_stack: StackProcess) -> dict[str, Any]:
    return app_stack.descriptor


@pytest.fixture(scope="session")
def user(stack: dict[str, Any]) -> Iterator[Callable[[str], httpx.Client]]:
    """`user("agen.lalabata")`: the API as that demo user (to prepare and to check what the app did)."""
    yield from user_clients(stack, timeout=30.0)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def camera_photo(browser: Browser) -> bytes:
    """A phone camera's photo: 2400 x 1600 of noise (incompressible, ~11 MB as PNG) with a card on it."""
    page = browser.new_page(viewport={"width": 2400, "height": 1600})
    page.set_content("<canvas id=c width=2400 height=1600></canvas>")
    page.evaluate(
        """() => {
          const c = document.getElementById('c').getContext('2d');
          const img = c.createImageData(2400, 1600);
          for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : Math.random() * 255;
          c.putImageData(img, 0, 0);
          c.fillStyle = '#dbe9f7'; c.fillRect(300, 300, 1800, 1000);
          c.fillStyle = '#123'; c.font = 'bold 110px sans-serif'; c.fillText('KARTU TANDA PENDUDUK', 400, 480);
        }"""
    )
    photo = page.screenshot(type="png")
    page.close()
    assert len(photo) > 5_000_000
    return photo


@dataclass
class Phone:
    """One phone: a browser context at 360 x 640 and its page, watching the console."""

    context: BrowserContext
    page: Page
    app_url: str
    problems: list[str] = field(default_factory=list)

    def open(self, route: str = "/") -> None:
        self.page.goto(f"{self.app_url}/#{route}")

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.open("/masuk")
        self.page.get_by_label("Nama pengguna").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.page.get_by_role("button", name="Masuk").click()
        expect(self.page.get_by_role("heading", name="Beranda")).to_be_visible(timeout=15_000)

    def wait_for_service_worker(self) -> None:
        """The shell cached and the page controlled: from now on it opens without a network."""
        # Polled from here: page.wait_for_function evaluates strings, which the app's CSP forbids.
        deadline = time.monotonic() + 15
        while not self.page.evaluate("navigator.serviceWorker.controller !== null"):
            assert time.monotonic() < deadline, "the service worker never took control of the page"
            time.sleep(0.1)
        self.page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    def go(self, route: str) -> None:
        self.page.evaluate(
            """route => {
                 if (location.hash === '#' + route) window.dispatchEvent(new HashChangeEvent('hashchange'));
                 else location.hash = '#' + route;
               }""",
            route,
        )

    def heading(self, name: str, timeout: float = 15_000) -> None:
        expect(self.page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=timeout)

    def badge(self) -> Any:
        return self.page.locator("#outbox-badge")

    def answer_dialog(self, button: str) -> None:
        self.page.locator("dialog.ask").get_by_role("button", name=button).click()

    def layout_problems(self) -> tuple[list[Any], int]:
        """The screen's visible touch targets smaller than 48 x 48 px, and how far it scrolls sideways."""
        too_small: list[Any] = self.page.evaluate(
            """() => [...document.querySelectorAll('main button, main a.button, main select, main input:not([type=file]):not([type=radio]):not([type=checkbox]), nav.tabs a, main .row-main, main label.button')]
                 .filter((el) => el.offsetParent !== null && !el.closest('.visually-hidden'))
                 .map((el) => [el.textContent.trim().slice(0, 30) || el.name || el.tagName, el.getBoundingClientRect().height, el.getBoundingClientRect().width])
                 .filter(([, h, w]) => h < 48 || w < 48)"""
        )
        overflow: int = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        return too_small, overflow


@pytest.fixture
def phone(browser: Browser, stack: dict[str, Any]) -> Iterator[Phone]:
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        timezone_id="Asia/Makassar",
        service_workers="allow",
        accept_downloads=True,
    )
    page = context.new_page()
    phone = Phone(context, page, stack["app_url"])
    page.on("pageerror", lambda error: phone.problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            phone.problems.append(f"console: {message.text}")
            if message.type == "error" and not EXPECTED_CONSOLE.search(message.text)
            else None
        ),
    )
    try:
        yield phone
    finally:
        context.close()
    assert phone.problems == [], "the app logged errors (CSP, Trusted Types, exceptions)"


# ---------------------------------------------------------------------------------- app helpers

AGENT = "agen.lalabata"
COORDINATOR = "koordinator.lalabata"
VILLAGE = "73.12.04.1001"  # Kelurahan Lalabata Rilau
OTHER_VILLAGE = "73.12.04.1002"


def fill_registration(
    phone: Phone, *, name: str, nik: str, photo: bytes | None, village: str = VILLAGE
) -> None:
    page = phone.page
    phone.go("/daftar")
    phone.heading("Daftar baru")
    page.get_by_label("NIK (16 digit dari KTP)").fill(nik)
    page.get_by_label("Nama lengkap sesuai KTP").fill(name)
    page.get_by_label("No. HP petani").fill("081234567890")
    page.get_by_label("Desa/kelurahan").select_option(village)
    page.get_by_label("Alamat").fill("Dusun Ompo RT 01")
    page.get_by_role("button", name="+ Tambah ahli waris").click()
    page.locator("fieldset.heir").get_by_label("Nama").fill("Baso")
    if photo is not None:
        page.locator("#ktp-photo").set_input_files(
            files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": photo}]
        )
        expect(page.get_by_text(re.compile(r"Foto siap: \d+ KB"))).to_be_visible(timeout=20_000)
    page.get_by_label("Petani telah mendengar dan menyetujui pernyataan di atas.").check()
    page.get_by_role("button", name="Simpan pendaftaran").click()


def choose_months_and_take_cash(phone: Phone, months: int) -> None:
    page = phone.page
    page.locator(f"label[for=m{months}]").click()
    page.get_by_role("button", name=re.compile(r"^Terima Rp [\d.]+ tunai$")).click()
    phone.answer_dialog("Ya, uang diterima")


# ---------------------------------------------------------------------------------- API helpers


def unique_name(first: str = "Hasnah") -> str:
    letters = "".join(c for c in uuid.uuid4().hex if c.isalpha())[:4].upper() or "ABCD"
    return f"{first} Uji {letters}"


def new_nik(birth: date = date(1980, 8, 17), sex: str = "F") -> str:
    """A NIK no other test of the session has drawn (the session's serials; a random serial of
    9999 met an earlier one every few dozen runs: 409 NIK_ALREADY_REGISTERED)."""
    return make_nik(birth, sex)


def register_confirmed(agent: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """A farmer registered through the API and confirmed by the BPJS simulator."""
    birth = date(1979, 5, 14)
    body = farmer_body(nik=new_nik(birth, "F"), birth=birth, **{"full_name": unique_name(), **overrides})
    created = agent.post("/farmers", json=body)
    assert created.status_code == 201, created.text
    farmer_id = created.json()["farmer_id"]
    deadline = time.monotonic() + CONFIRMED_TIMEOUT_S
    while True:
        farmer: dict[str, Any] = agent.get(f"/farmers/{farmer_id}").json()
        if farmer["registration_status"] != "PENDING" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert farmer["registration_status"] == "CONFIRMED", farmer["registration_status"]
    return farmer


def pay(agent: httpx.Client, farmer_id: str, months: int = 1) -> dict[str, Any]:
    quote = agent.get(f"/farmers/{farmer_id}/payments/quote", params={"months": months}).json()
    body = {"months": months, "amount": quote["amount"]}
    if "first_period" in quote:
        body["first_period"] = quote["first_period"]
    paid = agent.post(
        f"/farmers/{farmer_id}/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert paid.status_code == 201, paid.text
    result: dict[str, Any] = paid.json()
    return result


def file_claim(client: httpx.Client, farmer: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "farmer_id": farmer["farmer_id"],
        "type": "JKK",
        "incident_date": today_wita().isoformat(),
        "description": "Terjatuh dari pematang sawah saat memupuk",
        "location": "Sawah Dusun Ompo",
        "outcome": "treatment",
        "claimant": {"full_name": farmer["full_name"], "relationship": "self", "phone": "081234567890"},
        **overrides,
    }
    created = client.post("/claims", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert created.status_code == 201, created.text
    claim: dict[str, Any] = created.json()
    return claim


# A small real JPEG (what a shrunk photo is): SOI, JFIF APP0 and enough bytes not to be "nearly empty".
def tiny_jpeg(browser: Browser) -> bytes:
    page = browser.new_page(viewport={"width": 320, "height": 200})
    page.set_content("<body style='margin:0;background:#dbe9f7'><h1>DOKUMEN</h1></body>")
    data = page.screenshot(type="jpeg", quality=80)
    page.close()
    return data


def upload_documents(client: httpx.Client, claim: dict[str, Any], jpeg: bytes) -> None:
    """Every required document of a claim, through its presigned POST (CONTRACT r2), then until
    each counts (checked when it lands: S3 -> EventBridge -> DocumentCheckFunction)."""
    for doc_type in claim["required_documents"]:
        target = client.post(
            f"/claims/{claim['claim_id']}/documents",
            json={"doc_type": doc_type, "content_type": "image/jpeg"},
        )
        assert target.status_code == 200, target.text
        upload = target.json()
        with httpx.Client(timeout=30.0, trust_env=False) as s3:
            sent = s3.post(
                upload["upload_url"], data=upload["fields"], files={"file": ("doc.jpg", jpeg, "image/jpeg")}
            )
        assert sent.status_code in (200, 204), sent.text
    deadline = time.monotonic() + 15
    while not all(d["uploaded"] for d in client.get(f"/claims/{claim['claim_id']}").json()["documents"]):
        assert time.monotonic() < deadline, "the documents were not checked within 15 s"
        time.sleep(0.2)


def ktp_objects(stack: dict[str, Any], farmer_id: str) -> list[dict[str, Any]]:
    s3 = aws_client(stack, "s3")
    bucket = stack["buckets"]["KtpBucket"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"ktp/{farmer_id}/")
    return [
        {**item, "ContentType": s3.head_object(Bucket=bucket, Key=item["Key"])["ContentType"]}
        for item in listed.get("Contents", [])
    ]


def farmers_named(agent: httpx.Client, name: str) -> list[dict[str, Any]]:
    listed = agent.get("/farmers", params={"q": name, "limit": 100})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = [f for f in listed.json()["items"] if f["full_name"] == name]
    return items


# The BPJS simulator rejects a claim whose description has the word "tolak" (local/bpjs/claims.py).
REJECTED_DESCRIPTION = "Tangan terluka sabit saat panen; kuitansi klinik tolak"
REJECTED_TIMEOUT_S = 30.0


def rejected_by_bpjs(
    agent: httpx.Client, coordinator: httpx.Client, farmer: dict[str, Any], jpeg: bytes
) -> dict[str, Any]:
    """A claim filed by the agent, its documents uploaded, verified by the coordinator and sent
    to the BPJS simulator, which rejects it: the claim as it is then (REJECTED, BPJS's reason)."""
    claim = file_claim(agent, farmer, description=REJECTED_DESCRIPTION)
    upload_documents(agent, claim, jpeg)
    verified = coordinator.post(f"/claims/{claim['claim_id']}/verify", json={})
    assert verified.status_code == 200, verified.text
    deadline = time.monotonic() + REJECTED_TIMEOUT_S
    while True:
        found: dict[str, Any] = agent.get(f"/claims/{claim['claim_id']}").json()
        if found["status"] == "REJECTED" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert found["status"] == "REJECTED", found["status"]
    return found
