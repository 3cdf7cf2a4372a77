"""Messages between members: a conversation between two people of one community about a listing
(an "Ask about this", or "I can help" with a request), a coordinator's introduction, or an
exchange. The other person is told in the app, and by email if they chose email.

Privacy: a coordinator reads a conversation only once one of its two people has reported it;
messages never reach funders or reports. Contact details show only if their owner chose
`share_contact`. A member who is not active, or whom a coordinator blocked from messaging,
cannot start conversations or send.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from ...errors import InvalidInput, NotFound, TimebankError
from ...extensions import db
from ...models import (
    Account,
    AccountType,
    Conversation,
    ConversationTopic,
    Exchange,
    HelpOffer,
    Listing,
    ListingType,
    Match,
    Membership,
    MembershipStatus,
    Message,
    MessagingBlock,
)
from ...models.types import utcnow
from ..notifications import notify

BODY_MAX = 2000
REASON_MAX = 1000
#: How many of a conversation's newest messages a page shows.
PAGE = 100


class MessagingRefused(TimebankError):
    code = "messaging_refused"
    status = 403
    message = _l("You cannot send messages at the moment. Please contact your coordinator.")


class RecipientUnavailable(TimebankError):
    code = "recipient_unavailable"
    status = 409
    message = _l("This person is no longer an active member here, so they cannot get messages.")


# -- who may ----------------------------------------------------------------------------------


def blocked(membership_id: int) -> bool:
    return db.session.scalar(select(MessagingBlock.id).where(MessagingBlock.membership_id == membership_id)) is not None


def check_may_send(membership: Membership) -> None:
    """Refuse a member who is not active, or whom a coordinator blocked from messaging."""
    if membership.status != MembershipStatus.ACTIVE:
        raise MessagingRefused(_("Your membership is not active, so you cannot send messages."), field="body")
    if blocked(membership.id):
        raise MessagingRefused(
            _("A coordinator has stopped you sending messages. Please contact your coordinator."), field="body"
        )


def _check_recipient(other: Membership) -> None:
    if other.status != MembershipStatus.ACTIVE:
        raise RecipientUnavailable(field="body")


def _body(text: str | None) -> str:
    body = (text or "").strip()
    if not body:
        raise InvalidInput(_("Enter your message."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(_("Your message must be %(n)d characters or fewer.", n=BODY_MAX), field="body")
    return body


# -- what a conversation is about -------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    topic: str
    key: str
    other: Membership
    listing_id: int | None = None
    match_id: int | None = None
    exchange_id: int | None = None


def _key(topic: str, subject_id: int, a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{topic}:{subject_id}:{low}-{high}"


def about_listing(membership: Membership, listing_id: int) -> Subject:
    """"Ask about this": the member and the listing's holder (another member of the community)."""
    from ..listings import visible_listing

    listing = visible_listing(membership, listing_id)
    if listing.membership_id == membership.id:
        raise NotFound()
    return Subject(
        ConversationTopic.LISTING, _key("listing", listing.id, membership.id, listing.membership_id), listing.membership,
        listing_id=listing.id,
    )


def about_match(membership: Membership, match_id: int) -> Subject:
    """A coordinator's introduction: the requester and the helper."""
    match = db.session.get(Match, match_id)
    if match is None or match.community_id != membership.community_id or membership.id not in (
        match.requester_membership_id, match.helper_membership_id
    ):
        raise NotFound()
    other = match.helper if membership.id == match.requester_membership_id else match.requester
    return Subject(
        ConversationTopic.MATCH, _key("match", match.id, membership.id, other.id), other,
        listing_id=match.listing_id, match_id=match.id,
    )


def about_exchange(membership: Membership, exchange_id: int) -> Subject:
    """An exchange the member is part of, with the other member (not an organisation)."""
    exchange = db.session.get(Exchange, exchange_id)
    mine = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if exchange is None or exchange.community_id != membership.community_id or mine not in (
        exchange.giver_account_id, exchange.receiver_account_id
    ):
        raise NotFound()
    other_account = exchange.receiver_account_id if mine == exchange.giver_account_id else exchange.giver_account_id
    other = db.session.scalar(
        select(Membership).join(Account, Account.membership_id == Membership.id)
        .where(Account.id == other_account, Account.type == AccountType.MEMBER)
    )
    if other is None:
        raise NotFound()
    return Subject(
        ConversationTopic.EXCHANGE, _key("exchange", exchange.id, membership.id, other.id), other, exchange_id=exchange.id
    )


def existing(membership: Membership, subject: Subject) -> Conversation | None:
    return db.session.scalar(
        select(Conversation).where(
            Conversation.community_id == membership.community_id, Conversation.topic_key == subject.key
        )
    )


# -- writing ----------------------------------------------------------------------------------


