"""Logging time, and confirming, declining or cancelling exchanges."""
import uuid

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from ..errors import LimitExceeded, TimebankError
from ..extensions import db
from ..models import AccountType, ActivityCategory, Exchange
from ..services.exchanges.confirm import cancel_exchange, confirm_exchange, decline_exchange
from ..services.exchanges.log import check_exchange_date, log_exchange
from ..services.exchanges.pending import pending_for
from ..services.exchanges.posting import account_label
from ..services.exchanges.stuck import is_stuck, record_late
from ..services.people.profile import recent_partner_ids, search_partners
from ..web import Done, button, replay, submit
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


def _activity_names() -> dict[int, str]:
    """The community's activities by id (one query), to name an exchange's activity on its page
    and in lists (inactive ones too: an old exchange keeps its activity)."""
    return dict(
        db.session.execute(
            select(ActivityCategory.id, ActivityCategory.name).where(ActivityCategory.community_id == g.membership.community_id)
        ).all()
    )


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


def _build_form(formdata: MultiDict | None = None) -> LogTimeForm:
    form = LogTimeForm(formdata=formdata) if formdata is not None else LogTimeForm()
    form.activity.choices = _activities()
    if request.method == "GET" and formdata is None:
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


# -- Post/Redirect/Get: the answers wait in the session as a draft, under a random id, while
# the check page (a page of its own, that Back returns to safely) shows them. Nothing is written
# to the database before Send; a GET only reads the draft.

DRAFTS = "log_drafts"
#: Drafts kept per session (the oldest goes first): the session is a signed cookie.
MAX_DRAFTS = 3


def _save_draft(form: LogTimeForm) -> str:
    answers = {key: value for key, value in request.form.items() if key not in ("csrf_token", "action")}
    answers["submission_id"] = form.submission_id.data or uuid.uuid4().hex
    draft_id = uuid.uuid4().hex[:16]
    drafts = [pair for pair in session.get(DRAFTS, []) if isinstance(pair, list) and len(pair) == 2]
    session[DRAFTS] = [*drafts[-(MAX_DRAFTS - 1):], [draft_id, answers]]
    return draft_id


def _draft(draft_id: str) -> MultiDict | None:
    for key, answers in session.get(DRAFTS, []):
        if key == draft_id and isinstance(answers, dict):
            return MultiDict({str(k): str(v) for k, v in answers.items()})
    return None


def _check_page(form: LogTimeForm, draft_id: str, sent_url: str | None = None):
    return render_template(
        "member/log_check.html", form=form, draft_id=draft_id, sent_url=sent_url,
        partner=_label_of(form.partner), activity=_label_of(form.activity),
    )


@bp.route("/log", methods=["GET", "POST"])
@member_required
def log_time():
    draft = _draft(request.args.get("draft", "")) if request.method == "GET" and request.args.get("draft") else None
    form = _build_form(draft)
    action = request.form.get("action", "form")
    if request.method == "POST" and action == "search":
        return render_template("member/log.html", form=form, searched=True)
    if request.method == "POST" and action in ("check", "send"):
        if _valid(form):
            if action == "check":
                return redirect(url_for("member.log_check", draft_id=_save_draft(form)), 303)
            # Sent straight from the form (a script, an old page): the same rules, the same edge.
            response = submit(form, lambda: _log(form), _logged, fields=ERROR_FIELDS, field="partner")
            if response is not None:
                return response
    status = 422 if form.errors else 200
    return render_template("member/log.html", form=form, searched=bool(form.q.data)), status


@bp.route("/log/check/<draft_id>", methods=["GET", "POST"])
@member_required
def log_check(draft_id: str):
    answers = _draft(draft_id)
    if answers is None:
        flash(_("Those answers are no longer kept. Please fill in the form again."), "error")
        return redirect(url_for("member.log_time"), 303)
    # The answers are checked again on each GET (a day may have passed): the page's own token
    # stands in for the one the draft does not keep.
    answers["csrf_token"] = request.form.get("csrf_token", "") if request.method == "POST" else generate_csrf()
    form = _build_form(answers)
    sent = replay.first_result(form.submission_id.data, user_id=current_user.id)
    if sent and request.method == "GET":
        return _check_page(form, draft_id, sent_url=sent)
    if not _valid(form):
        return render_template("member/log.html", form=form, searched=bool(form.q.data)), 422
    if request.method == "GET":
        return _check_page(form, draft_id)
    response = submit(form, lambda: _log(form), _logged, fields=ERROR_FIELDS, field="partner")
    if response is not None:
        return response
    return render_template("member/log.html", form=form, searched=bool(form.q.data)), 422


@bp.get("/log/done/<int:exchange_id>")
@member_required
def log_done(exchange_id: int):
    exchange = _mine(exchange_id)
    return render_template("member/log_done.html", exchange=exchange, label=_label, activities=_activity_names())


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
    return Done(url_for("member.log_done", exchange_id=exchange.id))


@bp.get("/exchanges")
@member_required
def exchanges():
    to_confirm, awaiting = pending_for(g.account.id)
    return render_template(
        "member/exchanges.html", to_confirm=to_confirm, awaiting=awaiting, label=_label, activities=_activity_names()
    )


@bp.get("/exchanges/<int:exchange_id>")
@member_required
def exchange_detail(exchange_id: int):
    exchange = _mine(exchange_id)
    return render_template(
        "member/exchange.html",
        exchange=exchange,
        label=_label,
        logged=request.args.get("logged"),
        form=ReasonForm(),
        stuck=is_stuck(exchange),
        activities=_activity_names(),
    )


@bp.post("/exchanges/<int:exchange_id>/confirm")
@member_required
def confirm(exchange_id: int):
    return _decide(exchange_id, lambda: confirm_exchange(exchange_id, current_user), _("Thank you: the exchange is recorded."))


@bp.post("/exchanges/<int:exchange_id>/record-late")
@member_required
def record_late_exchange(exchange_id: int):
    """A stuck exchange (its month is closed): one tap records it now, keeping its date."""
    return _decide(
        exchange_id,
        lambda: record_late(exchange_id, current_user),
        _("Thank you: it is recorded now, keeping the date it happened."),
    )


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
