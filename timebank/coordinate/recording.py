"""Recording for members: an exchange the coordinator records (by phone, from paper, in
person), pending exchanges confirmed on a member's behalf, and a paper timesheet to print.

Also the pieces the other recording pages share: the hours-and-minutes fields, choosing a
person by name without JavaScript, where a service's errors go on these forms, and who would
pass which limit.
"""
from functools import partial

from flask import abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..errors import LimitExceeded, TimebankError
from ..extensions import db
from ..formatting import hours_minutes
from ..input_rules import in_int_range
from ..models import Account, ActivityCategory, Confirmation, Listing
from ..services.exchanges.on_behalf import confirm_on_behalf, match_here, record_exchange, timesheet
from ..services.exchanges.pending import pending_exchanges
from ..services.exchanges.posting import account_label
from ..services.people import member_account
from ..services.people.search import find_people, people_by_account
from ..web import Done, SubmissionForm, button, submit
from ..web.args import int_arg
from ..web.date_input import DateInput
from . import bp
from .context import coordinator_required, member_here

CONFIRMATION_CHOICES = [
    SelectChoice(str(Confirmation.PHONE), _l("By phone")),
    SelectChoice(str(Confirmation.PAPER), _l("On a paper timesheet")),
    SelectChoice(str(Confirmation.IN_PERSON), _l("In person")),
]
#: Where a service's error belongs on the form, by error code, when it does not say itself.
ERROR_FIELDS = {
    "future_date": "occurred_on",
    "period_closed": "occurred_on",
    "minutes_out_of_range": "minutes",
}


# -- shared pieces ---------------------------------------------------------------------------


class DurationForm(SubmissionForm):
    """A form with a length of time in hours and minutes (1 minute to 24 hours) and a date."""

    hours = IntegerField(_l("Hours"), validators=[Optional(), NumberRange(0, 24, _l("Hours must be between 0 and 24"))])
    minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(0, 59, _l("Minutes must be between 0 and 59"))])
    occurred_on = DateField(
        _l("When?"), validators=[DataRequired(_l("Enter the date, for example 2026-11-26"))], format="%Y-%m-%d"
    )

    def total_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.hours.errors and not self.minutes.errors:
            total = self.total_minutes()
            if total <= 0:
                self.minutes.errors.append(_l("Enter a time of at least 1 minute"))
                ok = False
            elif total > 24 * 60:
                self.minutes.errors.append(_l("Enter a time of 24 hours or less"))
                ok = False
        return ok


def person_choices(field, text: str | None) -> None:
    """Offer the members whose name matches `text` (the first page), keeping the one chosen."""
    people, _more = find_people(g.community.id, text or "")
    choices = [SelectChoice(p.account_id, p.name) for p in people]
    if isinstance(field.data, int) and field.data not in {c.value for c in choices}:
        choices += [SelectChoice(p.account_id, p.name) for p in people_by_account(g.community.id, [field.data])]
    field.choices = choices


def chosen(field) -> bool:
    """A person picked from the choices offered (an id typed by hand is not offered)."""
    if field.raw_data and field.data not in {c.value for c in field.choices or ()}:
        field.errors = [_("Choose a person from the list, or find them by name")]
        return False
    return not field.errors and field.data is not None


def activity_choices(first: str | None = None) -> list[SelectChoice]:
    rows = db.session.execute(
        select(ActivityCategory.id, ActivityCategory.name)
        .where(ActivityCategory.community_id == g.community.id, ActivityCategory.active.is_(True))
        .order_by(ActivityCategory.name)
    ).all()
    return [SelectChoice(-1, first or _("Choose an activity"))] + [SelectChoice(row.id, row.name) for row in rows]


def limit_message(error: LimitExceeded) -> str:
    """Who would go past which limit, and by how much (after the rollback, so names are read
    fresh)."""
    parts = []
    for breach in error.breaches:
        account = db.session.get(Account, breach.account_id)
        name, amount = (account_label(account) if account else "?"), hours_minutes(breach.over_by)
        if breach.side == "floor":
            parts.append(_("%(name)s would go %(amount)s below the lowest balance allowed", name=name, amount=amount))
        else:
            parts.append(_("%(name)s would go %(amount)s above the highest balance allowed", name=name, amount=amount))
    return _("Nothing was recorded: %(detail)s.", detail="; ".join(parts))


def over_limit_beside(field):
    """A handler for the edge: who would pass which limit, beside `field`."""

    def handle(error: LimitExceeded) -> None:
        field.errors = [*field.errors, limit_message(error)]

    return handle


# -- record an exchange ----------------------------------------------------------------------


