"""Two-factor sign-in at the edge: the second step of signing in (`/login/code`), enrolment and
the settings page (`/account/two-factor`), and the gate that keeps staff who must enrol on the
enrolment page.

After the right password, a person with two-factor sign-in on is not signed in yet: the session
holds a pending step (who, their session version, until when, and where to go next) and the
browser goes to `/login/code`. `pending_user()` says who that is, and `finish_sign_in()` starts
the session once a second factor is right (the passkeys module calls both too).

Wrong codes are slowed like wrong passwords (`throttle`), per account and address and per
address, never by locking the account; they are counted apart from passwords, so that the
right password does not reset the count of wrong codes.
"""
import segno
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import security_log
from ..errors import TimebankError
from ..extensions import db, limiter
from ..models import User
from ..services.people import two_factor as service
from ..web import Done, submit, transaction
from . import bp, clock, throttle
from .sessions import start_session
from .two_factor_forms import CodeForm, EnrolForm, ProofForm, RecoveryCodeForm

#: The session key of the pending second step, and how long it lasts.
PENDING = "two_factor_pending"
PENDING_SECONDS = 5 * 60
#: The secret being enrolled, kept in the session until the first code confirms it.
NEW_SECRET = "two_factor_new_secret"
#: Set at sign-in for staff who must enrol before anything else.
MUST_ENROL = "two_factor_must_enrol"
#: Where someone who must enrol may still go.
OPEN_WHILE_ENROLLING = {"auth.two_factor_page", "auth.logout", "auth.signed_out", "static"}


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


class CodeSlowed(TimebankError):
    code = "two_factor_slowed"
    status = 429

    def __init__(self, seconds: int, field: str):
        super().__init__(
            ngettext(
                "There have been too many wrong codes from here. Try again in %(num)d second.",
                "There have been too many wrong codes from here. Try again in %(num)d seconds.",
                seconds,
            ),
            seconds=seconds,
            field=field,
        )


# -- the pending step ------------------------------------------------------------------------


def begin(user: User, target: str):
    """After the right password: remember the pending step and ask for the second factor."""
    session.clear()  # nothing from before the sign-in survives it
    session[PENDING] = {
        "user_id": user.id,
        "version": user.session_version or 0,
        "until": clock.timestamp() + PENDING_SECONDS,
        "next": target,
    }
    return redirect(url_for("auth.login_code"), 303)


def _pending() -> dict | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("until"), int):
        return None
    return pending if pending["until"] >= clock.timestamp() else None


def pending_user() -> User | None:
    """The person who passed the password step and is asked for a second factor, or None (no
    pending step, or it has run out, or their sessions were ended since)."""
    pending = _pending()
    if pending is None:
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.is_active or pending.get("version") != (user.session_version or 0):
        return None
    return user


def finish_sign_in(user: User, method: str):
    """The second factor was right: sign in, and go where the person was going."""
    pending = session.pop(PENDING, None) or {}
    security_log.record("signin.succeeded", user_id=user.id, method=method)
    return start_session(user, pending.get("next") or url_for("main.home"), 303)


def must_enrol(user: User, target: str):
    """After the right password, for staff who must use two-factor sign-in and have not set it
    up: signed in, but kept on the enrolment page until it is done."""
    security_log.record("signin.succeeded", user_id=user.id, method="password", must_enrol_two_factor=True)
    response = start_session(user, url_for("auth.two_factor_page"), 303)
    session[MUST_ENROL] = target
    return response


def second_step(user: User) -> str | None:
    """What the password step leads to for this person: "code", "enrol" or None (signed in)."""
    if service.is_enabled(user):
        return "code"
    if service.is_required(user, policy_on=current_app.config.get("REQUIRE_STAFF_2FA", False)):
        return "enrol"
    return None


@bp.before_app_request
def keep_on_enrolment():
    if MUST_ENROL not in session or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if not current_user.is_authenticated:
        session.pop(MUST_ENROL, None)
        return None
    if request.path.startswith("/api/"):
        return {"type": "about:blank", "title": _("Set up two-factor sign-in first."), "status": 403,
                "code": "two_factor_enrolment_required"}, 403, {"Content-Type": "application/problem+json"}
    return redirect(url_for("auth.two_factor_page"), 303)


# -- the second step of signing in -------------------------------------------------------------


def _refused(response) -> bool:
    return g.get("sign_in_refused", False)


def _throttle_key(user: User) -> str:
    return f"two-factor:{user.id}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=_refused)
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = pending_user()
    if user is None:
        if request.method == "POST" or PENDING in session:
            session.pop(PENDING, None)
            flash(_("Signing in took too long. Enter your email address and password again."), "error")
        return redirect(url_for("auth.login"), 303)
    recovery = request.args.get("with") == "recovery"
    form = RecoveryCodeForm() if recovery else CodeForm()
    field = "recovery_code" if recovery else "code"
    if form.validate_on_submit():

        def check():
            wait = throttle.seconds_left(_throttle_key(user))
            if wait:
                raise CodeSlowed(wait, field)
            now = clock.now()
            if recovery:
                return service.use_recovery_code(user, form.recovery_code.data, now=now)
            return service.check_code(user, form.code.data, now=now)

        response = submit(
            form,
            check,
            lambda method: Done(url_for("main.home"), respond=lambda: _succeeded(user, method)),
            field=field,
            once=False,
            handlers={
                (service.WrongCode, service.WrongRecoveryCode): lambda error: _wrong(user, form, field, error),
                CodeSlowed: lambda error: _slowed(form, field, error, recovery),
            },
        )
        if response is not None:
            return response
    return _code_page(form, recovery), (422 if form.errors else 200)


