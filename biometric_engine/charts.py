"""FPIR and FNIR against threshold as an inline SVG, drawn on the server.

No JavaScript: the page works as sent. The chart names itself for screen readers (a title and
a description referenced by ``aria-labelledby``) and the page puts the same figures in a table
beside it. The two series differ by line style and marker as well as colour, so the chart
reads in greyscale too.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 20, 44, 52
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Series:
    key: str  # "fpir" or "fnir", the report's key
    label: str
    colour: str
    dash: str  # SVG stroke-dasharray, "" for solid
    marker: str  # "circle" or "square"


SERIES = (
    Series("fpir", "FPIR", "#1d70b8", "", "circle"),
    Series("fnir", "FNIR", "#d4351c", "6 4", "square"),
)


def rates_chart(
    *,
    rows: list[dict],
    chart_id: str,
    title: str,
    description: str,
    minimum: float | None = None,
) -> SafeString:
    """An SVG of FPIR and FNIR (in percent, with 95 % intervals shaded) against threshold.

    ``rows`` are the report's ``{"threshold", "fpir", "fnir"}`` rows; a rate of None (no
    searches of that kind) leaves a gap rather than a point at zero.
    """
    thresholds = [float(row["threshold"]) for row in rows]
    low, high = (min(thresholds), max(thresholds)) if thresholds else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05

    def x(value: float) -> float:
        return LEFT + (value - low) / (high - low) * PLOT_W

    def y(rate: float) -> float:
        return TOP + (1.0 - rate) * PLOT_H

    ident = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wa-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="inherit" font-size="13">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="#fff" '
        f'stroke="#b1b4b6"/>',
    ]
    for percent in range(0, 101, 20):
        gy = y(percent / 100)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{gy:.1f}" y2="{gy:.1f}" '
            f'stroke="#f3f2f1"/>'
            f'<text x="{LEFT - 8}" y="{gy + 4:.1f}" text-anchor="end">{percent} %</text>'
        )
    for value in thresholds:
        gx = x(value)
        parts.append(
            f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H + 5}" '
            f'stroke="#0b0c0c"/>'
            f'<text x="{gx:.1f}" y="{TOP + PLOT_H + 20}" text-anchor="middle">{value:.2f}</text>'
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        "Threshold (similarity score)</text>"
        f'<text transform="translate(14 {TOP + PLOT_H / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">Rate</text>'
    )
    for series in SERIES:
        parts.extend(_series(rows, series, x, y))
    if minimum is not None:
        mx = x(float(minimum))
        # The label goes left of the line when the line is near the right edge.
        near_edge = mx > LEFT + PLOT_W - 100
        label_x, anchor = (mx - 4, "end") if near_edge else (mx + 4, "start")
        parts.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{TOP}" y2="{TOP + PLOT_H}" stroke="#0b0c0c" '
            f'stroke-width="2" stroke-dasharray="2 3"/>'
            f'<text x="{label_x:.1f}" y="{TOP + 14}" text-anchor="{anchor}">'
            f"minimum {float(minimum):.2f}</text>"
        )
    parts.append(_legend())
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or a number


def _series(rows, series: Series, x, y) -> list[str]:
    points, band_top, band_bottom, out = [], [], [], []
    segments: list[list[tuple[float, float]]] = [[]]
    for row in rows:
        rate = row[series.key]
        if rate["rate"] is None:
            if segments[-1]:
                segments.append([])
            continue
        px, py = x(float(row["threshold"])), y(rate["rate"])
        segments[-1].append((px, py))
        points.append((px, py))
        band_top.append((px, y(rate["ci_high"])))
        band_bottom.append((px, y(rate["ci_low"])))
    if len(band_top) > 1:
        outline = band_top + band_bottom[::-1]
        out.append(
            f'<polygon points="{_points(outline)}" fill="{series.colour}" fill-opacity="0.15" '
            'stroke="none"/>'
        )
    dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
    for segment in segments:
        if len(segment) > 1:
            out.append(
                f'<polyline points="{_points(segment)}" fill="none" stroke="{series.colour}" '
                f'stroke-width="2.5"{dash}/>'
            )
    out.extend(_marker(series, px, py) for px, py in points)
    return out


def _marker(series: Series, px: float, py: float) -> str:
    if series.marker == "square":
        return (
            f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="{series.colour}"/>'
        )
    return f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{series.colour}"/>'


def _points(pairs) -> str:
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in pairs)


def _legend() -> str:
    parts, lx = [], LEFT
    for series in SERIES:
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        parts.append(
            f'<line x1="{lx}" x2="{lx + 28}" y1="18" y2="18" stroke="{series.colour}" '
            f'stroke-width="2.5"{dash}/>{_marker(series, lx + 14, 18)}'
            f'<text x="{lx + 34}" y="22">{series.label} (shaded: 95 % interval)</text>'
        )
        lx += 250
    return "".join(parts)
