"""Safeguarding checks and restrictions, and private notes, on a member's page. Coordinators of
the member's community only: none of it ever appears on a member page."""
from flask import g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..services import notes
from ..services import safeguarding as service
from ..web import ButtonForm, Done, SubmissionForm, button, form_page, submit
from . import bp
from .context import coordinator_required, member_here
from .member_page import NoteForm, member_url, render_member_page

DATE_HINT = _l("For example 2026-11-26")


class CheckForm(SubmissionForm):
    check_type = StringField(
        _l("Type of check"),
        validators=[DataRequired(_l("Enter the type of check, for example Enhanced DBS check")), Length(max=100)],
    )
    reference = StringField(_l("Reference or certificate number (optional)"), validators=[Optional(), Length(max=100)])
    issued_on = DateField(_l("Date issued (optional)"), validators=[Optional()], format="%Y-%m-%d")
    expires_on = DateField(_l("Expiry or renewal date (optional)"), validators=[Optional()], format="%Y-%m-%d")
    references_received = IntegerField(
        _l("References received"),
        default=0,
        validators=[Optional(), NumberRange(0, 20, _l("Enter a number of references between 0 and 20"))],
    )


class RestrictionForm(SubmissionForm):
    code = RadioField(
        _l("What may they not do?"),
        choices=[SelectChoice(str(code), label) for code, label in service.RESTRICTION_LABELS.items()],
        validators=[InputRequired(_l("Choose the restriction"))],
    )
    detail = TextAreaField(_l("Details (needed for \u201cSomething else\u201d)"), validators=[Optional(), Length(max=1000)])


def _form_page(membership_id: int, form, template: str, action, done_message: str, default_field: str):
    membership = member_here(membership_id)
    return form_page(
        form,
        lambda: action(form),
        Done(member_url(membership_id), done_message),
        lambda: render_template(template, form=form, m=membership, date_hint=DATE_HINT),
        field=default_field,
    )


@bp.route("/members/<int:membership_id>/checks/new", methods=["GET", "POST"])
@coordinator_required
def add_check(membership_id: int):
    return _form_page(
        membership_id,
        CheckForm(),
        "coordinate/members/check_form.html",
        lambda f: service.add_check(
            g.coordinator,
            membership_id,
            check_type=f.check_type.data,
            reference=f.reference.data,
            issued_on=f.issued_on.data,
            expires_on=f.expires_on.data,
            references_received=f.references_received.data,
        ),
        _("The check is recorded."),
        "check_type",
    )


@bp.route("/members/<int:membership_id>/restrictions/new", methods=["GET", "POST"])
@coordinator_required
def add_restriction(membership_id: int):
    return _form_page(
        membership_id,
        RestrictionForm(),
        "coordinate/members/restriction_form.html",
        lambda f: service.add_restriction(g.coordinator, membership_id, code=f.code.data, detail=f.detail.data),
        _("The restriction is recorded. Brokering will leave them out where it applies."),
        "code",
    )


@bp.post("/members/<int:membership_id>/restrictions/<int:restriction_id>/lift")
@coordinator_required
def lift_restriction(membership_id: int, restriction_id: int):
    member_here(membership_id)
    back = member_url(membership_id)
    return button(
        lambda: service.lift_restriction(g.coordinator, membership_id, restriction_id),
        Done(back, _("The restriction is lifted. It stays in their record.")),
        back=back,
        form=ButtonForm(),
    )


@bp.post("/members/<int:membership_id>/notes")
@coordinator_required
def add_note(membership_id: int):
    member_here(membership_id)
    form = NoteForm()
    if form.validate_on_submit():
        done = Done(member_url(membership_id) + "#notes", _("The note is saved."))
        if response := submit(form, lambda: notes.add_note(g.coordinator, membership_id, form.body.data), done, field="body"):
            return response
    return render_member_page(membership_id, note_form=form), 422


@bp.get("/safeguarding/expiring")
@coordinator_required
def expiring_checks():
    today = g.community.today()
    return render_template(
        "coordinate/members/expiring.html",
        rows=service.expiring_checks(g.community.id, today),
        days=service.EXPIRY_WARNING_DAYS,
    )
