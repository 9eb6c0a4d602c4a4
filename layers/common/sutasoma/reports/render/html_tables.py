"""The page's tables (render/html.py): the ranking, the members, contributions and refunds,
claims, the agents, and a revision's changes. Every text escaped; numbers as Indonesians write
them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from sutasoma.domain.places import REGENCY_CODE
from sutasoma.reports.models import KecamatanRow, Report, VsLastMonth
from sutasoma.reports.render.changes import (
    CHANGES_TITLE,
    ChangeLine,
    change_lines,
    changes_intro,
    is_revision,
)
from sutasoma.reports.render.formats import (
    NO_DATA,
    arrow,
    format_int,
    format_percent,
    format_points,
    format_rupiah,
    format_signed,
    gap_text,
    scope_label,
    target_text,
)
from sutasoma.reports.render.rows import is_best, kecamatan_names, ranked, sorted_agents

# A column: its header (HTML, may hold <br>) and its cell text for a row (None: an empty cell).
Column = tuple[str, Callable[[KecamatanRow], str | None]]


def td_num(text: str | None, extra: str = "") -> str:
    return f'<td class="num{extra}">{escape(text or "")}</td>'


def _name_cell(report: Report, row: KecamatanRow) -> str:
    badge = '<span class="badge">Terbaik</span>' if is_best(report, row) else ""
    return f'<td class="name">{escape(row.kecamatan_name)}{badge}</td>'


def _row_class(report: Report, row: KecamatanRow) -> str:
    return ' class="best"' if is_best(report, row) else ""


def _regency(row: KecamatanRow) -> bool:
    """The JUMLAH line of the regency: no target, no change of its own (the KPIs say it)."""
    return row.kecamatan_code == REGENCY_CODE


def rate_change(row: KecamatanRow) -> str | None:
    """`▲ +2,1 poin` against last month, or that there was no data then."""
    vs = row.vs_last_month
    if _regency(row):
        return None
    return NO_DATA if vs is None else f"{arrow(vs.collection_rate)} {format_points(vs.collection_rate)}"


def _vs(row: KecamatanRow, figure: Callable[[VsLastMonth], str]) -> str | None:
    if _regency(row):
        return None
    return NO_DATA if row.vs_last_month is None else figure(row.vs_last_month)


def _target(row: KecamatanRow) -> str | None:
    return None if _regency(row) else target_text(row.target)


def _cell(text: str | None) -> str:
    """A number cell; a change up green, down red (its text starts with ▲ or ▼)."""
    mark = (text or " ")[0]
    return td_num(text, " up" if mark == "▲" else " down" if mark == "▼" else "")


def _table(
    report: Report,
    css: str,
    head: str,
    columns: Sequence[Column],
    *,
    rank: bool = False,
    total: str = "Jumlah",
) -> str:
    """A table of the BPP rows in rank order with a total line; `rank` adds the rank column."""

    def cells(row: KecamatanRow) -> str:
        return "".join(_cell(value(row)) for _, value in columns)

    rows = []
    for row in ranked(report.rows):
        first = f'<td class="rank">{"—" if row.rank is None else row.rank}</td>' if rank else ""
        rows.append(f"<tr{_row_class(report, row)}>{first}{_name_cell(report, row)}{cells(row)}</tr>")
    lead = "<td></td>" if rank else ""
    foot = f'<tfoot><tr>{lead}<td class="name">{escape(total)}</td>{cells(report.totals)}</tr></tfoot>'
    return f'<table class="{css}">{head}<tbody>{"".join(rows)}</tbody>{foot}</table>'


def _head(headers: Sequence[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr></thead>"


def ranking_table(report: Report) -> str:
    """The collection rate and what it is made of, against last month and the BPP's target;
    the rank column only once the month is evaluated."""
    columns: list[Column] = [
        ("Kolektibilitas", lambda r: format_percent(r.collection_rate)),
        ("Dibanding<br>bulan lalu", rate_change),
        ("Target", _target),
        ("Aktif", lambda r: format_int(r.active)),
        ("Menunggak<br>1–3 bln", lambda r: format_int(r.arrears)),
        ("Tidak membayar<br>&gt; 2 bln sejak daftar", lambda r: format_int(r.not_paying)),
    ]
    if report.provisional:
        columns.append(("Belum jatuh<br>tempo", lambda r: format_int(r.due)))
    if any(r.gap_to_best is not None for r in report.rows):
        columns.append(
            (
                "Dari BPP<br>terbaik",
                lambda r: (gap_text(r.gap_to_best) or "").removesuffix(" dari BPP terbaik"),
            )
        )
    rank = not report.provisional
    head = _head([*(["Peringkat"] if rank else []), "BPP", *(h for h, _ in columns)])
    return _table(report, "ranking", head, columns, rank=rank, total=f"Jumlah {scope_label(report)}")


def members_table(report: Report) -> str:
    columns: list[Column] = [
        ("Terdaftar", lambda r: format_int(r.registered)),
        ("Pendaftar<br>baru", lambda r: format_int(r.new_registrations)),
        ("Aktif", lambda r: format_int(r.active)),
        ("Aktif dibanding<br>bulan lalu", lambda r: _vs(r, lambda vs: format_signed(vs.active))),
        ("Menunggak<br>1–3 bln", lambda r: format_int(r.arrears)),
        ("Nonaktif<br>&gt; 3 bln", lambda r: format_int(r.lapsed)),
        ("Belum pernah<br>bayar", lambda r: format_int(r.not_started)),
        ("Berakhir<br>(meninggal, ditolak)", lambda r: format_int(r.ended)),
    ]  # fmt: skip
    return _table(report, "members", _head(["BPP", *(h for h, _ in columns)]), columns)


def money_table(report: Report) -> str:
    head = (
        '<thead><tr><th rowspan="2">BPP</th><th rowspan="2">Iuran wajib</th>'
        '<th rowspan="2">Iuran terkumpul</th><th rowspan="2">Dibanding<br>bulan lalu</th>'
        '<th rowspan="2">Transaksi</th><th colspan="2">Pengembalian iuran terbuka</th>'
        '<th colspan="2">Pengembalian selesai bulan ini</th></tr>'
        "<tr><th>Kasus</th><th>Nilai</th><th>Kasus</th><th>Nilai</th></tr></thead>"
    )
    columns: list[Column] = [
        ("", lambda r: format_rupiah(r.contributions_due)),
        ("", lambda r: format_rupiah(r.contributions_collected)),
        ("", lambda r: _vs(r, lambda vs: format_signed(vs.contributions_collected, rupiah=True))),
        ("", lambda r: format_int(r.payments)),
        ("", lambda r: format_int(r.refunds_open)),
        ("", lambda r: format_rupiah(r.refunds_open_amount)),
        ("", lambda r: format_int(r.refunds_settled)),
        ("", lambda r: format_rupiah(r.refunds_settled_amount)),
    ]  # fmt: skip
    return _table(report, "money", head, columns)


def claims_table(report: Report) -> str:
    head = (
        '<thead><tr><th rowspan="2">BPP</th><th colspan="2">Klaim diajukan</th>'
        '<th colspan="2">Klaim dibayar BPJS</th><th colspan="2">Nilai klaim dibayar</th>'
        '<th rowspan="2">Klaim dalam<br>proses</th></tr>'
        "<tr><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th><th>JKK</th><th>JKM</th></tr></thead>"
    )
    columns: list[Column] = [
        ("", lambda r: format_int(r.claims_submitted.JKK)),
        ("", lambda r: format_int(r.claims_submitted.JKM)),
        ("", lambda r: format_int(r.claims_paid.JKK)),
        ("", lambda r: format_int(r.claims_paid.JKM)),
        ("", lambda r: format_rupiah(r.claims_amount.JKK)),
        ("", lambda r: format_rupiah(r.claims_amount.JKM)),
        ("", lambda r: format_int(r.claims_in_progress)),
    ]
    return _table(report, "claims", head, columns)


def agents_table(report: Report) -> str:
    """Each agent by name (the username under it), their BPP, collections and incentive."""
    agents = sorted_agents(report)
    if not agents:
        return '<p class="empty">Tidak ada kegiatan agen bulan ini.</p>'
    names = kecamatan_names(report)
    head = _head(["No", "Agen", "BPP", "Pendaftaran", "Pembayaran", "Iuran dipungut", "Insentif"])
    body = "".join(
        "<tr>"
        + td_num(str(number))
        + f'<td class="name">{escape(agent.full_name)}'
        + (
            f' <span class="user">{escape(agent.username)}</span>'
            if agent.full_name != agent.username
            else ""
        )
        + "</td>"
        + f'<td class="name">{escape(names.get(agent.kecamatan_code or "", "—"))}</td>'
        + td_num(format_int(agent.registrations))
        + td_num(format_int(agent.payments))
        + td_num(format_rupiah(agent.collections_amount))
        + td_num(format_rupiah(agent.incentive))
        + "</tr>"
        for number, agent in enumerate(agents, start=1)
    )
    foot = (
        '<tfoot><tr><td></td><td class="name">Jumlah</td><td></td>'
        + td_num(format_int(sum(a.registrations for a in agents)))
        + td_num(format_int(sum(a.payments for a in agents)))
        + td_num(format_rupiah(sum(a.collections_amount for a in agents)))
        + td_num(format_rupiah(sum(a.incentive for a in agents)))
        + "</tr></tfoot>"
    )
    return f'<table class="agents">{head}<tbody>{body}</tbody>{foot}</table>'


def _bpp_changes(lines: Sequence[ChangeLine], before: str, after: str) -> str:
    """One BPP's changed figures: a small table captioned with the BPP."""
    body = "".join(
        f'<tr><td class="name">{escape(line.label)}</td>{td_num(line.before, " before")}{td_num(line.after)}</tr>'
        for line in lines
    )
    return (
        f"<table><caption>{escape(lines[0].kecamatan_name)}</caption>"
        f"{_head(['Angka', before, after])}<tbody>{body}</tbody></table>"
    )


def changes_section(report: Report) -> str:
    """A revision's changes, a small table per BPP; nothing for version 1 or a provisional report."""
    if not is_revision(report):
        return ""
    lines = change_lines(report)
    intro = f'<p class="revision-note">{escape(changes_intro(report))}</p>'
    codes = list(dict.fromkeys(line.kecamatan_code for line in lines))
    before, after = f"Versi {report.supersedes}", f"Versi {report.version}"
    tables = "".join(
        _bpp_changes([line for line in lines if line.kecamatan_code == code], before, after) for code in codes
    )
    grid = f'<div class="change-grid">{tables}</div>' if tables else ""
    return f'<section class="changes" aria-label="{CHANGES_TITLE}"><h2>{CHANGES_TITLE}</h2>{intro}{grid}</section>'
