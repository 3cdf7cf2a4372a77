"""A member's own things: their profile, the people they
can log time with, and everything the app holds about them (to download)."""
from dataclasses import dataclass

import phonenumbers
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ...errors import InvalidInput
from ...extensions import db
from ...models import (
    Account,
    AccountType,
    ActivityCategory,
    ApiToken,
    Attendance,
    ContactBy,
    Entry,
    Exchange,
    GroupSession,
    HelpOffer,
    KindChange,
    Listing,
    Match,
    MemberKind,
    Membership,
    MembershipStatus,
    Notification,
    Passkey,
    Posting,
)
from ..messages import my_messages
from ..statements import statement_lines

PROFILE_LIMITS = {"display_name": 100, "skills": 2000, "availability": 1000, "phone": 40}


def update_profile(membership: Membership, **fields) -> Membership:
    for key, limit in PROFILE_LIMITS.items():
        value = (fields.get(key) or "").strip()
        if len(value) > limit:
            raise InvalidInput(_("That is too long: at most %(n)d characters.", n=limit), field=key)
        if key == "phone" and value:
            check_phone(value, fields.get("phone_region") or phone_region(membership.community))
        setattr(membership, key, value or None)
    contact_by = fields.get("contact_by") or ContactBy.COORDINATOR
    if contact_by not in set(ContactBy):
        raise InvalidInput(_("Choose how you would like to be contacted."), field="contact_by")
    if contact_by == ContactBy.PHONE and not membership.phone:
        raise InvalidInput(_("Enter a phone number, or choose another way to be contacted."), field="phone")
    membership.contact_by = contact_by
    membership.share_contact = bool(fields.get("share_contact"))
    membership.in_directory = bool(fields.get("in_directory"))
    membership.email_notifications = bool(fields.get("email_notifications"))
    return membership


def phone_region(community) -> str:
    """The region a phone number without a country code is read in, for this community's
    members: its own setting, else the installation's PHONE_REGION."""
    return (getattr(community, "phone_region", None) or current_app.config.get("PHONE_REGION") or "GB").upper()


def check_phone(text: str, region: str | None = None) -> None:
    """Refuse (InvalidInput on the phone field) what `phonenumbers` does not take for a phone
    number; one without a country code is read as one of `region` (PHONE_REGION by default).
    It is kept as the person typed it, which is how they will read it out."""
    region = (region or current_app.config.get("PHONE_REGION") or "GB").upper()
    message = _phone_message(region)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(message, field="phone") from None
    if not (phonenumbers.is_valid_number(number) or _drama_number(number)):
        raise InvalidInput(message, field="phone")


