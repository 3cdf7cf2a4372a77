from flask import jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..member.home import home as member_home
from ..models import Role
from ..reports.access import funded_communities
from ..services.home import memberships_with_balances
from ..services.members import account_memberships
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
    if account_memberships(current_user.id):
        return member_home()
    if funded_communities(current_user):
        # A funder holds no account: their start page is the programme's reports.
        return redirect(url_for("reports.index"))
    rows = memberships_with_balances(current_user.id)
    has_account = any(row.balance is not None for row in rows)
    return render_template("main/home.html", rows=rows, has_account=has_account, role_labels=ROLE_LABELS)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
