"""Which membership a member page acts for, loaded once per request into `g`.

A person may belong to several communities; the one they act in is kept in the session
(`community_id`) and defaults to their first. Every member page is scoped to it, so an id from
another community is simply not found.
"""
import functools

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import Account
from ..services.exchanges import auto_confirm_due, due_for_auto_confirm
from ..services.members import account_memberships


def load_membership():
    memberships = account_memberships(current_user.id)
    if not memberships:
        return None
    wanted = session.get("community_id")
    membership = next((m for m in memberships if m.community_id == wanted), memberships[0])
    g.membership = membership
    g.memberships = memberships
    g.account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    return membership


def member_required(view):
    """Signed in, with an open time account in the current community; and pending exchanges
    past the community's auto-confirm days are posted before the page is drawn."""

    @login_required
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if load_membership() is None:
            return render_template("member/no_account.html"), 403
        if request.method == "GET":
            _apply_auto_confirm()
        return view(*args, **kwargs)

    return wrapper


def _apply_auto_confirm() -> None:
    if apply_auto_confirm(g.membership.community, g.account.id):
        load_membership()


def apply_auto_confirm(community, account_id: int) -> bool:
    """Post this account's pending exchanges past the auto-confirm days, in a write of their
    own (the page or API read that asks is a GET). Returns whether there were any."""
    query = due_for_auto_confirm(community)
    if query is None:
        return False
    from sqlalchemy import or_

    from ..models import Exchange

    mine = query.where(or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id))
    if db.session.scalar(mine.with_only_columns(Exchange.id).limit(1)) is None:
        return False
    with write_transaction(db.session):
        auto_confirm_due(community, account_id=account_id)
    return True


def switch_community(community_id: int):
    if community_id not in {m.community_id for m in account_memberships(current_user.id)}:
        abort(404)
    session["community_id"] = community_id
    return redirect(url_for("main.home"))
