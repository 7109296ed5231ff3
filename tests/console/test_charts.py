"""The figures' charts: units from the data, whole-number count axes, labels never cut."""

from __future__ import annotations

import re

from bot.console.charts import (
    HOURS,
    MINUTES,
    SECONDS,
    Series,
    bar_chart,
    duration_unit,
    hbar_chart,
    label_width,
)
from bot.console.dashboard import _in_unit, _unit_number

TICK = re.compile(r'<text class="tick" x="38" y="[0-9.]+" text-anchor="end">([^<]*)</text>')


def ticks(svg: str) -> list[str]:
    """The value axis's tick labels, bottom to top."""
    return TICK.findall(svg)


def test_the_unit_follows_the_data() -> None:
    assert duration_unit([None, 45.0]) is SECONDS
    assert duration_unit([600.0, 1500.0]) is MINUTES
    assert duration_unit([600.0, 3 * 3600.0]) is HOURS
    assert duration_unit([30.0], floor=180) is MINUTES  # the 3-minute target line fits too


def test_resolutions_under_an_hour_are_not_zero_ticks() -> None:
    seconds = [1200.0, None, 2400.0]  # 20 and 40 minutes
    unit = duration_unit(seconds)
    svg = bar_chart("r", ["a", "b", "c"], [Series("m", _in_unit(seconds, unit))], fmt=_unit_number)
    labels = ticks(svg)
    assert unit is MINUTES and labels == ["0", "10", "20", "30", "40"]
    assert "0.0" not in labels


def test_count_axes_have_whole_numbers_only() -> None:
    for top in (1, 2, 3, 5, 7, 13, 42, 250):
        svg = bar_chart("c", ["a", "b"], [Series("n", [top, 0])], whole=True)
        labels = ticks(svg)
        assert all(label.isdigit() for label in labels), (top, labels)
        assert float(labels[-1]) >= top


def test_long_reason_labels_wrap_and_fit() -> None:
    reason = "нарушено обещание ответить за 3 мин"
    svg = str(hbar_chart("e", [(reason, 4.0), ("insults", 1.0)]))
    lines = re.findall(r'<tspan x="([0-9.]+)" y="[0-9.]+">([^<]*)</tspan>', svg)
    assert " ".join(text for _, text in lines[:-1]) == reason  # every word, none cut
    # Each line ends at the bar's left edge and starts inside the picture.
    assert all(float(x) - label_width(text) >= 0 for x, text in lines)
