"""The report as one HTML page in Bahasa Indonesia, for reading on screen and printing on A4
(docs/reports.md "HTML"): self-contained (inline CSS and SVG, no scripts, fonts or images
fetched), every text from the report escaped."""

from __future__ import annotations

from html import escape

from sutasoma.reports.models import Report
from sutasoma.reports.render.formats import (
    NO_DATA,
    NO_TARGET,
    PROVISIONAL,
    best_text,
    format_int,
    format_percent,
    format_points,
    format_rate_plain,
    format_rupiah,
    gap_text,
    made_label,
    month_name,
    provisional_note,
    report_title,
    scope_label,
    version_label,
)
from sutasoma.reports.render.html_tables import (
    agents_table,
    changes_section,
    claims_table,
    members_table,
    money_table,
    ranking_table,
    rate_change,
)
from sutasoma.reports.render.svg import bar_chart_svg, line_chart_svg

_CSS = """
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, Helvetica, sans-serif; color: #1f2933;
  font-size: 15px; line-height: 1.35; max-width: 1200px; margin: 0 auto; padding: 24px 36px; }
header { border-bottom: 3px solid #243b53; padding-bottom: 8px; margin-bottom: 12px; }
.kicker { margin: 0; color: #52606d; font-size: 0.85em; letter-spacing: 0.04em; text-transform: uppercase; }
h1 { margin: 4px 0 4px; font-size: 1.8em; color: #102a43; }
.meta { margin: 0; color: #52606d; }
h2 { font-size: 1.2em; color: #102a43; margin: 16px 0 6px; break-after: avoid; page-break-after: avoid; }
.best-bpp { border: 2px solid #2f855a; background: #e3f9e5; border-radius: 6px; padding: 10px 14px;
  margin: 0 0 14px; break-inside: avoid; }
.best-bpp strong { font-size: 1.25em; color: #1e6b3a; }
.best-bpp.none { border-color: #9aa5b1; background: #f0f4f8; }
.best-bpp.none strong { color: #3e4c59; font-size: 1.1em; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 0 0 6px; break-inside: avoid; }
.kpi { border: 1px solid #d9e2ec; border-radius: 6px; padding: 8px 10px; }
.kpi .label { color: #52606d; font-size: 0.85em; }
.kpi .value { font-size: 1.35em; font-weight: bold; white-space: nowrap; }
.kpi .sub { color: #52606d; font-size: 0.8em; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0 0 6px; }
th, td { padding: 3px 6px; border-bottom: 1px solid #d9e2ec; }
thead th { background: #243b53; color: #ffffff; font-weight: bold; text-align: center;
  vertical-align: bottom; border: 1px solid #486581; font-size: 0.9em; }
td.num { text-align: right; white-space: nowrap; }
td.name { white-space: nowrap; }
td.rank { text-align: center; font-weight: bold; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tbody tr:nth-child(even) td { background: #f8fafc; }
tbody tr.best td { background: #c6f6d5; font-weight: bold; }
.badge { display: inline-block; background: #2f855a; color: #ffffff; border-radius: 3px;
  padding: 0 5px; font-size: 0.75em; margin-left: 4px; vertical-align: 1px; }
tfoot td { border-top: 2px solid #243b53; font-weight: bold; background: #e4e7eb; }
figure { margin: 16px 0 4px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-weight: bold; color: #102a43; margin-bottom: 4px; }
.charts { break-inside: avoid; }
footer { margin-top: 18px; border-top: 1px solid #9aa5b1; padding-top: 8px; color: #3e4c59; font-size: 0.85em; }
footer p { margin: 0 0 4px; }
footer dl { margin: 4px 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
footer dt { font-weight: bold; }
footer dd { margin: 0; }
.empty { color: #52606d; font-style: italic; }
.version { margin: 4px 0 0; color: #243b53; }
.version a { color: #1c4f9c; margin-left: 6px; }
.stamp { display: inline-block; background: #c53030; color: #ffffff; border-radius: 4px; padding: 0 10px;
  font-size: 0.7em; vertical-align: 4px; margin-left: 8px; letter-spacing: 0.06em; }
.provisional-banner { border: 3px solid #c53030; background: #fff5f5; color: #742a2a; border-radius: 6px;
  padding: 10px 14px; margin: 0 0 14px; font-size: 1.05em; break-inside: avoid; }
.provisional-banner strong { font-size: 1.35em; letter-spacing: 0.08em; color: #c53030; margin-right: 6px; }
.best-bpp .gap { margin-top: 4px; color: #7b341e; font-weight: bold; }
td.up { color: #1e6b3a; }
td.down { color: #c53030; }
td.before { color: #7b8794; }
td .user { color: #7b8794; font-size: 0.82em; margin-left: 4px; }
.changes { border-left: 4px solid #d69e2e; padding: 2px 0 2px 12px; margin: 0 0 10px; break-inside: avoid; }
.changes h2 { margin-top: 4px; }
.changes .revision-note { margin: 0 0 6px; }
.change-grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 14px; align-items: start; }
.change-grid table { margin: 0; font-size: 0.92em; break-inside: avoid; }
.change-grid caption { text-align: left; font-weight: bold; color: #102a43; padding: 2px 0; }
.change-grid thead th { font-size: 0.85em; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 8.5pt; }
  h1 { font-size: 16pt; }
  figure { margin: 8px 0 2px; }
  footer { margin-top: 10px; }
  h2 { margin: 12px 0 5px; }
  .version a { display: none; }
}
"""


