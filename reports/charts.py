"""Server-rendered SVG charts, the same markup in the browser and in the PDF.

No JavaScript and no fonts fetched: text uses the page's font stack, so Chinese labels render
wherever a CJK font is installed (WeasyPrint embeds it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class RadarSeries:
    """One polygon: a label and a value per axis (None where there is no value yet)."""

    label: str
    values: tuple[float | None, ...]
    css_class: str


@dataclass(frozen=True)
class RadarChart:
    """A radar (spider) chart: one axis per competency, rings at every whole level."""

    axes: tuple[str, ...]
    series: tuple[RadarSeries, ...]
    max_value: int = 3
    size: int = 360
    title: str = ""
    # An SVG embedded in a PDF does not inherit the document's font, so the PDF names one.
    font_family: str = ""

    def _point(self, axis: int, value: float) -> tuple[float, float]:
        centre = self.size / 2
        radius = (self.size / 2 - 70) * (value / self.max_value)
        angle = -math.pi / 2 + 2 * math.pi * axis / len(self.axes)
        return centre + radius * math.cos(angle), centre + radius * math.sin(angle)

    def _polygon(self, values: tuple[float | None, ...]) -> str:
        return " ".join("{:.1f},{:.1f}".format(*self._point(i, v or 0)) for i, v in enumerate(values))

    def _anchor(self, lx: float) -> str:
        centre = self.size / 2
        return "middle" if abs(lx - centre) < 10 else ("start" if lx > centre else "end")

    def _overhang(self) -> int:
        """How far the longest axis labels reach past the square, so the view box can make room for them."""
        reach = 0.0
        for i, label in enumerate(self.axes):
            lx, _ = self._point(i, self.max_value + 0.55)
            # An estimate without font metrics: CJK glyphs are square, Latin ones a little over half as wide.
            width = sum(12 if ord(char) >= 0x2E80 else 7 for char in label)
            left, right = {"middle": (lx - width / 2, lx + width / 2), "start": (lx, lx + width)}.get(
                self._anchor(lx), (lx - width, lx)
            )
            reach = max(reach, -left, right - self.size)
        return math.ceil(reach) + 4 if reach > 0 else 0

    def svg(self) -> SafeString:
        """The chart as an inline <svg> element with a title and a legend for screen readers."""
        n = len(self.axes)
        if n < 3:
            return mark_safe("")  # noqa: S308 - constant markup
        centre = self.size / 2
        pad = self._overhang()
        parts = [
            f'<svg class="radar" viewBox="{-pad} 0 {self.size + 2 * pad} {self.size + 24 * len(self.series)}" '
            f'width="{self.size + 2 * pad}" role="img" aria-labelledby="radar-title" xmlns="http://www.w3.org/2000/svg"'
            + (f' font-family="{escape(self.font_family)}"' if self.font_family else "")
            + ">",
            f'<title id="radar-title">{escape(self.title)}</title>',
        ]
        for ring in range(1, self.max_value + 1):
            parts.append(
                f'<polygon class="ring" points="{self._polygon(tuple([float(ring)] * n))}" '
                'fill="none" stroke="#c9d1db" stroke-width="1"/>'
            )
        for i, label in enumerate(self.axes):
            x, y = self._point(i, self.max_value)
            lx, ly = self._point(i, self.max_value + 0.55)
            anchor = self._anchor(lx)
            parts.append(
                f'<line x1="{centre:.1f}" y1="{centre:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                'stroke="#c9d1db" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="12" fill="#1d2733">'
                f"{escape(label)}</text>"
            )
        for ring in range(1, self.max_value + 1):
            x, y = self._point(0, ring)
            parts.append(f'<text x="{x + 4:.1f}" y="{y - 2:.1f}" font-size="9" fill="#5b6775">{ring}</text>')
        styles = {
            "required": 'fill="none" stroke="#5b6775" stroke-width="2" stroke-dasharray="5 4"',
            "self": 'fill="#f2b01e" fill-opacity="0.18" stroke="#c98a00" stroke-width="2"',
            "manager": 'fill="#0b5cad" fill-opacity="0.22" stroke="#0b5cad" stroke-width="2"',
        }
        for series in self.series:
            if all(v is None for v in series.values):
                continue
            style = styles.get(series.css_class, 'fill="none" stroke="#333" stroke-width="2"')
            parts.append(
                f'<polygon class="series {escape(series.css_class)}" points="{self._polygon(series.values)}" {style}>'
                f"<title>{escape(series.label)}</title></polygon>"
            )
        for row, series in enumerate(self.series):
            y = self.size + 8 + 24 * row
            style = styles.get(series.css_class, 'fill="none" stroke="#333"')
            parts.append(f'<rect x="20" y="{y}" width="18" height="12" {style}/>')
            parts.append(f'<text x="46" y="{y + 11}" font-size="12" fill="#1d2733">{escape(series.label)}</text>')
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
