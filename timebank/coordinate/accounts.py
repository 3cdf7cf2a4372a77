"""Organisation accounts and the community pot: balances, new organisation accounts,
donations to the pot, grants from it, and organisations paying members."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..errors import LimitExceeded, TimebankError
from ..extensions import db
from ..formatting import hours_minutes
from ..member.forms import SubmissionForm
from ..services.coordination.accounts import (
    MAX_FLOOR_HOURS,
    create_organisation,
    donate,
    grant,
    organisation_here,
    organisation_pays,
    shared_accounts,
)
from . import bp
from .context import coordinator_required
from .recording import DurationForm, activity_choices, chosen, limit_message, person_choices, put_error


class OrganisationForm(SubmissionForm):
    name = StringField(_l("Organisation's name"), validators=[
        DataRequired(_l("Enter the organisation's name")), Length(max=200, message=_l("The name must be 200 characters or fewer"))])
    floor_hours = IntegerField(
        _l("How many hours may it go below zero?"),
        validators=[InputRequired(_l("Enter a whole number of hours, 0 or more")),
                    NumberRange(0, MAX_FLOOR_HOURS, _l("Enter a whole number of hours from 0 to %(max)s"))],
    )


class TransferForm(DurationForm):
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
    rows, next_after = shared_accounts(g.community.id, after=request.args.get("after", type=int))
    return render_template(
        "coordinate/accounts/list.html", rows=rows, next_after=next_after, first_page=request.args.get("after") is None
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@coordinator_required
def new_organisation():
    form = OrganisationForm()
    if request.method == "GET":
        form.ensure_submission_id()
        form.floor_hours.data = 0
    if form.validate_on_submit():
        try:
            account, _created = create_organisation(
                g.coordinator, name=form.name.data, floor_hours=form.floor_hours.data, submission_id=form.submission_id.data or ""
            )
            db.session.commit()
            flash(_("The account for %(name)s is open.", name=account.name), "success")
            return redirect(url_for("coordinate.accounts"), 303)
        except TimebankError as error:
            db.session.rollback()
            put_error(form, error, "name")
    return render_template("coordinate/accounts/organisation_form.html", form=form), (422 if form.errors else 200)


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
            try:
                if kind == "donate":
                    donate(g.coordinator, note=form.note.data, **common)
                elif kind == "grant":
                    grant(g.coordinator, reason=form.reason.data, **common)
                else:
                    activity = form.activity.data if form.activity.data and form.activity.data > 0 else None
                    organisation_pays(g.coordinator, organisation.id, activity_id=activity, note=form.note.data, **common)
                db.session.commit()
                flash(str(words["done"]) % {"name": _label(form), "minutes": hours_minutes(form.total_minutes()), **names}, "success")
                return redirect(url_for("coordinate.accounts"), 303)
            except LimitExceeded as error:
                db.session.rollback()
                form.minutes.errors = [*form.minutes.errors, limit_message(error)]
            except TimebankError as error:
                db.session.rollback()
                put_error(form, error, "member")
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
