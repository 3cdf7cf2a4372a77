"""Sessions on the server's side of trust.

Flask keeps the session in a signed cookie, so a copy of the cookie would work as long as the
cookie does. Three checks on every request stop that:

- the cookie carries the person's session version (`User.get_id`), and `load_user` accepts only
  the current one: signing out, a new password, "sign out everywhere" and suspension raise it,
  which ends every copy of the session at once;
- an idle timeout (no request for `SESSION_IDLE_MINUTES_*`) and
- an absolute lifetime (`SESSION_LIFETIME_HOURS_*` after signing in), both shorter for
  coordinators, funders and administrators, after which the person is told why they were
  signed out.

The idle timeout is a community setting (`services/community_settings.py`): a person gets the
strictest among their communities, looked up once per request (one query), so that a change
applies at once to everyone already signed in. The lifetime stays the installation's.

Warning before the idle timeout, without JavaScript (WCAG 2.2.1): every signed-in page carries
`_session_warning.html`, hidden by CSS until a CSS animation reveals it three minutes before the
timeout (its delay set by two classes, hours and minutes, since the CSP refuses inline styles).
Its "Stay signed in" button posts to `/session/stay` into a small iframe, so the page, and what
was typed in it, stays; that one response may be framed by this site. A form posted after the
timeout is not lost silently: the signed-out page shows what was typed, to copy.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import HiddenField

from .. import security_log
from ..extensions import db, login_manager
from ..models import Community, User
from ..services.community_settings import strictest_idle_minutes
from ..services.people.credentials import has_staff_role
from ..web import Form
from ..web.args import int_arg
from . import bp, clock

SIGNED_IN_AT, SEEN_AT, STAFF = "signed_in_at", "seen_at", "staff"
#: A request within this many seconds of the last one does not rewrite the cookie.
SEEN_RESOLUTION = 60


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or version != str(user.session_version):
        return None
    return user


def start_session(user: User, target: str, status: int = 302):
    """A new session at sign-in, so that a session planted before it is worth nothing."""
    session.clear()
    login_user(user)
    now = clock.timestamp()
    session[SIGNED_IN_AT] = session[SEEN_AT] = now
    session[STAFF] = has_staff_role(user.id)
    return redirect(target, status)


#: The warning shows this long before the idle timeout.
WARN_BEFORE = 3 * 60


def limits(staff: bool, user_id: int | None = None) -> tuple[int, int]:
    """(idle, lifetime) in seconds: the installation's, or, for a person, the strictest idle
    timeout their communities set (looked up once per request)."""
    config = current_app.config
    kind = "STAFF" if staff else "MEMBER"
    idle = config[f"SESSION_IDLE_MINUTES_{kind}"]
    if user_id is not None:
        if g.get("_idle_minutes", (None,))[0] != user_id:
            defaults = {"staff_default": config["SESSION_IDLE_MINUTES_STAFF"],
                        "member_default": config["SESSION_IDLE_MINUTES_MEMBER"]}
            g._idle_minutes = (user_id, strictest_idle_minutes(user_id, **defaults))
        idle = g._idle_minutes[1][0 if staff else 1]
    return idle * 60, config[f"SESSION_LIFETIME_HOURS_{kind}"] * 3600


def ended_by_time() -> str | None:
    """Why this session has run out ("idle" or "lifetime"), or None while it is good."""
    now, idle, lifetime = clock.timestamp(), *limits(session.get(STAFF, True), current_user.id)
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int) or now - signed_in > lifetime:
        return "lifetime"
    if not isinstance(seen, int) or now - seen > idle:
        return "idle"
    return None


@bp.before_app_request
def end_stale_session():
    # Who is signed in is decided afresh for every request, never carried over from an earlier
    # one that shared the app context (as the test client's requests do).
    g.pop("_login_user", None)
    g.pop("sign_in_refused", None)
    g.pop("_idle_minutes", None)
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    if not current_user.is_authenticated:
        # An old session version: this copy was ended elsewhere. Forget it.
        session.clear()
        return None
    reason = ended_by_time()
    if reason is None:
        if clock.timestamp() - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = clock.timestamp()
        return None
    security_log.record("session.ended", user_id=current_user.id, reason=reason)
    staff = session.get(STAFF, True)
    idle_minutes = limits(staff, current_user.id)[0] // 60
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        return None  # the API answers 401 for itself
    if request.method == "GET":
        back = request.full_path.rstrip("?")
    else:
        back = _local_referrer()
        if request.endpoint == "auth.session_stay":
            page = render_template(_stay_template(), deadline=None, ended=True, back=back)
            return page, 200, FRAMEABLE
        if typed := typed_fields():
            # Drawn here rather than after a redirect, so that what was typed is not lost: it is
            # shown to copy, and kept nowhere (the session cookie would carry it in the clear).
            return render_template(
                "auth/signed_out.html", reason=reason, idle_minutes=idle_minutes,
                lifetime_hours=limits(staff)[1] // 3600, next=back or "", typed=typed,
            )
    return redirect(
        url_for("auth.signed_out", reason=reason, staff=int(staff), minutes=idle_minutes, next=back), 303
    )


#: Fields never shown back: what protects the form, and anything secret.
NOT_SHOWN = ("csrf_token", "submission_id", "password", "code", "token", "secret", "otp")


def typed_fields() -> list[tuple[str, str]]:
    """What a person typed into the form of this POST (not files, passwords or codes)."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if value.strip() and not any(word in name.lower() for word in NOT_SHOWN)
    ]


