"""Signing in and out. Sessions themselves (their version, timeouts) are in `sessions`;
throttling wrong passwords in `throttle`."""
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from .. import security_log
from ..errors import TimebankError
from ..extensions import limiter, login_manager
from ..models import User
from ..services.people import authenticate
from ..services.people.credentials import end_sessions, record_repeated_failures
from ..web import Done, submit, transaction
from . import bp, clock, throttle
from .forms import LoginForm
from .sessions import start_session
from .two_factor import begin, must_enrol, second_step

login_manager.login_view = "auth.login"
login_manager.login_message = None


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect).

    Browsers read a backslash as a slash, so "/\\evil.example" would leave the site too.
    """
    if not target or not target.startswith("/") or "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


class SignInRefused(TimebankError):
    """Wrong credentials. One message whichever part is wrong, so the page does not tell who has
    an account."""

    code = "sign_in_refused"
    status = 422
    message = _l("The email address or password is not right. Check them and try again.")


class SignInSlowed(TimebankError):
    """Too many wrong passwords for this account from this address, for now."""

    code = "sign_in_slowed"
    status = 429

    def __init__(self, seconds: int):
        super().__init__(
            ngettext(
                "There have been too many wrong passwords for this account from here. Try again in %(num)d second.",
                "There have been too many wrong passwords for this account from here. Try again in %(num)d seconds.",
                seconds,
            ),
            seconds=seconds,
        )


def _refused(response) -> bool:
    """Only wrong credentials count towards the limits: not forms sent with a field empty, and not
    successful sign-ins (the members at a day centre may all share one address)."""
    return g.get("sign_in_refused", False)


@bp.route("/login", methods=["GET", "POST"])
# Throttled per address here, and per account and address by `throttle` (never per account
# alone: that would let anyone keep the owner out).
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        target = _safe_next(form.next.data) or url_for("main.home")
        response = submit(
            form,
            lambda: _sign_in(form),
            lambda signed_in: Done(target, respond=lambda: _next_step(*signed_in, target)),
            field="password",
            handlers={SignInRefused: lambda error: _refused_sign_in(form, error), SignInSlowed: lambda error: _slowed(form, error)},
        )
        if response is not None:
            return response
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


def _sign_in(form: LoginForm) -> tuple[User, str | None]:
    wait = throttle.seconds_left(form.email.data)
    if wait:
        raise SignInSlowed(wait)
    user = authenticate(form.email.data, form.password.data, now=clock.now())
    if user is None:
        g.sign_in_refused = True
        raise SignInRefused()
    throttle.record_success(form.email.data)
    step = second_step(user)
    if step is None:
        security_log.record("signin.succeeded", user_id=user.id, method="password")
    elif step == "code":
        security_log.record("signin.password_accepted", user_id=user.id, second_factor="asked")
    return user, step


def _next_step(user: User, step: str | None, target: str):
    """After the commit: signed in, or asked for a second factor (two_factor.py), or signed in
    and sent to set one up first (staff who must use it)."""
    if step == "code":
        return begin(user, target)
    if step == "enrol":
        return must_enrol(user, target)
    return start_session(user, target)


def _refused_sign_in(form: LoginForm, error: SignInRefused):
    """After the rollback: count the failure, and audit it when it keeps happening."""
    failures, account_failures = throttle.record_failure(form.email.data)
    security_log.record("signin.failed", outcome="wrong_credentials", failures_from_here=failures)
    if throttle.worth_auditing(account_failures):
        with transaction():
            record_repeated_failures(form.email.data, account_failures, now=clock.now())
    form.password.errors = [*form.password.errors, str(error)]


def _slowed(form: LoginForm, error: SignInSlowed):
    security_log.record("signin.failed", outcome="slowed", wait_seconds=error.details["seconds"])
    form.password.errors = [*form.password.errors, str(error)]
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(error.details["seconds"])
    return response


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends the session in every browser that has a copy of it."""

    def signed_out():
        session.clear()
        logout_user()
        flash(_("You have signed out."))
        return redirect(url_for("auth.login"))

    user = current_user._get_current_object()
    return submit(None, lambda: end_sessions(user, "signed_out"), Done(url_for("auth.login"), respond=signed_out), once=False)