# A provisional page: SEMENTARA across every screen and printed page, behind the text.
_PROVISIONAL_CSS = """
body.provisional::before { content: "SEMENTARA"; position: fixed; top: 45%; left: 50%; z-index: -1;
  transform: translate(-50%, -50%) rotate(-28deg); font-size: 150px; font-weight: bold;
  color: rgba(197, 48, 48, 0.07); letter-spacing: 0.1em; pointer-events: none; }
"""


def _page_css(report: Report) -> str:
    """A4 with page numbers in the bottom margin (the month name is letters and digits only)."""
    footer = f"SUTASOMA · Evaluasi Bulanan {month_name(report.period)}"
    margin_box = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 7.5pt; color: #52606d;"
    return (
        "\n@page { size: A4; margin: 15mm;"
        f' @bottom-left {{ content: "{footer}"; {margin_box} }}'
        f' @bottom-right {{ content: "Halaman " counter(page) " dari " counter(pages); {margin_box} }} }}'
    )


def _best_block(report: Report) -> str:
    """The best BPP in green; in a coordinator's copy also how far behind it their BPP is; a
    grey box when there is none (or the report is provisional)."""
    best = report.best_bpp
    if report.provisional:
        return ""  # the banner says there is no rank and no best BPP yet
    if best is None:
        return f'<section class="best-bpp none"><strong>{escape(best_text(report))}</strong></section>'
    row = next((r for r in report.rows if r.kecamatan_code == best.kecamatan_code), None)
    detail = f"Kolektibilitas {format_percent(best.score)}"
    if row is not None:
        detail += (
            f" · {rate_change(row)} dari bulan lalu"
            f" · iuran terkumpul {format_rupiah(row.contributions_collected)}"
            f" · {format_int(row.new_registrations)} pendaftar baru"
        )
    gaps = [(r.kecamatan_name, gap_text(r.gap_to_best)) for r in report.rows if r.gap_to_best is not None]
    gap = "".join(f'<div class="gap">BPP {escape(name)} {escape(text or "")}</div>' for name, text in gaps)
    return (
        '<section class="best-bpp" aria-label="BPP terbaik">'
        f"<div>BPP terbaik bulan {escape(month_name(report.period))}</div>"
        f"<strong>★ BPP {escape(best.kecamatan_name)}</strong>"
        f"<div>{escape(detail)}</div>{gap}</section>"
    )


def _last_month(report: Report) -> str:
    """The scope's rate of the month before, from the trend."""
    before = report.trend[-2] if len(report.trend) > 1 else None
    if before is None or before.collection_rate is None:
        return f"bulan lalu: {NO_DATA}"
    change = report.totals.collection_rate - before.collection_rate
    return f"bulan lalu {format_percent(before.collection_rate)} ({format_points(change)})"


def _kpis(report: Report) -> str:
    t = report.totals
    waiting = f" · {format_int(t.due)} belum jatuh tempo" if report.provisional else ""
    cards = (
        ("Peserta terdaftar", format_int(t.registered),
         f"{format_int(t.new_registrations)} pendaftar baru · {format_int(t.ended)} berakhir"),
        ("Peserta aktif", format_int(t.active),
         f"{format_int(t.arrears)} menunggak · {format_int(t.not_paying)} tidak membayar{waiting}"),
        ("Kolektibilitas", format_percent(t.collection_rate), _last_month(report)),
        ("Iuran terkumpul", format_rupiah(t.contributions_collected), f"dari {format_rupiah(t.contributions_due)} wajib"),
    )  # fmt: skip
    return (
        '<section class="kpis" aria-label="Ringkasan">'
        + "".join(
            f'<div class="kpi"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div><div class="sub">{escape(sub)}</div></div>'
            for label, value, sub in cards
        )
        + "</section>"
    )


def _links(report: Report) -> str:
    """This file to save, and the CSV and XLSX of the same version: relative to the route that
    serves it (GET /reports/{period}/files/html opens inline; ?download=1 saves it)."""
    version = "" if report.provisional else f"version={report.version}"
    query = f"?{version}" if version else ""
    links = (
        ("html?download=1" + (f"&{version}" if version else ""), "Unduh HTML"),
        (f"csv{query}", "CSV"),
        (f"xlsx{query}", "XLSX"),
    )
    return "".join(f'<a href="{escape(href)}" download>{label}</a>' for href, label in links)