class RecordForm(DurationForm):
    giver = RadioField(_l("Who gave the time?"), coerce=int, validate_choice=False,
                       validators=[InputRequired(_l("Choose who gave the time"))])
    q_giver = StringField(_l("Find the person who gave time, by name"), validators=[Optional(), Length(max=100)])
    receiver = RadioField(_l("Who received it?"), coerce=int, validate_choice=False,
                          validators=[InputRequired(_l("Choose who received the time"))])
    q_receiver = StringField(_l("Find the person who received time, by name"), validators=[Optional(), Length(max=100)])
    activity = SelectField(_l("What was it?"), coerce=int, validators=[InputRequired(_l("Choose what the time was for"))])
    confirmation = RadioField(_l("How do you know it happened?"), choices=CONFIRMATION_CHOICES,
                              validators=[InputRequired(_l("Choose how the exchange was confirmed"))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500, message=_l("The note must be 500 characters or fewer"))])
    match = HiddenField()
    occurred_on = DateInput(_l("When?"), today=lambda: g.community.today())  # the GOV.UK date input
    late = BooleanField(_l("Record it as a late entry: it happened in a month that is now closed"))


@bp.route("/record", methods=["GET", "POST"])
@coordinator_required
def record():
    form = RecordForm()
    form.activity.choices = activity_choices()
    match = None
    if request.method == "GET":
        form.ensure_submission_id()
        form.occurred_on.data = g.community.today()
        match = _match_or_404(int_arg("match"))
        if match is not None:
            form.match.data = str(match.id)
            form.giver.data = _account_of(match.helper)
            form.receiver.data = _account_of(match.requester)
            form.activity.data = _listing_category(match.listing_id)
    else:
        match = _match_or_404(_int(form.match.data))
    person_choices(form.giver, form.q_giver.data)
    person_choices(form.receiver, form.q_receiver.data)
    action = request.form.get("action")
    if request.method == "POST" and action == "save":
        ok = form.validate()
        ok = chosen(form.giver) and ok
        ok = chosen(form.receiver) and ok
        if form.activity.data == -1:
            form.activity.errors = [*form.activity.errors, _("Choose what the time was for")]
            ok = False
        done = Done(url_for("coordinate.record"), _(
            "Recorded: %(name)s gave %(minutes)s to %(other)s.",
            name=_label_of(form.giver), minutes=hours_minutes(form.total_minutes()), other=_label_of(form.receiver),
        ))
        record_it = partial(
            record_exchange,
            g.coordinator,
            giver_account_id=form.giver.data,
            receiver_account_id=form.receiver.data,
            minutes=form.total_minutes(),
            occurred_on=form.occurred_on.data,
            activity_id=form.activity.data,
            confirmation=form.confirmation.data,
            note=form.note.data,
            submission_id=form.submission_id.data or "",
            match_id=match.id if match else None,
            late=bool(form.late.data),
        )
        handlers = {LimitExceeded: over_limit_beside(form.minutes)}
        if ok and (response := submit(form, record_it, done, field="giver", fields=ERROR_FIELDS, handlers=handlers)):
            return response
    status = 422 if form.errors else 200
    return render_template("coordinate/recording/record.html", form=form, match=match), status


def _int(value) -> int | None:
    try:
        number = int(value) if value else None
    except (TypeError, ValueError):
        return None
    return number if number is None or in_int_range(number) else None


def _match_or_404(match_id: int | None):
    try:
        return match_here(g.community.id, match_id)
    except TimebankError:
        abort(404)


def _account_of(membership) -> int | None:
    account = member_account(membership.id)
    return account.id if account else None


def _listing_category(listing_id: int) -> int:
    return db.session.scalar(select(Listing.category_id).where(Listing.id == listing_id)) or -1


def _label_of(field) -> str:
    return next((str(c.label) for c in field.choices if c.value == field.data), "")


# -- pending exchanges, confirmed for a member -----------------------------------------------


@bp.get("/pending")
@coordinator_required
def pending():
    rows, next_after = pending_exchanges(g.community.id, after=int_arg("after"))
    return render_template(
        "coordinate/recording/pending.html",
        rows=rows,
        next_after=next_after,
        first_page=request.args.get("after") is None,
        choices=CONFIRMATION_CHOICES,
        label=account_label,
    )


@bp.post("/pending/<int:exchange_id>/confirm")
@coordinator_required
def confirm_pending(exchange_id: int):
    back = url_for("coordinate.pending")
    return button(
        lambda: confirm_on_behalf(g.coordinator, exchange_id, request.form.get("confirmation", "")),
        Done(back, _("Confirmed and recorded.")),
        back=back,
        handlers={LimitExceeded: lambda error: flash(limit_message(error), "error")},
    )


# -- the paper timesheet ---------------------------------------------------------------------


@bp.get("/members/<int:membership_id>/timesheet")
@coordinator_required
def timesheet_page(membership_id: int):
    member_here(membership_id)
    return render_template("coordinate/recording/timesheet.html", sheet=timesheet(g.community.id, membership_id))
