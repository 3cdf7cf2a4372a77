"""The story first: the summary at the top of a report, read by a board member in two minutes.

Four headline figures, each beside the previous period of the same length, and three key
messages in plain English chosen from them. Everything here is read from two report dicts
(docs/report-format.md) that the view fetched through the same `compute_report` call, so the
privacy rules apply to both alike: a hidden figure stays hidden and so does its change, and no
sentence is built around a hidden or missing number. No sentence ever carries a name: only
figures and the community's kinds of member.

The previous period (`previous_period`) is the month, quarter or year before, or the same number
of days just before a custom range. A month, quarter or year still running is compared with the
same number of days at the start of the one before (1 to 4 November against 1 to 4 December);
for a funder (a suppressed report) only ever a whole month, quarter or year, so the summary
never publishes the figures of a period a funder could not ask for.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dates import add_months
from ..services.report_periods import EARLIEST, Period
from .figures import number, share
from .tables import MISSING, OK, SUPPRESSED, hidden_text, is_suppressed, lookup

#: The headline figures: key path, METRICS.md id, name, format.
HEADLINES = (
    ("B1", "B1", _l("Two-way share"), "share"),
    ("A2.hours", "A2", _l("Hours exchanged"), "hours"),
    ("A1.active", "A1", _l("Members taking part"), "count"),
    ("C2.symmetric", "C2", _l("Two-way flow, service users and professionals"), "ratio"),
)
#: What counts as a notable change, per format: 5 points of a share, 10% of hours or members,
#: 0.1 on the 0-to-1 scale of C2. A change of this size scores 1.
NOTABLE = {"share": 0.05, "hours": 0.10, "count": 0.10, "ratio": 0.10}


@dataclass
class Headline:
    path: str
    id: str
    name: str
    fmt: str
    value: float | None
    state: str
    #: the figure as shown ("61%", "1,234.5", "fewer than 5 people")
    text: str
    previous: float | None = None
    previous_state: str = MISSING
    #: the previous figure as shown, when there is a comparison
    previous_text: str | None = None
    #: "+4 points", "−12%", "no change"; None when there is no comparison
    change: str | None = None
    #: up, down, same or none (the arrow, and a word for screen readers)
    direction: str = "none"
    #: why there is no comparison, if there is none
    no_change_reason: str | None = None
    #: how notable the change is (1 = notable), for choosing the key messages
    score: float = 0.0


@dataclass
class Summary:
    figures: list[Headline]
    messages: list[str] = field(default_factory=list)
    #: the period compared with ("October 2026"), None when there is none
    previous_label: str | None = None


# -- the previous period -----------------------------------------------------------------------


def previous_period(period: Period, *, whole_only: bool = False) -> Period | None:
    """The period of the same length just before `period`, or None (before 2000, or a custom range
    when `whole_only`: a funder compares only with whole months, quarters and years)."""
    if period.kind in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[period.kind]
        first = period.start.replace(day=1)
        start = add_months(first, -months)
        if start < EARLIEST:
            return None
        if period.kind == "month":
            value = start.strftime("%Y-%m")
        elif period.kind == "quarter":
            value = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        else:
            value = str(start.year)
        whole_start, whole_end = start, add_months(start, months) - timedelta(days=1)
        if period.to_date and not whole_only:
            end = min(whole_end, whole_start + (period.end - period.start))
            return Period(whole_start, end, "custom")
        return Period(whole_start, whole_end, period.kind, value)
    if period.kind == "custom" and not whole_only:
        days = (period.end - period.start).days + 1
        start, end = period.start - timedelta(days=days), period.start - timedelta(days=1)
        if start < EARLIEST:
            return None
        return Period(start, end, "custom")
    return None


# -- figures and changes ------------------------------------------------------------------------


def _state(report: dict | None, path: str) -> str:
    if report is None:
        return MISSING
    if lookup(report, path) is not None:
        return OK
    return SUPPRESSED if is_suppressed(report, path) else MISSING


def _show(value, fmt: str) -> str:
    if fmt == "share":
        return share(value)
    if fmt == "hours":
        return number(value, 1)
    if fmt == "count":
        return number(value, 0)
    return number(value)


def _change(now: float, before: float, fmt: str) -> tuple[str, str, float]:
    """The change as shown, its direction, and its score."""
    if fmt == "share":
        points = round((now - before) * 100)
        if not points:
            return _("no change"), "same", abs(now - before) / NOTABLE[fmt]
        text = ngettext("%(signed)s point", "%(signed)s points", abs(points), signed=_signed(points))
        return text, _direction(points), abs(now - before) / NOTABLE[fmt]
    if fmt == "ratio":
        diff = round(now - before, 2)
        return _signed(diff, number(abs(diff))), _direction(diff), abs(now - before) / NOTABLE[fmt]
    if before == 0:
        return (_("new this period"), "up", 1.0) if now else (_("no change"), "same", 0.0)
    relative = (now - before) / before
    percent = round(relative * 100)
    return _signed(percent, f"{abs(percent)}%"), _direction(percent), abs(relative) / NOTABLE[fmt]


def _signed(value, text=None) -> str:
    text = text if text is not None else str(abs(value))
    if not value:
        return _("no change")
    return ("+" if value > 0 else "\u2212") + text


def _direction(value) -> str:
    return "up" if value > 0 else "down" if value < 0 else "same"


def headlines(report: dict, previous: dict | None) -> list[Headline]:
    out = []
    for path, id_, name, fmt in HEADLINES:
        value, state = lookup(report, path), _state(report, path)
        text = _show(value, fmt) if state == OK else hidden_text(report, path) if state == SUPPRESSED else _("not enough data")
        figure = Headline(path, id_, str(name), fmt, value if state == OK else None, state, text)
        figure.previous_state = _state(previous, path)
        if figure.previous_state == OK:
            figure.previous = lookup(previous, path)
        if previous is None:
            figure.no_change_reason = _("no earlier period to compare with")
        elif state == SUPPRESSED or figure.previous_state == SUPPRESSED:
            # A hidden figure stays hidden, and its change with it.
            figure.no_change_reason = hidden_text(report if state == SUPPRESSED else previous, path)
        elif state != OK or figure.previous_state != OK:
            figure.no_change_reason = _("not enough data to compare")
        else:
            figure.change, figure.direction, figure.score = _change(value, figure.previous, fmt)
            figure.previous_text = _show(figure.previous, fmt)
        out.append(figure)
    return out


# -- key messages -------------------------------------------------------------------------------


def _messages(report: dict, figures: list[Headline], previous_label: str | None) -> list[str]:
    """Three sentences, the most notable first: a change past its NOTABLE size scores 1 or more;
    facts about where the report stands score below that, so they fill the rest."""
    by_id = {f.id: f for f in figures}
    candidates: list[tuple[float, int, str]] = []

    def add(score: float, text: str) -> None:
        candidates.append((score, len(candidates), text))

    def moved(figure: Headline, at_least: float = 0.5) -> bool:
        return bool(figure.change) and figure.score >= at_least and figure.direction in ("up", "down")

    period = previous_label
    b1, hours, active, c2 = by_id["B1"], by_id["A2"], by_id["A1"], by_id["C2"]
    if b1.state == OK:
        before, now = share(b1.previous) if b1.previous is not None else "", share(b1.value)
        if moved(b1) and b1.direction == "up":
            add(b1.score + 0.1, _("The share of members who both gave and received rose from %(before)s to %(now)s since %(period)s.",
                                  before=before, now=now, period=period))
        elif moved(b1):
            add(b1.score + 0.1, _("The share of members who both gave and received fell from %(before)s to %(now)s since %(period)s.",
                                  before=before, now=now, period=period))
        else:
            add(0.6, _("%(share)s of the members who took part both gave and received time.", share=now))
    if hours.state == OK:
        text = number(hours.value, 1)
        if moved(hours) and hours.previous:
            percent = f"{abs(round(100 * (hours.value - hours.previous) / hours.previous))}%"
            if hours.direction == "up":
                add(hours.score, _("Members exchanged %(hours)s hours, %(percent)s more than in %(period)s.",
                                   hours=text, percent=percent, period=period))
            else:
                add(hours.score, _("Members exchanged %(hours)s hours, %(percent)s fewer than in %(period)s.",
                                   hours=text, percent=percent, period=period))
        elif hours.change:
            add(0.4, _("Members exchanged %(hours)s hours, about as many as in %(period)s.", hours=text, period=period))
        else:
            add(0.3, _("Members exchanged %(hours)s hours in this period.", hours=text))
    if active.state == OK:
        if moved(active) and active.previous is not None:
            diff = int(active.value - active.previous)
            now = number(active.value, 0)
            if diff > 0:
                add(active.score, ngettext("%(num)d more member took part than in %(period)s: %(now)s in all.",
                                           "%(num)d more members took part than in %(period)s: %(now)s in all.",
                                           diff, period=period, now=now))
            else:
                add(active.score, ngettext("%(num)d fewer member took part than in %(period)s: %(now)s in all.",
                                           "%(num)d fewer members took part than in %(period)s: %(now)s in all.",
                                           -diff, period=period, now=now))
        elif _state(report, "A1.registered") == OK and lookup(report, "A1.registered"):
            add(0.35, _("%(active)s of the %(registered)s registered members gave or received time.",
                        active=number(active.value, 0), registered=number(lookup(report, "A1.registered"), 0)))
    if c2.state == OK:
        x = number(c2.value)
        if moved(c2, 1) and c2.direction == "up":
            add(c2.score - 0.1, _("Time between service users and professionals became more two-way since %(period)s: %(before)s, now %(now)s (1 is equal both ways).",
                                  period=period, before=number(c2.previous), now=x))
        elif moved(c2, 1):
            add(c2.score - 0.1, _("Time between service users and professionals became more one-way since %(period)s: %(before)s, now %(now)s (1 is equal both ways).",
                                  period=period, before=number(c2.previous), now=x))
        elif c2.value >= 0.75:
            add(0.5, _("Service users give professionals almost as much time as they receive from them (%(x)s, where 1 is equal both ways).", x=x))
        elif c2.value <= 0.4:
            add(0.5, _("Time between service users and professionals flows mostly one way (%(x)s, where 1 is equal both ways).", x=x))
        else:
            add(0.2, _("Time between service users and professionals flows both ways, though not equally (%(x)s, where 1 is equal both ways).", x=x))
    if _state(report, "C3.service_users_giving") == OK:
        add(0.45, _("%(share)s of the service users who took part also gave time, not only received it.",
                    share=share(lookup(report, "C3.service_users_giving"))))
    if len(candidates) < 3 and any(f.state == SUPPRESSED for f in figures):
        add(0.0, _("Some figures are hidden because fewer than %(n)d people are behind them.", n=report.get("threshold") or 5))
    if not candidates:
        add(0.0, _("Nothing was recorded in this period."))
    return [text for _score, _order, text in sorted(candidates, key=lambda c: (-c[0], c[1]))[:3]]


def build(report: dict, previous: dict | None, previous_period_: Period | None = None) -> Summary:
    """The summary of `report`, compared with `previous` (the report of `previous_period_`)."""
    if previous is not None and not _has_activity(previous):
        previous = None
    label = _label(previous_period_) if previous is not None and previous_period_ is not None else None
    if previous is not None and label is None:
        label = _("%(start)s to %(end)s", start=previous["period"]["from"], end=previous["period"]["to"])
    figures = headlines(report, previous)
    if previous is None and previous_period_ is not None:
        for figure in figures:
            if figure.state == OK:
                figure.no_change_reason = _("no figures for %(period)s", period=_label(previous_period_))
    return Summary(figures, _messages(report, figures, label), label)


def _label(period: Period) -> str:
    """The period compared with, short enough for a sentence: "Q4 2025", "1 Nov 2026 to 4 Dec 2026"."""
    if period.kind != "custom":
        return period.label
    return _("%(start)s to %(end)s", start=format_date(period.start, "d MMM yyyy"), end=format_date(period.end, "d MMM yyyy"))


def _has_activity(report: dict) -> bool:
    """False for a period before anything happened, whose zeros are no comparison."""
    minutes, active = lookup(report, "A2.minutes"), lookup(report, "A1.active")
    hidden = is_suppressed(report, "A2.minutes") or is_suppressed(report, "A1.active")
    return bool(minutes or active or hidden)
