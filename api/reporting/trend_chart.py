"""A trend chart as inline SVG, drawn on the server from the index's histogram buckets.

No JavaScript and no chart library: the same SVG goes into the console, the HTML report and
(WeasyPrint draws SVG) the PDF. One bar per period; the axis shows the largest count and the
first and last periods, and every bar carries a `<title>` with its period and count.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from index.queries import HistogramBucket

WIDTH = 640
HEIGHT = 220
MARGIN_LEFT = 40
MARGIN_BOTTOM = 30
MARGIN_TOP = 20
BAR_GAP = 2
BAR_COLOUR = "#8a2432"


def _bar(index: int, bucket: HistogramBucket, bar_width: float, peak: int) -> str:
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    height = plot_height * bucket.count / peak if peak else 0
    x = MARGIN_LEFT + index * bar_width
    y = MARGIN_TOP + plot_height - height
    label = f"{bucket.start.date().isoformat()}: {bucket.count}"
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_width - BAR_GAP, 1):.1f}" '
        f'height="{height:.1f}" fill="{BAR_COLOUR}"><title>{label}</title></rect>'
    )


def _axes(buckets: Sequence[HistogramBucket], peak: int) -> list[str]:
    bottom = HEIGHT - MARGIN_BOTTOM
    first, last = buckets[0].start.date().isoformat(), buckets[-1].start.date().isoformat()
    return [
        f'<line x1="{MARGIN_LEFT}" y1="{bottom}" x2="{WIDTH}" y2="{bottom}" stroke="#444"/>',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{bottom}" '
        'stroke="#444"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{bottom}" text-anchor="end">0</text>',
        f'<text x="{MARGIN_LEFT}" y="{HEIGHT - 8}">{first}</text>',
        f'<text x="{WIDTH}" y="{HEIGHT - 8}" text-anchor="end">{last}</text>',
    ]


def trend_svg(buckets: Sequence[HistogramBucket], title: str) -> Markup:
    """The chart, safe to put in a page as it is (the title is escaped)."""
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
    )
    if not buckets:
        empty = f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">–</text>'
        return Markup(header + empty + "</svg>")
    peak = max(bucket.count for bucket in buckets)
    bar_width = (WIDTH - MARGIN_LEFT) / len(buckets)
    bars = [_bar(number, bucket, bar_width, peak) for number, bucket in enumerate(buckets)]
    return Markup(header + "".join(_axes(buckets, peak) + bars) + "</svg>")
