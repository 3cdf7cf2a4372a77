"""Reported conversations: a coordinator reads a conversation only once a member reported it,
can stop one of its people messaging (audited), close the report, and lift a block."""
from flask import abort, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..errors import TimebankError
from ..services.messages import REASON_MAX, title_of
from ..services.messages.moderation import block, blocks, close_report, lift_block, reported, reported_conversation
from ..web import Done, SubmissionForm, button, form_page
from . import bp
from .context import coordinator_required


class BlockForm(SubmissionForm):
    who = RadioField(_l("Who should stop sending messages?"), coerce=int, validate_choice=False,
                     validators=[InputRequired(_l("Choose one of the two people"))])
    reason = TextAreaField(_l("Why? (kept in the audit log's record of the block)"), validators=[
        DataRequired(_l("Enter the reason for blocking them.")),
        Length(max=REASON_MAX, message=_l("The reason must be 1000 characters or fewer.")),
    ])


@bp.get("/messages")
@coordinator_required
def reported_conversations():
    return render_template(
        "coordinate/messages/inbox.html", rows=reported(g.community.id), blocks=blocks(g.community.id), title_of=title_of,
    )


@bp.route("/messages/<int:conversation_id>", methods=["GET", "POST"])
@coordinator_required
def reported_conversation_page(conversation_id: int):
    try:
        item, rows = reported_conversation(g.coordinator, conversation_id)
    except TimebankError:
        abort(404)
    form = BlockForm()
    form.who.choices = [(item.starter_id, item.starter.name), (item.other_id, item.other.name)]
    here = url_for("coordinate.reported_conversation_page", conversation_id=item.id)
    return form_page(
        form,
        lambda: block(g.coordinator, item.id, form.who.data, form.reason.data),
        Done(here, _("They can no longer send messages.")),
        lambda: render_template("coordinate/messages/conversation.html", item=item, rows=rows, form=form, title=title_of(item)),
        field="reason",
    )


@bp.post("/messages/<int:conversation_id>/close")
@coordinator_required
def close_reported_conversation(conversation_id: int):
    back = url_for("coordinate.reported_conversations")
    return button(lambda: close_report(g.coordinator, conversation_id), Done(back, _("The report is closed.")), back=back)


@bp.post("/messaging-blocks/<int:membership_id>/lift")
@coordinator_required
def lift_messaging_block(membership_id: int):
    back = url_for("coordinate.reported_conversations")
    return button(lambda: lift_block(g.coordinator, membership_id), Done(back, _("They can send messages again.")), back=back)
