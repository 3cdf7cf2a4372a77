"""Corrections: the community's entries, one entry in full, reversing one, and the reversals made.

Nothing is edited: a mistake is undone by a reversing entry, with a reason, and if need be a new
correct entry is recorded.
"""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..dates import parse_month
from ..errors import AlreadyReversed, CannotReverseReversal, LimitExceeded, TimebankError
from ..models import Confirmation, EntryKind
from ..services.corrections import REASON_MAX, corrections_page, entries_page, entry_view, reverse
from ..web import Done, Form, SubmissionForm, submit
from ..web.args import int_arg
from . import bp
from .context import coordinator_required

KIND_LABELS = {
    EntryKind.EXCHANGE: _l("Exchange"),
    EntryKind.GROUP_SESSION: _l("Group session"),
    EntryKind.DONATION: _l("Donation"),
    EntryKind.GRANT: _l("Grant"),
    EntryKind.REVERSAL: _l("Reversal"),
    EntryKind.OPENING_BALANCE: _l("Opening balance"),
    EntryKind.ADJUSTMENT: _l("Adjustment"),
}
CONFIRMATION_LABELS = {
    Confirmation.MEMBER: _l("in the app, by the other side"),
    Confirmation.PHONE: _l("by phone, through a coordinator"),
    Confirmation.PAPER: _l("from a paper timesheet"),
    Confirmation.IN_PERSON: _l("in person, through a coordinator"),
    Confirmation.AUTO_TIMEOUT: _l("automatically, when nobody objected in time"),
    Confirmation.RECORDER: _l("recorded directly, with no second confirmation"),
}
LABELS = {"kinds": KIND_LABELS, "confirmations": CONFIRMATION_LABELS}


class EntryFilterForm(Form):
    class Meta:
        csrf = False  # a GET search: nothing changes

    month = StringField(_l("Month"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=True)
    member = StringField(_l("Member's name"), validators=[Optional(), Length(max=100, message=_l("Keep it to %(max)d characters or fewer", max=100))])
    since = DateField(_l("From"), validators=[Optional()], format="%Y-%m-%d")
    until = DateField(_l("To"), validators=[Optional()], format="%Y-%m-%d")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be the same as or after the start date"))

    def validate_month(self, field):
        try:
            field.parsed = parse_month(field.data.strip())
        except ValueError:
            raise ValidationError(_l("Enter the month as year and month, for example 2026-10")) from None


class ReverseForm(SubmissionForm):
    reason = TextAreaField(
        _l("Why is it being reversed?"),
        validators=[
            DataRequired(_l("Say why the entry is being reversed")),
            Length(max=REASON_MAX, message=_l("The reason must be %(max)d characters or fewer", max=REASON_MAX)),
        ],
    )
    override = BooleanField(_l("Reverse it anyway, past the limit"))


@bp.get("/entries")
@coordinator_required
def entries():
    form = EntryFilterForm(request.args)
    form.kind.choices = [("", _("All kinds"))] + [(str(k), str(v)) for k, v in KIND_LABELS.items()]
    month = kind = member = since = until = None
    if request.args and not form.validate():
        for f in (form.since, form.until):  # the GOV.UK wording, not WTForms' own
            f.errors[:] = [_("Enter a date like 2026-11-26") if e == "Not a valid date value." else e for e in f.errors]
        page = None
    else:
        month = getattr(form.month, "parsed", None) if form.month.data else None
        kind = form.kind.data or None
        member = (form.member.data or "").strip() or None
        since, until = form.since.data, form.until.data
        page = entries_page(g.community.id, before=int_arg("before"), month=month, kind=kind, member=member, since=since, until=until)
    filters = {
        "month": month.strftime("%Y-%m") if month else None,
        "kind": kind,
        "member": member,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    return render_template(
        "coordinate/corrections/entries.html",
        form=form,
        page=page,
        filters=filters,
        first_page="before" not in request.args,
        **LABELS,
    ), (422 if form.errors else 200)


@bp.get("/entries/<int:entry_id>")
@coordinator_required
def entry(entry_id: int):
    return render_template("coordinate/corrections/entry.html", view=_view_or_404(entry_id), **LABELS)


@bp.route("/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
@coordinator_required
def reverse_entry(entry_id: int):
    view = _view_or_404(entry_id)
    if not view.reversible:
        flash(_("This entry cannot be reversed: it is a reversal itself, or it has been reversed already."), "error")
        return redirect(url_for("coordinate.entry", entry_id=entry_id), 303)
    form = ReverseForm()
    if request.method == "GET":
        form.ensure_submission_id()
    breaches = []
    entry_url = url_for("coordinate.entry", entry_id=entry_id)

    def past_limits(error: LimitExceeded) -> None:
        breaches.extend(_described(error.breaches, view))
        form.override.errors = [
            _("Reversing this would take an account past its limit. To reverse it anyway, tick the box; the reason you give is kept with it.")
        ]

    def not_reversible(error: TimebankError):
        flash(str(error), "error")
        return redirect(entry_url, 303)

    if form.validate_on_submit():
        response = submit(
            form,
            lambda: reverse(
                g.community,
                entry_id,
                actor_id=g.coordinator.user_id,
                reason=form.reason.data,
                submission_id=form.submission_id.data or None,
                limit_override=bool(form.override.data),
            ),
            lambda reversed_: Done(entry_url, None if reversed_[1] else _("Entry %(id)d is reversed.", id=entry_id)),
            field="reason",
            handlers={LimitExceeded: past_limits, (AlreadyReversed, CannotReverseReversal): not_reversible},
        )
        if response is not None:
            return response
    breaches = breaches or None
    offer_override = breaches is not None or bool(form.override.data)
    return render_template(
        "coordinate/corrections/reverse.html",
        view=view,
        form=form,
        breaches=breaches,
        offer_override=offer_override,
        **LABELS,
    ), (422 if form.errors else 200)


@bp.get("/corrections")
@coordinator_required
def corrections():
    page = corrections_page(g.community.id, before=int_arg("before"))
    return render_template(
        "coordinate/corrections/corrections.html", page=page, first_page="before" not in request.args, **LABELS
    )


def _view_or_404(entry_id: int):
    try:
        return entry_view(g.community, entry_id)
    except TimebankError as error:
        if error.status == 404:
            abort(404)
        raise


def _described(breaches, view) -> list[dict]:
    """Who would pass which limit, and by how much, by name."""
    parties = {p.account_id: p for p in (*view.row.givers, *view.row.receivers)}
    return [
        {
            "name": parties[b.account_id].name if b.account_id in parties else "?",
            "side": b.side,
            "limit": b.limit,
            "balance_after": b.balance_after,
            "over_by": b.over_by,
        }
        for b in breaches
    ]
