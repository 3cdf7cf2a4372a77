"""Group sessions: record one from its register (one ledger entry for everyone), list them,
and see one."""
from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..errors import PeopleOverLimit, TimebankError
from ..formatting import hours_minutes
from ..models import CoproductionStep, LadderRung, SessionPayer
from ..services.people.search import find_people, people_by_membership
from ..services.sessions.reading import payer_accounts, session_detail, session_list
from ..services.sessions.record import SessionInput, record_session
from ..web import Done, submit
from ..web.args import int_arg
from ..web.date_input import DateInput
from . import bp
from .context import coordinator_required
from .recording import ERROR_FIELDS, DurationForm, activity_choices

STEP_LABELS = {
    CoproductionStep.IDENTIFY: _l("Identifying the problem"),
    CoproductionStep.IDEAS: _l("Ideas for change"),
    CoproductionStep.DO_TOGETHER: _l("Doing it together"),
    CoproductionStep.DID_IT_WORK: _l("Did it work?"),
}
RUNG_LABELS = {
    LadderRung.COERCION: _l("Coercion"),
    LadderRung.EDUCATING: _l("Educating"),
    LadderRung.INFORMING: _l("Informing"),
    LadderRung.CONSULTATION: _l("Consultation"),
    LadderRung.ENGAGEMENT: _l("Engagement"),
    LadderRung.CO_DESIGN: _l("Co-design"),
    LadderRung.CO_PRODUCTION: _l("Co-production"),
}
PAYER_LABELS = {
    SessionPayer.ATTENDEES: _l("The attendees pay the facilitators (a class)"),
    SessionPayer.ORGANISATION: _l("An organisation pays everyone who took part"),
    SessionPayer.POT: _l("The community pot pays everyone who took part"),
}
ROLE_LABELS = {"facilitator": _l("facilitator"), "attendee": _l("attendee"), "payer": _l("paid")}


class SessionForm(DurationForm):
    occurred_on = DateInput(_l("When was it?"), today=lambda: g.community.today())  # the GOV.UK date input
    title = StringField(_l("What was the session called?"), validators=[
        DataRequired(_l("Enter the session's title")), Length(max=200, message=_l("The title must be 200 characters or fewer"))])
    activity = SelectField(_l("What was it?"), coerce=int, validators=[InputRequired(_l("Choose what the session was for"))])
    coproduction_step = SelectField(_l("Step of co-production (optional)"), validators=[Optional()])
    ladder_rung = SelectField(_l("Rung on the ladder of participation (optional)"), validators=[Optional()])
    payer = RadioField(_l("Who pays?"), choices=[SelectChoice(str(k), v) for k, v in PAYER_LABELS.items()],
                       validators=[InputRequired(_l("Choose who pays for the session"))])
    payer_account = SelectField(_l("Which organisation pays?"), coerce=int, validators=[Optional()])
    facilitators = SelectMultipleField(_l("Who facilitated?"), coerce=int, validate_choice=False)
    attendees = SelectMultipleField(_l("Who attended?"), coerce=int, validate_choice=False)
    q = StringField(_l("Find people by name"), validators=[Optional(), Length(max=100)])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500, message=_l("The note must be 500 characters or fewer"))])


def _build_form() -> SessionForm:
    form = SessionForm()
    form.activity.choices = activity_choices()
    form.coproduction_step.choices = [SelectChoice("", _("Not set"))] + [SelectChoice(str(k), v) for k, v in STEP_LABELS.items()]
    form.ladder_rung.choices = [SelectChoice("", _("Not set"))] + [SelectChoice(str(k), v) for k, v in RUNG_LABELS.items()]
    form.payer_account.choices = [SelectChoice(0, _("Choose an organisation"))] + [
        SelectChoice(a.id, a.name) for a in payer_accounts(g.community.id)
    ]
    if request.method == "GET":
        form.ensure_submission_id()
        form.occurred_on.data = g.community.today()
        form.facilitators.data, form.attendees.data = [], []
    return form


def _register(form: SessionForm, after: int | None):
    """Who the register shows: everyone already ticked (by name), then a page of the people
    whose name matches the search."""
    ticked = list(dict.fromkeys((form.facilitators.data or []) + (form.attendees.data or [])))
    chosen = people_by_membership(g.community.id, ticked)
    page, next_after = find_people(g.community.id, form.q.data or "", after=after)
    seen = {p.membership_id for p in chosen}
    return chosen + [p for p in page if p.membership_id not in seen], next_after


