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
    # Safe to mark: every piece of text is escaped where it is made (`_text`, and the title and
    # description here); the rest is numbers, colours and this module's own ids.
    return Markup(  # nosec B704
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of how wide `text` is drawn (system-ui averages about 0.55 em)."""
    return len(text) * size * 0.6


def _text(x: float, y: float, text: str, anchor: str = "middle", room: float | None = None, **attrs) -> str:
    """A label kept inside the drawing: moved in from an edge it would cross, and squeezed (its
    textLength set) if it is wider than `room` or than the chart."""
    width = text_width(text, float(attrs.get("font_size", FONT)))
    room = min(room or WIDTH - 4, WIDTH - 4)
    if width > room:
        attrs.update(textLength=f"{room:.0f}", lengthAdjust="spacingAndGlyphs")
        width = room
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    if left < 2:
        x, anchor = 2, "start"
    elif left + width > WIDTH - 2:
        x, anchor = WIDTH - 2, "end"
    extra = "".join(f' {k.replace("_", "-") if k.islower() else k}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}"{extra}>{escape(text)}</text>'


def _left(maximum: float, tick_text) -> float:
    """Room for the y axis's widest tick label."""
    return max(LEFT, 12 + max(text_width(tick_text(maximum * f)) for f in (0, 0.5, 1)))


def _label_every(count: int, room: int = 6) -> int:
    return max(1, -(-count // room))


def _y_axis(top: float, plot_h: float, maximum: float, tick_text, left: float = LEFT) -> list[str]:
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(f'<line x1="{left:.1f}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + FONT / 3, tick_text(maximum * fraction), "end"))
    return body


def _hatch(chart_id: str) -> str:
    """The pattern a part month's bar is drawn with (stripes of the bar's colour)."""
    return (f'<defs><pattern id="{chart_id}-part" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"/>'
            f'<rect width="4" height="8" fill="{BAR}"/></pattern></defs>')


def bar_chart(chart_id: str, title: str, desc: str, labels: list[str], values: list[float | None],
              tick_text=lambda v: f"{v:g}", height: int = 240, parts: dict[int, str] | None = None) -> Markup:
    """Vertical bars, one per label; None (hidden or unknown) draws a dash on the axis. A bar in
    `parts` (a part month: its index and a note such as "to 4 Dec") is hatched and labelled."""
    parts = parts or {}
    top = TOP + (FONT + 6 if parts else 0)
    plot_h = height - top - BOTTOM
    maximum = _nice_max(max((v for v in values if v is not None), default=0))
    left = _left(maximum, tick_text)
    plot_w = WIDTH - left - RIGHT
    body = ([_hatch(chart_id)] if parts else []) + _y_axis(top, plot_h, maximum, tick_text, left)
    slot = plot_w / max(1, len(values))
    every = _label_every(len(labels))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot
        if value is None:
            body.append(_text(x + slot / 2, top + plot_h - 3, "\u2013"))
        else:
            bar_h = plot_h * value / maximum
            fill = f"url(#{chart_id}-part)" if index in parts else BAR
            body.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{bar_h:.1f}" fill="{fill}" stroke="{BAR}"/>'
            )
        if index in parts:
            body.append(_text(x + slot / 2, top - 6, parts[index], font_size=FONT - 2))
        if (len(labels) - 1 - index) % every == 0:  # counted from the last, which is always labelled
            body.append(_text(x + slot / 2, height - BOTTOM + FONT + 6, label))
    return _svg(chart_id, title, desc, height, body)


def line_chart(chart_id: str, title: str, desc: str, labels: list[str], shares: list[float | None],
               height: int = 240, parts: dict[int, str] | None = None) -> Markup:
    """Shares (0 to 1) over time as a line with a dot per point; a gap where a value is hidden.
    A point in `parts` (a part month) is drawn hollow and labelled with its note."""
    parts = parts or {}
    top = TOP + (FONT + 6 if parts else 0)
    plot_h = height - top - BOTTOM
    left = _left(1, lambda v: f"{v:.0%}")
    # The first and last points sit half a label in from the ends, so that no label is cut off.
    inset = min(24, (WIDTH - left - RIGHT) / 4)
    plot_w = WIDTH - left - RIGHT - 2 * inset
    body = _y_axis(top, plot_h, 1, lambda v: f"{v:.0%}", left)
    step = plot_w / max(1, len(shares) - 1) if len(shares) > 1 else 0
    every = _label_every(len(labels))
    segments, current = [], []
    for index, (label, share) in enumerate(zip(labels, shares, strict=True)):
        x = left + inset + (index * step if len(shares) > 1 else plot_w / 2)
        if share is None:
            body.append(_text(x, top + plot_h - 3, "\u2013"))
            if current:
                segments.append(current)
            current = []
        else:
            y = top + plot_h * (1 - share)
            current.append((x, y))
            if index in parts:
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="{BAR}" stroke-width="2.5"/>')
            else:
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>')
        if index in parts:
            body.append(_text(x, top - 6, parts[index], font_size=FONT - 2))
        if (len(labels) - 1 - index) % every == 0:
            body.append(_text(x, height - BOTTOM + FONT + 6, label))
    segments.append(current)
    for points in segments:
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    return _svg(chart_id, title, desc, height, body)


def stacked_bars(chart_id: str, title: str, desc: str, rows: list[tuple[str, list[float | None]]],
                 segments: list[str], tick_text=lambda v: f"{v:g}", shown_text=None) -> Markup:
    """Horizontal bars, one per row (a giver kind), each split into segments (receiver kinds) with
    a legend. Hidden segments are left out of the bar, and so out of its total: a row with one
    says its total is of the parts shown (`shown_text`), never passing it off as the whole."""
    row_h, gap, label_h = 26, 12, FONT + 6
    legend_rows = -(-len(segments) // 2)
    bars_top = TOP
    plot_w = WIDTH - RIGHT - 8
    totals = [sum(v for v in values if v is not None) for _, values in rows]
    maximum = _nice_max(max(totals, default=0))
    shown_text = shown_text or (lambda total: f"{total} shown")
    body = []
    y = bars_top
    for (label, values), total in zip(rows, totals, strict=True):
        total_text = tick_text(total) if all(v is not None for v in values) else shown_text(tick_text(total))
        body.append(_text(8, y + FONT, f"{label} ({total_text})", "start"))
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
        body.append(_text(lx + 22, ly + 13, name, "start", room=WIDTH / 2 - 30))
    height = int(y + legend_rows * (FONT + 12) + 6)
    return _svg(chart_id, title, desc, height, body)


def for_report(report: dict, tables: dict, hours_text, count_text) -> dict[str, Markup]:
    """The report's four charts, each drawn from the table printed beside it."""
    from flask_babel import gettext as _

    from .tables import OK, kind_label, part_months, role_matrix

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

    def part_of(months, point=False):
        """The part months of a series, by position, and a sentence for the description."""
        found = {i: notes[m] for i, m in enumerate(months) if m in notes}
        said = " ".join(
            _("%(month)s is a part month (%(note)s): its point is hollow.", month=months[i], note=note) if point else
            _("%(month)s is a part month (%(note)s): its bar is hatched.", month=months[i], note=note)
            for i, note in found.items())
        return found, (" " + said if said else "")

    charts = {}
    notes = part_months(report)
    monthly = tables["monthly"]
    months = values(monthly, "month")
    parts, said = part_of(months)
    minutes = values(monthly, "minutes")
    hours = [None if m is None else m / 60 for m in minutes]
    charts["monthly_hours"] = bar_chart(
        "chart-monthly-hours", _("Hours exchanged each month"), extremes(months, minutes, hours_text) + said,
        months, hours, tick_text=lambda v: f"{v:,.0f}", parts=parts)
    entries = values(monthly, "entries")
    charts["monthly_entries"] = bar_chart(
        "chart-monthly-entries", _("Entries each month"), extremes(months, entries, count_text) + said,
        months, entries, tick_text=lambda v: f"{v:,.0f}", parts=parts)

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
        labels, tick_text=lambda v: f"{v:,.0f} h",
        shown_text=lambda total: _("%(total)s: total of the cells shown", total=total))

    two_way = tables["two_way_share"]
    months = values(two_way, "month")
    parts, said = part_of(months, point=True)
    shares = values(two_way, "share")
    charts["two_way_share"] = line_chart(
        "chart-two-way", _("Share of members who both gave and received, each month"),
        extremes(months, shares, lambda v: f"{v:.0%}") + said,
        months, shares, parts=parts)
    return charts
