"""Conversations: after "I can help" (made by the demo's listings, through `offer_help`), some
requesters replied, and a few helpers answered, through the same service the pages use, at past
times; the first demo member's conversations first, so that signing in to the demo shows them."""
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Community, Conversation, Membership, MembershipStatus, User
from ..services.messages import report, send

REPLIES = (
    "Thank you so much! Would Tuesday afternoon suit you?",
    "That would be a great help. Can you ring me to arrange it?",
    "Lovely, thank you. Mornings are best for me.",
)
ANSWERS = ("Tuesday is fine, see you then.", "Yes, I'll be in touch this week.", "Mornings work for me too.")


def seed_conversations(rng: random.Random, community: Community, *, member_email: str, now: datetime) -> int:
    member_id = db.session.scalar(
        select(Membership.id).join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id, User.email == member_email)
    )
    rows = sorted(
        db.session.scalars(select(Conversation).where(Conversation.community_id == community.id)),
        key=lambda c: (member_id not in (c.starter_id, c.other_id), c.id),
    )
    sent = 0
    reported = False
    for conversation in rows[:8]:
        requester, helper = conversation.other, conversation.starter
        if MembershipStatus.ACTIVE != requester.status or helper.status != MembershipStatus.ACTIVE:
            continue
        at = conversation.created_at + timedelta(hours=rng.randint(2, 30))
        answer_at = at + timedelta(hours=rng.randint(1, 20))
        answers = rng.random() < 0.6
        if at >= now:  # an offer made in the last day: not answered yet
            continue
        send(requester, conversation.id, rng.choice(REPLIES), now=at)
        sent += 1
        if answers and answer_at < now:
            send(helper, conversation.id, rng.choice(ANSWERS), now=answer_at)
            sent += 1
        elif not reported and member_id not in (conversation.starter_id, conversation.other_id):
            # One the requester reported, so the coordinators' inbox has something in it.
            # Reported now: the audit log reads in time order, and its history ends now.
            report(requester, conversation.id, "They asked for my address before we had met.", now=now)
            reported = True
    return sent
