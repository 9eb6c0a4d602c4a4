"""Lighthouse (mobile) on the field app of a local stack: `make lighthouse`.

    python scripts/web_lighthouse.py [--out-dir .local/lighthouse] [--descriptor .local/stack.json]

Without --descriptor it starts a local stack of its own (no seed, free ports) and stops it after.
Two pages: the login page (a first visit) and Beranda signed in as the demo agent of Lalabata.
Lighthouse 12.2.3 (web/package-lock.json; `npm ci` in web/) drives Debian's chromium through its
remote debugging port; the signed-in run keeps the browser's storage (--disable-storage-reset),
where Playwright signed in first. Lighthouse's default mobile settings: a Moto G Power screen,
simulated slow 4G and a 4x slower CPU. Prints the category scores and writes the JSON reports.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from scripts.web_screenshots import AGENT, FLAGS, PASSWORD, seeded_stack  # noqa: E402

LIGHTHOUSE = ROOT / "web" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lighthouse(url: str, port: int, out: Path, keep_storage: bool) -> dict[str, Any]:
    args = [
        "node", str(LIGHTHOUSE), url, f"--port={port}", "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}", "--quiet", "--form-factor=mobile",
        "--chrome-flags=--headless",
    ]  # fmt: skip
    if keep_storage:
        args.append("--disable-storage-reset")
    subprocess.run(args, check=True, cwd=ROOT)  # noqa: S603 - node and our pinned Lighthouse
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    metrics = report["audits"]
    return {
        **scores,
        "fcp_ms": round(metrics["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(metrics["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(metrics["total-blocking-time"]["numericValue"]),
        "cls": round(metrics["cumulative-layout-shift"]["numericValue"], 3),
        "transfer_kb": round(metrics["total-byte-weight"]["numericValue"] / 1024, 1),
        "failed": sorted(
            a["id"]
            for a in metrics.values()
            if a.get("score") is not None
            and a["score"] < 1
            and a.get("scoreDisplayMode") in ("binary", "numeric")
        ),
    }


def run(stack: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    results: dict[str, Any] = {"lighthouse": "12.2.3", "app_url": stack["app_url"]}
    with tempfile.TemporaryDirectory(prefix="sutasoma-lh-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=[*FLAGS, f"--remote-debugging-port={port}"],
        )
        try:
            results["masuk"] = summary(
                lighthouse(f"{stack['app_url']}/#/masuk", port, out_dir / "masuk.json", keep_storage=False)
            )
            page = context.new_page()
            page.goto(f"{stack['app_url']}/#/masuk")
            page.get_by_label("Nama pengguna").fill(AGENT)
            page.locator("input[name=password]").fill(PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            expect(page.get_by_role("heading", name="Beranda")).to_be_visible(timeout=20_000)
            results["beranda"] = summary(
                lighthouse(f"{stack['app_url']}/#/", port, out_dir / "beranda.json", keep_storage=True)
            )
        finally:
            context.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / ".local" / "lighthouse")
    parser.add_argument("--descriptor", type=Path, help="stack.json of a running local stack")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit("no Lighthouse: cd web && npm ci (make lighthouse does it)")
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if args.descriptor:
        results = run(json.loads(args.descriptor.read_text(encoding="utf-8")), args.out_dir)
    else:
        with seeded_stack(seed=False) as stack:
            results = run(stack, args.out_dir)
    print(json.dumps(results, indent=2))
    missed = [
        f"{page} {category} {results[page][category]} < {target}"
        for page in ("masuk", "beranda")
        for category, target in TARGETS.items()
        if results[page][category] < target
    ]
    for line in missed:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
