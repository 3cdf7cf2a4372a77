"""Report access: who may read this community's reciprocity report as a funder, granting it by
email address, and revoking it."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..errors import TimebankError
from ..extensions import db
from ..member.forms import SubmissionForm
from ..services.coordination import funders as service
from ..services.coordination.members import INVITATION_DAYS, remember_submission
from . import bp
from .context import coordinator_required
from .members import _refused, _replayed


class GrantForm(SubmissionForm):
    email = EmailField(
        _l("Their email address"),
        validators=[DataRequired(_l("Enter their email address")), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    name = StringField(_l("Their name (only if they are new to the timebank)"), validators=[Optional(), Length(max=200)])


class RevokeForm(SubmissionForm):
    """Only a button."""


def _page(form: GrantForm, status: int = 200):
    revoke_form = RevokeForm()
    return render_template(
        "coordinate/report_access/list.html",
        form=form, revoke_form=revoke_form, funders=service.funders(g.community.id),
        invited=service.invited(g.community.id),
    ), status


@bp.route("/report-access", methods=["GET", "POST"])
@coordinator_required
def report_access():
    form = GrantForm()
    if request.method == "GET":
        form.ensure_submission_id()
    elif replay := _replayed(form):
        return replay
    if form.validate_on_submit():
        try:
            granted = service.grant(
                g.coordinator, email=form.email.data, name=form.name.data,
                link_for=lambda t: url_for("auth.invitation", token=t, _external=True),
                reports_url=url_for("reports.index", _external=True),
            )
            remember_submission(current_user.id, form.submission_id.data, url_for("coordinate.report_access"))
            db.session.commit()
        except TimebankError as error:
            _refused(error, form, "email")
        else:
            if granted.invitation is not None:
                link = url_for("auth.invitation", token=granted.token, _external=True)
                return render_template(
                    "coordinate/members/invited.html", invitation=granted.invitation, link=link, days=INVITATION_DAYS
                )
            flash(_("%(email)s can now read this community's reports.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("coordinate.report_access"), 303)
    return _page(form, 422 if form.errors else 200)


@bp.post("/report-access/<int:membership_id>/revoke")
@coordinator_required
def revoke_report_access(membership_id: int):
    # The form is only a button: CSRFProtect has checked its token.
    try:
        service.revoke(g.coordinator, membership_id)
        db.session.commit()
    except TimebankError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(str(error), "error")
    else:
        flash(_("Their access to the reports has ended."), "success")
    return redirect(url_for("coordinate.report_access"), 303)
