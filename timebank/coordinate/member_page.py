"""One member's page as a coordinator sees it, and what the pages about members share: the
labels of roles and statuses, the link to the page, and the private note form drawn on it."""
from flask import g, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..models import MembershipStatus, Role
from ..services.people.directory import member_page
from ..services.safeguarding import RESTRICTION_LABELS
from ..web import SubmissionForm, new_submission_id

ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.FUNDER: _l("Funder (sees reports only)"),
    Role.ADMIN: _l("Administrator"),
}
STATUS_LABELS = {
    MembershipStatus.PENDING: _l("Applied"),
    MembershipStatus.ACTIVE: _l("Active"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LEFT: _l("Left"),
}


class NoteForm(SubmissionForm):
    body = TextAreaField(
        _l("Add a private note"),
        validators=[DataRequired(_l("Write the note")), Length(max=5000, message=_l("Keep the note to 5000 characters or fewer"))],
    )


def member_url(membership_id: int) -> str:
    return url_for("coordinate.member", membership_id=membership_id)


def render_member_page(membership_id: int, note_form: NoteForm | None = None):
    page = member_page(g.coordinator, membership_id)
    note_form = note_form or NoteForm()
    note_form.ensure_submission_id()
    return render_template(
        "coordinate/members/member.html",
        page=page,
        m=page.membership,
        note_form=note_form,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
        restriction_labels=RESTRICTION_LABELS,
        new_submission_id=new_submission_id,
    )
