"""A realistic sample monthly report, written as the files people get, and the HTML rendered to
PNG with Debian's headless Chromium (`make report-png`):

    .venv/bin/python -m tests.support.report_preview [--out-dir .local] [--height 1754]

writes report-sample.{csv,xlsx,html} and, when `chromium` is on PATH, report-sample.png.
The numbers are invented but hold together (registered = active + arrears + lapsed +
not started, rates = active / (active + arrears), incentives = collections x rate).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sutasoma.domain.periods import add_months
from sutasoma.reports.figures import regency_totals
from sutasoma.reports.models import AgentRow, BestBpp, ByType, KecamatanRow, Report, TrendPoint
from sutasoma.reports.render import FILE_TYPES, render

PNG_WIDTH, PNG_HEIGHT = 1240, 1754  # A4 at 150 dpi
# Rp 16.800 (JKK 1 % of Rp 1.000.000 + JKM Rp 6.800) less the 50 % relief of Apr-Dec 2026
# (docs/payments.md): what a member at the minimum income owes for November 2026.
MONTHLY_CONTRIBUTION = 8_400
INCENTIVE_RATE = 0.05
RANKING_FORMULA = (
    "Skor = 0,6 × kolektibilitas + 0,3 × (iuran terkumpul ÷ iuran wajib, maks. 1) "
    "+ 0,1 × (pendaftar baru ÷ pendaftar baru terbanyak); skor sama: kolektibilitas lebih tinggi di atas."
)

# code, name, registered, new, active, arrears, lapsed, agents (name suffixes)
_KECAMATAN = (
    ("73.12.01", "Marioriwawo", 412, 23, 301, 58, 31, ("", "2", "3")),
    ("73.12.02", "Liliriaja", 356, 17, 268, 49, 22, ("", "2")),
    ("73.12.03", "Lilirilau", 498, 31, 402, 51, 27, ("", "2", "3")),
    ("73.12.04", "Lalabata", 537, 42, 471, 38, 14, ("", "2", "3")),
    ("73.12.05", "Marioriawa", 389, 12, 262, 71, 40, ("", "2")),
    ("73.12.06", "Donri Donri", 301, 19, 236, 42, 15, ("", "2", "3")),
    ("73.12.07", "Ganra", 188, 8, 139, 31, 12, ("", "2")),
    ("73.12.08", "Citta", 167, 11, 120, 29, 13, ("",)),
)
# Share of each kecamatan's collections done by its agents, first agent first.
_AGENT_SHARES = {1: (1.0,), 2: (0.58, 0.42), 3: (0.44, 0.33, 0.23)}


def _slug(name: str) -> str:
    return name.lower().replace(" ", "")


def _row(
    code: str, name: str, registered: int, new: int, active: int, arrears: int, lapsed: int
) -> KecamatanRow:
    not_started = registered - active - arrears - lapsed
    due = (active + arrears) * MONTHLY_CONTRIBUTION
    # Most members pay the month; some pay arrears or months ahead as well.
    collected = active * MONTHLY_CONTRIBUTION + (arrears // 3) * 2 * MONTHLY_CONTRIBUTION
    payments = active + arrears // 3 - active // 9
    seed = int(code[-2:])
    submitted = ByType(JKK=seed % 3 + (1 if registered > 400 else 0), JKM=seed % 2)
    paid = ByType(JKK=max(0, submitted.JKK - 1), JKM=submitted.JKM)
    amount = ByType(JKK=paid.JKK * 3_750_000 + (seed % 2) * 1_250_000, JKM=paid.JKM * 42_000_000)
    return KecamatanRow(
        kecamatan_code=code,
        kecamatan_name=name,
        registered=registered,
        new_registrations=new,
        active=active,
        arrears=arrears,
        lapsed=lapsed,
        not_started=not_started,
        contributions_due=due,
        contributions_collected=collected,
        payments=payments,
        collection_rate=active / (active + arrears),
        claims_submitted=submitted,
        claims_amount=amount,
        claims_paid=paid,
        score=0.0,
        rank=None,
    )


def _score(rows: list[KecamatanRow]) -> list[KecamatanRow]:
    most_new = max(r.new_registrations for r in rows) or 1
    scored = [
        r.model_copy(
            update={
                "score": round(
                    0.6 * r.collection_rate
                    + 0.3 * min(1.0, r.contributions_collected / (r.contributions_due or 1))
                    + 0.1 * r.new_registrations / most_new,
                    4,
                )
            }
        )
        for r in rows
    ]
    order = sorted(scored, key=lambda r: (-r.score, -r.collection_rate, r.kecamatan_code))
    ranks = {r.kecamatan_code: i for i, r in enumerate(order, start=1)}
    return [r.model_copy(update={"rank": ranks[r.kecamatan_code]}) for r in scored]


def _agents(rows: list[KecamatanRow]) -> list[AgentRow]:
    agents: list[AgentRow] = []
    for (code, name, *_, suffixes), row in zip(_KECAMATAN, rows, strict=True):
        shares = _AGENT_SHARES[len(suffixes)]
        for suffix, share in zip(suffixes, shares, strict=True):
            collected = int(row.contributions_collected * share) // 100 * 100
            agents.append(
                AgentRow(
                    username=f"agen.{_slug(name)}{suffix}",
                    full_name=f"agen.{_slug(name)}{suffix}",
                    kecamatan_code=code,
                    registrations=round(row.new_registrations * share),
                    payments=round(row.payments * share),
                    collections_amount=collected,
                    incentive=math.floor(collected * INCENTIVE_RATE),
                )
            )
    return agents


def _trend(period: str, rows: list[KecamatanRow], totals: KecamatanRow) -> list[TrendPoint]:
    points = []
    for back in range(11, -1, -1):
        # Rates climb towards this month's, with a dip at the start of the planting season.
        dip = 0.05 if back in (6, 7) else 0.0
        by_kecamatan = {
            r.kecamatan_code: round(max(0.0, r.collection_rate - 0.018 * back - dip + 0.01 * (back % 2)), 4)
            for r in rows
        }
        rate = round(max(0.0, totals.collection_rate - 0.018 * back - dip + 0.01 * (back % 2)), 4)
        collected = round(totals.contributions_collected * (1 - 0.035 * back - dip)) // 100 * 100
        points.append(
            TrendPoint(
                period=add_months(period, -back),
                collection_rate=totals.collection_rate if back == 0 else rate,
                contributions_collected=totals.contributions_collected if back == 0 else collected,
                by_kecamatan={r.kecamatan_code: r.collection_rate for r in rows}
                if back == 0
                else by_kecamatan,
            )
        )
    return points


def sample_report(period: str = "2026-11") -> Report:
    rows = _score([_row(*spec[:7]) for spec in _KECAMATAN])
    totals = regency_totals(rows)
    best = min(rows, key=lambda r: r.rank or 99)
    return Report(
        period=period,
        generated_at=f"{add_months(period, 1)}-05T00:00:03Z",
        rows=rows,
        totals=totals,
        agents=_agents(rows),
        best_bpp=BestBpp(
            kecamatan_code=best.kecamatan_code, kecamatan_name=best.kecamatan_name, score=best.score
        ),
        ranking_formula=RANKING_FORMULA,
        incentive_rate=INCENTIVE_RATE,
        trend=_trend(period, rows, totals),
    )


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
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--height", type=int, default=PNG_HEIGHT, help="screenshot height in pixels")
    args = parser.parse_args(argv)
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    report = sample_report(args.period)
    files = {file_type: render(report, file_type) for file_type in FILE_TYPES}
    for ext, data in files.items():
        path = out / f"report-sample.{ext}"
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    png = out / "report-sample.png"
    if render_png(out / "report-sample.html", png, height=args.height):
        print(f"wrote {png} ({png.stat().st_size:,} bytes)")
    else:
        print("no chromium on PATH: no PNG (apt-get install -y chromium)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
