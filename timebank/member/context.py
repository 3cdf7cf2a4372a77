"""Which membership a member page acts for, loaded once per request into `g`.

A person may belong to several communities; the one they act in is kept in the session
(`community_id`) and defaults to their first. Every member page is scoped to it, so an id from
another community is simply not found.
"""
import functools

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..database import READ_ONLY_METHODS
from ..security_log import refused
from ..services.access import account_memberships, member_context
from ..services.exchanges.auto_confirm import auto_confirm_due, has_due
from ..web import transaction


def load_membership():
    member = member_context(current_user.id, session.get("community_id"))
    if member is None:
        return None
    g.membership, g.memberships, g.account = member
    return member.membership


def member_required(view):
    """Signed in, with an open time account in the current community. A GET writes nothing (the
    periodic auto-confirm job posts what is due); a form that acts first posts this account's
    exchanges that are past the auto-confirm days, so that it acts on what they really are."""

    @login_required
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if load_membership() is None:
            refused(403)
            return render_template("member/no_account.html"), 403
        if request.method not in READ_ONLY_METHODS:
            _apply_auto_confirm()
        return view(*args, **kwargs)

    return wrapper


def _apply_auto_confirm() -> None:
    """Post this account's exchanges past the auto-confirm days, in a transaction of their own
    before the form's action (which the edge then commits on its own)."""
    community = g.membership.community
    if has_due(community, g.account.id):
        with transaction():
            auto_confirm_due(community, account_id=g.account.id)
        load_membership()


def switch_community(community_id: int):
    if community_id not in {m.community_id for m in account_memberships(current_user.id)}:
        refused(404)
        abort(404)
    session["community_id"] = community_id
    return redirect(url_for("main.home"))