def _local_referrer() -> str | None:
    from urllib.parse import urlsplit

    from .routes import _safe_next

    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return _safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


@bp.get("/signed-out")
def signed_out():
    reason = request.args.get("reason")
    staff = request.args.get("staff") == "1"
    idle, lifetime = limits(staff)
    minutes = int_arg("minutes")
    if minutes is not None and 1 <= minutes <= 1440:
        idle = minutes * 60
    return render_template(
        "auth/signed_out.html",
        reason=reason if reason in ("idle", "lifetime") else None,
        idle_minutes=idle // 60,
        lifetime_hours=lifetime // 3600,
        next=request.args.get("next", ""),
    )


# --- the warning before the idle timeout, and staying signed in ---------------------------------

#: The headers that let this site (only) show a response in a frame; every other response keeps
#: "frame-ancestors 'none'" and X-Frame-Options DENY (timebank/__init__.py).
FRAMEABLE = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}


class StayForm(Form):
    """Only the CSRF token, and the page the person is on (for the full-page answer)."""

    next = HiddenField(_l("Page"))


def _zone() -> ZoneInfo:
    community = g.get("community") or getattr(g.get("membership"), "community", None)
    if community is None and isinstance(session.get("community_id"), int):
        community = db.session.get(Community, session["community_id"])
    try:
        return ZoneInfo(community.timezone if community is not None else "Europe/London")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/London")


def session_deadline() -> dict | None:
    """When this session ends and why, for the warning: None when nobody is signed in."""
    if not current_user.is_authenticated or not isinstance(session.get(SEEN_AT), int):
        return None
    now = clock.timestamp()
    idle, lifetime = limits(session.get(STAFF, True), current_user.id)
    idle_end, lifetime_end = session[SEEN_AT] + idle, session.get(SIGNED_IN_AT, now) + lifetime
    end = min(idle_end, lifetime_end)
    delay = max(0, end - WARN_BEFORE - now) // 60
    return {
        "at": datetime.fromtimestamp(end, _zone()).strftime("%H:%M"),
        "reason": "idle" if idle_end <= lifetime_end else "lifetime",
        "idle_minutes": idle // 60,
        "lifetime_hours": lifetime // 3600,
        # The warning's delay, as the classes the style sheet knows (hours 0-23, minutes 0-59).
        "delay_class": f"sw-h{min(delay // 60, 23)} sw-m{delay % 60}",
    }


@bp.app_context_processor
def session_warning_helpers():
    return {"session_deadline": session_deadline, "stay_form": StayForm}


@bp.post("/session/stay")
@login_required
def session_stay():
    """Starts the idle time again. In the warning's iframe (Sec-Fetch-Dest: iframe) it answers a
    line that this site may frame; as a full page, a link back to where the person was."""
    form = StayForm()
    if not form.validate_on_submit():
        page = render_template(_stay_template(), deadline=None, ended=False, back=None)
        return page, 400, FRAMEABLE
    session[SEEN_AT] = clock.timestamp()
    from .routes import _safe_next

    back = _safe_next(form.next.data) or url_for("main.home")
    page = render_template(_stay_template(), deadline=session_deadline(), ended=False, back=back)
    return page, 200, FRAMEABLE


def _stay_template() -> str:
    framed = request.headers.get("Sec-Fetch-Dest") == "iframe"
    return "auth/session_stay_frame.html" if framed else "auth/session_stay.html"