def start(membership: Membership, subject: Subject, body: str, *, now: datetime | None = None) -> Conversation:
    """Start the conversation about `subject` with its other person (or carry on the one there
    is) with a first message."""
    check_may_send(membership)
    conversation = existing(membership, subject)
    if conversation is not None:
        return send(membership, conversation.id, body, now=now)[0]
    _check_recipient(subject.other)
    body = _body(body)
    now = now or utcnow()
    conversation = Conversation(
        community_id=membership.community_id, topic=subject.topic, topic_key=subject.key,
        listing_id=subject.listing_id, match_id=subject.match_id, exchange_id=subject.exchange_id,
        starter_id=membership.id, other_id=subject.other.id, created_at=now, last_message_at=now,
    )
    db.session.add(conversation)
    db.session.flush()
    _add_message(membership, conversation, body, now)
    return conversation


def open_for_help(offer: HelpOffer, listing: Listing, *, now: datetime | None = None) -> Conversation:
    """After "I can help": the helper's conversation with the requester, its first message the
    helper's words (if any), so that the requester can reply. The requester was told already."""
    now = now or utcnow()
    key = _key("listing", listing.id, offer.membership_id, listing.membership_id)
    conversation = db.session.scalar(
        select(Conversation).where(Conversation.community_id == listing.community_id, Conversation.topic_key == key)
    )
    if conversation is None:
        conversation = Conversation(
            community_id=listing.community_id, topic=ConversationTopic.LISTING, topic_key=key, listing_id=listing.id,
            starter_id=offer.membership_id, other_id=listing.membership_id, created_at=now, last_message_at=now,
        )
        db.session.add(conversation)
        db.session.flush()
    if offer.message:
        message = Message(conversation_id=conversation.id, membership_id=offer.membership_id, body=offer.message[:BODY_MAX], created_at=now)
        db.session.add(message)
        db.session.flush()
        _mark(conversation, offer.membership_id, message.id)
    return conversation


def send(membership: Membership, conversation_id: int, body: str, *, now: datetime | None = None) -> tuple[Conversation, Message]:
    conversation = conversation_for(membership, conversation_id)
    check_may_send(membership)
    _check_recipient(other_person(conversation, membership))
    message = _add_message(membership, conversation, _body(body), now or utcnow())
    return conversation, message


def _add_message(membership: Membership, conversation: Conversation, body: str, now: datetime) -> Message:
    message = Message(conversation_id=conversation.id, membership_id=membership.id, body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    conversation.last_message_at = now
    _mark(conversation, membership.id, message.id)
    other = other_person(conversation, membership)
    notify(
        other.user, conversation.community_id, "message_received", {"name": membership.name, "title": title_of(conversation)},
        f"/messages/{conversation.id}", now=now,
    )
    return message


def _mark(conversation: Conversation, membership_id: int, message_id: int) -> None:
    if membership_id == conversation.starter_id:
        conversation.starter_read_id = max(conversation.starter_read_id or 0, message_id)
    else:
        conversation.other_read_id = max(conversation.other_read_id or 0, message_id)


def mark_read(membership: Membership, conversation_id: int) -> Conversation:
    conversation = conversation_for(membership, conversation_id)
    last = db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation.id))
    if last is not None:
        _mark(conversation, membership.id, last)
    return conversation


