"""Passkeys (WebAuthn) as progressive enhancement: the account page that lists them (removing and
renaming work without JavaScript), and the JSON endpoints that `static/passkeys.js` calls to add
one, to sign in with one instead of a password, and to use one as the second factor.

The endpoints are POSTs protected by CSRFProtect like every form: the script sends the page's
token in the X-CSRFToken header. A refusal answers JSON `{code, message}` with a 4xx, never a 500.
The relying party comes from WEBAUTHN_RP_ID / WEBAUTHN_ORIGIN / WEBAUTHN_RP_NAME, and outside
production from the request's host when they are not set.
"""
import json
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from .. import security_log
from ..errors import NotFound, TimebankError
from ..extensions import db, limiter
from ..models import User
from ..models.passkey import PASSKEY_NAME_MAX
from ..services.people.passkeys import (
    RelyingParty,
    begin_authentication,
    begin_registration,
    finish_authentication,
    finish_registration,
    passkeys_of,
    remove_passkey,
    rename_passkey,
)
from ..web import Done, Form, button, submit
from . import bp, clock
from .routes import _safe_next, login_limit
from .sessions import start_session

#: The largest body the JSON endpoints read: an answer from an authenticator is a few KB.
BODY_MAX = 64 * 1024


class PasskeyProblem(TimebankError):
    status = 400


class BadBody(PasskeyProblem):
    code = "invalid_body"
    message = _l("Send a JSON object.")


class PasskeysUnavailable(PasskeyProblem):
    code = "passkeys_unavailable"
    message = _l("Passkeys are not set up on this site yet. Use your password.")


class NoPendingSignIn(PasskeyProblem):
    code = "no_pending_sign_in"
    message = _l("Sign in with your email address and password first.")


class RemoveForm(Form):
    passkey_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])


class RenameForm(Form):
    passkey_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the passkey a name")), Length(max=PASSKEY_NAME_MAX, message=_l("The name must be %(max)d characters or fewer", max=PASSKEY_NAME_MAX))],
    )


def relying_party() -> RelyingParty | None:
    """Who the passkeys are for, or None when production has not been told (then passkeys are
    off: a relying party taken from the Host header is for development only)."""
    config = current_app.config
    rp_id, origin = config.get("WEBAUTHN_RP_ID"), config.get("WEBAUTHN_ORIGIN")
    if not rp_id and config.get("ENV_NAME") == "production":
        return None
    origin = origin or (f"https://{rp_id}" if rp_id else request.host_url.rstrip("/"))
    rp_id = rp_id or urlsplit(origin).hostname
    if not rp_id:
        return None
    return RelyingParty(id=rp_id, name=config.get("WEBAUTHN_RP_NAME") or "Timebank", origin=origin)


def _rp() -> RelyingParty:
    rp = relying_party()
    if rp is None:
        raise PasskeysUnavailable()
    return rp


def problem(error: TimebankError):
    """A refusal as the script reads it."""
    return jsonify(code=error.code, message=str(error)), error.status


def _body() -> dict:
    """The request's JSON object (never a 500: not JSON, too deep, too big or not an object is a 400)."""
    if (request.content_length or 0) > BODY_MAX:
        raise BadBody()
    try:
        body = json.loads(request.get_data() or b"{}")
    except (ValueError, RecursionError):
        raise BadBody() from None
    if not isinstance(body, dict):
        raise BadBody()
    return body


def _credential(body: dict) -> dict:
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise BadBody()
    return credential


def _options(make):
    """Answer a ceremony's options (JSON text made by the service), or a problem."""
    try:
        return current_app.response_class(make(), mimetype="application/json")
    except TimebankError as error:
        return problem(error)


def _json_redirect(response, fallback: str, *, prefer_fallback: bool = False):
    """The script cannot follow a sign-in's redirect itself: tell it where to go, keeping any
    cookie the sign-in set."""
    location = getattr(response, "location", None) if 300 <= getattr(response, "status_code", 0) < 400 else None
    answer = jsonify(redirect=fallback if prefer_fallback or not location else location)
    for cookie in getattr(response, "headers", {}).getlist("Set-Cookie") if hasattr(response, "headers") else ():
        answer.headers.add("Set-Cookie", cookie)
    return answer


def _two_factor():
    """(pending_user, finish_sign_in) from the two-factor module, or None while it is not there."""
    try:
        from .two_factor import finish_sign_in, pending_user
    except ImportError:
        return None
    return pending_user, finish_sign_in


def _complete_sign_in(user: User, target: str):
    """A passkey with user verification counts as both factors."""
    two_factor = _two_factor()
    if two_factor is not None:
        # It records the sign-in and starts the session; the page to go to is the one the
        # sign-in form was sent from with (its `next`), not a pending step's, of which there is none.
        return _json_redirect(two_factor[1](user, "passkey"), target, prefer_fallback=True)
    security_log.record("signin.succeeded", user_id=user.id, method="passkey")
    return _json_redirect(start_session(user, target), target)


@bp.app_context_processor
def passkey_helpers():
    def second_factor_available() -> bool:
        two_factor = _two_factor()
        user = two_factor[0]() if two_factor and relying_party() is not None else None
        return user is not None and bool(passkeys_of(user.id))

    return {"passkeys_available": lambda: relying_party() is not None, "passkey_second_factor_available": second_factor_available}


# -- the account page -----------------------------------------------------------------------------


