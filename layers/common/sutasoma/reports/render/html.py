"""The report as one HTML page in Bahasa Indonesia, for reading on screen and printing on A4
(docs/reports.md "HTML"): self-contained (inline CSS and SVG, no scripts, fonts or images
fetched), every text from the report escaped."""

from __future__ import annotations

from html import escape

from sutasoma.reports.models import KecamatanRow, Report
from sutasoma.reports.render.formats import (
    best_text,
    format_decimal,
    format_int,
    format_percent,
    format_rate_plain,
    format_rupiah,
    generated_label,
    month_name,
    report_title,
    scope_label,
)
from sutasoma.reports.render.rows import is_best, kecamatan_names, ranked, sorted_agents
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
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 8.5pt; }
  h1 { font-size: 16pt; }
  figure { margin: 8px 0 2px; }
  footer { margin-top: 10px; }
  h2 { margin: 12px 0 5px; }
}
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


def _td_num(text: str) -> str:
    return f'<td class="num">{escape(text)}</td>'


def _name_cell(report: Report, row: KecamatanRow) -> str:
    badge = '<span class="badge">Terbaik</span>' if is_best(report, row) else ""
    return f'<td class="name">{escape(row.kecamatan_name)}{badge}</td>'


def _row_class(report: Report, row: KecamatanRow) -> str:
    return ' class="best"' if is_best(report, row) else ""


def _ranking_table(report: Report) -> str:
    head = (
        "<thead><tr><th>Peringkat</th><th>BPP</th><th>Skor</th><th>Kolektibilitas</th>"
        "<th>Terdaftar</th><th>Pendaftar<br>baru</th><th>Aktif</th><th>Menunggak<br>1–3 bln</th>"
        "<th>Nonaktif<br>&gt; 3 bln</th><th>Belum<br>pernah bayar</th></tr></thead>"
    )

    def cells(row: KecamatanRow) -> str:
        return "".join(
            _td_num(text)
            for text in (
                format_percent(row.collection_rate),
                format_int(row.registered),
                format_int(row.new_registrations),
                format_int(row.active),
                format_int(row.arrears),
                format_int(row.lapsed),
                format_int(row.not_started),
            )
        )

    body = "".join(
        f"<tr{_row_class(report, row)}>"
        + f'<td class="rank">{"—" if row.rank is None else row.rank}</td>'
        + _name_cell(report, row)
        + _td_num(format_decimal(row.score))
        + cells(row)
        + "</tr>"
        for row in ranked(report.rows)
    )
    foot = (
        f'<tfoot><tr><td></td><td class="name">Jumlah {escape(scope_label(report))}</td><td></td>'
        f"{cells(report.totals)}</tr></tfoot>"
    )
    return f'<table class="ranking">{head}<tbody>{body}</tbody>{foot}</table>'


def _money_table(report: Report) -> str:
    head = (
        '<thead><tr><th rowspan="2">BPP</th><th rowspan="2">Iuran wajib</th>'
        '<th rowspan="2">Iuran terkumpul</th><th rowspan="2">Transaksi</th>'
        '<th colspan="2">Klaim diajukan</th><th colspan="2">Klaim dibayar</th>'
        '<th colspan="2">Nilai klaim dibayar</th></tr>'
        "<tr><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th></tr></thead>"
    )

    def cells(row: KecamatanRow) -> str:
        return "".join(
            _td_num(text)
            for text in (
                format_rupiah(row.contributions_due),
                format_rupiah(row.contributions_collected),
                format_int(row.payments),
                format_int(row.claims_submitted.JKK),
                format_int(row.claims_submitted.JKM),
                format_int(row.claims_paid.JKK),
                format_int(row.claims_paid.JKM),
                format_rupiah(row.claims_amount.JKK),
                format_rupiah(row.claims_amount.JKM),
            )
        )

    body = "".join(
        f"<tr{_row_class(report, row)}>{_name_cell(report, row)}{cells(row)}</tr>"
        for row in ranked(report.rows)
    )
    foot = f'<tfoot><tr><td class="name">Jumlah</td>{cells(report.totals)}</tr></tfoot>'
    return f'<table class="money">{head}<tbody>{body}</tbody>{foot}</table>'


