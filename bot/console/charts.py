"""Charts drawn on the server as inline SVG: no scripts, no CDN, readable on a phone."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 14, 34
Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend, a value per label, a colour class."""

    name: str
    values: Sequence[float | None]
    css: str = "s1"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _nice_max(value: float) -> float:
    """Round the axis up to 1, 2, 4, 5 or 8 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 4, 5, 8, 10) if step * power >= value)


def _steps(ceiling: float) -> int:
    """How many grid intervals divide the axis into round numbers."""
    leading = round(ceiling / 10 ** math.floor(math.log10(ceiling)))
    return 5 if leading in (1, 5, 10) else 4


def _svg(title: str, body: list[str], height: int = HEIGHT, width: int = WIDTH) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}" '
        f'preserveAspectRatio="xMidYMid meet"><title>{label}</title>{"".join(body)}</svg>'
    )


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Format = _number,
    top: float | None = None,
    target: float | None = None,
) -> Markup:
    """Vertical bars, grouped when there are several series, with a value axis and target."""
    values = [v for s in series for v in s.values if v is not None]
    ceiling = top if top is not None else _nice_max(max([*values, target or 0, 0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body: list[str] = []
    for step in range(5):
        y = TOP + plot_h - plot_h * step / 4
        body.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        tick = escape(fmt(ceiling * step / 4))
        body.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    count = max(len(labels), 1)
    slot = plot_w / count
    bar_w = max(slot * 0.72 / max(len(series), 1), 1.5)
    show_values = count * len(series) <= 16
    every = max(1, math.ceil(count / 10))  # at most ten date labels under the axis
    for i, label in enumerate(labels):
        x0 = LEFT + slot * i + slot * 0.14
        for j, one in enumerate(series):
            value = one.values[i] if i < len(one.values) else None
            if value is None:
                continue
            h = plot_h * min(value, ceiling) / ceiling
            x, y = x0 + bar_w * j, TOP + plot_h - h
            tip = escape(f"{label} · {one.name}: {fmt(value)}")
            body.append(
                f'<rect class="bar {one.css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{max(h, 0.5):.1f}"><title>{tip}</title></rect>'
            )
            if show_values:
                body.append(
                    f'<text class="value" x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                    f'text-anchor="middle">{escape(fmt(value))}</text>'
                )
        if i % every == 0:
            cx = LEFT + slot * i + slot / 2
            body.append(
                f'<text class="tick" x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if target is not None and target <= ceiling:
        y = TOP + plot_h - plot_h * target / ceiling
        body.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
    body.append(_legend(series))
    return _svg(title, body)


def _legend(series: Sequence[Series]) -> str:
    if len(series) < 2:
        return ""
    parts, x = [], LEFT
    for one in series:
        parts.append(
            f'<rect class="bar {one.css}" x="{x}" y="{HEIGHT - 12}" width="10" height="10"/>'
            f'<text class="tick" x="{x + 14}" y="{HEIGHT - 3}">{escape(one.name)}</text>'
        )
        x += 24 + 7 * len(one.name)
    return "".join(parts)


def hbar_chart(
    title: str, items: Sequence[tuple[str, float]], *, fmt: Format = _number, css: str = "s1"
) -> Markup:
    """Horizontal bars with the label on the left and the value at the bar's end."""
    row_h, label_w, width = 26, 190, 440
    height = max(len(items), 1) * row_h + 8
    ceiling = _nice_max(max([v for _, v in items] or [0]))
    plot_w = width - label_w - 44
    body: list[str] = []
    for i, (full, value) in enumerate(items):
        label = full if len(full) <= 30 else full[:29] + "…"
        y = 4 + i * row_h
        w = plot_w * value / ceiling if ceiling else 0
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="bar {css}" x="{label_w}" y="{y + 4}" width="{max(w, 0.5):.1f}" '
            f'height="{row_h - 8}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 17}">'
            f"{escape(fmt(value))}</text>"
        )
    if not items:
        body.append(f'<text class="label" x="{label_w}" y="20">No data in this period</text>')
    return _svg(title, body, height, width)