def _phone_message(region: str) -> str:
    if region == "GB":
        return _("Enter a phone number, like 020 7946 0018, 07911 123456 or +44 7911 123456")
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return _("Enter a phone number, with its country code if it is not a local number")
    return _(
        "Enter a phone number, like %(local)s or %(international)s",
        local=phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def _drama_number(number) -> bool:
    """Ofcom's mobile numbers kept for drama (07700 900000 to 900999): never anyone's, so the
    demo and the tests use them; `phonenumbers` calls them invalid."""
    return number.country_code == 44 and 7700900000 <= number.national_number <= 7700900999


@dataclass(frozen=True)
class Partner:
    account_id: int
    label: str
    is_organisation: bool
    recent: bool


def recent_partner_ids(account_id: int, limit: int = 8) -> list[int]:
    """Accounts this one exchanged with most recently (from the ledger itself)."""
    mine, theirs = aliased(Posting), aliased(Posting)
    rows = db.session.execute(
        select(theirs.account_id, func.max(theirs.entry_id).label("last"))
        .select_from(mine)
        .join(theirs, theirs.entry_id == mine.entry_id)
        .where(mine.account_id == account_id, theirs.account_id != account_id)
        .group_by(theirs.account_id)
        .order_by(func.max(theirs.entry_id).desc())
        .limit(limit)
    ).all()
    return [row.account_id for row in rows]


def search_partners(membership: Membership, own_account_id: int, text: str = "", limit: int = 20) -> list[Partner]:
    """People and organisations to log time with: recent partners first, then directory members
    and organisations whose name matches. Only this community, only active members, never
    someone hidden from the directory (unless already a recent partner), never oneself."""
    recent_ids = recent_partner_ids(own_account_id)
    name = func.coalesce(Membership.name, Account.name)
    query = (
        select(Account.id, name.label("label"), Account.type)
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .where(
            Account.community_id == membership.community_id,
            Account.id != own_account_id,
            Account.closed_at.is_(None),
            Account.type != AccountType.POT,
            or_(
                Account.type == AccountType.ORGANISATION,
                (Membership.status == MembershipStatus.ACTIVE)
                & (Membership.in_directory.is_(True) | Account.id.in_(recent_ids or [-1])),
            ),
        )
    )
    words = (text or "").split()[:3]
    for word in words:
        query = query.where(func.lower(name).like(f"%{word.lower()}%"))
    if not words:
        query = query.where(or_(Account.id.in_(recent_ids or [-1]), Account.type == AccountType.ORGANISATION))
    rows = db.session.execute(query.order_by(name).limit(limit + len(recent_ids))).all()
    partners = [Partner(r.id, r.label, r.type == AccountType.ORGANISATION, r.id in recent_ids) for r in rows]
    order = {account_id: i for i, account_id in enumerate(recent_ids)}
    partners.sort(key=lambda p: (not p.recent, order.get(p.account_id, 0), p.is_organisation, p.label.lower()))
    return partners[:limit]


def my_data(membership: Membership) -> dict:
    """Everything the app holds about this member in this community, for them to download.
    Every column linked to a person is here or, with the reason, in `my_data_columns`
    (tests/integration/test_my_data_complete.py holds the two together)."""
    user = membership.user
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    kinds = dict(db.session.execute(select(MemberKind.id, MemberKind.label)).all())
    activities = dict(
        db.session.execute(select(ActivityCategory.id, ActivityCategory.name).where(ActivityCategory.community_id == membership.community_id)).all()
    )
    exchanges, ledger = [], {}
    if account is not None:
        exchanges = db.session.scalars(
            select(Exchange)
            .where(or_(Exchange.giver_account_id == account.id, Exchange.receiver_account_id == account.id))
            .order_by(Exchange.id)
        ).all()
        ledger = {
            row.id: row
            for row in db.session.execute(
                select(Entry.id, Entry.note, Entry.reason, Entry.confirmation, Entry.recorded_at, Entry.coproduction_step,
                       Entry.ladder_rung, Posting.holder_kind)
                .join(Posting, Posting.entry_id == Entry.id)
                .where(Posting.account_id == account.id)
            )
        }
    return {
        "person": {
            "name": user.name,
            "email": user.email,
            "joined_app": user.created_at.isoformat(),
            "last_signed_in": _when(user.last_login_at),
        },
        "membership": {
            "community": membership.community.name,
            "role": membership.role,
            "kind": kinds.get(membership.kind_id),
            "status": membership.status,
            "joined_on": membership.joined_on.isoformat(),
            "left_on": _when(membership.left_on),
            "reference": membership.ref,
            "application_note": membership.application_note,
        },
        "profile": {
            "display_name": membership.display_name,
            "skills": membership.skills,
            "availability": membership.availability,
            "phone": membership.phone,
            "contact_by": membership.contact_by,
            "share_contact": membership.share_contact,
            "in_directory": membership.in_directory,
            "email_notifications": membership.email_notifications,
            "digest_weekly": membership.digest_weekly,
        },
        "kind_history": [
            {"from": kinds.get(k.from_kind_id), "to": kinds.get(k.to_kind_id), "on": k.changed_on.isoformat()}
            for k in db.session.scalars(select(KindChange).where(KindChange.membership_id == membership.id).order_by(KindChange.id))
        ],
        "account": None
        if account is None
        else {
            "balance_minutes": account.balance,
            "floor_minutes": account.floor,
            "ceiling_minutes": account.ceiling,
            "opened_at": account.created_at.isoformat(),
            "closed_at": _when(account.closed_at),
        },
        "passkeys": [
            {"name": key.name, "added_at": key.created_at.isoformat(), "last_used_at": _when(key.last_used_at)}
            for key in db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
        ],
        "statement": []
        if account is None
        else [_statement_row(line, ledger[line.entry_id]) for line in statement_lines(account.id)],
        "exchanges": [
            {
                "id": e.id,
                "date": e.occurred_on.isoformat(),
                "minutes": e.minutes,
                "you": "gave" if e.giver_account_id == account.id else "received",
                "logged_by_you": e.logged_by_account_id == account.id,
                "activity": activities.get(e.activity_id),
                "status": e.status,
                "note": e.note,
                "logged_at": e.created_at.isoformat(),
                "decided_at": _when(e.decided_at),
                "confirmation": e.confirmation,
                "decline_reason": e.decline_reason,
                "entry": e.entry_id,
            }
            for e in exchanges
        ],
        "offers_and_requests": [
            {
                "id": item.id,
                "type": item.type,
                "title": item.title,
                "description": item.description,
                "category": activities.get(item.category_id),
                "status": item.status,
                "created_at": item.created_at.isoformat(),
                "updated_at": item.updated_at.isoformat(),
                "closed_at": _when(item.closed_at),
                "expires_on": _when(item.expires_on),
            }
            for item in db.session.scalars(select(Listing).where(Listing.membership_id == membership.id).order_by(Listing.id))
        ],
        "help_offered": [
            {"request": offer.listing_id, "message": offer.message, "at": offer.created_at.isoformat()}
            for offer in db.session.scalars(select(HelpOffer).where(HelpOffer.membership_id == membership.id))
        ],
        "introductions": [
            {
                "request": match.listing_id,
                "you": "asked" if match.requester_membership_id == membership.id else "were introduced to help",
                "status": match.status,
                "at": match.created_at.isoformat(),
                "updated_at": match.updated_at.isoformat(),
                "entry": match.entry_id,
            }
            for match in db.session.scalars(
                select(Match)
                .where(or_(Match.requester_membership_id == membership.id, Match.helper_membership_id == membership.id))
                .order_by(Match.id)
            )
        ],
        "group_sessions": [
            {"session": session.id, "title": session.title, "date": session.occurred_on.isoformat(), "role": role}
            for session, role in db.session.execute(
                select(GroupSession, Attendance.role)
                .join(Attendance, Attendance.session_id == GroupSession.id)
                .where(Attendance.membership_id == membership.id)
                .order_by(GroupSession.id)
            )
        ],
        "conversations": my_messages(membership),
        "notifications": [
            {
                "kind": n.kind,
                "params": n.params,
                "at": n.created_at.isoformat(),
                "read": n.read_at is not None,
                "read_at": _when(n.read_at),
                "emailed_at": _when(n.emailed_at),
            }
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id, Notification.community_id == membership.community_id).order_by(Notification.id)
            )
        ],
        "api_tokens": [
            {
                "name": token.name,
                "starts": token.hint,
                "scopes": token.scopes,
                "created_at": token.created_at.isoformat(),
                "last_used_at": _when(token.last_used_at),
                "revoked_at": _when(token.revoked_at),
            }
            for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        ],
    }


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _statement_row(line, entry) -> dict:
    return {
        "entry": line.entry_id,
        "number": line.sequence,
        "date": line.occurred_on.isoformat(),
        "kind": line.kind,
        "with": list(line.others),
        "activity": line.activity,
        "minutes": line.minutes,
        "balance_after": line.balance_after,
        "your_kind": entry.holder_kind,
        "recorded_at": entry.recorded_at.isoformat(),
        "confirmation": entry.confirmation,
        "coproduction_step": entry.coproduction_step,
        "ladder_rung": entry.ladder_rung,
        "reverses_entry": line.reverses_id,
        "note": entry.note,
        "reason": entry.reason,
    }
