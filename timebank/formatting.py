"""Display formats. Minutes are integers everywhere; hours exist only here, for people."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from flask_babel import format_date
from flask_babel import gettext as _


def hours_minutes(minutes: int | None, signed: bool = False) -> str:
    """120 -> '2 h', 90 -> '1 h 30 min', -45 -> '-45 min' (a true minus sign)."""
    if minutes is None:
        return ""
    sign = "\u2212" if minutes < 0 else ("+" if signed and minutes > 0 else "")
    hours, mins = divmod(abs(int(minutes)), 60)
    if hours and mins:
        text = _("%(h)d h %(m)d min", h=hours, m=mins)
    elif hours:
        text = _("%(h)d h", h=hours)
    else:
        text = _("%(m)d min", m=mins)
    return sign + text


def format_day(day: date | datetime | None) -> str:
    """A day as people read it: '3 December 2026' (in the locale's words and order). CSV and
    JSON keep ISO dates; this is only for pages and messages."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = (day.astimezone(_zone()) if day.tzinfo is not None else day).date()
    return format_date(day, "d MMMM yyyy")


def _zone() -> ZoneInfo:
    """The time zone of the community the page is about (a coordinator's, or the member's own),
    else the UK's: people read times in their timebank's time."""
    community = None
    if has_app_context():
        community = getattr(g, "community", None)
        if community is None and getattr(g, "membership", None) is not None:
            community = g.membership.community
    return ZoneInfo(getattr(community, "timezone", None) or "Europe/London")


def format_moment(moment: datetime | None) -> str:
    """A moment as people read it: '3 December 2026, 14:05', in the community's time zone."""
    if moment is None:
        return ""
    moment = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(_zone())
    return _("%(day)s, %(time)s", day=format_day(moment.date()), time=moment.strftime("%H:%M"))


def format_month(month: date | None) -> str:
    """A month as people read it: 'December 2026'."""
    return "" if month is None else format_date(month, "MMMM yyyy")


def register_filters(app) -> None:
    app.add_template_filter(hours_minutes, "hours")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_month, "month_name")
    app.add_template_filter(format_moment, "moment")
