"""Charts drawn on the server, nothing from a CDN, no script; each has a title and its numbers
in a table beside it. A line chart is an SVG (templates/dashboards/_line_chart.html, role="img")
with its coordinates computed here; a bar chart is a list of labels and numbers as text with
only its bars drawn (_bar_chart.html), so its text is the page's own at every width."""

import datetime
from dataclasses import dataclass, field

from . import formats

# Drawn at a phone's width so that text keeps its size there; wider screens scale it up.
WIDTH, HEIGHT = 360, 220
# A line chart is also drawn at a desktop card's width (shown from 64rem up, dashboards.css),
# so that on a wide screen it fills its card with text at its own size, not a phone's
# drawing scaled to a poster.
WIDE_WIDTH, WIDE_HEIGHT = 1000, 340
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 14, 26


@dataclass
class LineChart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    lines: list = field(default_factory=list)  # [{"name", "points", "css"}]
    y_ticks: list = field(default_factory=list)  # [(y, label)]
    x_ticks: list = field(default_factory=list)  # [(x, label)]
    band: dict | None = None  # {"x", "width", "label"}
    target: dict | None = None  # {"y", "label"}
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM
    wide: "LineChart | None" = None  # the same chart at a desktop card's width


def _n(value):
    """A coordinate as SVG reads it: a dot for the decimal point, whatever the language (the
    templates would write 12,5, which SVG reads as two coordinates)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value):
    if value <= 0:
        return 10
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def cumulative_chart(title, series, *, start, end, target=None, band=None, band_label=""):
    """`series`: {name: (css class, [(day, value)], not cumulative)} plotted cumulatively by
    day from `start` to `end`; `target` a horizontal line; `band` (first, last) a shaded span.
    Drawn twice: at a phone's width, and (as `.wide`) at a desktop card's."""
    args = (title, series, start, end, target, band, band_label)
    chart = _cumulative(*args, width=WIDTH, height=HEIGHT, months_shown=4)
    chart.wide = _cumulative(*args, width=WIDE_WIDTH, height=WIDE_HEIGHT, months_shown=10)
    return chart


def _cumulative(
    title, series, start, end, target, band, band_label, *, width, height, months_shown
):
    chart = LineChart(
        title=title,
        width=width,
        height=height,
        right_edge=width - RIGHT,
        bottom_edge=height - BOTTOM,
    )
    end = max(end, start + datetime.timedelta(days=7))
    span = (end - start).days or 1
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    cumulated = {}
    top = target or 0
    for name, (css, points) in series.items():
        running, rows = 0, []
        for day, value in sorted(points):
            running += value
            rows.append((max(min(day, end), start), running))
        cumulated[name] = (css, rows)
        if rows:
            top = max(top, rows[-1][1])
    top = _nice_max(top)

    def x_of(day):
        return LEFT + plot_w * (day - start).days / span

    def y_of(value):
        return TOP + plot_h * (1 - value / top)

    for name, (css, rows) in cumulated.items():
        coords = [(x_of(start), y_of(0))]
        for day, value in rows:
            coords.append((x_of(day), coords[-1][1]))  # a step: the total holds until the week
            coords.append((x_of(day), y_of(value)))
        coords.append((x_of(end), coords[-1][1]))
        chart.lines.append(
            {"name": name, "css": css, "points": " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)}
        )
    chart.y_ticks = [(_n(y_of(top * i / 4)), formats.whole(top * i / 4)) for i in range(5)]
    months, day = [], datetime.date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            months.append((_n(x_of(day)), f"{day:%m/%y}" if day.month != 1 else f"{day:%Y}"))
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // months_shown))
    chart.x_ticks = months[::step]
    if target:
        chart.target = {"y": _n(y_of(target)), "label": formats.whole(target)}
    if band and band[0] and band[1] and band[0] <= end and band[1] >= start:
        first, last = max(band[0], start), min(band[1], end)
        chart.band = {
            "x": _n(x_of(first)),
            "width": _n(max(1, x_of(last) - x_of(first))),
            "label": band_label,
        }
    return chart


@dataclass
class BarChart:
    title: str
    bars: list  # [{"label", "value", "text", "percent"}]


# The longest bar leaves room beside it for its number, on a phone as on a desktop.
LONGEST_BAR = 85


def bar_chart(title, items):
    """Horizontal bars, one per (label, value), laid out as text (the label on a line above its
    bar, the number beside it) with only the bar drawn: the text keeps the page's own size at
    every width, and a long unit name wraps instead of being cut or shrunk at 390 px. Each
    bar's length is a share of the longest (`percent`, of the chart's width)."""
    top = max([value for _label, value in items] + [1])
    return BarChart(
        title=title,
        bars=[
            {
                "label": label,
                "value": value,
                "text": formats.whole(value),
                "percent": _n(LONGEST_BAR * value / top) if value else 0,
            }
            for label, value in items
        ],
    )
