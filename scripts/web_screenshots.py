"""Screenshots of every screen of the field app at 360 x 640: `make screenshots`.

    python scripts/web_screenshots.py [--out-dir docs/screenshots] [--descriptor .local/stack.json]

Without --descriptor it starts a seeded local stack of its own on free ports (about a minute)
and stops it at the end; with one it uses that running stack (`make run`). The demo agent of
Lalabata and its coordinator are the users; what a screen needs beyond the seed (a claim waiting
for verification, a claim BPJS rejected, items waiting in the outbox, last month's report revised
after a late payment, the current month's preview) is made through the API or the app first; the
report screens are read by the coordinator of a BPP that is not the best, to show its gap.
Debian's chromium through Playwright for Python, as in the browser tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]

from sutasoma.domain.clock import period_of, today_wita  # noqa: E402
from sutasoma.domain.periods import add_months  # noqa: E402
from tests.e2e.browser.conftest import rejected_by_bpjs  # noqa: E402
from tests.support.report_history import late_payment  # noqa: E402

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
AGENT, COORDINATOR = "agen.lalabata", "koordinator.lalabata"
PASSWORD = "Soppeng-Demo-2026"  # noqa: S105 - the demo users' password of the local stack


@contextmanager
def seeded_stack(seed: bool = True) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="sutasoma-shots-") as state:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "local", "--api-port", "0", "--aws-port", "0", "--bpjs-port", "0",
             "--state-dir", state, "--no-schedules", *([] if seed else ["--no-seed"])],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            descriptor = Path(state) / "stack.json"
            deadline = time.monotonic() + 300
            while not descriptor.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the local stack did not start")
                time.sleep(0.5)
            yield json.loads(descriptor.read_text(encoding="utf-8"))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def api_as(stack: dict[str, Any], username: str) -> httpx.Client:
    idp = boto3.client(
        "cognito-idp", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
        aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106 - moto
    )  # fmt: skip
    token = idp.initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    return httpx.Client(
        base_url=stack["api_url"], headers={"Authorization": f"Bearer {token}"}, timeout=30, trust_env=False
    )


def prepare(stack: dict[str, Any], jpeg: bytes) -> dict[str, Any]:
    """A covered farmer of Lalabata with a claim waiting for verification, and another farmer."""
    agent = api_as(stack, AGENT)
    farmers = agent.get("/farmers", params={"limit": 100}).json()["items"]
    active = next(
        f for f in farmers if f["coverage"]["state"] == "ACTIVE" and f["registration_status"] == "CONFIRMED"
    )
    claims = agent.get("/claims", params={"limit": 100}).json()["items"]
    by_status = {c["status"]: c for c in claims}  # a rejected one shows BPJS's reason
    decided = next(
        (by_status[s] for s in ("REJECTED", "PAID", "APPROVED", "SENT_TO_BPJS") if s in by_status), None
    )
    claim = agent.post(
        "/claims",
        json={
            "farmer_id": active["farmer_id"],
            "type": "JKK",
            "incident_date": today_wita().isoformat(),
            "description": "Kaki terkilir saat mengangkut gabah dari sawah",
            "location": "Sawah Dusun Ompo",
            "outcome": "temporary_disability",
            "claimant": {"full_name": active["full_name"], "relationship": "self", "phone": "081234567890"},
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    waiting = claim.json() if claim.status_code == 201 else None
    if waiting:
        for doc_type in waiting["required_documents"][:-1]:  # one left to photograph
            target = agent.post(
                f"/claims/{waiting['claim_id']}/documents",
                json={"doc_type": doc_type, "content_type": "image/jpeg"},
            ).json()
            with httpx.Client(timeout=30, trust_env=False) as s3:
                if "fields" in target:
                    s3.post(
                        target["upload_url"],
                        data=target["fields"],
                        files={"file": ("d.jpg", jpeg, "image/jpeg")},
                    )
                else:
                    s3.put(target["upload_url"], content=jpeg, headers={"Content-Type": "image/jpeg"})
    other = next(
        f for f in farmers
        if f["coverage"]["state"] == "ACTIVE" and f["registration_status"] == "CONFIRMED"
        and f["farmer_id"] != active["farmer_id"]
    )  # fmt: skip
    rejected = rejected_by_bpjs(agent, api_as(stack, COORDINATOR), other, jpeg)
    return {
        "active": active,
        "farmers": farmers,
        "decided": decided,
        "waiting": waiting,
        "rejected": rejected,
    }


def prepare_reports(stack: dict[str, Any]) -> str:
    """Last month's report in two versions (a late payment in between, in a BPP that is not the
    best) and the current month's preview; the coordinator of that BPP, who reads them."""
    admin = api_as(stack, "admin")
    current = period_of(today_wita())
    last = add_months(current, -1)
    if admin.get(f"/reports/{last}").status_code == 404:
        admin.post(f"/reports/{last}").raise_for_status()
    first = admin.get(f"/reports/{last}").json()
    before = add_months(last, -1)
    chosen = None
    for row in sorted((r for r in first["rows"] if (r["rank"] or 0) >= 2), key=lambda r: -r["rank"]):
        # The lowest-ranked BPP (one late payment will not make it the best) with a member paid
        # through the month before: one of them pays last month late.
        farmers = admin.get("/farmers", params={"kecamatan_code": row["kecamatan_code"], "limit": 100}).json()
        if any(f["coverage"]["paid_through"] == before for f in farmers["items"]):
            chosen = row["kecamatan_code"]
            break
    chosen = chosen or "73.12.04"
    late_payment(stack, chosen, last)
    admin.post(f"/reports/{last}").raise_for_status()
    admin.post(f"/reports/{current}").raise_for_status()
    return str(
        next(
            u["username"]
            for u in stack["demo_users"]
            if u["role"] == "coordinator" and u["kecamatan"] == chosen
        )
    )