def _code_page(form, recovery: bool):
    return render_template("auth/two_factor.html", form=form, recovery=recovery)


def _succeeded(user: User, method: str):
    throttle.record_success(_throttle_key(user))
    left = service.remaining_recovery_codes(user) if method == "recovery_code" else None
    response = finish_sign_in(user, method)
    if left is not None and left <= 3:
        flash(ngettext(
            "You have %(num)d recovery code left. Make new ones on your two-factor sign-in page.",
            "You have %(num)d recovery codes left. Make new ones on your two-factor sign-in page.",
            left,
        ), "error" if left == 0 else "success")
    return response


def _wrong(user: User, form, field: str, error: TimebankError):
    """After the rollback: count the wrong code, and audit it when it keeps happening."""
    g.sign_in_refused = True
    failures, account_failures = throttle.record_failure(_throttle_key(user))
    security_log.record("signin.failed", user_id=user.id, outcome=error.code, failures_from_here=failures)
    if throttle.worth_auditing(account_failures):
        with transaction():
            service.record_repeated_code_failures(user, account_failures, now=clock.now())
    target = getattr(form, field)
    target.errors = [*target.errors, str(error)]


def _slowed(form, field: str, error: CodeSlowed, recovery: bool):
    security_log.record("signin.failed", outcome="two_factor_slowed", wait_seconds=error.details["seconds"])
    target = getattr(form, field)
    target.errors = [*target.errors, str(error)]
    response = current_app.make_response((_code_page(form, recovery), 429))
    response.headers["Retry-After"] = str(error.details["seconds"])
    return response


# -- enrolment and settings ------------------------------------------------------------------


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG (no script, no image request, nothing outside the app)."""
    label = _("QR code for your authenticator app")
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", title=label, svgclass="qr-code")
    # segno escapes what it writes (the title); the address is drawn, never written as text, and
    # it is our own otpauth address: the SVG is trusted markup.
    opening = Markup('<svg role="img" aria-label="{}" ').format(label)
    return opening + Markup(svg.removeprefix("<svg "))  # nosec B704


def _enrolment_secret() -> str:
    secret = session.get(NEW_SECRET)
    if not isinstance(secret, str) or not secret:
        secret = session[NEW_SECRET] = service.new_secret()
    return secret


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page():
    user = current_user._get_current_object()
    if service.is_enabled(user):
        if request.method == "POST":
            return redirect(url_for("auth.two_factor_page"), 303)
        return _settings_page(user, ProofForm(prefix="codes"), ProofForm(prefix="off"))
    form = EnrolForm()
    secret = _enrolment_secret()
    if form.validate_on_submit():
        response = submit(
            form,
            lambda: service.enrol(user, secret, form.code.data, now=clock.now()),
            lambda codes: Done(url_for("auth.two_factor_page"), respond=lambda: _enrolled(codes)),
            field="code",
            once=False,
        )
        if response is not None:
            return response
    return _enrol_page(user, form, secret), (422 if form.errors else 200)


def _enrol_page(user: User, form, secret: str):
    return render_template(
        "auth/two_factor_enrol.html",
        form=form,
        qr=qr_svg(service.provisioning_uri(user.email, secret)),
        secret=service.grouped(secret),
        required=MUST_ENROL in session,
    )


def _enrolled(codes: list[str]):
    session.pop(NEW_SECRET, None)
    onward = session.pop(MUST_ENROL, None) or url_for("main.home")
    return render_template("auth/two_factor_codes.html", codes=codes, onward=onward, first=True)


def _settings_page(user: User, codes_form, off_form, status: int = 200):
    return render_template(
        "auth/two_factor_settings.html",
        codes_form=codes_form,
        off_form=off_form,
        remaining=service.remaining_recovery_codes(user),
        required=service.is_required(user, policy_on=current_app.config.get("REQUIRE_STAFF_2FA", False)),
    ), status


@bp.post("/account/two-factor/recovery-codes")
@login_required
@limiter.limit(login_limit)
def two_factor_new_codes():
    user = current_user._get_current_object()
    form = ProofForm(prefix="codes")
    if form.validate_on_submit():
        response = submit(
            form,
            lambda: service.new_recovery_codes(user, form.proof.data, now=clock.now()),
            lambda codes: Done(
                url_for("auth.two_factor_page"),
                respond=lambda: render_template("auth/two_factor_codes.html", codes=codes, onward=url_for("auth.two_factor_page"), first=False),
            ),
            field="proof",
            once=False,
        )
        if response is not None:
            return response
    if not service.is_enabled(user):
        return redirect(url_for("auth.two_factor_page"), 303)
    return _settings_page(user, form, ProofForm(prefix="off", formdata=None), 422)


@bp.post("/account/two-factor/off")
@login_required
@limiter.limit(login_limit)
def two_factor_off():
    user = current_user._get_current_object()
    form = ProofForm(prefix="off")
    policy_on = current_app.config.get("REQUIRE_STAFF_2FA", False)
    if form.validate_on_submit():
        response = submit(
            form,
            lambda: service.disable(user, form.proof.data, now=clock.now(), policy_on=policy_on),
            Done(url_for("auth.two_factor_page"), _("Two-factor sign-in is off.")),
            field="proof",
            once=False,
        )
        if response is not None:
            return response
    if not service.is_enabled(user):
        return redirect(url_for("auth.two_factor_page"), 303)
    return _settings_page(user, ProofForm(prefix="codes", formdata=None), form, 422)
