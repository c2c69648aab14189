"""Inline SVG charts of the segment report, drawn as text: no script, no font, no request.

Every chart is `<svg role="img">` labelled by its own `<title>` and `<desc>`; the caller puts
a table or list beside it as the text alternative. Coordinates are rounded to 0.1 px, so the
same figures give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ml.heatmap import SCALE_TICKS, format_index, index_colour, text_colour

# Okabe-Ito, then darker tones: told apart with the common colour-vision deficiencies.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
    "#7f3c8d",
    "#11a579",
    "#3969ac",
    "#a5aa99",
)
FONT_SIZE = 12


def colour(position: int) -> str:
    return PALETTE[position % len(PALETTE)]


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The rough width of `text` in px: CJK characters are square, Latin ones about half."""
    return sum(size if ord(c) >= 0x2E80 else 0.56 * size for c in text)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" width="{_n(width)}" '
        f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 x 10^n) up to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    while magnitude > raw:
        magnitude /= 10
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    x_axis: str,
    y_axis: str,
) -> str:
    """One line per (name, values) over `x_labels`, with a legend beside it."""
    legend_width = max((text_width(name) for name, _ in series), default=0) + 30
    plot_w, plot_h, left, top = 620.0, 280.0, 64.0, 16.0
    width, height = left + plot_w + 20 + legend_width, top + plot_h + 64
    ticks = nice_ticks(max((max(v, default=0) for _, v in series), default=0))
    y_max = ticks[-1] or 1.0
    steps = max(len(x_labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / steps, top + plot_h * (1 - v / y_max)

    out = _open(chart_id, width, height, title, desc)
    for tick in ticks:
        _, y = xy(0, tick)
        out.append(
            f'<line x1="{_n(left)}" x2="{_n(left + plot_w)}" y1="{_n(y)}" y2="{_n(y)}" '
            'stroke="#d0d0d0"/>'
        )
        out.append(_text(left - 6, y + 4, f"{tick:,.0f}", "end"))
    every = max(1, round(len(x_labels) / 8))
    for i, label in enumerate(x_labels):
        last = len(x_labels) - 1
        if (i % every == 0 and last - i >= every) or i == last:
            x, _ = xy(i, 0)
            out.append(_text(x, top + plot_h + 18, label, "middle"))
    out.append(_text(left + plot_w / 2, top + plot_h + 44, x_axis, "middle", font_weight="bold"))
    out.append(
        _text(
            14,
            top + plot_h / 2,
            y_axis,
            "middle",
            font_weight="bold",
            transform=f"rotate(-90 14 {_n(top + plot_h / 2)})",
        )
    )
    for position, (name, values) in enumerate(series):
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        stroke = colour(position)
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="2.5"/>'
        )
        y = top + 10 + 20 * position
        out.append(
            f'<rect x="{_n(left + plot_w + 20)}" y="{_n(y - 9)}" width="14" height="10" '
            f'fill="{stroke}"/>'
        )
        out.append(_text(left + plot_w + 40, y, name))
    out.append("</svg>")
    return "\n".join(out)


def stacked_bar(
    chart_id: str, title: str, desc: str, parts: Sequence[tuple[str, int, str]], width: float = 320
) -> str:
    """One 100% bar of (label, count, colour) parts."""
    total = sum(n for _, n, _ in parts) or 1
    out = _open(chart_id, width, 22, title, desc)
    x = 0.0
    for _, n, fill in parts:
        w = width * n / total
        if w > 0:
            out.append(f'<rect x="{_n(x)}" y="0" width="{_n(w)}" height="22" fill="{fill}"/>')
        x += w
    out.append("</svg>")
    return "\n".join(out)


def heatmap(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[str],
    columns: Sequence[str],
    index: Sequence[Sequence[float | None]],
    scale_label: str,
) -> str:
    """Segments (rows) x traits (columns), each cell coloured by its index with the index in
    it; the column labels slanted; a colour scale below."""
    cell_w, cell_h = 64.0, 30.0
    left = max((text_width(r) for r in rows), default=0) + 12
    top = max((text_width(c) for c in columns), default=0) * 0.72 + 20
    width = left + cell_w * len(columns) + max(text_width(columns[-1]) * 0.72, 0) + 12
    height = top + cell_h * len(rows) + 70
    out = _open(chart_id, width, height, title, desc)
    for j, name in enumerate(columns):
        x, y = left + cell_w * (j + 0.5), top - 8
        out.append(_text(x, y, name, "start", transform=f"rotate(-45 {_n(x)} {_n(y)})"))
    for i, name in enumerate(rows):
        y = top + cell_h * i
        out.append(_text(left - 8, y + cell_h / 2 + 4, name, "end"))
        for j, value in enumerate(index[i]):
            x = left + cell_w * j
            fill = index_colour(value)
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w)}" height="{_n(cell_h)}" '
                f'fill="{fill}" stroke="#ffffff"/>'
            )
            out.append(
                _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 4,
                    format_index(value),
                    "middle",
                    fill=text_colour(fill),
                )
            )
    scale_top = top + cell_h * len(rows) + 18
    step = 40.0
    for k, tick in enumerate(SCALE_TICKS):
        x = left + step * k
        fill = index_colour(tick)
        out.append(
            f'<rect x="{_n(x)}" y="{_n(scale_top)}" width="{_n(step)}" height="14" fill="{fill}"/>'
        )
        out.append(_text(x + step / 2, scale_top + 28, f"{tick:g}", "middle"))
    out.append(_text(left + step * len(SCALE_TICKS) + 10, scale_top + 12, scale_label))
    out.append("</svg>")
    return "\n".join(out)


def interval_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None, float | None, float | None]],
    x_axis: str,
) -> str:
    """One row per (label, estimate, low, high): a dot on its interval's line, against a zero
    line on an axis symmetric about 0. A row without an estimate keeps its label only."""
    row_h, plot_w, top = 26.0, 360.0, 8.0
    left = max((text_width(label) for label, *_ in rows), default=0) + 16
    width, height = left + plot_w + 24, top + row_h * len(rows) + 46
    reach = max((abs(v) for _, *values in rows for v in values if v is not None), default=0)
    ticks = nice_ticks(reach, 2)
    x_max = ticks[-1] or 1.0

    def x(v: float) -> float:
        return left + plot_w * (v + x_max) / (2 * x_max)

    bottom = top + row_h * len(rows)
    out = _open(chart_id, width, height, title, desc)
    for tick in sorted({-t for t in ticks} | set(ticks)):
        out.append(
            f'<line x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="{_n(top)}" y2="{_n(bottom)}" '
            f'stroke="{"#555555" if tick == 0 else "#e0e0e0"}"/>'
        )
        out.append(_text(x(tick), bottom + 16, f"{tick:g}", "middle"))
    out.append(_text(left + plot_w / 2, bottom + 36, x_axis, "middle", font_weight="bold"))
    for i, (label, estimate, low, high) in enumerate(rows):
        y = top + row_h * (i + 0.5)
        out.append(_text(left - 8, y + 4, label, "end"))
        if estimate is None or low is None or high is None:
            continue
        stroke = colour(0) if low > 0 or high < 0 else "#777777"
        out.append(
            f'<line x1="{_n(x(low))}" x2="{_n(x(high))}" y1="{_n(y)}" y2="{_n(y)}" '
            f'stroke="{stroke}" stroke-width="2.5"/>'
        )
        out.append(f'<circle cx="{_n(x(estimate))}" cy="{_n(y)}" r="4.5" fill="{stroke}"/>')
    out.append("</svg>")
    return "\n".join(out)
