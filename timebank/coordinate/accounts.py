"""Organisation accounts and the community pot: balances, new organisation accounts,
donations to the pot, grants from it, and organisations paying members."""
from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..errors import LimitExceeded, TimebankError
from ..formatting import hours_minutes
from ..services.accounts import (
    MAX_FLOOR_HOURS,
    create_organisation,
    donate,
    grant,
    organisation_here,
    organisation_pays,
    shared_accounts,
)
from ..web import Done, SubmissionForm, form_page, submit
from ..web.args import int_arg
from ..web.date_input import DateInput
from . import bp
from .context import coordinator_required
from .recording import ERROR_FIELDS, DurationForm, activity_choices, chosen, over_limit_beside, person_choices


class OrganisationForm(SubmissionForm):
    name = StringField(_l("Organisation's name"), validators=[
        DataRequired(_l("Enter the organisation's name")), Length(max=200, message=_l("The name must be 200 characters or fewer"))])
    floor_hours = IntegerField(
        _l("How many hours may it go below zero?"),
        validators=[InputRequired(_l("Enter a whole number of hours, 0 or more")),
                    NumberRange(0, MAX_FLOOR_HOURS, _l("Enter a whole number of hours from 0 to %(max)s"))],
    )


class TransferForm(DurationForm):
    occurred_on = DateInput(_l("When?"), today=lambda: g.community.today())  # the GOV.UK date input
    member = RadioField(_l("Which member?"), coerce=int, validate_choice=False,
                        validators=[InputRequired(_l("Choose the member"))])
    q_member = StringField(_l("Find the member by name"), validators=[Optional(), Length(max=100)])
    activity = SelectField(_l("What was it? (optional)"), coerce=int, validators=[Optional()])
    reason = TextAreaField(_l("Why is the grant made?"), validators=[Optional(), Length(max=500, message=_l("The reason must be 500 characters or fewer"))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500, message=_l("The note must be 500 characters or fewer"))])


#: The three transfers: their page title, the member question, and the success message.
TRANSFERS = {
    "donate": {
        "title": _l("Record a donation to the pot"),
        "member": _l("Who is donating?"),
        "hint": _l("The member gives some of their time credit to the community pot."),
        "done": _l("Recorded: %(name)s gave %(minutes)s to the pot."),
    },
    "grant": {
        "title": _l("Grant time from the pot"),
        "member": _l("Who receives the grant?"),
        "hint": _l("The community pot gives a member time credit. Say why: it is kept with the entry."),
        "done": _l("Recorded: the pot granted %(minutes)s to %(name)s."),
    },
    "pay": {
        "title": _l("%(organisation)s pays a member"),
        "member": _l("Who gave time to the organisation?"),
        "hint": _l("The member earns the time from the organisation's account."),
        "done": _l("Recorded: %(name)s earned %(minutes)s from %(organisation)s."),
    },
}


@bp.get("/accounts")
@coordinator_required
def accounts():
    rows, next_after = shared_accounts(g.community.id, after=int_arg("after"))
    return render_template(
        "coordinate/accounts/list.html", rows=rows, next_after=next_after, first_page=request.args.get("after") is None
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@coordinator_required
def new_organisation():
    form = OrganisationForm()
    if request.method == "GET":
        form.floor_hours.data = 0
    return form_page(
        form,
        lambda: create_organisation(
            g.coordinator, name=form.name.data, floor_hours=form.floor_hours.data, submission_id=form.submission_id.data or ""
        ),
        lambda made: Done(url_for("coordinate.accounts"), _("The account for %(name)s is open.", name=made[0].name)),
        lambda: render_template("coordinate/accounts/organisation_form.html", form=form),
        field="name",
        fields=ERROR_FIELDS,
    )


@bp.route("/accounts/donate", methods=["GET", "POST"])
@coordinator_required
def donate_to_pot():
    return _transfer("donate")


@bp.route("/accounts/grant", methods=["GET", "POST"])
@coordinator_required
def grant_from_pot():
    return _transfer("grant")


@bp.route("/accounts/<int:account_id>/pay", methods=["GET", "POST"])
@coordinator_required
def organisation_payment(account_id: int):
    try:
        organisation = organisation_here(g.community.id, account_id)
    except TimebankError:
        abort(404)
    return _transfer("pay", organisation)


def _transfer(kind: str, organisation=None):
    words = TRANSFERS[kind]
    names = {"organisation": organisation.name} if organisation else {}
    form = TransferForm()
    form.member.label.text = str(words["member"])
    form.activity.choices = activity_choices(_("None"))
    if request.method == "GET":
        form.ensure_submission_id()
        form.occurred_on.data = g.community.today()
    person_choices(form.member, form.q_member.data)
    if request.method == "POST" and request.form.get("action") == "save":
        ok = form.validate()
        ok = chosen(form.member) and ok
        if kind == "grant" and not (form.reason.data or "").strip():
            form.reason.errors = [*form.reason.errors, _("Say why the grant is made")]
            ok = False
        if ok:
            common = {
                "member_account_id": form.member.data,
                "minutes": form.total_minutes(),
                "occurred_on": form.occurred_on.data,
                "submission_id": form.submission_id.data or "",
            }
            activity = form.activity.data if form.activity.data and form.activity.data > 0 else None
            transfers = {
                "donate": lambda: donate(g.coordinator, note=form.note.data, **common),
                "grant": lambda: grant(g.coordinator, reason=form.reason.data, **common),
                "pay": lambda: organisation_pays(g.coordinator, organisation.id, activity_id=activity, note=form.note.data, **common),
            }
            message = str(words["done"]) % {"name": _label(form), "minutes": hours_minutes(form.total_minutes()), **names}
            handlers = {LimitExceeded: over_limit_beside(form.minutes)}
            response = submit(
                form, transfers[kind], Done(url_for("coordinate.accounts"), message), field="member", fields=ERROR_FIELDS, handlers=handlers
            )
            if response is not None:
                return response
    return render_template(
        "coordinate/accounts/transfer_form.html",
        form=form,
        kind=kind,
        title=str(words["title"]) % names if names else str(words["title"]),
        hint=words["hint"],
        action=request.path,
    ), (422 if form.errors else 200)


def _label(form) -> str:
    return next((str(c.label) for c in form.member.choices if c.value == form.member.data), "")
