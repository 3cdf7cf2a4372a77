"""Charts drawn on the server as inline SVG: no JavaScript, no request, nothing to load.

Each chart scales to its container (a viewBox and width 100%), is an image with a title and a
description for screen readers, and is only a picture of a table printed beside it: the table
carries every number, so neither colour nor the drawing is ever the only way to read a figure.
Values hidden by the privacy rules are not drawn; they are marked with a dash.
"""
from markupsafe import Markup, escape

WIDTH = 480
FONT = 15
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 40
BAR = "#1d4f91"
INK = "#0b0c0c"
GRID = "#b1b4b6"
#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), darker first.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")


def _nice_max(value: float) -> float:
    """A round number at or above `value` for the top of an axis."""
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}"{extra}>{escape(text)}</text>'


def _label_every(count: int, room: int = 6) -> int:
    return max(1, -(-count // room))


def _y_axis(top: float, plot_h: float, maximum: float, tick_text) -> list[str]:
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(LEFT - 6, y + FONT / 3, tick_text(maximum * fraction), "end"))
    return body


def bar_chart(chart_id: str, title: str, desc: str, labels: list[str], values: list[float | None],
              tick_text=lambda v: f"{v:g}", height: int = 240) -> Markup:
    """Vertical bars, one per label; None (hidden or unknown) draws a dash on the axis."""
    plot_h = height - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    maximum = _nice_max(max((v for v in values if v is not None), default=0))
    body = _y_axis(TOP, plot_h, maximum, tick_text)
    slot = plot_w / max(1, len(values))
    every = _label_every(len(labels))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + index * slot
        if value is None:
            body.append(_text(x + slot / 2, TOP + plot_h - 3, "\u2013"))
        else:
            bar_h = plot_h * value / maximum
            body.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{bar_h:.1f}" fill="{BAR}"/>'
            )
        if index % every == 0:
            body.append(_text(x + slot / 2, height - BOTTOM + FONT + 6, label))
    return _svg(chart_id, title, desc, height, body)


def line_chart(chart_id: str, title: str, desc: str, labels: list[str], shares: list[float | None],
               height: int = 240) -> Markup:
    """Shares (0 to 1) over time as a line with a dot per point; a gap where a value is hidden."""
    plot_h = height - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    body = _y_axis(TOP, plot_h, 1, lambda v: f"{v:.0%}")
    step = plot_w / max(1, len(shares) - 1) if len(shares) > 1 else 0
    every = _label_every(len(labels))
    segments, current = [], []
    for index, (label, share) in enumerate(zip(labels, shares, strict=True)):
        x = LEFT + (index * step if len(shares) > 1 else plot_w / 2)
        if share is None:
            body.append(_text(x, TOP + plot_h - 3, "\u2013"))
            if current:
                segments.append(current)
            current = []
        else:
            y = TOP + plot_h * (1 - share)
            current.append((x, y))
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>')
        if index % every == 0:
            body.append(_text(x, height - BOTTOM + FONT + 6, label))
    segments.append(current)
    for points in segments:
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    return _svg(chart_id, title, desc, height, body)


def stacked_bars(chart_id: str, title: str, desc: str, rows: list[tuple[str, list[float | None]]],
                 segments: list[str], tick_text=lambda v: f"{v:g}") -> Markup:
    """Horizontal bars, one per row (a giver kind), each split into segments (receiver kinds) with
    a legend. Hidden segments are left out of the bar."""
    row_h, gap, label_h = 26, 12, FONT + 6
    legend_rows = -(-len(segments) // 2)
    bars_top = TOP
    plot_w = WIDTH - RIGHT - 8
    totals = [sum(v for v in values if v is not None) for _, values in rows]
    maximum = _nice_max(max(totals, default=0))
    body = []
    y = bars_top
    for (label, values), total in zip(rows, totals, strict=True):
        body.append(_text(8, y + FONT, f"{label} ({tick_text(total)})", "start"))
        y += label_h
        x = 8.0
        for index, value in enumerate(values):
            if not value:
                continue
            width = (plot_w - 8) * value / maximum
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{row_h}" '
                f'fill="{PALETTE[index % len(PALETTE)]}" stroke="#fff" stroke-width="1.5"/>'
            )
            x += width
        y += row_h + gap
    y += 4
    for index, name in enumerate(segments):
        column, line = index % 2, index // 2
        lx, ly = 8 + column * (WIDTH / 2), y + line * (FONT + 12)
        body.append(f'<rect x="{lx:.1f}" y="{ly:.1f}" width="16" height="16" fill="{PALETTE[index % len(PALETTE)]}"/>')
        body.append(_text(lx + 22, ly + 13, name, "start"))
    height = int(y + legend_rows * (FONT + 12) + 6)
    return _svg(chart_id, title, desc, height, body)


def for_report(report: dict, tables: dict, hours_text, count_text) -> dict[str, Markup]:
    """The report's four charts, each drawn from the table printed beside it."""
    from flask_babel import gettext as _

    from .tables import OK, kind_label, role_matrix

    def values(table, column):
        index = [c.key for c in table.columns].index(column)
        return [row[index].value if row[index].state == OK else None for row in table.rows]

    def extremes(labels, numbers, text):
        known = [(v, label) for label, v in zip(labels, numbers, strict=True) if v is not None]
        if not known:
            return _("No figures to draw.")
        high, low = max(known), min(known)
        return _("Highest %(high)s in %(high_at)s, lowest %(low)s in %(low_at)s. The table below gives every value.",
                 high=text(high[0]), high_at=high[1], low=text(low[0]), low_at=low[1])

    charts = {}
    monthly = tables["monthly"]
    months = values(monthly, "month")
    minutes = values(monthly, "minutes")
    hours = [None if m is None else m / 60 for m in minutes]
    charts["monthly_hours"] = bar_chart(
        "chart-monthly-hours", _("Hours exchanged each month"), extremes(months, minutes, hours_text),
        months, hours, tick_text=lambda v: f"{v:,.0f}")
    entries = values(monthly, "entries")
    charts["monthly_entries"] = bar_chart(
        "chart-monthly-entries", _("Entries each month"), extremes(months, entries, count_text),
        months, entries, tick_text=lambda v: f"{v:,.0f}")

    histogram = tables["histogram"]
    bins = values(histogram, "bin")
    counts = values(histogram, "members")
    charts["histogram"] = bar_chart(
        "chart-histogram",
        _("Members by balance index, from \u22121 (only received) to +1 (only gave)"),
        extremes(bins, counts, count_text), [b.split(" ")[0] for b in bins], counts,
        tick_text=lambda v: f"{v:,.0f}")

    kinds, rows, _largest = role_matrix(report)
    labels = [kind_label(report, k) for k in kinds]
    charts["role_flow"] = stacked_bars(
        "chart-role-flow", _("Hours given by each kind of member, split by who received them"),
        _("One bar per kind of giver; its parts are the kinds who received, in the colours of the key. "
          "The table above gives every value."),
        [(label, [None if c.state != OK else c.value / 60 for c in row]) for label, row in zip(labels, rows, strict=True)],
        labels, tick_text=lambda v: f"{v:,.0f} h")

    two_way = tables["two_way_share"]
    months = values(two_way, "month")
    shares = values(two_way, "share")
    charts["two_way_share"] = line_chart(
        "chart-two-way", _("Share of members who both gave and received, each month"),
        extremes(months, shares, lambda v: f"{v:.0%}"), months, shares)
    return charts
