"""Erasing a member on request (UK GDPR, the right to erasure), by a coordinator, with a reason.

What identifies or describes the person goes: their name, email, phone and profile, the text of
their offers, requests and "I can help" messages, their notifications and the mail to them,
safeguarding checks, restrictions and private notes about them, invitations to their address,
their API tokens and replay records, and the notes of exchanges (and of the ledger entries) they
took part in. Their name is also taken out of the notifications and mail of other people.

What the report and the books need stays, without a link to the person: their account and its
postings (entries and postings are immutable, I5), their kind history, dates of joining and
leaving, and their register places. The membership's pseudonymous reference (`member_ref` in
the exports) is replaced with a new random one, and no record of the old one is kept; the user
row stays as "Erased member", with an address that cannot receive mail and no password.

Only someone who has left (or whose application was never approved) can be erased, so that no
balance, report figure or membership count changes; and only from the one community they are
in: a person in several communities is erased by each of them in turn, the last one anonymising
the sign-in identity (until then the others still know the person).
"""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from ... import security_log
from ...errors import InvalidInput, WrongMemberStatus
from ...extensions import db
from ...ledger.notes import erase_notes
from ...models import (
    Account,
    ContactBy,
    Exchange,
    HelpOffer,
    Invitation,
    Listing,
    ListingStatus,
    MemberNote,
    Membership,
    MembershipStatus,
    Notification,
    OutboxMessage,
    Restriction,
    SafeguardingCheck,
    User,
)
from ...models.types import utcnow
from .. import audit
from ..messages import erase_messages
from . import new_member_ref
from .credentials import end_sessions
from .memberships import check_manageable, membership_here

#: What an erased person is called wherever their name was shown.
ERASED_NAME = "Erased member"
#: What an erased offer or request is titled (the row stays: the report counts offers and matches).
ERASED_TITLE = "Removed"
ERASED_EMAIL_DOMAIN = "invalid"  # RFC 2606: can never receive mail
REASON_LIMIT = 1000


@dataclass(frozen=True)
class Erased:
    membership_id: int
    #: How many rows of each kind were deleted or blanked (for the audit record and the CLI).
    counts: dict[str, int]


def is_erased(user: User) -> bool:
    return user.email.startswith("erased-") and user.email.endswith("@" + ERASED_EMAIL_DOMAIN)


def erase_member(actor: Membership, membership_id: int, reason: str, *, now: datetime | None = None) -> Erased:
    """A coordinator erases a member of their community (see the module's docstring)."""
    membership = membership_here(actor, membership_id)
    check_manageable(actor, membership)
    return erase(membership, reason, actor=actor, now=now)


def check_erasable(membership: Membership, reason: str) -> None:
    if not (reason or "").strip():
        raise InvalidInput(_("Say why: for example \u201cthey asked us to, by email on 3 March\u201d."), field="reason")
    if len(reason.strip()) > REASON_LIMIT:
        raise InvalidInput(_("That is too long: at most %(n)d characters.", n=REASON_LIMIT), field="reason")
    if is_erased(membership.user):
        raise WrongMemberStatus(_("This member's details are already erased."))
    if membership.status not in (MembershipStatus.LEFT, MembershipStatus.PENDING):
        raise WrongMemberStatus(
            _("Record that they have left first (their account is closed then); then their details can be erased.")
        )


def erase(membership: Membership, reason: str, *, actor: Membership | None, now: datetime | None = None) -> Erased:
    """Erase one membership's person (`actor` None: from the command line). Flushes, never commits."""
    check_erasable(membership, reason)
    now = now or utcnow()
    user = membership.user
    others = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.user_id == user.id, Membership.id != membership.id)
    )
    names = _names(user, membership)
    email = user.email
    counts = _erase_messages(user, membership, names, email, whole_person=not others)
    counts.update(_erase_coordination(membership, email))
    counts.update(_erase_contributions(membership))
    counts.update(erase_messages(membership, lambda text: scrub(text, names, email)))
    _blank_profile(membership)
    membership.ref = new_member_ref()  # the old reference is not kept anywhere
    if not others:
        counts["sign_in"] = _anonymise_user(user, now)
    audit.record(  # ids, counts and the reason (with their name taken out), never who they were
        membership.community_id, actor.user_id if actor else None, "member.erase",
        subject_membership_id=membership.id, target_type="membership", target_id=membership.id, now=now,
        reason=scrub(reason.strip(), names, email), kept_sign_in=bool(others), **counts,
    )
    security_log.record("member.erased", membership_id=membership.id, community_id=membership.community_id)
    db.session.flush()
    return Erased(membership.id, counts)


