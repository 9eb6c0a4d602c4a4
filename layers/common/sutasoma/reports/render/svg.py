"""The page's two charts as inline SVG (no script, no font or image fetched), each with a title
and a description that reads out its figures: the collection rate per BPP as horizontal bars,
and the rate of the last 12 months as a line."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sutasoma.reports.models import KecamatanRow, Report, TrendPoint
from sutasoma.reports.render.formats import (
    NO_DATA,
    clamp01,
    format_percent,
    month_name,
    month_short,
    scope_label,
)
from sutasoma.reports.render.rows import is_best

_SVG_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
_BAR = "#3B7DD8"
_BAR_BEST = "#2F855A"
_GRID = "#D9E2EC"
_INK = "#1F2933"
_MUTED = "#52606D"

# Bar chart: the canvas width; room for the names (left) and the values (right); bar and gap.
_BAR_W, _BAR_LEFT, _BAR_RIGHT, _BAR_TOP, _BAR_H, _BAR_GAP = 1000, 150, 90, 10, 20, 7
_BAR_PLOT = _BAR_W - _BAR_LEFT - _BAR_RIGHT

# Line chart: the canvas, its margins, and how far the first and last points keep clear of the
# y labels and of the right edge.
_LINE_W, _LINE_H = 1000, 270
_LINE_LEFT, _LINE_RIGHT, _LINE_TOP, _LINE_BOTTOM, _LINE_PAD = 74, 16, 28, 52, 34
_PLOT_W, _PLOT_H = _LINE_W - _LINE_LEFT - _LINE_RIGHT, _LINE_H - _LINE_TOP - _LINE_BOTTOM
_BASE = _LINE_TOP + _PLOT_H  # the x axis


def _svg_open(width: int, height: int, title: str, desc: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="{ident}-title {ident}-desc" aria-label="{escape(title)}"'
        f' font-family="{_SVG_FONT}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
    )


# --------------------------------------------------------------------------- bars


def _bar_grid(axis_y: int) -> str:
    """Vertical lines at 0, 25 … 100 %, labelled under the axis."""
    parts = []
    for tick in range(0, 101, 25):
        x = _BAR_LEFT + _BAR_PLOT * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{_BAR_TOP - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="{_GRID}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 18}" font-size="14" text-anchor="middle" fill="{_MUTED}">{tick} %</text>'
        )
    return "".join(parts)


def _bar(report: Report, row: KecamatanRow, y: int) -> str:
    """One BPP: its name, its bar (green and starred for the best BPP) and its rate."""
    best = is_best(report, row)
    w = _BAR_PLOT * clamp01(row.collection_rate)
    label = escape(row.kecamatan_name)
    weight = ' font-weight="bold"' if best else ""
    target = ""
    if row.target is not None:
        tx = _BAR_LEFT + _BAR_PLOT * clamp01(row.target)
        target = (
            f'<line x1="{tx:.1f}" y1="{y - 3}" x2="{tx:.1f}" y2="{y + _BAR_H + 3}" stroke="{_INK}"'
            ' stroke-width="2.5" stroke-dasharray="4 2"/>'
        )
    return (
        f'<text x="{_BAR_LEFT - 8}" y="{y + _BAR_H / 2 + 5:.1f}" font-size="15" text-anchor="end"'
        f' fill="{_INK}"{weight}>{"★ " if best else ""}{label}</text>'
        f'<rect x="{_BAR_LEFT}" y="{y}" width="{w:.1f}" height="{_BAR_H}" rx="3"'
        f' fill="{_BAR_BEST if best else _BAR}"/>'
        f'<text x="{_BAR_LEFT + w + 6:.1f}" y="{y + _BAR_H / 2 + 5:.1f}" font-size="14"'
        f' fill="{_INK}"{weight}>{escape(format_percent(row.collection_rate))}</text>{target}'
    )


def bar_chart_svg(report: Report) -> str:
    """Horizontal bars: the collection rate of each BPP, highest first, the best BPP in green."""
    rows = sorted(report.rows, key=lambda r: (-clamp01(r.collection_rate), r.kecamatan_name))
    title = f"Kolektibilitas per BPP, {month_name(report.period)}"
    desc = (
        "; ".join(f"{r.kecamatan_name} {format_percent(r.collection_rate)}" for r in rows)
        or "Tidak ada data."
    )
    axis_y = _BAR_TOP + max(1, len(rows)) * (_BAR_H + _BAR_GAP)
    parts = [_svg_open(_BAR_W, axis_y + 52, title, desc, "bar-chart"), _bar_grid(axis_y)]
    if not rows:
        parts.append(
            f'<text x="{_BAR_LEFT + _BAR_PLOT / 2:.1f}" y="{_BAR_TOP + 24}" font-size="18" text-anchor="middle"'
            f' fill="{_MUTED}">Tidak ada data</text>'
        )
    parts.extend(_bar(report, row, _BAR_TOP + i * (_BAR_H + _BAR_GAP)) for i, row in enumerate(rows))
    parts.append(
        f'<line x1="{_BAR_LEFT}" y1="{_BAR_TOP - 6}" x2="{_BAR_LEFT}" y2="{axis_y}" stroke="{_MUTED}"/>'
    )
    legend = " · garis putus-putus: target BPP" if any(r.target is not None for r in rows) else ""
    parts.append(
        f'<text x="{_BAR_LEFT + _BAR_PLOT / 2:.1f}" y="{axis_y + 42}" font-size="14" text-anchor="middle"'
        f' fill="{_MUTED}">Kolektibilitas: aktif ÷ (aktif + menunggak + tidak membayar){legend}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- line


def _line_axes() -> str:
    """Horizontal lines at 0, 25 … 100 % labelled on the left, and the two axis titles."""
    parts = []
    for tick in range(0, 101, 25):
        y = _BASE - _PLOT_H * tick / 100
        parts.append(
            f'<line x1="{_LINE_LEFT}" y1="{y:.1f}" x2="{_LINE_W - _LINE_RIGHT}" y2="{y:.1f}" stroke="{_GRID}"/>'
        )
        parts.append(
            f'<text x="{_LINE_LEFT - 8}" y="{y + 5:.1f}" font-size="14" text-anchor="end"'
            f' fill="{_MUTED}">{tick} %</text>'
        )
    parts.append(
        f'<text transform="translate(16 {_LINE_TOP + _PLOT_H / 2:.1f}) rotate(-90)" font-size="14"'
        f' text-anchor="middle" fill="{_MUTED}">Kolektibilitas</text>'
    )
    parts.append(
        f'<text x="{_LINE_LEFT + _PLOT_W / 2:.1f}" y="{_LINE_H - 6}" font-size="14" text-anchor="middle"'
        f' fill="{_MUTED}">Bulan</text>'
    )
    return "".join(parts)


def _line_x(points: Sequence[TrendPoint]) -> list[float]:
    """Where each month goes: evenly spread between the pads, a single one in the middle."""
    many = len(points) > 1
    step = (_PLOT_W - 2 * _LINE_PAD) / (len(points) - 1) if many else 0.0
    return [_LINE_LEFT + (_LINE_PAD + i * step if many else _PLOT_W / 2) for i in range(len(points))]


def _line_y(rate: float) -> float:
    return _BASE - _PLOT_H * clamp01(rate)


def _month_label(x: float, point: TrendPoint) -> str:
    return (
        f'<text x="{x:.1f}" y="{_BASE + 20}" font-size="14" text-anchor="middle" fill="{_MUTED}">'
        f"{escape(month_short(point.period))}</text>"
    )


def _line_point(x: float, rate: float, *, last: bool) -> str:
    """A marker with its rate above (below when there is no room); the report's own month
    bigger and bold."""
    y = _line_y(rate)
    label_y = y - 12 if y - 12 > _LINE_TOP - 24 else y + 24
    weight = ' font-weight="bold"' if last else ""
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if last else 4.5}" fill="{_BAR_BEST}"'
        f' stroke="#FFFFFF" stroke-width="1.5"/>'
        f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="14" text-anchor="middle" fill="{_INK}"'
        f"{weight}>{escape(format_percent(rate, 1))}</text>"
    )


def _no_data(x: float) -> str:
    """A month before the programme: no point, no line, "tidak ada data" where it would be."""
    style = f'font-size="11" text-anchor="middle" fill="{_MUTED}" font-style="italic"'
    return (
        f'<text x="{x:.1f}" y="{_BASE - 24}" {style}>tidak ada</text>'
        f'<text x="{x:.1f}" y="{_BASE - 10}" {style}>data</text>'
    )


def _segments(xs: Sequence[float], points: Sequence[TrendPoint]) -> list[str]:
    """Polylines through consecutive months with data: a month without data breaks the line."""
    lines, run = [], []
    for x, point in [*zip(xs, points, strict=True), (0.0, None)]:
        if point is not None and point.collection_rate is not None:
            run.append(f"{x:.1f},{_line_y(point.collection_rate):.1f}")
            continue
        if len(run) > 1:
            lines.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{_BAR_BEST}" stroke-width="3"/>'
            )
        run = []
    return lines


def line_chart_svg(report: Report) -> str:
    """The collection rate over the trend months (0-100 %), each point labelled; a month
    without data (before the programme's first) has no point and says so."""
    points = report.trend
    title = f"Kolektibilitas {scope_label(report)}, 12 bulan terakhir"
    desc = (
        "; ".join(
            f"{month_name(p.period)} "
            + (NO_DATA if p.collection_rate is None else format_percent(p.collection_rate))
            for p in points
        )
        or "Tidak ada data."
    )
    parts = [_svg_open(_LINE_W, _LINE_H, title, desc, "line-chart"), _line_axes()]
    if not any(p.collection_rate is not None for p in points):
        parts.append(
            f'<text x="{_LINE_LEFT + _PLOT_W / 2:.1f}" y="{_LINE_TOP + _PLOT_H / 2:.1f}" font-size="18"'
            f' text-anchor="middle" fill="{_MUTED}">Belum ada data tren</text>'
        )
    xs = _line_x(points)
    parts.extend(_segments(xs, points))
    for x, point in zip(xs, points, strict=True):
        rate = point.collection_rate
        parts.append(
            _no_data(x) if rate is None else _line_point(x, rate, last=point.period == report.period)
        )
        parts.append(_month_label(x, point))
    parts.append(
        f'<line x1="{_LINE_LEFT}" y1="{_BASE}" x2="{_LINE_W - _LINE_RIGHT}" y2="{_BASE}" stroke="{_MUTED}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
