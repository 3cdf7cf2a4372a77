"""Reporting periods: the months and their state, one month with its seal, and closing a month."""
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from ..dates import parse_month
from ..ledger.rules import month_of
from ..services.periods import close_month, month_detail, months
from ..web import Done, SubmissionForm, button
from . import bp
from .context import coordinator_required


class CloseForm(SubmissionForm):
    """Only a confirmation; the submission id makes a double tap close the month once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission_id.validators = [DataRequired(_l("This form is out of date. Please try again."))]


@bp.get("/periods")
@coordinator_required
def periods():
    return render_template("coordinate/periods/periods.html", months=months(g.community))


@bp.get("/periods/<month>")
@coordinator_required
def period(month: str):
    detail = month_detail(g.community, _month_or_404(month))
    form = CloseForm()
    form.ensure_submission_id()
    return render_template("coordinate/periods/period.html", detail=detail, form=form)


@bp.post("/periods/<month>/close")
@coordinator_required
def close_period(month: str):
    day = _month_or_404(month)
    back = url_for("coordinate.period", month=month)
    form = CloseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back, 303)
    # The edge keeps the submission id (a double tap closes the month once), so the service is
    # not given it as well.
    return button(
        lambda: close_month(g.community, day, actor_id=g.coordinator.user_id),
        lambda closed: Done(back, _("%(month)s is closed and sealed: %(count)d entries.", month=day.strftime("%B %Y"), count=closed.entry_count)),
        back=back,
        form=form,
    )


def _month_or_404(value: str):
    try:
        month = parse_month(value)
    except ValueError:
        abort(404)
    if month > month_of(g.community.today()):
        abort(404)
    return month