def scrub(text: str, names: list[str], email: str) -> str:
    """`text` with the person's names and email address replaced, as whole words."""
    for name in [email, *names]:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", ERASED_NAME, text, flags=re.IGNORECASE)
    return text


def _names(user: User, membership: Membership) -> list[str]:
    """The names to take out of other people's messages, longest first (so "Sam Smith" goes
    before "Sam"); names under three letters are too likely to be part of other words."""
    found = {n.strip() for n in (user.name, membership.display_name) if n and len(n.strip()) >= 3}
    found.discard(ERASED_NAME)
    return sorted(found, key=len, reverse=True)


def _count(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _erase_messages(user: User, membership: Membership, names: list[str], email: str, *, whole_person: bool) -> dict[str, int]:
    """Their notifications here, and their name in everyone else's. Mail belongs to no
    community, so mail to them and about them is dealt with only when the whole person goes."""
    counts = {
        "notifications": _count(
            delete(Notification).where(Notification.user_id == user.id, Notification.community_id == membership.community_id)
        ),
        "emails": _count(delete(OutboxMessage).where(func.lower(OutboxMessage.to_address) == email)) if whole_person else 0,
    }
    mentions = 0
    if names:
        for notification in db.session.scalars(
            select(Notification).where(Notification.community_id == membership.community_id).execution_options(yield_per=500)
        ):
            params = {k: scrub(v, names, email) if isinstance(v, str) else v for k, v in (notification.params or {}).items()}
            if params != notification.params:
                notification.params = params
                mentions += 1
        pattern = [OutboxMessage.body.contains(n) | OutboxMessage.subject.contains(n) for n in names]
        for message in db.session.scalars(select(OutboxMessage).where(or_(*pattern))) if whole_person else ():
            message.subject = scrub(message.subject, names, email)
            message.body = scrub(message.body, names, email)
            mentions += 1
    counts["mentions"] = mentions
    return counts


def _erase_coordination(membership: Membership, email: str) -> dict[str, int]:
    mine = membership.id
    return {
        "safeguarding_checks": _count(delete(SafeguardingCheck).where(SafeguardingCheck.membership_id == mine)),
        "restrictions": _count(delete(Restriction).where(Restriction.membership_id == mine)),
        "private_notes": _count(delete(MemberNote).where(MemberNote.membership_id == mine)),
        "invitations": _count(
            delete(Invitation).where(
                Invitation.community_id == membership.community_id, func.lower(Invitation.email) == email
            )
        ),
    }


def _erase_contributions(membership: Membership) -> dict[str, int]:
    """The text they wrote or that was written about their exchanges; the rows stay."""
    counts = {
        "listings": _count(
            update(Listing)
            .where(Listing.membership_id == membership.id)
            .values(
                title=ERASED_TITLE,
                description="",
                status=ListingStatus.CLOSED,
                closed_at=func.coalesce(Listing.closed_at, Listing.updated_at),
            )
        ),
        "help_messages": _count(
            update(HelpOffer).where(HelpOffer.membership_id == membership.id, HelpOffer.message.is_not(None)).values(message=None)
        ),
    }
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if account_id is not None:
        theirs = or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id)
        counts["exchange_notes"] = _count(
            update(Exchange).where(theirs).values(note=None, decline_reason=None, last_error=None)
        )
        counts["entry_notes"] = erase_notes(account_id)
    return counts


def _blank_profile(membership: Membership) -> None:
    membership.display_name = None
    membership.skills = None
    membership.availability = None
    membership.phone = None
    membership.application_note = None
    membership.contact_by = ContactBy.COORDINATOR
    membership.share_contact = False
    membership.in_directory = False
    membership.email_notifications = False


def _anonymise_user(user: User, now: datetime) -> int:
    """The sign-in identity made unusable: no name, no address, no password, no tokens."""
    user.email = f"erased-{secrets.token_hex(8)}@{ERASED_EMAIL_DOMAIN}"
    user.name = ERASED_NAME
    user.password_hash = None
    user.last_login_at = None
    user.disabled_at = user.disabled_at or now
    end_sessions(user, "erased")  # every copy of their session, in every browser
    for table in _own_tables():
        _count(delete(table).where(table.c.user_id == user.id))
    return 1


def _own_tables() -> list:
    """Every table whose rows belong to one sign-in through a `user_id` column (API tokens,
    password-reset links, replay records, notifications, the two-factor secret (`two_factor`) and
    recovery codes, and whatever credential tables come later), apart from memberships: all of
    them go with the identity."""
    return [
        table
        for table in reversed(db.metadata.sorted_tables)
        if table.name != Membership.__tablename__
        and "user_id" in table.c
        and any(fk.column.table.name == User.__tablename__ for fk in table.c.user_id.foreign_keys)
    ]
