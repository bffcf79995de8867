"""The radar chart's markup: room for long labels, and escaped text."""

from __future__ import annotations

import re

from reports.charts import RadarChart, RadarSeries


def view_box(chart: RadarChart) -> list[float]:
    return [float(n) for n in re.search(r'viewBox="([^"]+)"', chart.svg()).group(1).split()]


def chart(*axes: str) -> RadarChart:
    return RadarChart(axes=axes, series=(RadarSeries("Manager", tuple(2.0 for _ in axes), "manager"),))


def test_short_labels_keep_the_square():
    assert view_box(chart("A", "B", "C", "D"))[:3] == [0, 0, 360]


def test_long_labels_widen_the_view_box_on_both_sides():
    left, _, width, _ = view_box(chart("Communication and expression", "Logic", "Coordination and follow-through"))
    assert left < 0
    assert width == 360 - 2 * left


def test_labels_are_escaped():
    assert "&lt;b&gt;" in chart("<b>", "B", "C").svg()


def test_a_named_font_is_set_on_the_chart():
    named = RadarChart(axes=("A", "B", "C"), series=(), font_family="Noto Sans CJK SC")
    assert 'font-family="Noto Sans CJK SC"' in named.svg()
