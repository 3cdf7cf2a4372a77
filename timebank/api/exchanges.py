"""Exchanges: the caller's pending exchanges, logging time given or received, and confirming,
declining or cancelling, through the same services as the member pages."""
from flask import url_for
from flask_smorest import Blueprint

from ..errors import NotFound
from ..extensions import db
from ..models import Account, Community, Exchange, ExchangeStatus
from ..services.exchanges.confirm import cancel_exchange, confirm_exchange, decline_exchange
from ..services.exchanges.log import log_exchange
from ..services.exchanges.pending import pending_for
from ..services.exchanges.posting import account_label
from ..services.people.profile import search_partners
from .auth import caller
from .context import member_context
from .endpoints import reads, writes
from .idempotency import submission_id
from .schemas.common import CommunityArgs
from .schemas.exchanges import (
    DeclineSchema,
    ExchangeListSchema,
    ExchangeSchema,
    LogExchangeSchema,
    PartnerArgs,
    PartnerSchema,
)

bp = Blueprint("exchanges", __name__, url_prefix="/api/v1/exchanges", description="Time you gave or received, before and after it is confirmed.")
EXCHANGE_ID = "<int(max=2147483647):exchange_id>"


@bp.get("")
@reads()
@bp.arguments(CommunityArgs, location="query")
@bp.response(200, ExchangeListSchema)
def pending(args):
    """Your pending exchanges in one community: those waiting for you, then those you logged"""
    membership, account = member_context(args["community"])
    to_confirm, awaiting = pending_for(account.id)
    return {"items": [_dump(e, account.id) for e in (*to_confirm, *awaiting)]}


@bp.get("/partners")
@reads()
@bp.arguments(PartnerArgs, location="query")
@bp.response(200, PartnerSchema(many=True))
def partners(args):
    """People and organisations you can log time with: recent partners, or those matching `q`"""
    membership, account = member_context(args["community"])
    return [
        {"account_id": p.account_id, "name": p.label, "is_organisation": p.is_organisation}
        for p in search_partners(membership, account.id, args["q"])
    ]


@bp.get(f"/{EXCHANGE_ID}")
@reads()
@bp.response(200, ExchangeSchema)
def get_exchange(exchange_id: int):
    """One of your exchanges"""
    exchange, account_id = _mine(exchange_id)
    return _dump(exchange, account_id)


@bp.post("")
@writes(creates=True)
@bp.arguments(LogExchangeSchema)
@bp.response(201, ExchangeSchema)
def log(data):
    """Log time you gave or received (like the "Log time" page)

    The other side confirms it, unless the community posts exchanges at once.
    """
    membership, account = member_context(data["community"])
    exchange, _created = log_exchange(
        membership,
        gave=data["direction"] == "gave",
        partner_account_id=data["partner_account_id"],
        minutes=data["minutes"],
        occurred_on=data["occurred_on"],
        activity_id=data["activity_id"],
        note=data["note"],
        submission_id=submission_id(),
    )
    headers = {"Location": url_for("exchanges.get_exchange", exchange_id=exchange.id)}
    return _dump(exchange, account.id), 201, headers


@bp.post(f"/{EXCHANGE_ID}/confirm")
@writes(creates=False)
@bp.response(200, ExchangeSchema)
def confirm(exchange_id: int):
    """Confirm an exchange the other side logged: it is posted to the ledger"""
    _exchange, account_id = _mine(exchange_id)
    return _dump(confirm_exchange(exchange_id, caller().user), account_id)


@bp.post(f"/{EXCHANGE_ID}/decline")
@writes(creates=False)
@bp.arguments(DeclineSchema)
@bp.response(200, ExchangeSchema)
def decline(data, exchange_id: int):
    """Decline an exchange the other side logged"""
    _exchange, account_id = _mine(exchange_id)
    return _dump(decline_exchange(exchange_id, caller().user, data["reason"]), account_id)


@bp.post(f"/{EXCHANGE_ID}/cancel")
@writes(creates=False)
@bp.response(200, ExchangeSchema)
def cancel(exchange_id: int):
    """Cancel an exchange you logged, while it is pending"""
    _exchange, account_id = _mine(exchange_id)
    return _dump(cancel_exchange(exchange_id, caller().user), account_id)


def _mine(exchange_id: int) -> tuple[Exchange, int]:
    """An exchange with one of the caller's accounts on a side, and that account's id; or 404."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is not None:
        for side in (exchange.giver_account_id, exchange.receiver_account_id):
            account = db.session.get(Account, side)
            if account.membership is not None and account.membership.user_id == caller().user.id:
                return exchange, account.id
    raise NotFound()


def _dump(exchange: Exchange, account_id: int) -> dict:
    return {
        "id": exchange.id,
        "community": db.session.get(Community, exchange.community_id).slug,
        "status": exchange.status,
        "minutes": exchange.minutes,
        "occurred_on": exchange.occurred_on,
        "giver": {"account_id": exchange.giver_account_id, "name": account_label(exchange.giver)},
        "receiver": {"account_id": exchange.receiver_account_id, "name": account_label(exchange.receiver)},
        "logged_by_me": exchange.logged_by_account_id == account_id,
        "waiting_for_me": exchange.status == ExchangeStatus.PENDING and exchange.other_account_id == account_id,
        "activity_id": exchange.activity_id,
        "note": exchange.note,
        "created_at": exchange.created_at,
        "decided_at": exchange.decided_at,
        "decline_reason": exchange.decline_reason,
        "entry_id": exchange.entry_id,
    }
