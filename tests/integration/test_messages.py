"""Messages between members, through the services, on SQLite and PostgreSQL: a conversation per
listing response, introduction and exchange; the other person told; unread counts; who may send;
reporting and blocking (audited); the member's download; erasure."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from timebank.errors import NotFound
from timebank.extensions import db
from timebank.models import AuditEvent, Conversation, Match, Membership, MembershipStatus, Message, Notification
from timebank.services import messages
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing, offer_help
from timebank.services.messages import moderation
from timebank.services.people import leaving
from timebank.services.people.erasure import erase_member
from timebank.services.people.profile import my_data


def _listing(member, type_="request", title="Help with gardening"):
    listing, _ = create_listing(member, type_=type_, title=title, description="", category_id=None, submission_id=uuid.uuid4().hex)
    return listing


def test_after_i_can_help_the_requester_replies_and_each_is_told(app, make_member, now):
    requester, _ = make_member(name="Rita Requester")
    helper, _ = make_member(name="Harry Helper")
    listing = _listing(requester)
    offer_help(helper, listing.id, "I can come on Saturday", now=now)
    (conversation,) = db.session.scalars(select(Conversation)).all()
    assert (conversation.starter_id, conversation.other_id, conversation.listing_id) == (helper.id, requester.id, listing.id)
    assert messages.unread_total(requester.id) == 1 and messages.unread_total(helper.id) == 0

    messages.send(requester, conversation.id, "  Saturday is perfect, thank you  ", now=now)
    assert [m.body for m in messages.messages_of(conversation)] == ["I can come on Saturday", "Saturday is perfect, thank you"]
    assert messages.unread_total(helper.id) == 1
    told = db.session.scalars(select(Notification).where(Notification.user_id == helper.user_id, Notification.kind == "message_received")).all()
    assert len(told) == 1 and told[0].link == f"/messages/{conversation.id}"

    messages.mark_read(helper, conversation.id)
    assert messages.unread_total(helper.id) == 0
    assert [(c.id, other.id, unread) for c, other, unread in messages.conversations(requester)] == [(conversation.id, helper.id, 0)]


def test_ask_about_an_offer_starts_one_conversation_and_a_second_message_joins_it(app, make_member, now):
    holder, _ = make_member()
    asker, _ = make_member()
    offer = _listing(holder, "offer", "Dog walking")
    first = messages.start(asker, messages.about_listing(asker, offer.id), "Is Tuesday possible?", now=now)
    again = messages.start(asker, messages.about_listing(asker, offer.id), "Or Wednesday?", now=now)
    assert first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2
    with pytest.raises(NotFound):
        messages.about_listing(holder, offer.id)  # not with oneself


def test_conversations_about_an_introduction_and_an_exchange(app, community, make_member, now):
    requester, mine = make_member()
    helper, theirs = make_member()
    listing = _listing(requester)
    match = Match(community_id=community.id, listing_id=listing.id, requester_membership_id=requester.id, helper_membership_id=helper.id)
    db.session.add(match)
    db.session.flush()
    about = messages.start(helper, messages.about_match(helper, match.id), "Hello, the coordinator introduced us", now=now)
    assert about.match_id == match.id and about.other_id == requester.id
    exchange, _ = log_exchange(requester, gave=False, partner_account_id=theirs.id, minutes=60, occurred_on=community.today(),
                               activity_id=None, note=None, submission_id=uuid.uuid4().hex, now=now)
    about = messages.start(helper, messages.about_exchange(helper, exchange.id), "Thanks for today", now=now)
    assert about.exchange_id == exchange.id and about.other_id == requester.id
    stranger, _ = make_member()
    with pytest.raises(NotFound):
        messages.about_match(stranger, match.id)
    with pytest.raises(NotFound):
        messages.about_exchange(stranger, exchange.id)
    with pytest.raises(NotFound):
        messages.conversation_for(stranger, about.id)


def test_empty_and_over_long_messages_are_refused(app, make_member, now):
    holder, _ = make_member()
    asker, _ = make_member()
    subject = messages.about_listing(asker, _listing(holder, "offer").id)
    for body in ("   ", "x" * 2001):
        with pytest.raises(messages.InvalidInput) as refused:
            messages.start(asker, subject, body, now=now)
        assert refused.value.details["field"] == "body"
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_a_suspended_or_blocked_member_cannot_send_and_the_block_is_audited(app, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    holder, _ = make_member()
    asker, _ = make_member()
    offer = _listing(holder, "offer")
    conversation = messages.start(asker, messages.about_listing(asker, offer.id), "Hello", now=now)
    with pytest.raises(NotFound):
        moderation.reported_conversation(coordinator, conversation.id)  # nobody reported it
    messages.report(holder, conversation.id, "Rude messages", now=now)
    assert [c.id for c in moderation.reported(coordinator.community_id)] == [conversation.id]
    moderation.block(coordinator, conversation.id, asker.id, "Rude to members", now=now)
    with pytest.raises(messages.MessagingRefused, match="coordinator"):
        messages.send(asker, conversation.id, "Hello again", now=now)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"conversation.report", "member.messaging_block"} <= actions
    moderation.lift_block(coordinator, asker.id, now=now)
    messages.send(asker, conversation.id, "Sorry", now=now)
    moderation.close_report(coordinator, conversation.id, now=now)
    assert moderation.reported(coordinator.community_id) == []

    asker.status = MembershipStatus.SUSPENDED
    with pytest.raises(messages.MessagingRefused, match="not active"):
        messages.send(asker, conversation.id, "Hello", now=now)
    with pytest.raises(messages.RecipientUnavailable):
        messages.send(holder, conversation.id, "Are you there?", now=now)


def test_messages_are_in_the_download_and_erasure_removes_their_text(app, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    holder, _ = make_member()
    asker, _ = make_member()
    conversation = messages.start(asker, messages.about_listing(asker, _listing(holder, "offer").id), "My phone is 07700 900123", now=now)
    messages.send(holder, conversation.id, "Thanks", now=now)
    messages.send(holder, conversation.id, f"See you soon, {asker.user.name}", now=now)
    (row,) = my_data(asker)["conversations"]
    assert [(m["from_you"], m["text"]) for m in row["messages"]] == [
        (True, "My phone is 07700 900123"), (False, "Thanks"), (False, f"See you soon, {asker.user.name}")]

    leaving.leave(coordinator, asker.id, leaving.FREEZE, now=now)
    erase_member(coordinator, asker.id, "they asked", now=now)
    db.session.commit()
    # Their own words go; their name goes from what the other person wrote.
    assert [m.body for m in messages.messages_of(conversation)] == [None, "Thanks", "See you soon, Erased member"]
    assert db.session.get(Membership, holder.id) is not None


def test_retention_lets_old_conversations_go_but_keeps_one_still_reported(app, make_member, now):
    holder, _ = make_member()
    asker, _ = make_member()
    long_ago = now - timedelta(days=400)
    old = messages.start(asker, messages.about_listing(asker, _listing(holder, "offer", "Old").id), "Hello", now=long_ago)
    reported = messages.start(asker, messages.about_listing(asker, _listing(holder, "offer", "Reported").id), "Hi", now=long_ago)
    messages.report(holder, reported.id, "Worrying", now=long_ago)
    recent = messages.start(asker, messages.about_listing(asker, _listing(holder, "offer", "New").id), "Hey", now=now)
    assert messages.purge_before(holder.community_id, now - timedelta(days=365)) == 1
    assert set(db.session.scalars(select(Conversation.id))) == {reported.id, recent.id}
    assert messages.purge_before(holder.community_id, now - timedelta(days=365)) == 0
    assert old.id not in set(db.session.scalars(select(Message.conversation_id)))