def report(membership: Membership, conversation_id: int, reason: str, *, now: datetime | None = None) -> Conversation:
    """A member reports a conversation they are in: from now on the coordinators may read it."""
    from .. import audit
    from ..notifications import notify_coordinators

    conversation = conversation_for(membership, conversation_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say what is wrong, so the coordinator knows what to look at."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("The reason must be %(n)d characters or fewer.", n=REASON_MAX), field="reason")
    now = now or utcnow()
    conversation.reported_at, conversation.reported_by_id = now, membership.id
    conversation.report_reason, conversation.report_closed_at = reason, None
    audit.record(
        conversation.community_id, membership.user_id, "conversation.report", subject_membership_id=membership.id,
        target_type="conversation", target_id=conversation.id, now=now,
    )
    notify_coordinators(conversation.community_id, "conversation_reported", {"name": membership.name},
                        f"/coordinate/messages/{conversation.id}", now=now)
    return conversation


# -- reading ----------------------------------------------------------------------------------


def conversation_for(membership: Membership, conversation_id: int) -> Conversation:
    """A conversation the member is one of the two people of, else NotFound."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or membership.id not in (conversation.starter_id, conversation.other_id):
        raise NotFound()
    return conversation


def other_person(conversation: Conversation, membership: Membership) -> Membership:
    return conversation.other if membership.id == conversation.starter_id else conversation.starter


def messages_of(conversation: Conversation, limit: int = PAGE) -> list[Message]:
    """The newest `limit` messages, oldest first (newest at the bottom)."""
    rows = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id.desc()).limit(limit)
    ).all()
    return list(reversed(rows))


def title_of(conversation: Conversation) -> str:
    if conversation.listing_id is not None:
        title = db.session.scalar(select(Listing.title).where(Listing.id == conversation.listing_id))
        return title or ""
    if conversation.exchange_id is not None:
        exchange = db.session.get(Exchange, conversation.exchange_id)
        return _("Your exchange on %(date)s", date=exchange.occurred_on.isoformat())
    return ""


def _unread_condition(membership_id: int):
    mine_read = func.coalesce(
        select(Conversation.starter_read_id).where(Conversation.id == Message.conversation_id, Conversation.starter_id == membership_id)
        .scalar_subquery(),
        select(Conversation.other_read_id).where(Conversation.id == Message.conversation_id, Conversation.other_id == membership_id)
        .scalar_subquery(),
        0,
    )
    return Message.membership_id != membership_id, Message.id > mine_read


def conversations(membership: Membership) -> list[tuple[Conversation, Membership, int]]:
    """The member's conversations, latest first: each with the other person and how many
    messages they have not read."""
    rows = db.session.scalars(
        select(Conversation)
        .where(or_(Conversation.starter_id == membership.id, Conversation.other_id == membership.id))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(PAGE)
    ).all()
    counts = dict(
        db.session.execute(
            select(Message.conversation_id, func.count())
            .where(Message.conversation_id.in_([c.id for c in rows]), *_unread_condition(membership.id))
            .group_by(Message.conversation_id)
        ).all()
    ) if rows else {}
    return [(c, other_person(c, membership), counts.get(c.id, 0)) for c in rows]


def unread_total(membership_id: int) -> int:
    theirs = select(Conversation.id).where(or_(Conversation.starter_id == membership_id, Conversation.other_id == membership_id))
    return db.session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id.in_(theirs), *_unread_condition(membership_id))
    ) or 0


def unread_in(conversation: Conversation, membership: Membership) -> int:
    read = conversation.starter_read_id if membership.id == conversation.starter_id else conversation.other_read_id
    return db.session.scalar(
        select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation.id, Message.membership_id != membership.id, Message.id > (read or 0)
        )
    ) or 0


def contact_of(person: Membership) -> str | None:
    """How to reach `person`, only if they chose to share it with people they exchange with."""
    if not person.share_contact or person.status != MembershipStatus.ACTIVE:
        return None
    if person.contact_by == "phone" and person.phone:
        return person.phone
    if person.contact_by == "email":
        return person.user.email
    return None


def help_conversations(listing: Listing) -> dict[int, int]:
    """For a request's holder: each helper's membership id to their conversation's id."""
    if listing.type != ListingType.REQUEST:
        return {}
    rows = db.session.execute(
        select(Conversation.starter_id, Conversation.other_id, Conversation.id).where(
            Conversation.listing_id == listing.id, Conversation.topic == ConversationTopic.LISTING,
            or_(Conversation.starter_id == listing.membership_id, Conversation.other_id == listing.membership_id),
        )
    ).all()
    return {(s if o == listing.membership_id else o): cid for s, o, cid in rows}


# -- the member's data, erasure ----------------------------------------------------------------


def my_messages(membership: Membership) -> list[dict]:
    """The member's conversations and every message in them, for their data download."""
    out = []
    for conversation in db.session.scalars(
        select(Conversation)
        .where(or_(Conversation.starter_id == membership.id, Conversation.other_id == membership.id))
        .order_by(Conversation.id)
    ):
        out.append({
            "conversation": conversation.id,
            "about": conversation.topic,
            "listing": conversation.listing_id,
            "match": conversation.match_id,
            "exchange": conversation.exchange_id,
            "started_at": conversation.created_at.isoformat(),
            "started_by_you": conversation.starter_id == membership.id,
            "reported_by_you": conversation.reported_by_id == membership.id,
            "report_reason": conversation.report_reason if conversation.reported_by_id == membership.id else None,
            "reported_at": conversation.reported_at.isoformat() if conversation.reported_by_id == membership.id else None,
            "messages": [
                {"from_you": m.membership_id == membership.id, "text": m.body, "at": m.created_at.isoformat()}
                for m in db.session.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id))
            ],
        })
    return out


def erase_messages(membership: Membership, scrub=None) -> dict[str, int]:
    """Erasure: the text of every message the person wrote is removed (the row stays, shown to
    the other person as "(message removed)"), and so is any report reason they wrote, and any
    block on them; `scrub(text)` takes their name out of what the other person wrote to them."""
    written = db.session.execute(
        update(Message).where(Message.membership_id == membership.id, Message.body.is_not(None)).values(body=None)
    ).rowcount
    theirs = select(Conversation.id).where(or_(Conversation.starter_id == membership.id, Conversation.other_id == membership.id))
    for message in db.session.scalars(select(Message).where(Message.conversation_id.in_(theirs), Message.body.is_not(None))) if scrub else ():
        message.body = scrub(message.body)
    db.session.execute(
        update(Conversation).where(Conversation.reported_by_id == membership.id, Conversation.report_reason.is_not(None))
        .values(report_reason=None)
    )
    db.session.execute(delete(MessagingBlock).where(MessagingBlock.membership_id == membership.id))
    return {"messages": written}


def purge_before(community_id: int, cutoff: datetime) -> int:
    """Retention: conversations whose last message is older than `cutoff`, with their messages,
    unless a report on them is still open; how many conversations went."""
    old = select(Conversation.id).where(
        Conversation.community_id == community_id, Conversation.last_message_at < cutoff,
        or_(Conversation.reported_at.is_(None), Conversation.report_closed_at.is_not(None)),
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    db.session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    return db.session.execute(delete(Conversation).where(Conversation.id.in_(ids))).rowcount
