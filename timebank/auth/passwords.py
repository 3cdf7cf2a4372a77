"""Passwords: changing one's own (given the present one), and resetting a forgotten one through
a single-use link sent by email."""
import hashlib

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..errors import TimebankError
from ..extensions import limiter
from ..password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ..services.people import normalise_email
from ..services.people.credentials import ResetLinkUnusable, change_password, request_reset, reset_link, reset_password
from ..web import Done, Form, form_page
from . import bp, clock
from .routes import login_limit
from .sessions import start_session

NEW_PASSWORD_HINT = _l(
    "At least %(n)d characters. A few words you will remember work well. Not a common password, and not your name or email address.",
    n=MIN_PASSWORD_LENGTH,
)


def _new_password(label):
    return PasswordField(
        label,
        validators=[DataRequired(_l("Choose a new password")), Length(max=MAX_PASSWORD_LENGTH, message=_l("A password can have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm():
    return PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(_l("Type the new password again")), EqualTo("new_password", _l("The two passwords are not the same"))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Your present password"),
        validators=[DataRequired(_l("Enter your present password")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password(_l("New password"))
    confirm = _confirm()
    revoke_tokens = BooleanField(_l("Also revoke my API tokens (programs that use them will stop working)"))


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address")), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"},
    )


class ResetPasswordForm(Form):
    new_password = _new_password(_l("New password"))
    confirm = _confirm()


#: Where the session keeps a reset link's secret between opening the link and using it.
RESET_SECRET = "password_reset_secret"


def reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_email_key() -> str:
    # Hashed, so that the rate-limit store holds no email addresses.
    return "reset-email:" + hashlib.sha256(normalise_email(request.form.get("email", "")).encode()).hexdigest()[:32]


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
def change_password_page():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    profile = url_for("main.home")

    def renewed():
        # Every other session has ended; this one starts again with the new version.
        response = start_session(user, profile, 303)
        flash(_("Your password is changed. You are signed out everywhere else."), "success")
        return response

    return form_page(
        form,
        lambda: change_password(
            user, form.current_password.data, form.new_password.data, revoke_tokens=form.revoke_tokens.data, now=clock.now()
        ),
        Done(profile, respond=renewed),
        lambda: render_template("auth/change_password.html", form=form, hint=NEW_PASSWORD_HINT),
        field="new_password",
        once=False,
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
@limiter.limit(reset_limit, methods=["POST"], key_func=_reset_email_key)
def forgot_password():
    if request.args.get("sent"):
        return render_template("auth/forgot_password.html", form=None, sent=True)
    form = ForgotPasswordForm()

    def link_for(secret: str) -> str:
        return url_for("auth.open_reset_link", secret=secret, _external=True)

    # The same answer whether or not the address has an account.
    return form_page(
        form,
        lambda: request_reset(form.email.data, link_for, now=clock.now()),
        Done(url_for("auth.forgot_password", sent=1)),
        lambda: render_template("auth/forgot_password.html", form=form, sent=False),
        field="email",
        once=False,
    )


@bp.get("/password/reset/<secret>")
def open_reset_link(secret: str):
    """The emailed link: the secret moves into the session and the browser goes on to a page
    whose address holds no secret, so no access log, history or Referer keeps it."""
    session[RESET_SECRET] = secret
    return redirect(url_for("auth.reset_password_page"), 303)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password_page():
    secret = session.get(RESET_SECRET, "")
    try:
        reset_link(secret, now=clock.now())
    except ResetLinkUnusable as error:
        return _unusable(error)
    form = ResetPasswordForm()

    def reset():
        user = reset_password(secret, form.new_password.data, now=clock.now())
        session.pop(RESET_SECRET, None)
        return user

    done = Done(url_for("auth.login"), _("Your password is changed. Sign in with it now."))
    return form_page(
        form,
        reset,
        done,
        lambda: render_template("auth/reset_password.html", form=form, hint=NEW_PASSWORD_HINT, problem=None),
        field="new_password",
        fields={"password": "new_password"},
        once=False,
        handlers={ResetLinkUnusable: _unusable},
    )


def _unusable(error: TimebankError):
    return render_template("auth/reset_password.html", form=None, problem=str(error)), error.status