def _valid(form: SessionForm) -> bool:
    ok = form.validate()
    if form.activity.data == -1:
        form.activity.errors = [*form.activity.errors, _("Choose what the session was for")]
        ok = False
    if not form.facilitators.data:
        form.facilitators.errors = [*form.facilitators.errors, _("Tick at least one facilitator")]
        ok = False
    if form.payer.data == SessionPayer.ATTENDEES and not form.attendees.data:
        form.attendees.errors = [*form.attendees.errors, _("Tick at least one attendee: in a class the attendees pay the facilitators")]
        ok = False
    if form.payer.data == SessionPayer.ORGANISATION and not form.payer_account.data:
        form.payer_account.errors = [*form.payer_account.errors, _("Choose the organisation that pays")]
        ok = False
    return ok


def _over_limit_errors(form: SessionForm, error: PeopleOverLimit) -> None:
    facilitators, attendees = set(form.facilitators.data or []), set(form.attendees.data or [])
    for person in error.people:
        if person.side == "floor":
            text = _("%(name)s would go %(amount)s below the lowest balance allowed", name=person.name, amount=hours_minutes(person.over_by))
        else:
            text = _("%(name)s would go %(amount)s above the highest balance allowed", name=person.name, amount=hours_minutes(person.over_by))
        if person.membership_id in facilitators:
            field = form.facilitators
        elif person.membership_id in attendees:
            field = form.attendees
        else:
            field = form.payer_account if form.payer.data == SessionPayer.ORGANISATION else form.payer
        field.errors = [*field.errors, text]


@bp.route("/sessions/new", methods=["GET", "POST"])
@coordinator_required
def new_session():
    form = _build_form()
    action = request.form.get("action", "")
    over_limit = []

    def past_limits(error: PeopleOverLimit) -> None:
        _over_limit_errors(form, error)
        over_limit.append(error)

    if request.method == "POST" and action == "save" and _valid(form):
        response = submit(
            form,
            lambda: _record(form),
            lambda recorded: Done(
                url_for("coordinate.session_page", session_id=recorded[0].id), _("The session is recorded.") if recorded[1] else None
            ),
            field="title",
            fields=ERROR_FIELDS,
            handlers={PeopleOverLimit: past_limits},
        )
        if response is not None:
            return response
    after = int(action[5:]) if action.startswith("more-") and action[5:].isdigit() else None
    people, next_after = _register(form, after)
    return render_template(
        "coordinate/sessions/form.html", form=form, people=people, next_after=next_after, over_limit=bool(over_limit)
    ), (422 if form.errors else 200)


def _record(form: SessionForm):
    return record_session(
        g.coordinator,
        SessionInput(
            title=form.title.data,
            occurred_on=form.occurred_on.data,
            activity_id=form.activity.data,
            minutes_each=form.total_minutes(),
            payer=form.payer.data,
            payer_account_id=form.payer_account.data or None,
            facilitator_ids=tuple(form.facilitators.data),
            attendee_ids=tuple(form.attendees.data or ()),
            coproduction_step=form.coproduction_step.data or None,
            ladder_rung=form.ladder_rung.data or None,
            note=form.note.data,
        ),
        submission_id=form.submission_id.data or "",
    )


@bp.get("/sessions")
@coordinator_required
def sessions():
    rows, next_before = session_list(g.community.id, before=int_arg("before"))
    return render_template(
        "coordinate/sessions/list.html", rows=rows, next_before=next_before, first_page=request.args.get("before") is None
    )


@bp.get("/sessions/<int:session_id>")
@coordinator_required
def session_page(session_id: int):
    try:
        session, lines, activity = session_detail(g.community.id, session_id)
    except TimebankError:
        abort(404)
    return render_template(
        "coordinate/sessions/detail.html",
        session=session,
        lines=lines,
        activity=activity,
        step_labels=STEP_LABELS,
        rung_labels=RUNG_LABELS,
        payer_labels=PAYER_LABELS,
        role_labels=ROLE_LABELS,
    )
