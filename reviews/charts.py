"""Bar charts of the published totals as inline SVG, drawn on the server (no JavaScript).

Each chart names itself for screen readers (``role="img"``, a title and a description
referenced by ``aria-labelledby``), and the page puts the same figures in a table beside it.
Bars are a dark blue that meets WCAG contrast against white (8.6 : 1).
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 56
BAR = "#003078"
TEXT = "#0b0c0c"


def bar_chart(*, values: list[tuple[str, int]], chart_id: str, title: str) -> SafeString:
    """One bar per (label, value), the value written above its bar."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([v for _, v in values] + [1])
    slot = plot_w / max(len(values), 1)
    description = "; ".join(f"{label}: {value}" for label, value in values) or "No data yet."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="wa-chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<text x="{LEFT}" y="24" font-size="16" font-weight="bold" fill="{TEXT}">'
        f"{escape(title)}</text>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        f'stroke="{TEXT}"/>',
    ]
    for n, (label, value) in enumerate(values):
        h = plot_h * value / top
        x = LEFT + n * slot + slot * 0.15
        w = slot * 0.7
        y = TOP + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" font-size="12" text-anchor="middle" '
            f'fill="{TEXT}">{value}</text>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{TOP + plot_h + 18}" font-size="12" '
            f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped or a number)