def agent_api(stack: dict[str, Any]) -> httpx.Client:
    return api_as(stack, AGENT)


def register(page: Page, name: str, nik: str, phone: str) -> None:
    go(page, "/daftar", "Daftar baru")
    page.get_by_label("NIK (16 digit dari KTP)").fill(nik)
    page.get_by_label("Nama lengkap sesuai KTP").fill(name)
    page.get_by_label("No. HP petani").fill(phone)
    page.get_by_label("Desa/kelurahan").select_option("73.12.04.1001")
    page.get_by_label("Alamat").fill("Dusun Ompo RT 02")
    page.get_by_label("Petani telah mendengar dan menyetujui pernyataan di atas.").check()
    page.get_by_role("button", name="Simpan pendaftaran").click()
    expect(page.get_by_role("heading", name="Tersimpan di HP")).to_be_visible()


def shoot(page: Page, out: Path, name: str) -> None:
    page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {name}.png")


def go(page: Page, route: str, heading: str) -> None:
    page.evaluate("route => { location.hash = '#' + route }", route)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=20_000)


def sign_in(page: Page, app_url: str, username: str) -> None:
    page.goto(f"{app_url}/#/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Beranda")).to_be_visible(timeout=20_000)


def run(stack: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = stack["app_url"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        scratch = browser.new_page(viewport={"width": 640, "height": 400})
        scratch.set_content(
            "<body style='margin:0;background:#dbe9f7;font:40px sans-serif'><p>SURAT KETERANGAN</p></body>"
        )
        jpeg = scratch.screenshot(type="jpeg", quality=80)
        scratch.set_viewport_size({"width": 1600, "height": 1000})
        scratch.set_content(
            "<body style='margin:0;background:#6d8f6b'><div style='margin:80px;height:840px;border-radius:40px;"
            "background:linear-gradient(135deg,#cfe3f5,#f3f7fb);font:bold 64px sans-serif;padding:60px'>"
            "PROVINSI SULAWESI SELATAN<br>KABUPATEN SOPPENG<br><br>NIK : 7312045708800003</div></body>"
        )
        ktp = scratch.screenshot(type="png")
        scratch.close()
        data = prepare(stack, jpeg)
        reader = prepare_reports(stack)
        active = data["active"]
        context = browser.new_context(
            viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="id-ID",
            timezone_id="Asia/Makassar", device_scale_factor=1,
        )  # fmt: skip
        page = context.new_page()
        page.goto(f"{app}/#/masuk")
        expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
        shoot(page, out, "01-masuk")
        sign_in(page, app, AGENT)
        page.wait_for_timeout(500)
        shoot(page, out, "02-beranda")
        go(page, "/petani", "Petani")
        shoot(page, out, "03-petani")
        go(page, f"/petani/{active['farmer_id']}", active["full_name"])
        shoot(page, out, "04-petani-detail")
        go(page, "/daftar", "Daftar baru")
        page.get_by_label("NIK (16 digit dari KTP)").fill("7312045708800003")
        page.get_by_label("Nama lengkap sesuai KTP").fill("Hasnah")
        page.get_by_label("No. HP petani").fill("081234567890")
        shoot(page, out, "05-daftar")
        page.get_by_label("NIK (16 digit dari KTP)").fill("7312043208800003")
        page.get_by_label("NIK (16 digit dari KTP)").blur()
        shoot(page, out, "06-daftar-nik-salah")
        page.get_by_label("NIK (16 digit dari KTP)").fill("7312045708800003")
        page.locator("#ktp-photo").set_input_files(
            files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": ktp}]
        )
        expect(page.get_by_text("Foto siap")).to_be_visible(timeout=20_000)
        page.get_by_role("heading", name="Foto KTP").scroll_into_view_if_needed()
        page.screenshot(path=str(out / "07-daftar-foto-ktp.png"))
        print("  07-daftar-foto-ktp.png")
        go(page, f"/petani/{active['farmer_id']}/bayar", "Bayar iuran")
        page.locator("label[for=m3]").click()
        shoot(page, out, "08-bayar")
        page.get_by_role("button", name="tunai").click()
        shoot(page, out, "09-bayar-konfirmasi")
        page.locator("dialog.ask").get_by_role("button", name="Ya, uang diterima").click()
        expect(page.get_by_role("heading", name="Kuitansi")).to_be_visible(timeout=20_000)
        shoot(page, out, "10-kuitansi")
        receipt_route = page.evaluate("location.hash.slice(1)")
        # The outbox: first a registration the server refuses (a NIK already registered), then,
        # without a signal, a payment and a registration that wait.
        known = agent_api(stack).get(f"/farmers/{data['farmers'][-1]['farmer_id']}").json()
        context.set_offline(True)
        register(page, "Kembar Uji", known["nik"], "081298761234")
        context.set_offline(False)
        expect(page.locator("#outbox-badge.attention")).to_be_visible(timeout=20_000)
        other = next(
            f for f in data["farmers"]
            if f["farmer_id"] not in (active["farmer_id"], known["farmer_id"]) and f["coverage"]["state"] != "LAPSED"
        )  # fmt: skip
        go(page, f"/petani/{other['farmer_id']}/bayar", "Bayar iuran")
        context.set_offline(True)
        page.get_by_role("button", name="tunai").click()
        page.locator("dialog.ask").get_by_role("button", name="Ya, uang diterima").click()
        expect(page.get_by_role("heading", name="Kuitansi sementara")).to_be_visible()
        shoot(page, out, "12-kuitansi-sementara")
        register(page, "Sitti Aminah", "7312046511790021", "085298765432")
        go(page, "/kirim", "Menunggu dikirim")
        shoot(page, out, "13-menunggu-dikirim")
        context.set_offline(False)
        page.wait_for_timeout(1500)
        go(page, f"/petani/{active['farmer_id']}/klaim", "Ajukan klaim")
        shoot(page, out, "14-klaim-baru")
        if data["waiting"]:
            go(page, f"/klaim/{data['waiting']['claim_id']}", "Klaim JKK")
            page.get_by_role("heading", name=re.compile("^Dokumen")).evaluate("h => h.scrollIntoView()")
            page.screenshot(path=str(out / "15-klaim-dokumen.png"))
            print("  15-klaim-dokumen.png")
        if data["decided"]:
            decided = data["decided"]
            go(page, f"/klaim/{decided['claim_id']}", f"Klaim {decided['type']}")
            page.get_by_role("heading", name="Status").evaluate("h => h.scrollIntoView()")
            page.screenshot(path=str(out / "16-klaim-status.png"))
            print("  16-klaim-status.png")
        go(page, f"/petani/{active['farmer_id']}/kematian", "Catat kematian")
        shoot(page, out, "17-kematian")
        go(page, "/pengembalian", "Pengembalian")
        shoot(page, out, "18-pengembalian")
        go(page, "/menu", "Lainnya")
        shoot(page, out, "19-lainnya")
        go(page, "/", "Beranda")
        page.wait_for_timeout(500)
        page.locator("#ditolak").evaluate("s => s.scrollIntoView()")
        page.screenshot(path=str(out / "26-beranda-klaim-ditolak.png"))
        print("  26-beranda-klaim-ditolak.png")
        page.locator("#ditolak li.rejected").first.get_by_role(
            "link", name=re.compile("^Ajukan ulang")
        ).click()
        expect(page.get_by_role("heading", name="Ajukan ulang klaim")).to_be_visible(timeout=20_000)
        shoot(page, out, "27-klaim-ajukan-ulang")
        context.close()

        context = browser.new_context(
            viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="id-ID",
            timezone_id="Asia/Makassar", device_scale_factor=1,
        )  # fmt: skip
        page = context.new_page()
        sign_in(page, app, COORDINATOR)
        go(page, "/verifikasi", "Verifikasi klaim")
        shoot(page, out, "20-verifikasi")
        if data["waiting"]:
            go(page, f"/verifikasi/{data['waiting']['claim_id']}", "Verifikasi klaim JKK")
            shoot(page, out, "21-verifikasi-klaim")
        context.close()

        # The monthly report, read by the coordinator of a BPP that is not the best.
        context = browser.new_context(
            viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="id-ID",
            timezone_id="Asia/Makassar", device_scale_factor=1,
        )  # fmt: skip
        page = context.new_page()
        sign_in(page, app, reader)
        go(page, "/laporan", "Laporan bulanan")
        expect(page.locator(".version-line")).to_contain_text("menggantikan versi")
        shoot(page, out, "22-laporan")
        page.locator("section.changes").evaluate("s => s.scrollIntoView()")
        page.screenshot(path=str(out / "23-laporan-perubahan.png"))
        print("  23-laporan-perubahan.png")
        page.get_by_label("Versi", exact=True).select_option("1")
        expect(page.locator(".version-line")).to_contain_text("Versi 1")
        shoot(page, out, "24-laporan-versi-1")
        go(page, f"/laporan?periode={period_of(today_wita())}", "Laporan bulanan")
        expect(page.locator(".banner-provisional")).to_be_visible()
        shoot(page, out, "25-laporan-sementara")
        context.close()

        # The receipt as printed on 58 mm paper (220 CSS px), in a context of its own.
        context = browser.new_context(viewport={"width": 220, "height": 640}, device_scale_factor=1)
        page = context.new_page()
        sign_in(page, app, AGENT)
        go(page, receipt_route, "Kuitansi")
        page.emulate_media(media="print")
        page.screenshot(path=str(out / "11-kuitansi-cetak.png"), full_page=True)
        print("  11-kuitansi-cetak.png")
        context.close()
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--descriptor", type=Path, help="stack.json of a running local stack")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    print(f"screenshots of {date.today()} in {args.out_dir}")
    if args.descriptor:
        run(json.loads(args.descriptor.read_text(encoding="utf-8")), args.out_dir)
    else:
        with seeded_stack() as stack:
            run(stack, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
