"""The member's start page: balance, this month, what waits for them, and a kind nudge."""
from flask import g, render_template

from ..services.home import member_summary
from . import bp
from .context import member_required, switch_community


@bp.get("/me")
@member_required
def home():
    return render_template("member/home.html", summary=member_summary(g.membership, g.account))


@bp.post("/community/<int:community_id>")
@member_required
def switch(community_id: int):
    """Act in another of the person's communities from now on."""
    return switch_community(community_id)
