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
"""
from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import security_log
from ..extensions import db, login_manager
from ..models import User
from ..services.people.credentials import has_staff_role
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


def limits(staff: bool) -> tuple[int, int]:
    """(idle, lifetime) in seconds."""
    config = current_app.config
    if staff:
        return config["SESSION_IDLE_MINUTES_STAFF"] * 60, config["SESSION_LIFETIME_HOURS_STAFF"] * 3600
    return config["SESSION_IDLE_MINUTES_MEMBER"] * 60, config["SESSION_LIFETIME_HOURS_MEMBER"] * 3600


def ended_by_time() -> str | None:
    """Why this session has run out ("idle" or "lifetime"), or None while it is good."""
    now, idle, lifetime = clock.timestamp(), *limits(session.get(STAFF, True))
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
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        return None  # the API answers 401 for itself
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.signed_out", reason=reason, staff=int(staff), next=back), 303)


@bp.get("/signed-out")
def signed_out():
    reason = request.args.get("reason")
    staff = request.args.get("staff") == "1"
    idle, lifetime = limits(staff)
    return render_template(
        "auth/signed_out.html",
        reason=reason if reason in ("idle", "lifetime") else None,
        idle_minutes=idle // 60,
        lifetime_hours=lifetime // 3600,
        next=request.args.get("next", ""),
    )
