"""Erasing a member's personal details on request (UK GDPR): one page, with the reason and a
check that the coordinator knows it cannot be undone (services/people/erasure.py says what goes
and what stays)."""
from flask import g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models import MembershipStatus
from ..services.people import erasure
from ..web import Done, SubmissionForm, form_page
from . import bp
from .context import coordinator_required, member_here
from .member_page import member_url


class EraseForm(SubmissionForm):
    reason = TextAreaField(
        _l("Why are their details being erased?"),
        validators=[
            DataRequired(_l("Say why their details are being erased")),
            Length(max=erasure.REASON_LIMIT, message=_l("Keep the reason to 1000 characters or fewer")),
        ],
    )
    understood = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Confirm that you understand this cannot be undone"))],
    )


@bp.route("/members/<int:membership_id>/erase", methods=["GET", "POST"])
@coordinator_required
def erase(membership_id: int):
    membership = member_here(membership_id)
    form = EraseForm()
    erasable = membership.status in (MembershipStatus.LEFT, MembershipStatus.PENDING)
    return form_page(
        form,
        lambda: erasure.erase_member(g.coordinator, membership_id, form.reason.data),
        Done(member_url(membership_id), _("Their personal details are erased. Their time stays in the books, under a new reference.")),
        lambda: render_template(
            "coordinate/members/erase.html", form=form, m=membership, erasable=erasable,
            erased=erasure.is_erased(membership.user),
        ),
        field="reason",
    )
