from flask import g, jsonify, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Role
from ..services.access import acting_in, coordinator_memberships, funded_communities, member_context
from ..services.home import member_summary, memberships_with_balances
from . import bp

ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.FUNDER: _l("Funder"),
    Role.ADMIN: _l("Administrator"),
}


@bp.get("/")
@login_required
def home():
    member = member_context(current_user.id, session.get("community_id"))
    coordinating = acting_in(coordinator_memberships(current_user.id), session.get("community_id"))
    if coordinating is not None and (member is None or member.membership.community_id == coordinating.community_id):
        # A coordinator starts on the dashboard, alerts first; their own account is at /me.
        return redirect(url_for("coordinate.dashboard"))
    if member is not None:
        # A member's start page is their home (as at /me), with what member pages keep in `g`.
        g.membership, g.memberships, g.account = member
        return render_template("member/home.html", summary=member_summary(member.membership, member.account))
    if funded_communities(current_user):
        # A funder holds no account: their start page is the programme's reports.
        return redirect(url_for("reports.index"))
    rows = memberships_with_balances(current_user.id)
    has_account = any(row.balance is not None for row in rows)
    return render_template("main/home.html", rows=rows, has_account=has_account, role_labels=ROLE_LABELS)


@bp.get("/healthz")
def healthz():
    try:
        # A connection of its own, closed here: the request's session is left untouched.
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
