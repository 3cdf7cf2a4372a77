"""Members: the list and each member's page, applications, invitations, role and kind,
suspending and reinstating, and leaving."""
from functools import partial

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..models import Membership, MembershipStatus, Role
from ..services.people import applications as application_service
from ..services.people import credentials, directory, invitations, leaving, member_account, standing
from ..services.people.memberships import person_kinds
from ..web import ButtonForm, Done, SubmissionForm, button, form_page, new_submission_id
from ..web.args import int_arg, text_arg
from . import bp
from .context import coordinator_required, member_here
from .member_page import ROLE_LABELS, STATUS_LABELS, member_url, render_member_page

# -- forms -----------------------------------------------------------------------------------


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
            SelectChoice(leaving.FREEZE, _l("Keep it, frozen in their closed account")),
            SelectChoice(leaving.DONATE, _l("Donate it to the community pot")),
        ],
        validators=[InputRequired(_l("Choose what happens to their balance"))],
    )


def _role_choices() -> list[SelectChoice]:
    roles = [Role.MEMBER, Role.COORDINATOR, Role.FUNDER] + ([Role.ADMIN] if g.coordinator.role == Role.ADMIN else [])
    return [SelectChoice(str(role), ROLE_LABELS[role]) for role in roles]


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.id, kind.label) for kind in person_kinds(g.community.id)]


def invitation_link(token: str) -> str:
    return url_for("auth.invitation", token=token, _external=True)


# -- the list and the member page ------------------------------------------------------------


@bp.get("/members")
@coordinator_required
def members():
    kinds = person_kinds(g.community.id)
    status = request.args.get("status") if request.args.get("status") in set(MembershipStatus) else None
    role = request.args.get("role") if request.args.get("role") in set(Role) else None
    kind_id = int_arg("kind") if int_arg("kind") in {k.id for k in kinds} else None
    text = text_arg("q")
    rows, next_after = directory.member_list(
        g.community.id, text=text, kind_id=kind_id, status=status, role=role, after=int_arg("after")
    )
    pending = application_service.count_applications(g.community.id)
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
    rows, next_after = application_service.applications(g.community.id, after=int_arg("after"))
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
    back = url_for("coordinate.applications")
    return button(
        lambda: application_service.approve(g.coordinator, membership_id, sign_in_url=url_for("auth.login", _external=True)),
        lambda membership: Done(back, _("%(name)s is now a member. We have emailed them.", name=membership.name)),
        back=back,
        form=ButtonForm(),
    )


@bp.post("/applications/<int:membership_id>/decline")
@coordinator_required
def decline(membership_id: int):
    member_here(membership_id)
    back = url_for("coordinate.applications")
    form = DeclineForm()
    if not form.validate():
        flash(_("The message must be 1000 characters or fewer."), "error")
        return redirect(back, 303)
    return button(
        lambda: application_service.decline(g.coordinator, membership_id, form.message.data),
        lambda membership: Done(back, _("You declined the application from %(name)s. We have emailed them.", name=membership.name)),
        back=back,
        form=form,
    )


# -- invitations -----------------------------------------------------------------------------


@bp.route("/members/invite", methods=["GET", "POST"])
@coordinator_required
def invite():
    form = InviteForm()
    form.role.choices = _role_choices()
    form.kind.choices = _kind_choices()
    if request.method == "GET":
        form.role.data = Role.MEMBER

    def invited(made):
        invitation, token = made
        page = partial(
            render_template, "coordinate/members/invited.html",
            invitation=invitation, link=invitation_link(token), days=invitations.INVITATION_DAYS,
        )
        return Done(url_for("coordinate.members"), respond=page)

    return form_page(
        form,
        lambda: invitations.invite(
            g.coordinator, name=form.name.data, email=form.email.data, role=form.role.data, kind_id=form.kind.data,
            link_for=invitation_link,
        ),
        invited,
        lambda: render_template("coordinate/members/invite.html", form=form),
        field="email",
    )


# -- role, kind, standing --------------------------------------------------------------------


def _change(membership: Membership, form, apply, done_message: str, template_args: dict):
    """A one-question page that changes something about a member."""
    return form_page(
        form,
        lambda: apply(form),
        Done(member_url(membership.id), done_message),
        lambda: render_template("coordinate/members/change.html", form=form, m=membership, **template_args),
        field=template_args.get("default_field"),
    )


@bp.route("/members/<int:membership_id>/role", methods=["GET", "POST"])
@coordinator_required
def set_role(membership_id: int):
    membership = member_here(membership_id)
    form = RoleForm(data={"role": membership.role} if request.method == "GET" else None)
    form.role.choices = _role_choices()
    return _change(
        membership,
        form,
        lambda f: standing.set_role(g.coordinator, membership_id, f.role.data),
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
        lambda f: standing.set_kind(g.coordinator, membership_id, f.kind.data),
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
        lambda f: standing.suspend(g.coordinator, membership_id, f.reason.data),
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
    back = member_url(membership_id)
    return button(
        lambda: standing.reinstate(g.coordinator, membership_id),
        Done(back, _("%(name)s is reinstated.", name=membership.name)),
        back=back,
        form=ButtonForm(),
    )


@bp.post("/members/<int:membership_id>/sign-out-everywhere")
@coordinator_required
def sign_out_everywhere(membership_id: int):
    """A lost phone or a shared computer: every session of theirs ends at once."""
    membership = member_here(membership_id)
    back = member_url(membership_id)
    return button(
        lambda: credentials.sign_out_everywhere(g.coordinator, membership_id),
        Done(back, _("%(name)s is signed out everywhere.", name=membership.name)),
        back=back,
        form=ButtonForm(),
    )


@bp.route("/members/<int:membership_id>/leave", methods=["GET", "POST"])
@coordinator_required
def leave(membership_id: int):
    membership = member_here(membership_id)
    account = member_account(membership_id)
    form = LeaveForm()
    negative = account is not None and account.balance < 0
    if request.method == "GET":
        form.balance.data = leaving.FREEZE if negative else None

    def page():
        if negative:  # only freezing is possible: the page says so, and offers only that
            form.balance.choices = form.balance.choices[:1]
        return render_template("coordinate/members/leave.html", form=form, m=membership, account=account, negative=negative)

    return form_page(
        form,
        lambda: leaving.leave(g.coordinator, membership_id, form.balance.data),
        Done(member_url(membership_id), _("%(name)s has left. Their account is closed.", name=membership.name)),
        page,
        field="balance",
    )
