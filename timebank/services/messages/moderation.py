"""The coordinator's side of messages: reported conversations (and only those) to read, and
blocking a member from messaging, each step audited."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...models import Conversation, Membership, Message, MessagingBlock
from ...models.types import utcnow
from .. import audit
from . import REASON_MAX, messages_of


def reported(community_id: int, *, open_only: bool = True) -> list[Conversation]:
    query = select(Conversation).where(Conversation.community_id == community_id, Conversation.reported_at.is_not(None))
    if open_only:
        query = query.where(Conversation.report_closed_at.is_(None))
    return list(db.session.scalars(query.order_by(Conversation.reported_at.desc()).limit(100)))


def reported_conversation(coordinator: Membership, conversation_id: int) -> tuple[Conversation, list[Message]]:
    """A conversation of the coordinator's community that a member reported; any other is not
    found, so a coordinator cannot read a conversation nobody reported."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.community_id != coordinator.community_id or conversation.reported_at is None:
        raise NotFound()
    return conversation, messages_of(conversation)


def close_report(coordinator: Membership, conversation_id: int, *, now: datetime | None = None) -> Conversation:
    conversation, _messages = reported_conversation(coordinator, conversation_id)
    now = now or utcnow()
    if conversation.report_closed_at is None:
        conversation.report_closed_at = now
        audit.record(coordinator.community_id, coordinator.user_id, "conversation.report_closed",
                     target_type="conversation", target_id=conversation.id, now=now)
    return conversation


def block(coordinator: Membership, conversation_id: int, membership_id: int, reason: str, *, now: datetime | None = None) -> MessagingBlock:
    """Stop one of a reported conversation's two people from messaging anyone."""
    conversation, _messages = reported_conversation(coordinator, conversation_id)
    if membership_id not in (conversation.starter_id, conversation.other_id):
        raise InvalidInput(_("Choose one of the two people in this conversation."), field="who")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Enter the reason for blocking them."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("The reason must be %(n)d characters or fewer.", n=REASON_MAX), field="reason")
    now = now or utcnow()
    existing = db.session.scalar(select(MessagingBlock).where(MessagingBlock.membership_id == membership_id))
    if existing is not None:
        return existing
    row = MessagingBlock(membership_id=membership_id, blocked_by_id=coordinator.user_id, reason=reason, created_at=now)
    db.session.add(row)
    audit.record(coordinator.community_id, coordinator.user_id, "member.messaging_block", subject_membership_id=membership_id,
                 target_type="conversation", target_id=conversation.id, now=now)
    db.session.flush()
    return row


def blocks(community_id: int) -> list[MessagingBlock]:
    return list(db.session.scalars(
        select(MessagingBlock).join(Membership, Membership.id == MessagingBlock.membership_id)
        .where(Membership.community_id == community_id).order_by(MessagingBlock.id)
    ))


def lift_block(coordinator: Membership, membership_id: int, *, now: datetime | None = None) -> None:
    """Let a member of the community send messages again (nothing to do if they may already)."""
    member = db.session.get(Membership, membership_id)
    if member is None or member.community_id != coordinator.community_id:
        raise NotFound()
    row = db.session.scalar(select(MessagingBlock).where(MessagingBlock.membership_id == membership_id))
    if row is None:
        return
    db.session.delete(row)
    audit.record(coordinator.community_id, coordinator.user_id, "member.messaging_unblock", subject_membership_id=membership_id,
                 target_type="membership", target_id=membership_id, now=now or utcnow())
