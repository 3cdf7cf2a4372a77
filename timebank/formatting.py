"""Display formats. Minutes are integers everywhere; hours exist only here, for people."""
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


def register_filters(app) -> None:
    app.add_template_filter(hours_minutes, "hours")