def _page(rename_form: RenameForm | None = None):
    rows = passkeys_of(current_user.id)
    rename_forms = {p.id: RenameForm(formdata=None, passkey_id=p.id, name=p.name) for p in rows}
    if rename_form is not None and rename_form.passkey_id.data in rename_forms:
        rename_forms[rename_form.passkey_id.data] = rename_form
    return render_template(
        "auth/passkeys.html",
        rows=rows,
        remove_form=RemoveForm(formdata=None),
        rename_forms=rename_forms,
        failed=rename_form,
        available=relying_party() is not None,
    ), (422 if rename_form is not None else 200)


@bp.get("/account/passkeys")
@login_required
def passkeys_page():
    return _page()


@bp.post("/account/passkeys/remove")
@login_required
def remove_passkey_page():
    back = url_for("auth.passkeys_page")
    form = RemoveForm()
    if not form.validate_on_submit():
        return redirect(back, 303)
    user = current_user._get_current_object()
    return button(
        lambda: remove_passkey(user, form.passkey_id.data),
        lambda passkey: Done(back, _("The passkey “%(name)s” is removed: it no longer signs you in.", name=passkey.name)),
        back=back,
        once=False,
        handlers={NotFound: lambda error: flash(_("We could not find that passkey."), "error")},
    )


@bp.post("/account/passkeys/rename")
@login_required
def rename_passkey_page():
    back = url_for("auth.passkeys_page")
    form = RenameForm()
    if not form.validate_on_submit():
        if form.passkey_id.errors or form.passkey_id.data is None:
            return redirect(back, 303)
        return _page(form)
    user = current_user._get_current_object()
    response = submit(
        form,
        lambda: rename_passkey(user, form.passkey_id.data, form.name.data),
        lambda passkey: Done(back, _("The passkey is now called “%(name)s”.", name=passkey.name)),
        field="name",
        once=False,
        handlers={NotFound: lambda error: _not_found(back)},
    )
    return response or _page(form)


def _not_found(back: str):
    flash(_("We could not find that passkey."), "error")
    return redirect(back, 303)


# -- adding one (JSON, for the script) ------------------------------------------------------------


@bp.post("/account/passkeys/register/options")
@login_required
@limiter.limit(login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 422)
def passkey_register_options():
    user = current_user._get_current_object()

    def make():
        password = _body().get("password")
        return begin_registration(user, password if isinstance(password, str) else None, session, rp=_rp(), now=clock.now())

    return _options(make)


@bp.post("/account/passkeys/register/verify")
@login_required
def passkey_register_verify():
    user = current_user._get_current_object()
    page = url_for("auth.passkeys_page")

    def call():
        body = _body()
        name = body.get("name") if isinstance(body.get("name"), str) else None
        return finish_registration(user, _credential(body), name, session, rp=_rp(), now=clock.now())

    return submit(
        None,
        call,
        lambda passkey: Done(page, _("Your passkey “%(name)s” is added.", name=passkey.name), respond=lambda: jsonify(redirect=page)),
        once=False,
        handlers={TimebankError: problem},
    )


# -- signing in with one (JSON, for the script) ---------------------------------------------------


def _refused(response) -> bool:
    return g.get("passkey_refused", False)


@bp.post("/passkeys/sign-in/options")
@limiter.limit(login_limit, methods=["POST"])
def passkey_sign_in_options():
    return _options(lambda: begin_authentication(session, rp=_rp(), now=clock.now()))


@bp.post("/passkeys/sign-in/verify")
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused)
def passkey_sign_in_verify():
    """Passwordless: a discoverable passkey, with the person verified on it."""
    found = {}

    def call():
        body = _body()
        target = _safe_next(body.get("next") if isinstance(body.get("next"), str) else None) or url_for("main.home")
        passkey = finish_authentication(_credential(body), session, rp=_rp(), now=clock.now())
        found.update(user=db.session.get(User, passkey.user_id), target=target)
        return passkey

    def refused(error: TimebankError):
        g.passkey_refused = True
        security_log.record("signin.failed", outcome=error.code, method="passkey")
        return problem(error)

    return submit(
        None,
        call,
        lambda passkey: Done(found["target"], respond=lambda: _complete_sign_in(found["user"], found["target"])),
        public=True,
        once=False,
        handlers={TimebankError: refused},
    )


@bp.post("/passkeys/second-factor/options")
@limiter.limit(login_limit, methods=["POST"])
def passkey_second_factor_options():
    two_factor = _two_factor()
    user = two_factor[0]() if two_factor else None
    if user is None:
        return problem(NoPendingSignIn())
    return _options(lambda: begin_authentication(session, rp=_rp(), now=clock.now(), user=user))


@bp.post("/passkeys/second-factor/verify")
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused)
def passkey_second_factor_verify():
    """After the password: one of the pending person's passkeys instead of a code."""
    two_factor = _two_factor()
    user = two_factor[0]() if two_factor else None
    if user is None:
        return problem(NoPendingSignIn())

    def refused(error: TimebankError):
        g.passkey_refused = True
        security_log.record("two_factor.failed", user_id=user.id, outcome=error.code, method="passkey")
        return problem(error)

    return submit(
        None,
        lambda: finish_authentication(_credential(_body()), session, rp=_rp(), now=clock.now(), user=user),
        lambda passkey: Done(url_for("main.home"), respond=lambda: _json_redirect(two_factor[1](user, "passkey"), url_for("main.home"))),
        public=True,
        once=False,
        handlers={TimebankError: refused},
    )


