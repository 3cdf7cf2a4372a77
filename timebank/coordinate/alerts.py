"""The coordinator's dashboard: what needs attention, each alert linking to what resolves it."""
from flask import render_template

from . import bp
from .context import coordinator_required


@bp.get("/")
@coordinator_required
def dashboard():
    return render_template("coordinate/dashboard.html")
