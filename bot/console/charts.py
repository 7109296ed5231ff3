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


def _whole_max(value: float) -> float:
    """Round a count axis up so that each of its four intervals is a whole, round number."""
    if value <= 4:
        return 4.0
    power = 10 ** math.floor(math.log10(value / 4))
    step = next(k * power for k in (1, 2, 5, 10) if k * power * 4 >= value)
    return float(max(step, 1) * 4)


@dataclass(frozen=True)
class Unit:
    """The unit a duration axis is drawn in, picked from the data."""

    name: str  # seconds, minutes or hours: the key of its label
    seconds: int


SECONDS, MINUTES, HOURS = Unit("seconds", 1), Unit("minutes", 60), Unit("hours", 3600)


def duration_unit(values: Sequence[float | None], *, floor: float = 0) -> Unit:
    """Pick seconds, minutes or hours so that the largest value reads as a few of them."""
    largest = max([v for v in values if v is not None] + [floor, 0])
    if largest < 2 * 60:
        return SECONDS
    if largest < 2 * 3600:
        return MINUTES
    return HOURS


def label_width(text: str, size: float = 13) -> float:
    """Estimate how wide a label is drawn in the system sans-serif, in pixels."""
    narrow = sum(1 for c in text if c in "iljtfr.,:;|!' ")
    wide = sum(1 for c in text if c.isupper() or c in "mwMWшщжюыфШЩЖЮЫФ★")
    return size * (0.62 * (len(text) - narrow - wide) + 0.32 * narrow + 0.9 * wide)


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
    whole: bool = False,
) -> Markup:
    """Vertical bars, grouped when there are several series, with a value axis and target.

    `whole` is for counts: the axis then only has whole numbers.
    """
    values = [v for s in series for v in s.values if v is not None]
    largest = max([*values, target or 0, 0])
    auto = _whole_max(largest) if whole else _nice_max(largest)
    ceiling = top if top is not None else auto
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
    parts: list[str] = []
    x: float = LEFT
    for one in series:
        parts.append(
            f'<rect class="bar {one.css}" x="{x:.0f}" y="{HEIGHT - 12}" width="10" height="10"/>'
            f'<text class="tick" x="{x + 14:.0f}" y="{HEIGHT - 3}">{escape(one.name)}</text>'
        )
        x += 24 + label_width(one.name, 11)
    return "".join(parts)


def _wrap(text: str, width: float) -> list[str]:
    """Break a label into lines that fit `width`, at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and label_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def hbar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    fmt: Format = _number,
    css: str = "s1",
    empty: str = "No data in this period",
) -> Markup:
    """Horizontal bars with the label on the left (wrapped, never cut) and the value after."""
    plot_w, line_h = 150, 16
    # The label column is as wide as the longest label needs, up to a limit; longer ones wrap.
    label_w = min(max([label_width(label) for label, _ in items] or [60]), 170) + 14
    width = round(label_w + plot_w + 40)
    ceiling = _nice_max(max([v for _, v in items] or [0]))
    body: list[str] = []
    y = 4
    for full, value in items:
        lines = _wrap(full, label_w - 14)
        row_h = max(26, len(lines) * line_h + 10)
        w = plot_w * value / ceiling if ceiling else 0
        first = y + row_h / 2 + 5 - (len(lines) - 1) * line_h / 2
        spans = "".join(
            f'<tspan x="{label_w - 8:.0f}" y="{first + n * line_h:.1f}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        body.append(
            f'<text class="label" text-anchor="end">{spans}</text>'
            f'<rect class="bar {css}" x="{label_w:.0f}" y="{y + row_h / 2 - 9:.1f}" '
            f'width="{max(w, 0.5):.1f}" height="18"><title>{escape(full)}: '
            f"{escape(fmt(value))}</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + row_h / 2 + 5:.1f}">'
            f"{escape(fmt(value))}</text>"
        )
        y += row_h
    if not items:
        body.append(f'<text class="label" x="8" y="20">{escape(empty)}</text>')
        y += 26
    return _svg(title, body, round(y + 4), width)
