"""Logging time, and confirming, declining or cancelling exchanges."""
from flask import abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..errors import LimitExceeded, TimebankError
from ..extensions import db
from ..models import AccountType, ActivityCategory, Exchange
from ..services.exchanges.confirm import cancel_exchange, confirm_exchange, decline_exchange
from ..services.exchanges.log import check_exchange_date, log_exchange
from ..services.exchanges.pending import pending_for
from ..services.exchanges.posting import account_label
from ..services.people.profile import recent_partner_ids, search_partners
from ..web import Done, button, submit
from . import bp
from .context import member_required
from .forms import LogTimeForm, ReasonForm

ERROR_FIELDS = {
    "future_date": "occurred_on",
    "date_too_old": "occurred_on",
    "period_closed": "occurred_on",
    "minutes_out_of_range": "minutes",
    "partner_unavailable": "partner",
}


def _activities():
    rows = db.session.execute(
        select(ActivityCategory.id, ActivityCategory.name)
        .where(ActivityCategory.community_id == g.membership.community_id, ActivityCategory.active.is_(True))
        .order_by(ActivityCategory.name)
    ).all()
    return [SelectChoice(-1, _("Choose an activity"))] + [SelectChoice(row.id, row.name) for row in rows]


def _partner_choices(form: LogTimeForm):
    partners = search_partners(g.membership, g.account.id, form.q.data or "")
    choices = [SelectChoice(p.account_id, p.label + (_(" (organisation)") if p.is_organisation else "")) for p in partners]
    if form.partner.data and form.partner.data not in {c.value for c in choices}:
        chosen = _chosen_partner(form.partner.data)
        if chosen is not None:
            choices.append(chosen)
    return partners, choices


def _chosen_partner(account_id: int):
    """Keep a partner chosen from an earlier search among the choices, if still allowed."""
    from ..models import Account

    account = db.session.get(Account, account_id)
    if account is None or account.community_id != g.membership.community_id or account.id == g.account.id:
        return None
    if account.type == AccountType.POT:
        return None
    if account.type == AccountType.MEMBER and not (
        account.membership.in_directory or account.id in recent_partner_ids(g.account.id)
    ):
        return None  # never reveal the name of someone hidden from the directory
    return SelectChoice(account.id, account_label(account))


def _label_of(field) -> str:
    return next(str(c.label) for c in field.choices if c.value == field.data)


def _build_form() -> LogTimeForm:
    form = LogTimeForm()
    form.activity.choices = _activities()
    if request.method == "GET":
        form.direction.data = request.args.get("direction") if request.args.get("direction") in ("gave", "received") else None
        form.occurred_on.data = g.membership.community.today()
        form.ensure_submission_id()
    partners, form.partner.choices = _partner_choices(form)
    return form


def _valid(form: LogTimeForm) -> bool:
    ok = form.validate()
    if form.activity.data == -1 and not form.activity.errors:
        form.activity.errors = [_("Choose what the time was for")]
        ok = False
    if form.partner.data not in {c.value for c in form.partner.choices} and not form.partner.errors:
        form.partner.errors = [_("Choose who you exchanged time with")]
        ok = False
    if not form.occurred_on.errors and form.occurred_on.data:
        try:
            check_exchange_date(g.membership.community, form.occurred_on.data)
        except TimebankError as error:
            form.occurred_on.errors = [str(error)]
            ok = False
    return ok


@bp.route("/log", methods=["GET", "POST"])
@member_required
def log_time():
    form = _build_form()
    action = request.form.get("action", "form")
    if request.method == "POST" and action == "search":
        return render_template("member/log.html", form=form, searched=True)
    if request.method == "POST" and action in ("check", "send"):
        if _valid(form):
            if action == "check":
                return render_template(
                    "member/log_check.html", form=form, partner=_label_of(form.partner), activity=_label_of(form.activity)
                )
            response = submit(form, lambda: _log(form), _logged, fields=ERROR_FIELDS, field="partner")
            if response is not None:
                return response
    status = 422 if form.errors else 200
    return render_template("member/log.html", form=form, searched=bool(form.q.data)), status


def _log(form: LogTimeForm) -> Exchange:
    exchange, _created = log_exchange(
        g.membership,
        gave=form.direction.data == "gave",
        partner_account_id=form.partner.data,
        minutes=form.total_minutes(),
        occurred_on=form.occurred_on.data,
        activity_id=form.activity.data,
        note=form.note.data,
        submission_id=form.submission_id.data or "",
    )
    return exchange


def _logged(exchange: Exchange) -> Done:
    return Done(url_for("member.exchange_detail", exchange_id=exchange.id, logged=1))


@bp.get("/exchanges")
@member_required
def exchanges():
    to_confirm, awaiting = pending_for(g.account.id)
    return render_template("member/exchanges.html", to_confirm=to_confirm, awaiting=awaiting, label=_label)


@bp.get("/exchanges/<int:exchange_id>")
@member_required
def exchange_detail(exchange_id: int):
    exchange = _mine(exchange_id)
    return render_template(
        "member/exchange.html", exchange=exchange, label=_label, logged=request.args.get("logged"), form=ReasonForm()
    )


@bp.post("/exchanges/<int:exchange_id>/confirm")
@member_required
def confirm(exchange_id: int):
    return _decide(exchange_id, lambda: confirm_exchange(exchange_id, current_user), _("Thank you: the exchange is recorded."))


@bp.post("/exchanges/<int:exchange_id>/decline")
@member_required
def decline(exchange_id: int):
    form = ReasonForm()
    return _decide(exchange_id, lambda: decline_exchange(exchange_id, current_user, form.reason.data), _("You declined the exchange."))


@bp.post("/exchanges/<int:exchange_id>/cancel")
@member_required
def cancel(exchange_id: int):
    return _decide(exchange_id, lambda: cancel_exchange(exchange_id, current_user), _("You cancelled the exchange."))


def _decide(exchange_id, action, done_message):
    _mine(exchange_id)
    back = url_for("member.exchange_detail", exchange_id=exchange_id)
    return button(action, Done(back, done_message), back=back, handlers={LimitExceeded: _over_limit})


def _over_limit(error: LimitExceeded) -> None:
    flash(_("This cannot be recorded yet: it would take an account past its limit. Your coordinator can help."), "error")


def _mine(exchange_id: int) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or g.account.id not in (exchange.giver_account_id, exchange.receiver_account_id):
        abort(404)
    return exchange


def _label(account_id: int) -> str:
    from ..models import Account

    return account_label(db.session.get(Account, account_id))
