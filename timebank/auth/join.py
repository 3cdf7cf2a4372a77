"""Joining: applying through a community's public sign-up form, and accepting an invitation."""
from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from ..errors import InvalidInput, NotFound, TimebankError
from ..extensions import db, limiter
from ..models import Community
from ..services.communities import get_community
from ..services.people import MIN_PASSWORD_LENGTH, applications, invitations
from ..services.people.memberships import person_kinds
from ..web import Done, SubmissionForm, replayed, submit
from . import bp
from .routes import login_limit
from .sessions import start_session

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


@bp.route("/join/<slug>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def join(slug: str):
    try:
        community = get_community(slug)
    except NotFound:
        abort(404)
    if request.args.get("sent"):
        return render_template("auth/signup.html", community=community, form=None, sent=True)
    form = SignupForm()
    form.kind.choices = [SelectChoice(kind.id, kind.label) for kind in person_kinds(community.id)]
    if request.method == "GET":
        form.ensure_submission_id()
    elif form.validate_on_submit():
        sent = url_for("auth.join", slug=slug, sent=1)
        # The same page whether or not the address was known, so nobody learns who has an account.
        response = submit(
            form,
            lambda: applications.apply(
                community,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                kind_id=form.kind.data,
                note=form.note.data,
            ),
            lambda membership: Done(sent, user_id=membership.user_id if membership else None),
            field="email",
            public=True,
        )
        if response is not None:
            return response
    return render_template("auth/signup.html", community=community, form=form, sent=False, password_hint=PASSWORD_HINT), (422 if form.errors else 200)


#: Where the session keeps an invitation link's secret between opening the link and using it.
INVITATION_SECRET = "invitation_secret"


@bp.get("/invitation/<token>")
def invitation(token: str):
    """The emailed link: the secret moves into the session and the browser goes on to a page
    whose address holds no secret, so no history, Referer or shared screen keeps it (as the
    password-reset link does). Whether the link is good is said there, the same for every link."""
    session[INVITATION_SECRET] = token
    return redirect(url_for("auth.invitation_page"), 303)


@bp.route("/invitation", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def invitation_page():
    form = AcceptForm()
    if request.method == "POST" and (first := replayed(form, public=True)):
        return first  # accepted by this very form, so the link is used now: where it led
    token = session.get(INVITATION_SECRET, "")
    try:
        invitation = invitations.invitation_by_token(token)
    except TimebankError as error:
        return _problem(error)
    if request.method == "GET":
        form.name.data = invitation.name
        form.ensure_submission_id()

    def signed_in(user):
        session.pop(INVITATION_SECRET, None)  # used: start_session clears the rest
        return start_session(user, home, 303)

    home = url_for("main.home")
    if form.validate_on_submit():
        response = submit(
            form,
            lambda: invitations.accept_invitation(token, name=form.name.data, password=form.password.data),
            lambda user: Done(home, user_id=user.id, respond=lambda: signed_in(user)),
            field="password",
            public=True,
            # Used, expired or not right: said on a page of its own, as when the link is opened.
            handlers={InvalidInput: None, TimebankError: _problem},
        )
        if response is not None:
            return response
    community = db.session.get(Community, invitation.community_id)
    return render_template(
        "auth/invitation.html", form=form, invitation=invitation, community=community, problem=None, password_hint=PASSWORD_HINT
    ), (
        422 if form.errors else 200
    )


def _problem(error: TimebankError):
    return render_template("auth/invitation.html", problem=str(error), form=None), error.status
