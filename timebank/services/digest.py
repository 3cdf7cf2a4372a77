"""The weekly digest: one short plain-text email per member who wants it (`digest_weekly`, and
email notifications on), through the outbox: new requests in their activities since the last
digest, what waits for their confirmation, and their hours this month. Sent only when there is
something to say (a new request or something to confirm); a week at least between two.

It names nobody: requests by their title and activity only, exchanges as a count; and it holds
no link that acts, no secret. The daily job (`tasks.jobs.weekly_digest`) calls `send_digests`
per community; a repeat the same day finds `last_digest_at` recent and sends nothing again.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from .. import mail
from ..extensions import db
from ..formatting import hours_minutes
from ..models import (
    Account,
    ActivityCategory,
    Community,
    Exchange,
    Listing,
    ListingStatus,
    ListingType,
    Membership,
    MembershipStatus,
)
from .exchanges.pending import pending_for
from .statements import totals

#: Days between two digests to one person; a little less, so a daily job that runs a few
#: minutes earlier one day still sends on the seventh.
EVERY = timedelta(days=7)
SLACK = timedelta(hours=12)
#: How many requests a digest names; the rest as a count.
REQUESTS_SHOWN = 5


def _their_activities(membership: Membership, account_id: int | None) -> set[int]:
    """The activities a member offers (their offers, open or not) or has given time in."""
    ids = set(
        db.session.scalars(
            select(Listing.category_id).where(
                Listing.membership_id == membership.id, Listing.type == ListingType.OFFER, Listing.category_id.is_not(None)
            )
        )
    )
    if account_id is not None:
        ids |= set(
            db.session.scalars(
                select(Exchange.activity_id).where(Exchange.giver_account_id == account_id, Exchange.activity_id.is_not(None))
            )
        )
    return ids


def _new_requests(membership: Membership, activities: set[int], since: datetime, today) -> list[tuple[str, str]]:
    if not activities:
        return []
    rows = db.session.execute(
        select(Listing.title, ActivityCategory.name)
        .join(Membership, Membership.id == Listing.membership_id)
        .join(ActivityCategory, ActivityCategory.id == Listing.category_id)
        .where(
            Listing.community_id == membership.community_id,
            Listing.type == ListingType.REQUEST,
            Listing.status == ListingStatus.OPEN,
            or_(Listing.expires_on.is_(None), Listing.expires_on > today),
            Listing.category_id.in_(activities),
            Listing.created_at > since,
            Listing.membership_id != membership.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.in_directory.is_(True),
        )
        .order_by(Listing.id.desc())
    ).all()
    return [(row.title, row.name) for row in rows]


def digest_for(membership: Membership, *, now: datetime) -> str | None:
    """The digest's text for one member, or None when there is nothing to say."""
    community = membership.community
    today = community.today(now)
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    since = membership.last_digest_at or now - EVERY
    requests = _new_requests(membership, _their_activities(membership, account_id), since, today)
    to_confirm = len(pending_for(account_id)[0]) if account_id is not None else 0
    if not requests and not to_confirm:
        return None
    lines = [_("Hello %(name)s,", name=membership.name), "", _("Your week at %(community)s.", community=community.name)]
    if requests:
        lines += ["", _("New requests in your activities:")]
        lines += [f"- {title} ({activity})" for title, activity in requests[:REQUESTS_SHOWN]]
        if len(requests) > REQUESTS_SHOWN:
            lines.append(_("and %(n)d more.", n=len(requests) - REQUESTS_SHOWN))
    if to_confirm:
        lines += ["", _("Waiting for you to confirm: %(n)d.", n=to_confirm)]
    if account_id is not None:
        given, received = totals(account_id, since=today.replace(day=1))
        lines += ["", _("This month you gave %(given)s and received %(received)s.", given=hours_minutes(given), received=hours_minutes(received))]
    lines += [
        "",
        _("Sign in to Timebank to see more."),
        _("To stop this weekly email, turn off the weekly digest in your profile."),
    ]
    return "\n".join(lines) + "\n"


def send_digests(community: Community, *, now: datetime) -> int:
    """Queue the digest of every member of this community who is due one; how many."""
    due = db.session.scalars(
        select(Membership)
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.digest_weekly.is_(True),
            Membership.email_notifications.is_(True),
            or_(Membership.last_digest_at.is_(None), Membership.last_digest_at <= now - EVERY + SLACK),
        )
        .order_by(Membership.id)
    ).all()
    sent = 0
    for membership in due:
        body = digest_for(membership, now=now)
        if body is None:
            continue
        subject = _("Timebank: your week at %(community)s", community=community.name)
        if mail.queue(db.session, membership.user.email, subject, body):
            membership.last_digest_at = now
            sent += 1
    db.session.flush()
    return sent


def set_digest(membership: Membership, on: bool) -> Membership:
    """Turn the weekly digest on or off (the profile's one-click button)."""
    membership.digest_weekly = bool(on)
    db.session.flush()
    return membership
