"""Auto-confirm: a pending exchange posts by itself once the community's auto-confirm days have
passed since it was logged. Each is posted in its own savepoint, so one that would break a limit
stays pending (its reason kept for a coordinator) and does not stop the others."""
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from ...errors import LedgerError
from ...extensions import db
from ...models import Community, Confirmation, Exchange, ExchangeStatus
from ...models.types import utcnow
from .posting import post_exchange


def due_for_auto_confirm(community: Community, now: datetime | None = None):
    """A query for the pending exchanges whose auto-confirm days have passed."""
    if community.auto_confirm_days is None:
        return None
    cutoff = (now or utcnow()) - timedelta(days=community.auto_confirm_days)
    return select(Exchange).where(
        Exchange.community_id == community.id,
        Exchange.status == ExchangeStatus.PENDING,
        Exchange.created_at <= cutoff,
    )


def auto_confirm_due(community: Community, *, account_id: int | None = None, now=None) -> tuple[int, int]:
    """Post every pending exchange past the community's auto-confirm days (all of them, or one
    account's). Each is posted in a savepoint: one that would break a limit stays pending, with
    the reason kept for a coordinator, and does not stop the others. Returns (posted, failed)."""
    query = due_for_auto_confirm(community, now)
    if query is None:
        return 0, 0
    if account_id is not None:
        query = query.where(_involves(account_id))
    posted = failed = 0
    for exchange in db.session.scalars(query.order_by(Exchange.id)).all():
        try:
            with db.session.begin_nested():
                post_exchange(exchange, confirmed_by=None, confirmation=Confirmation.AUTO_TIMEOUT, now=now)
            posted += 1
        except LedgerError as error:
            exchange.last_error = str(error)
            failed += 1
    return posted, failed


def has_due(community: Community, account_id: int, now: datetime | None = None) -> bool:
    """Whether this account has an exchange past the auto-confirm days (a read: the caller
    posts them with `auto_confirm_due` only if so, so that most requests write nothing)."""
    query = due_for_auto_confirm(community, now)
    if query is None:
        return False
    return db.session.scalar(query.where(_involves(account_id)).with_only_columns(Exchange.id).limit(1)) is not None


def _involves(account_id: int):
    return or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id)
