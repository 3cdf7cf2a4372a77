"""Members: the list and each member's page, applications, invitations, role and kind,
suspending and reinstating, leaving, and importing people from a CSV file."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..errors import ImportRejected, TimebankError
from ..extensions import db
from ..member.forms import SubmissionForm, new_submission_id
from ..models import Membership, MembershipStatus, Role
from ..services.coordination import members as service
from ..services.coordination.safeguarding import RESTRICTION_LABELS
from ..services.people import member_account
from . import bp
from .context import coordinator_required, member_here

IMPORT_MAX_BYTES = 1_000_000
ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.FUNDER: _l("Funder (sees reports only)"),
    Role.ADMIN: _l("Administrator"),
}
STATUS_LABELS = {
    MembershipStatus.PENDING: _l("Applied"),
    MembershipStatus.ACTIVE: _l("Active"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LEFT: _l("Left"),
}


# -- forms -----------------------------------------------------------------------------------


class ButtonForm(SubmissionForm):
    """A form that is only a button (approve, reinstate, lift)."""


class DeclineForm(SubmissionForm):
    message = TextAreaField(_l("A message to them (optional)"), validators=[Optional(), Length(max=1000)])


class InviteForm(SubmissionForm):
    name = StringField(_l("Their name"), validators=[DataRequired(_l("Enter their name")), Length(max=200)])
    email = EmailField(
        _l("Their email address"),
        validators=[DataRequired(_l("Enter their email address")), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    role = RadioField(_l("What will they do here?"), validators=[InputRequired(_l("Choose a role"))])
    kind = RadioField(_l("What kind of person are they?"), coerce=int, validators=[Optional()])


class RoleForm(SubmissionForm):
    role = RadioField(_l("Role"), validators=[InputRequired(_l("Choose a role"))])


class KindForm(SubmissionForm):
    kind = RadioField(_l("What kind of person are they?"), coerce=int, validators=[InputRequired(_l("Choose a kind"))])


class SuspendForm(SubmissionForm):
    reason = TextAreaField(_l("Why? (optional, kept as a private note)"), validators=[Optional(), Length(max=1000)])


class LeaveForm(SubmissionForm):
    balance = RadioField(
        _l("What happens to their balance?"),
        choices=[
            SelectChoice(service.FREEZE, _l("Keep it, frozen in their closed account")),
            SelectChoice(service.DONATE, _l("Donate it to the community pot")),
        ],
        validators=[InputRequired(_l("Choose what happens to their balance"))],
    )


class ImportForm(SubmissionForm):
    file = FileField(_l("The CSV file"), validators=[FileRequired(_l("Choose a CSV file"))])
    send_invitations = BooleanField(_l("Email each person a link to choose a password"))


class NoteForm(SubmissionForm):
    body = TextAreaField(
        _l("Add a private note"),
        validators=[DataRequired(_l("Write the note")), Length(max=5000, message=_l("Keep the note to 5000 characters or fewer"))],
    )


# -- helpers ---------------------------------------------------------------------------------


def _replayed(form):
    """The first result of a form sent twice (a double tap, a retry on poor signal)."""
    url = service.replayed_submission(current_user.id, form.submission_id.data)
    return redirect(url, 303) if url else None


def _done(form, url: str, message: str):
    service.remember_submission(current_user.id, form.submission_id.data, url)
    db.session.commit()
    flash(message, "success")
    return redirect(url, 303)


def _refused(error: TimebankError, form, default_field: str | None = None) -> None:
    """Put a service's refusal where the GOV.UK pattern wants it: beside its field, or (for a
    form that is only a button) as a message at the top of the next page."""
    db.session.rollback()
    if error.status == 404:
        abort(404)
    field = getattr(form, error.details.get("field") or default_field or "", None)
    if field is None:
        flash(str(error), "error")
    else:
        field.errors = [*field.errors, str(error)]


def _role_choices() -> list[SelectChoice]:
    roles = [Role.MEMBER, Role.COORDINATOR, Role.FUNDER] + ([Role.ADMIN] if g.coordinator.role == Role.ADMIN else [])
    return [SelectChoice(str(role), ROLE_LABELS[role]) for role in roles]


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.id, kind.label) for kind in service.person_kinds(g.community.id)]


def _member_url(membership_id: int) -> str:
    return url_for("coordinate.member", membership_id=membership_id)


def render_member_page(membership_id: int, note_form: NoteForm | None = None, status: int = 200):
    page = service.member_page(g.coordinator, membership_id)
    note_form = note_form or NoteForm()
    note_form.ensure_submission_id()
    return render_template(
        "coordinate/members/member.html",
        page=page,
        m=page.membership,
        note_form=note_form,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
        restriction_labels=RESTRICTION_LABELS,
        new_submission_id=new_submission_id,
    ), status


# -- the list and the member page ------------------------------------------------------------


@bp.get("/members")
@coordinator_required
def members():
    kinds = service.person_kinds(g.community.id)
    status = request.args.get("status") if request.args.get("status") in set(MembershipStatus) else None
    role = request.args.get("role") if request.args.get("role") in set(Role) else None
    kind_id = request.args.get("kind", type=int) if request.args.get("kind", type=int) in {k.id for k in kinds} else None
    text = (request.args.get("q") or "").strip()[:100]
    rows, next_after = service.member_list(
        g.community.id, text=text, kind_id=kind_id, status=status, role=role, after=request.args.get("after", type=int)
    )
    pending = service.count_applications(g.community.id)
    return render_template(
        "coordinate/members/list.html",
        rows=rows,
        next_after=next_after,
        kinds=kinds,
        filters={"q": text or None, "kind": kind_id, "status": status, "role": role},
        first_page=not request.args.get("after"),
        pending=pending,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/members/<int:membership_id>")
@coordinator_required
def member(membership_id: int):
    member_here(membership_id)
    return render_member_page(membership_id)


# -- applications ----------------------------------------------------------------------------


@bp.get("/applications")
@coordinator_required
def applications():
    rows, next_after = service.applications(g.community.id, after=request.args.get("after", type=int))
    return render_template(
        "coordinate/members/applications.html",
        rows=rows,
        next_after=next_after,
        new_submission_id=new_submission_id,
    )


@bp.post("/applications/<int:membership_id>/approve")
@coordinator_required
def approve(membership_id: int):
    member_here(membership_id)
    form = ButtonForm()
    if replay := _replayed(form):
        return replay
    try:
        membership = service.approve(g.coordinator, membership_id, sign_in_url=url_for("auth.login", _external=True))
        return _done(form, url_for("coordinate.applications"), _("%(name)s is now a member. We have emailed them.", name=membership.name))
    except TimebankError as error:
        _refused(error, form)
    return redirect(url_for("coordinate.applications"), 303)


@bp.post("/applications/<int:membership_id>/decline")
@coordinator_required
def decline(membership_id: int):
    member_here(membership_id)
    form = DeclineForm()
    if replay := _replayed(form):
        return replay
    if form.validate():
        try:
            membership = service.decline(g.coordinator, membership_id, form.message.data)
            return _done(form, url_for("coordinate.applications"), _("You declined the application from %(name)s. We have emailed them.", name=membership.name))
        except TimebankError as error:
            _refused(error, form)
    else:
        flash(_("The message must be 1000 characters or fewer."), "error")
    return redirect(url_for("coordinate.applications"), 303)


# -- invitations -----------------------------------------------------------------------------


@bp.route("/members/invite", methods=["GET", "POST"])
@coordinator_required
def invite():
    form = InviteForm()
    form.role.choices = _role_choices()
    form.kind.choices = _kind_choices()
    if request.method == "GET":
        form.role.data = Role.MEMBER
        form.ensure_submission_id()
    elif replay := _replayed(form):
        return replay
    if form.validate_on_submit():
        try:
            invitation, token = service.invite(
                g.coordinator,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                kind_id=form.kind.data,
                link_for=lambda t: url_for("auth.invitation", token=t, _external=True),
            )
            service.remember_submission(current_user.id, form.submission_id.data, url_for("coordinate.members"))
            db.session.commit()
            link = url_for("auth.invitation", token=token, _external=True)
            return render_template("coordinate/members/invited.html", invitation=invitation, link=link, days=service.INVITATION_DAYS)
        except TimebankError as error:
            _refused(error, form, "email")
    return render_template("coordinate/members/invite.html", form=form), (422 if form.errors else 200)


# -- role, kind, standing --------------------------------------------------------------------


def _change(membership: Membership, form, apply, done_message: str, template_args: dict):
    """A one-question page that changes something about a member."""
    if request.method == "GET":
        form.ensure_submission_id()
    elif replay := _replayed(form):
        return replay
    if form.validate_on_submit():
        try:
            apply(form)
            return _done(form, _member_url(membership.id), done_message)
        except TimebankError as error:
            _refused(error, form, template_args.get("default_field"))
    return render_template("coordinate/members/change.html", form=form, m=membership, **template_args), (422 if form.errors else 200)


@bp.route("/members/<int:membership_id>/role", methods=["GET", "POST"])
@coordinator_required
def set_role(membership_id: int):
    membership = member_here(membership_id)
    form = RoleForm(data={"role": membership.role} if request.method == "GET" else None)
    form.role.choices = _role_choices()
    return _change(
        membership,
        form,
        lambda f: service.set_role(g.coordinator, membership_id, f.role.data),
        _("The role of %(name)s is changed.", name=membership.name),
        {"heading": _("Change the role of %(name)s", name=membership.name), "fields": ["role"], "button": _("Change role"), "default_field": "role"},
    )


@bp.route("/members/<int:membership_id>/kind", methods=["GET", "POST"])
@coordinator_required
def set_kind(membership_id: int):
    membership = member_here(membership_id)
    form = KindForm(data={"kind": membership.kind_id} if request.method == "GET" else None)
    form.kind.choices = _kind_choices()
    return _change(
        membership,
        form,
        lambda f: service.set_kind(g.coordinator, membership_id, f.kind.data),
        _("The kind of %(name)s is changed. Time recorded before today keeps the kind they had then.", name=membership.name),
        {
            "heading": _("Change what kind of person %(name)s is", name=membership.name),
            "intro": _("The change is kept in their history, with today's date. Time already recorded keeps the kind they had then."),
            "fields": ["kind"],
            "button": _("Change kind"),
            "default_field": "kind",
        },
    )


@bp.route("/members/<int:membership_id>/suspend", methods=["GET", "POST"])
@coordinator_required
def suspend(membership_id: int):
    membership = member_here(membership_id)
    return _change(
        membership,
        SuspendForm(),
        lambda f: service.suspend(g.coordinator, membership_id, f.reason.data),
        _("%(name)s is suspended.", name=membership.name),
        {
            "heading": _("Suspend %(name)s", name=membership.name),
            "intro": _("While suspended they cannot use the member pages or log time. You can reinstate them at any time."),
            "fields": ["reason"],
            "button": _("Suspend"),
            "warning": True,
            "default_field": "reason",
        },
    )


@bp.post("/members/<int:membership_id>/reinstate")
@coordinator_required
def reinstate(membership_id: int):
    membership = member_here(membership_id)
    form = ButtonForm()
    if replay := _replayed(form):
        return replay
    try:
        service.reinstate(g.coordinator, membership_id)
        return _done(form, _member_url(membership_id), _("%(name)s is reinstated.", name=membership.name))
    except TimebankError as error:
        _refused(error, form)
    return redirect(_member_url(membership_id), 303)


@bp.route("/members/<int:membership_id>/leave", methods=["GET", "POST"])
@coordinator_required
def leave(membership_id: int):
    membership = member_here(membership_id)
    account = member_account(membership_id)
    form = LeaveForm()
    negative = account is not None and account.balance < 0
    if request.method == "GET":
        form.balance.data = service.FREEZE if negative else None
        form.ensure_submission_id()
    elif replay := _replayed(form):
        return replay
    if form.validate_on_submit():
        try:
            service.leave(g.coordinator, membership_id, form.balance.data)
            return _done(form, _member_url(membership_id), _("%(name)s has left. Their account is closed.", name=membership.name))
        except TimebankError as error:
            _refused(error, form, "balance")
    if negative:  # only freezing is possible: the page says so, and offers only that
        form.balance.choices = form.balance.choices[:1]
    return render_template("coordinate/members/leave.html", form=form, m=membership, account=account, negative=negative), (
        422 if form.errors else 200
    )


# -- importing -------------------------------------------------------------------------------


@bp.route("/members/import", methods=["GET", "POST"])
@coordinator_required
def import_members():
    form = ImportForm()
    if request.method == "GET":
        form.ensure_submission_id()
    elif replay := _replayed(form):
        return replay
    if form.validate_on_submit():
        data = form.file.data.read(IMPORT_MAX_BYTES + 1)
        if len(data) > IMPORT_MAX_BYTES:
            form.file.errors = [_("The file is too big: at most 1 MB.")]
        else:
            try:
                imported = service.import_members(
                    g.coordinator,
                    data,
                    send_invitations=form.send_invitations.data,
                    link_for=lambda t: url_for("auth.invitation", token=t, _external=True),
                )
                return _done(form, url_for("coordinate.members"), _("%(n)d people imported.", n=len(imported)))
            except ImportRejected as error:
                db.session.rollback()
                form.file.errors = [_("Line %(line)d: %(problem)s", line=line, problem=problem) for line, problem in error.problems]
            except TimebankError as error:
                _refused(error, form, "file")
    return render_template("coordinate/members/import.html", form=form, kinds=service.person_kinds(g.community.id)), (
        422 if form.errors else 200
    )
