"""Exchanges waiting for confirmation: a member's (to confirm, and logged by them) and the whole
community's (for a coordinator to chase or confirm on someone's behalf)."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import Account, Exchange, ExchangeStatus, Membership
from ...pagination import SHORT_PAGE, page_of


def pending_for(account_id: int) -> tuple[list[Exchange], list[Exchange]]:
    """(waiting for this member to confirm, logged by this member and waiting for the other)."""
    rows = db.session.scalars(
        select(Exchange)
        .where(
            Exchange.status == ExchangeStatus.PENDING,
            or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id),
        )
        .order_by(Exchange.created_at.desc())
        # The pages name the other side of each: load both sides' names with the rows, not per row.
        .options(
            selectinload(Exchange.giver).selectinload(Account.membership).selectinload(Membership.user),
            selectinload(Exchange.receiver).selectinload(Account.membership).selectinload(Membership.user),
        )
    ).all()
    to_confirm = [e for e in rows if e.logged_by_account_id != account_id]
    awaiting = [e for e in rows if e.logged_by_account_id == account_id]
    return to_confirm, awaiting


def pending_exchanges(community_id: int, *, after: int | None = None, limit: int = SHORT_PAGE) -> tuple[list[Exchange], int | None]:
    """The community's pending exchanges, oldest first (the longest waiting), paged by id."""
    query = (
        select(Exchange)
        .where(Exchange.community_id == community_id, Exchange.status == ExchangeStatus.PENDING)
        .options(
            joinedload(Exchange.giver).joinedload(Account.membership).joinedload(Membership.user),
            joinedload(Exchange.receiver).joinedload(Account.membership).joinedload(Membership.user),
        )
    )
    if after is not None:
        query = query.where(Exchange.id > after)
    return page_of(list(db.session.scalars(query.order_by(Exchange.id).limit(limit + 1))), limit)