def _agents_table(report: Report) -> str:
    agents = sorted_agents(report)
    if not agents:
        return '<p class="empty">Tidak ada kegiatan agen bulan ini.</p>'
    names = kecamatan_names(report)
    head = (
        "<thead><tr><th>No</th><th>Agen</th><th>BPP</th><th>Pendaftaran</th><th>Pembayaran</th>"
        "<th>Iuran dipungut</th><th>Insentif</th></tr></thead>"
    )
    body = "".join(
        "<tr>"
        + _td_num(str(number))
        + f'<td class="name">{escape(agent.username)}</td>'
        + f'<td class="name">{escape(names.get(agent.kecamatan_code or "", "—"))}</td>'
        + _td_num(format_int(agent.registrations))
        + _td_num(format_int(agent.payments))
        + _td_num(format_rupiah(agent.collections_amount))
        + _td_num(format_rupiah(agent.incentive))
        + "</tr>"
        for number, agent in enumerate(agents, start=1)
    )
    foot = (
        '<tfoot><tr><td></td><td class="name">Jumlah</td><td></td>'
        + _td_num(format_int(sum(a.registrations for a in agents)))
        + _td_num(format_int(sum(a.payments for a in agents)))
        + _td_num(format_rupiah(sum(a.collections_amount for a in agents)))
        + _td_num(format_rupiah(sum(a.incentive for a in agents)))
        + "</tr></tfoot>"
    )
    return f'<table class="agents">{head}<tbody>{body}</tbody>{foot}</table>'


def _best_block(report: Report) -> str:
    best = report.best_bpp
    if best is None:
        return f'<section class="best-bpp none"><strong>{escape(best_text(report))}</strong></section>'
    row = next((r for r in report.rows if r.kecamatan_code == best.kecamatan_code), None)
    detail = f"Skor {format_decimal(best.score)}"
    if row is not None:
        detail += (
            f" · kolektibilitas {format_percent(row.collection_rate)}"
            f" · iuran terkumpul {format_rupiah(row.contributions_collected)}"
            f" · {format_int(row.new_registrations)} pendaftar baru"
        )
    return (
        '<section class="best-bpp" aria-label="BPP terbaik">'
        f"<div>BPP terbaik bulan {escape(month_name(report.period))}</div>"
        f"<strong>★ BPP {escape(best.kecamatan_name)}</strong>"
        f"<div>{escape(detail)}</div></section>"
    )


def _kpis(report: Report) -> str:
    t = report.totals
    cards = (
        ("Peserta terdaftar", format_int(t.registered), f"{format_int(t.new_registrations)} pendaftar baru"),
        (
            "Peserta aktif",
            format_int(t.active),
            f"{format_int(t.arrears)} menunggak · {format_int(t.lapsed)} nonaktif",
        ),
        ("Kolektibilitas", format_percent(t.collection_rate), "aktif ÷ (aktif + menunggak)"),
        (
            "Iuran terkumpul",
            format_rupiah(t.contributions_collected),
            f"dari {format_rupiah(t.contributions_due)} wajib",
        ),
    )
    return (
        '<section class="kpis" aria-label="Ringkasan">'
        + "".join(
            f'<div class="kpi"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div><div class="sub">{escape(sub)}</div></div>'
            for label, value, sub in cards
        )
        + "</section>"
    )


def _header(report: Report) -> str:
    return f"""<header>
<p class="kicker">SUTASOMA · Perlindungan BPJS Ketenagakerjaan bagi petani</p>
<h1>{escape(report_title(report))}</h1>
<p class="meta">{escape(scope_label(report))} · periode {escape(month_name(report.period))} · dibuat {escape(generated_label(report))}</p>
</header>"""


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
<dt>Nonaktif</dt><dd>lebih dari 3 bulan iuran belum dibayar; harus diaktifkan kembali (didaftarkan ulang ke BPJS).</dd>
<dt>Belum pernah bayar</dt><dd>terdaftar tetapi belum pernah membayar iuran.</dd>
<dt>Kolektibilitas</dt><dd>peserta aktif ÷ (aktif + menunggak).</dd>
<dt>Iuran terkumpul</dt><dd>uang yang diterima dalam bulan ini (tunggakan, bulan berjalan, dan bayar di muka).</dd>
</dl>
</footer>"""


def render_html(report: Report) -> bytes:
    """A self-contained page in Bahasa Indonesia (inline CSS and SVG, no scripts, fonts or
    images fetched) that prints on A4."""
    html_text = f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report_title(report))} — {escape(scope_label(report))}</title>
<style>{_page_css(report)}{_CSS}</style>
</head>
<body>
{_header(report)}
<main>
{_best_block(report)}
{_kpis(report)}
<h2>Peringkat BPP</h2>
{_ranking_table(report)}
<h2>Iuran dan klaim</h2>
{_money_table(report)}
{_charts(report)}
<h2>Kinerja agen</h2>
{_agents_table(report)}
</main>
{_footer(report)}
</body>
</html>
"""
    return html_text.encode("utf-8")