def _header(report: Report) -> str:
    stamp = f' <span class="stamp">{PROVISIONAL}</span>' if report.provisional else ""
    title = escape(report_title(report)).removesuffix(f" ({PROVISIONAL})")
    return f"""<header>
<p class="kicker">SUTASOMA · Perlindungan BPJS Ketenagakerjaan bagi petani</p>
<h1>{title}{stamp}</h1>
<p class="meta">{escape(scope_label(report))} · periode {escape(month_name(report.period))} · {escape(made_label(report))}</p>
<p class="version"><strong>{escape(version_label(report))}</strong> ·{_links(report)}</p>
</header>"""


def _banner(report: Report) -> str:
    if not report.provisional:
        return ""
    note = provisional_note(report).removeprefix(f"Laporan {PROVISIONAL}: ")
    return (
        f'<section class="provisional-banner" role="note" aria-label="Laporan sementara">'
        f"<strong>{PROVISIONAL}</strong> {escape(note)}</section>"
    )


def _charts(report: Report) -> str:
    return f"""<section class="charts">
<figure><figcaption>Kolektibilitas per BPP — {escape(month_name(report.period))}</figcaption>
{bar_chart_svg(report)}</figure>
<figure><figcaption>Kolektibilitas {escape(scope_label(report))} — 12 bulan terakhir</figcaption>
{line_chart_svg(report)}</figure>
</section>"""


def _footer(report: Report) -> str:
    """How BPP are ranked, how the incentive is computed, and the words the tables use."""
    return f"""<footer>
<p><strong>Cara pemeringkatan:</strong> {escape(report.ranking_formula)}</p>
<p><strong>Insentif agen:</strong> {escape(format_rate_plain(report.incentive_rate))} × iuran dipungut,
dibulatkan ke bawah ke Rupiah.</p>
<dl>
<dt>Aktif</dt><dd>iuran bulan ini sudah dibayar pada akhir bulan.</dd>
<dt>Menunggak</dt><dd>1–3 bulan iuran belum dibayar; tunggakan masih dapat dilunasi.</dd>
<dt>Tidak membayar</dt><dd>terdaftar lebih dari 2 bulan tanpa pernah membayar iuran: mengurangi kolektibilitas BPP.</dd>
<dt>Nonaktif</dt><dd>lebih dari 3 bulan iuran belum dibayar; harus diaktifkan kembali (didaftarkan ulang ke BPJS).</dd>
<dt>Belum pernah bayar</dt><dd>terdaftar tetapi belum pernah membayar iuran.</dd>
<dt>Belum jatuh tempo</dt><dd>laporan sementara: iuran bulan berjalan belum dibayar, batas bayarnya belum lewat.</dd>
<dt>Berakhir</dt><dd>kepesertaan selesai: meninggal dunia, atau pendaftaran ditolak BPJS.</dd>
<dt>Kolektibilitas</dt><dd>peserta aktif ÷ (aktif + menunggak + tidak membayar).</dd>
<dt>Dibanding bulan lalu</dt><dd>selisih kolektibilitas dengan bulan sebelumnya, dalam poin persen; {escape(NO_DATA)} bila bulan lalu belum ada data.</dd>
<dt>Target</dt><dd>target kolektibilitas BPP yang ditetapkan Dinas Pertanian ({escape(NO_TARGET)} bila belum ada).</dd>
<dt>Iuran terkumpul</dt><dd>uang yang diterima dalam bulan ini (tunggakan, bulan berjalan, dan bayar di muka).</dd>
<dt>Klaim dalam proses</dt><dd>klaim yang sudah diajukan dan belum dibayar atau ditolak BPJS.</dd>
<dt>Pengembalian iuran</dt><dd>iuran yang harus dikembalikan (pendaftaran ditolak, bulan sesudah kematian): terbuka pada akhir bulan, dan yang selesai dalam bulan ini.</dd>
</dl>
</footer>"""


def render_html(report: Report) -> bytes:
    """A self-contained page in Bahasa Indonesia (inline CSS and SVG, no scripts, fonts or
    images fetched) that prints on A4."""
    ranking = "Peringkat BPP" if not report.provisional else "BPP (belum diperingkat: laporan sementara)"
    html_text = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report_title(report))} — {escape(scope_label(report))}</title>
<style>{_page_css(report)}{_CSS}{_PROVISIONAL_CSS if report.provisional else ""}</style>
</head>
<body{' class="provisional"' if report.provisional else ""}>
{_header(report)}
<main>
{_banner(report)}
{_best_block(report)}
{_kpis(report)}
{changes_section(report)}
<h2>{escape(ranking)}</h2>
{ranking_table(report)}
<h2>Peserta</h2>
{members_table(report)}
<h2>Iuran dan pengembalian iuran</h2>
{money_table(report)}
<h2>Klaim</h2>
{claims_table(report)}
{_charts(report)}
<h2>Kinerja agen</h2>
{agents_table(report)}
</main>
{_footer(report)}
</body>
</html>
"""
    return html_text.encode("utf-8")
