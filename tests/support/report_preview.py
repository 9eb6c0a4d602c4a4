"""The sample reports written as the files people get, and the HTML rendered to PNG with
Debian's headless Chromium (`make report-png`):

    .venv/bin/python -m tests.support.report_preview [--out-dir .local] [--height 1754]

The reports are made by the product's own code from a simulated year of farmers, payments,
claims, refunds and deaths (tests/support/report_sample.py): nothing in them is typed. Writes
report-{meeting,revised,provisional}.{csv,xlsx,html} (version 1 of the month as the 5th's
schedule made it, version 2 after late payments, the next month's provisional preview) and,
when `chromium` is on PATH, report-revised.png and report-provisional.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sutasoma.reports.render import FILE_TYPES, render
from tests.support.report_sample import PERIOD, provisional_sample, revised_sample, sample_report, simulate

__all__ = ["PNG_HEIGHT", "PNG_WIDTH", "chromium_path", "provisional_sample", "render_png", "revised_sample",
           "sample_report"]  # fmt: skip

PNG_WIDTH, PNG_HEIGHT = 1240, 1754  # A4 at 150 dpi
# The PNGs of docs/img: each file's name and its report.
PNGS = ("revised", "provisional")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_png(html_path: Path, png_path: Path, width: int = PNG_WIDTH, height: int = PNG_HEIGHT) -> bool:
    """Screenshot of the page's first `height` pixels; False when there is no chromium."""
    chromium = chromium_path()
    if chromium is None:
        return False
    png_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png_path.resolve()}",
                f"--window-size={width},{height}",
                html_path.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    return png_path.is_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out-dir", type=Path, default=Path(".local"))
    parser.add_argument("--period", default=PERIOD, help="the month of versions 1 and 2 (YYYY-MM)")
    parser.add_argument("--height", type=int, default=PNG_HEIGHT, help="screenshot height in pixels")
    args = parser.parse_args(argv)
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    samples = simulate(args.period)
    reports = {"meeting": samples.meeting, "revised": samples.revised, "provisional": samples.provisional}
    for name, report in reports.items():
        for ext in FILE_TYPES:
            path = out / f"report-{name}.{ext}"
            data = render(report, ext)
            path.write_bytes(data)
            print(f"wrote {path} ({len(data):,} bytes)")
    for name in PNGS:
        png = out / f"report-{name}.png"
        if not render_png(out / f"report-{name}.html", png, height=args.height):
            print("no chromium on PATH: no PNG (apt-get install -y chromium)", file=sys.stderr)
            break
        print(f"wrote {png} ({png.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
