import hashlib
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import TimebankError
from ..extensions import db, limiter, login_manager
from ..models import User
from ..services.people import authenticate, normalise_email
from ..web import Done, submit
from . import bp
from .forms import LoginForm

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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


def _account_key() -> str:
    # Hashed, so that the rate-limit store (Redis in production) holds no email addresses.
    email = normalise_email(request.form.get("email", ""))
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


class SignInRefused(TimebankError):
    """Wrong credentials. One message whichever part is wrong, so the page does not tell who has
    an account."""

    code = "sign_in_refused"
    status = 422
    message = _l("The email address or password is not right. Check them and try again.")


def _refused(response) -> bool:
    """Only wrong credentials count towards the limits: not forms sent with a field empty, and not
    successful sign-ins (the members at a day centre may all share one address)."""
    return g.get("sign_in_refused", False)


@bp.route("/login", methods=["GET", "POST"])
# Throttled per address and per account, so that guessing one person's password from many
# addresses is slowed as well.
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused)
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused, key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        target = _safe_next(form.next.data) or url_for("main.home")
        response = submit(form, lambda: _sign_in(form), lambda user: Done(target, respond=lambda: start_session(user, target)), field="password")
        if response is not None:
            return response
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


def _sign_in(form: LoginForm) -> User:
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        g.sign_in_refused = True
        raise SignInRefused()
    return user


def start_session(user: User, target: str, status: int = 302):
    """A new session at sign-in, so that a session planted before it is worth nothing."""
    session.clear()
    login_user(user)
    return redirect(target, status)


@bp.post("/logout")
@login_required
def logout():
    session.clear()
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))
