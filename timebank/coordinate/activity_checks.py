"""Which activities need which safeguarding check (a community setting): the list, and a form
to set or clear the check one activity needs (services/activity_checks.py)."""
from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..auth import clock
from ..services.activity_checks import KIND_MAX, requirements, set_required_check
from ..web import Done, SubmissionForm, form_page
from . import bp
from .context import coordinator_required


class ActivityCheckForm(SubmissionForm):
    activity = SelectField(_l("Activity"), coerce=int, validators=[InputRequired(_l("Choose the activity"))])
    check_kind = StringField(
        _l("Check it needs"),
        validators=[Optional(), Length(max=KIND_MAX, message=_l("Keep it to %(max)d characters or fewer", max=KIND_MAX))],
    )


@bp.route("/settings/checks", methods=["GET", "POST"])
@coordinator_required
def activity_checks():
    rows = requirements(g.community.id)
    form = ActivityCheckForm()
    form.activity.choices = [(-1, _("Choose an activity"))] + [(r.activity_id, r.activity) for r in rows]

    def done(_row) -> Done:
        return Done(url_for("coordinate.activity_checks"), _("The check each activity needs is saved."))

    return form_page(
        form,
        lambda: set_required_check(g.coordinator, form.activity.data, form.check_kind.data, now=clock.now()),
        done,
        lambda: render_template("coordinate/activity_checks.html", form=form, rows=rows),
        field="check_kind",
    )
