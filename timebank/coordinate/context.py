"""Coordinator access: which community a coordinator acts for, and the guard on every page.

A coordinator acts only in their own community. Anything from another community, and every
coordinator page for someone who is not a coordinator here, answers 404 (it does not say that
the page exists); signed-out visitors are sent to sign in.
"""
import functools

from flask import abort, g, session
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Account, Membership
from ..security_log import refused
from ..services.access import acting_in, coordinator_memberships


def coordinator_required(view):
    """Signed in as an active coordinator (or admin) of the current community; sets
    g.coordinator (their membership) and g.community."""

    @login_required
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.coordinator = acting_in(coordinator_memberships(current_user.id), session.get("community_id"))
        if g.coordinator is None:
            refused(404)
            abort(404)
        g.community = g.coordinator.community
        return view(*args, **kwargs)

    return wrapper


def member_here(membership_id: int) -> Membership:
    """A membership of the coordinator's community, or 404."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != g.community.id:
        refused(404, membership_id=membership_id)
        abort(404)
    return membership


def account_here(account_id: int) -> Account:
    """An account of the coordinator's community, or 404."""
    account = db.session.get(Account, account_id)
    if account is None or account.community_id != g.community.id:
        refused(404, account_id=account_id)
        abort(404)
    return account
