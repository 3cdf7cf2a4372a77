"""Messages between members: the list of conversations, one conversation with a reply box,
starting one (about a listing, an introduction or an exchange), and reporting one."""
from flask import abort, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..errors import TimebankError
from ..services import messages as service
from ..web import Done, SubmissionForm, button, form_page
from . import bp
from .context import member_required


class MessageForm(SubmissionForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(_l("Enter your message.")),
            Length(max=service.BODY_MAX, message=_l("Your message must be 2000 characters or fewer.")),
        ],
    )


class ReportForm(SubmissionForm):
    reason = TextAreaField(
        _l("What is wrong?"),
        validators=[
            DataRequired(_l("Say what is wrong, so the coordinator knows what to look at.")),
            Length(max=service.REASON_MAX, message=_l("The reason must be 1000 characters or fewer.")),
        ],
    )


@bp.app_context_processor
def _unread_messages():
    def count() -> int:
        membership = g.get("membership")
        if membership is None or not current_user.is_authenticated:
            return 0
        return service.unread_total(membership.id)

    def can_message_about_exchange(exchange_id: int) -> bool:
        """Whether the exchange's other side is a member (an organisation gets no messages)."""
        try:
            service.about_exchange(g.membership, exchange_id)
        except TimebankError:
            return False
        return True

    return {"unread_messages": count, "can_message_about_exchange": can_message_about_exchange}


@bp.get("/messages")
@member_required
def conversations():
    return render_template(
        "member/messages/list.html", rows=service.conversations(g.membership), title_of=service.title_of,
    )


@bp.route("/messages/<int:conversation_id>", methods=["GET", "POST"])
@member_required
def conversation(conversation_id: int):
    item = _mine_or_404(conversation_id)
    other = service.other_person(item, g.membership)
    form = MessageForm()
    here = url_for("member.conversation", conversation_id=item.id)
    return form_page(
        form,
        lambda: service.send(g.membership, item.id, form.body.data),
        Done(here + "#latest"),
        lambda: render_template(
            "member/messages/conversation.html", item=item, other=other, form=form,
            rows=service.messages_of(item), title=service.title_of(item), contact=service.contact_of(other),
            unread=service.unread_in(item, g.membership), blocked=service.blocked(g.membership.id),
        ),
        field="body",
    )


@bp.post("/messages/<int:conversation_id>/read")
@member_required
def conversation_read(conversation_id: int):
    _mine_or_404(conversation_id)
    here = url_for("member.conversation", conversation_id=conversation_id)
    return button(lambda: service.mark_read(g.membership, conversation_id), Done(here), back=here)


@bp.route("/messages/<int:conversation_id>/report", methods=["GET", "POST"])
@member_required
def report_conversation(conversation_id: int):
    item = _mine_or_404(conversation_id)
    form = ReportForm()
    return form_page(
        form,
        lambda: service.report(g.membership, item.id, form.reason.data),
        Done(url_for("member.conversation", conversation_id=item.id),
             _("Thank you. A coordinator will read this conversation and may contact you.")),
        lambda: render_template("member/messages/report.html", item=item, form=form, title=service.title_of(item)),
        field="reason",
    )


@bp.route("/listings/<int:listing_id>/ask", methods=["GET", "POST"])
@member_required
def ask_about_listing(listing_id: int):
    return _start(lambda: service.about_listing(g.membership, listing_id))


@bp.route("/exchanges/<int:exchange_id>/message", methods=["GET", "POST"])
@member_required
def message_about_exchange(exchange_id: int):
    return _start(lambda: service.about_exchange(g.membership, exchange_id))


@bp.route("/introductions/<int:match_id>/message", methods=["GET", "POST"])
@member_required
def message_about_match(match_id: int):
    return _start(lambda: service.about_match(g.membership, match_id))


def _start(find):
    """A first message about something: to its conversation if there is one already."""
    try:
        subject = find()
    except TimebankError:
        abort(404)
    there = service.existing(g.membership, subject)
    if there is not None:
        return redirect(url_for("member.conversation", conversation_id=there.id), 303)
    form = MessageForm()
    return form_page(
        form,
        lambda: service.start(g.membership, subject, form.body.data),
        lambda item: Done(url_for("member.conversation", conversation_id=item.id) + "#latest", _("Your message is sent.")),
        lambda: render_template(
            "member/messages/start.html", form=form, other=subject.other, blocked=service.blocked(g.membership.id),
        ),
        field="body",
    )


def _mine_or_404(conversation_id: int):
    try:
        return service.conversation_for(g.membership, conversation_id)
    except TimebankError:
        abort(404)
