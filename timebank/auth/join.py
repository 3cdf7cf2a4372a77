"""Joining: applying through a community's public sign-up form, and accepting an invitation."""
from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from ..errors import InvalidInput, NotFound, TimebankError
from ..extensions import db, limiter
from ..member.forms import SubmissionForm
from ..models import Community
from ..services.communities import get_community
from ..services.coordination import members as service
from ..services.people import MIN_PASSWORD_LENGTH
from . import bp
from .routes import _login_limit

PASSWORD_HINT = _l("At least %(n)d characters. A few words you will remember work well.", n=MIN_PASSWORD_LENGTH)



class SignupForm(SubmissionForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Enter your name")), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address")), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(_l("Choose a password")), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    kind = RadioField(_l("Which best describes you?"), coerce=int, validators=[InputRequired(_l("Choose which best describes you"))])
    note = TextAreaField(
        _l("Tell us a little about yourself (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("Keep it to 1000 characters or fewer"))],
    )


class AcceptForm(SubmissionForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Enter your name")), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(_l("Choose a password")), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[DataRequired(_l("Type the password again")), EqualTo("password", _l("The two passwords are not the same"))],
        render_kw={"autocomplete": "new-password"},
    )


def _field_error(form, error: TimebankError, default: str) -> None:
    field = getattr(form, error.details.get("field") or default, None) or getattr(form, default)
    field.errors = [*field.errors, str(error)]


@bp.route("/join/<slug>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def join(slug: str):
    try:
        community = get_community(slug)
    except NotFound:
        abort(404)
    if request.args.get("sent"):
        return render_template("auth/signup.html", community=community, form=None, sent=True)
    form = SignupForm()
    form.kind.choices = [SelectChoice(kind.id, kind.label) for kind in service.person_kinds(community.id)]
    if request.method == "GET":
        form.ensure_submission_id()
    elif replay := service.replayed_submission(None, form.submission_id.data):
        return redirect(replay, 303)
    if form.validate_on_submit():
        sent = url_for("auth.join", slug=slug, sent=1)
        try:
            membership = service.apply(
                community,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                kind_id=form.kind.data,
                note=form.note.data,
            )
            if membership is not None:
                service.remember_submission(membership.user_id, form.submission_id.data, sent)
            db.session.commit()
            return redirect(sent, 303)
        except InvalidInput as error:
            db.session.rollback()
            _field_error(form, error, "email")
    return render_template("auth/signup.html", community=community, form=form, sent=False, password_hint=PASSWORD_HINT), (422 if form.errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def invitation(token: str):
    form = AcceptForm()
    if request.method == "POST" and (replay := service.replayed_submission(None, form.submission_id.data)):
        return redirect(replay, 303)
    try:
        invitation = service.invitation_by_token(token)
    except TimebankError as error:
        return render_template("auth/invitation.html", problem=str(error), form=None), error.status
    if request.method == "GET":
        form.name.data = invitation.name
        form.ensure_submission_id()
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(token, name=form.name.data, password=form.password.data)
            service.remember_submission(user.id, form.submission_id.data, url_for("main.home"))
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            _field_error(form, error, "password")
        except TimebankError as error:
            db.session.rollback()
            return render_template("auth/invitation.html", problem=str(error), form=None), error.status
        else:
            session.clear()  # a new session at sign-in, as on the sign-in page
            login_user(user)
            return redirect(url_for("main.home"), 303)
    community = db.session.get(Community, invitation.community_id)
    return render_template(
        "auth/invitation.html", form=form, invitation=invitation, community=community, problem=None, password_hint=PASSWORD_HINT
    ), (
        422 if form.errors else 200
    )
