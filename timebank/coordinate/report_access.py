"""Report access: who may read this community's reciprocity report as a funder, granting it by
email address, and revoking it."""
from functools import partial

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..services.people import funders as service
from ..services.people.invitations import INVITATION_DAYS
from ..web import Done, SubmissionForm, button, form_page
from . import bp
from .context import coordinator_required


class GrantForm(SubmissionForm):
    email = EmailField(
        _l("Their email address"),
        validators=[DataRequired(_l("Enter their email address")), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    name = StringField(_l("Their name (only if they are new to the timebank)"), validators=[Optional(), Length(max=200)])


class RevokeForm(SubmissionForm):
    """Only a button."""


def _page(form: GrantForm):
    return render_template(
        "coordinate/report_access/list.html",
        form=form, revoke_form=RevokeForm(), funders=service.funders(g.community.id),
        invited=service.invited(g.community.id),
    )


@bp.route("/report-access", methods=["GET", "POST"])
@coordinator_required
def report_access():
    form = GrantForm()

    def granted(grant):
        url = url_for("coordinate.report_access")
        if grant.invitation is None:
            return Done(url, _("%(email)s can now read this community's reports.", email=form.email.data.strip().lower()))
        link = url_for("auth.invitation", token=grant.token, _external=True)
        page = partial(render_template, "coordinate/members/invited.html", invitation=grant.invitation, link=link, days=INVITATION_DAYS)
        return Done(url, respond=page)

    return form_page(
        form,
        lambda: service.grant(
            g.coordinator, email=form.email.data, name=form.name.data,
            link_for=lambda t: url_for("auth.invitation", token=t, _external=True),
            reports_url=url_for("reports.index", _external=True),
        ),
        granted,
        lambda: _page(form),
        field="email",
    )


@bp.post("/report-access/<int:membership_id>/revoke")
@coordinator_required
def revoke_report_access(membership_id: int):
    # The form is only a button: CSRFProtect has checked its token.
    back = url_for("coordinate.report_access")
    return button(lambda: service.revoke(g.coordinator, membership_id), Done(back, _("Their access to the reports has ended.")), back=back)
