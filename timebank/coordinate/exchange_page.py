"""One pending exchange, for a coordinator: the way out of it (issue 13).

The dashboard links each exchange that waits (and each stuck one, whose month is closed) here.
The coordinator can confirm it for the member (as a late entry if its month is closed, keeping
its date; past a limit only with a reason, flagged in the entry), decline it for the member who
has to confirm it, or cancel it for the member who logged it: each with a reason, audited, and
told to both people (`services/exchanges/stuck.py`).
"""
from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..errors import LimitExceeded, TimebankError
from ..services.exchanges.on_behalf import confirm_on_behalf
from ..services.exchanges.posting import account_label
from ..services.exchanges.stuck import REASON_MAX, cancel_for, decline_for, exchange_for_coordinator, is_stuck
from ..web import Done, SubmissionForm, submit
from . import bp
from .context import coordinator_required
from .recording import CONFIRMATION_CHOICES, over_limit_beside

_REASON_LENGTH = Length(max=REASON_MAX, message=_l("The reason must be %(max)d characters or fewer", max=REASON_MAX))


class ConfirmForOtherForm(SubmissionForm):
    confirmation = SelectField(_l("How did they confirm it?"), choices=CONFIRMATION_CHOICES, validate_choice=True)
    override = BooleanField(_l("Record it even if it takes an account past its limit"))
    reason = TextAreaField(_l("Why it may pass the limit"), validators=[Optional(), _REASON_LENGTH])


class DeclineForOtherForm(SubmissionForm):
    reason = TextAreaField(_l("Why is it declined?"), validators=[DataRequired(_l("Say why, so that both people know")), _REASON_LENGTH])


class CancelForOtherForm(SubmissionForm):
    reason = TextAreaField(_l("Why is it cancelled?"), validators=[DataRequired(_l("Say why, so that both people know")), _REASON_LENGTH])


ACTIONS = ("confirm", "decline", "cancel")


@bp.route("/exchanges/<int:exchange_id>", methods=["GET", "POST"])
@coordinator_required
def exchange_page(exchange_id: int):
    exchange = _exchange_or_404(exchange_id)
    forms = {
        "confirm": ConfirmForOtherForm(prefix="confirm"),
        "decline": DeclineForOtherForm(prefix="decline"),
        "cancel": CancelForOtherForm(prefix="cancel"),
    }
    for form in forms.values():
        if request.method == "GET" or form is not forms.get(request.form.get("action")):
            form.ensure_submission_id()  # the forms not sent keep a fresh id when drawn again
    action = request.form.get("action") if request.method == "POST" else None
    if action is not None and action not in ACTIONS:
        abort(400)
    here = url_for("coordinate.exchange_page", exchange_id=exchange_id)
    if action is not None:
        form = forms[action]
        if form.validate_on_submit():
            calls = {
                "confirm": lambda: confirm_on_behalf(
                    g.coordinator,
                    exchange_id,
                    form.confirmation.data,
                    limit_override=bool(form.override.data),
                    reason=form.reason.data,
                ),
                "decline": lambda: decline_for(g.coordinator, exchange_id, form.reason.data),
                "cancel": lambda: cancel_for(g.coordinator, exchange_id, form.reason.data),
            }
            messages = {
                "confirm": _("Confirmed and recorded. Both people have been told."),
                "decline": _("Declined. Both people have been told why."),
                "cancel": _("Cancelled. Both people have been told why."),
            }
            handlers = {LimitExceeded: over_limit_beside(form.override)} if action == "confirm" else None
            response = submit(form, calls[action], Done(here, messages[action]), field="reason", handlers=handlers)
            if response is not None:
                return response
    exchange = _exchange_or_404(exchange_id)  # read again after a refusal's rollback
    offer_override = bool(forms["confirm"].override.errors or forms["confirm"].override.data)
    return render_template(
        "coordinate/exchange.html",
        exchange=exchange,
        forms=forms,
        stuck=is_stuck(exchange),
        offer_override=offer_override,
        giver=account_label(exchange.giver),
        receiver=account_label(exchange.receiver),
        confirmer=account_label(exchange.receiver if exchange.logged_by_account_id == exchange.giver_account_id else exchange.giver),
        logger=account_label(exchange.giver if exchange.logged_by_account_id == exchange.giver_account_id else exchange.receiver),
    ), (422 if any(f.errors for f in forms.values()) else 200)


def _exchange_or_404(exchange_id: int):
    try:
        return exchange_for_coordinator(g.coordinator, exchange_id)
    except TimebankError:
        abort(404)
