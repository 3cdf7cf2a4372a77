"""The research export (METRICS.md, Exports): one zip archive from which a stranger can recompute
the report's figures without the app.

Files (every one a CSV through `csv_safe`, no BOM: they are for programs):
- `postings.csv`: one row per posting, the columns of `ledger export --format csv`;
- `members.csv`: each member account's pseudonymous reference, joined, left, status and kind now;
- `kind_changes.csv`: the kind history, one row per change with its date;
- `listings.csv`: the holder's reference, offer or request, category, opened, closed;
- `matches.csv`: the request, the two members' references, created, status, entry;
- `entries.csv`: who recorded and who confirmed each entry, as a role (coordinator, member or
  system), never a person, and the method of confirmation;
- `dictionary.csv`: every column of every file, with its meaning; `README.txt`.

The same reference (`member_ref`, the one the posting export has always used) names a member in
every file. Nothing else about a person goes in: no names, emails, phone numbers, profile text,
listing titles or descriptions, entry notes or reasons. Dates are ISO dates; a date taken from a
moment (a listing opened, a match created) is that moment's date in UTC, as the report takes it.
"""
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from .. import csv_safe
from ..extensions import db
from ..models import (
    Account,
    AccountType,
    ActivityCategory,
    Community,
    Entry,
    KindChange,
    Listing,
    Match,
    MemberKind,
    Membership,
    Role,
)
from .export import STREAM, posting_rows

COORDINATOR, MEMBER, SYSTEM = "coordinator", "member", "system"

#: file -> [(column, meaning)]: the data dictionary, and the order of each file's columns.
DICTIONARY: dict[str, list[tuple[str, str]]] = {
    "postings.csv": [
        ("entry_id", "The entry (journal transaction); the same id in entries.csv and matches.csv."),
        ("entry_kind", "exchange, group_session, organisation_payment, donation, grant, reversal, ..."),
        ("occurred_on", "The service date the entry counts on (report periods are by this date)."),
        ("recorded_at", "When the entry was written (UTC)."),
        ("account_id", "The account (organisation and pot accounts are known by this id only)."),
        ("account_type", "member, organisation or pot."),
        ("member_ref", "The member's pseudonymous reference (member accounts only)."),
        ("member_kind", "The holder's kind on this posting (snapshotted when posted)."),
        ("minutes", "Signed minutes: positive = gave time, negative = received. An entry sums to zero."),
        ("reverses_entry_id", "On a reversal: the entry it undoes."),
        ("reversed_by_entry_id", "On a reversed entry: its reversal. Both drop out of every figure."),
        ("activity", "The activity category."),
        ("coproduction_step", "The co-production step, if any."),
        ("ladder_rung", "The ladder rung, if any."),
        ("community", "The community's short name."),
    ],
    "members.csv": [
        ("member_ref", "The member's pseudonymous reference."),
        ("joined_on", "The day they joined."),
        ("left_on", "The day they left (empty while a member); a member who left on a day is not registered on it."),
        ("status", "pending, active, suspended or left (now)."),
        ("kind", "Their kind now (see kind_changes.csv for the history)."),
    ],
    "kind_changes.csv": [
        ("member_ref", "The member."),
        ("changed_on", "The day the kind changed."),
        ("from_kind", "The kind before (empty for the first kind given)."),
        ("to_kind", "The kind after."),
    ],
    "listings.csv": [
        ("listing_id", "The listing; matches.csv names requests by this id."),
        ("member_ref", "The holder."),
        ("type", "offer or request."),
        ("category", "The activity category."),
        ("opened_on", "The day it was opened (UTC)."),
        ("closed_on", "The day it was closed (UTC), empty while open."),
        ("status", "Its status now."),
    ],
    "matches.csv": [
        ("match_id", "The match."),
        ("request_listing_id", "The request it answers (listings.csv)."),
        ("requester_ref", "The member who asked."),
        ("helper_ref", "The member matched to help."),
        ("created_on", "The day the match was made (UTC)."),
        ("status", "Its status now."),
        ("entry_id", "The exchange it led to (postings.csv), empty if none."),
        ("introduced_by_role", "coordinator, member or system."),
    ],
    "entries.csv": [
        ("entry_id", "The entry (postings.csv)."),
        ("entry_kind", "As in postings.csv."),
        ("occurred_on", "As in postings.csv."),
        ("recorded_by_role", "Who wrote it down: coordinator (or administrator), member, or system (nobody)."),
        ("confirmed_by_role", "Who confirmed it: coordinator, member, or system (nobody, or auto-confirmed)."),
        ("confirmation", "How: member, phone, paper, in_person, auto_timeout or recorder."),
    ],
}

README = """Timebank research export: {name} ({slug}), written {at}.

The files are CSV (UTF-8, no byte-order mark). dictionary.csv describes every column.
Members are known only by a pseudonymous reference (member_ref), the same in every file.
There are no names, contacts or free text in this archive.
Which files and columns each report figure is computed from: docs/report-format.md of the app.
"""


def write_zip(community: Community, stream, *, now: datetime) -> None:
    """Write the archive for `community` to the binary `stream`."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        sources = {
            "postings.csv": _postings(community),
            "members.csv": _members(community),
            "kind_changes.csv": _kind_changes(community),
            "listings.csv": _listings(community),
            "matches.csv": _matches(community),
            "entries.csv": _entries(community),
            "dictionary.csv": ((name, column, meaning) for name, columns in DICTIONARY.items() for column, meaning in columns),
        }
        for name, rows in sources.items():
            header = ("file", "column", "meaning") if name == "dictionary.csv" else [c for c, _ in DICTIONARY[name]]
            with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv_safe.writer(text, bom=False)
                writer.writerow(header)
                writer.writerows(rows)
        archive.writestr(
            "README.txt", README.format(name=community.name, slug=community.slug, at=now.isoformat(timespec="seconds"))
        )


def _day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def _postings(community: Community) -> Iterator[tuple]:
    slug = community.slug
    return (row for row in posting_rows() if row[-1] == slug)


def _members(community: Community) -> Iterator[tuple]:
    query = (
        select(Membership.ref, Membership.joined_on, Membership.left_on, Membership.status, MemberKind.code)
        .join(Account, Account.membership_id == Membership.id)
        .outerjoin(MemberKind, MemberKind.id == Membership.kind_id)
        .where(Membership.community_id == community.id, Account.type == AccountType.MEMBER)
        .order_by(Membership.ref)
        .execution_options(**STREAM)
    )
    for ref, joined, left, status, kind in db.session.execute(query):
        yield ref, joined.isoformat(), left.isoformat() if left else "", status, kind or ""


def _kind_changes(community: Community) -> Iterator[tuple]:
    before, after = aliased(MemberKind), aliased(MemberKind)
    query = (
        select(Membership.ref, KindChange.changed_on, before.code, after.code)
        .join(Membership, Membership.id == KindChange.membership_id)
        .outerjoin(before, before.id == KindChange.from_kind_id)
        .join(after, after.id == KindChange.to_kind_id)
        .where(Membership.community_id == community.id)
        .order_by(KindChange.changed_on, KindChange.id)
    )
    for ref, on, source, target in db.session.execute(query):
        yield ref, on.isoformat(), source or "", target


def _listings(community: Community) -> Iterator[tuple]:
    query = (
        select(Listing.id, Membership.ref, Listing.type, ActivityCategory.name, Listing.created_at, Listing.closed_at, Listing.status)
        .join(Membership, Membership.id == Listing.membership_id)
        .outerjoin(ActivityCategory, ActivityCategory.id == Listing.category_id)
        .where(Listing.community_id == community.id)
        .order_by(Listing.id)
    )
    for listing_id, ref, kind, category, opened, closed, status in db.session.execute(query):
        yield listing_id, ref, kind, category or "", _day(opened), _day(closed), status


def _roles(community: Community) -> dict[int, str]:
    """user id -> coordinator or member, by their membership of this community."""
    out = {}
    for user_id, role in db.session.execute(
        select(Membership.user_id, Membership.role).where(Membership.community_id == community.id)
    ):
        out[user_id] = COORDINATOR if role in (Role.COORDINATOR, Role.ADMIN) else MEMBER
    return out


def _role(roles: dict[int, str], user_id: int | None) -> str:
    if user_id is None:
        return SYSTEM
    return roles.get(user_id, COORDINATOR)  # someone acting here without a membership: a site administrator


def _matches(community: Community) -> Iterator[tuple]:
    roles = _roles(community)
    requester, helper = aliased(Membership), aliased(Membership)
    query = (
        select(Match.id, Match.listing_id, requester.ref, helper.ref, Match.created_at, Match.status, Match.entry_id, Match.introduced_by_id)
        .join(requester, requester.id == Match.requester_membership_id)
        .join(helper, helper.id == Match.helper_membership_id)
        .where(Match.community_id == community.id)
        .order_by(Match.id)
    )
    for match_id, listing_id, asker, helper_ref, created, status, entry_id, introduced_by in db.session.execute(query):
        yield match_id, listing_id, asker, helper_ref, _day(created), status, entry_id or "", _role(roles, introduced_by)


def _entries(community: Community) -> Iterator[tuple]:
    roles = _roles(community)
    query = (
        select(Entry.id, Entry.kind, Entry.occurred_on, Entry.recorded_by_id, Entry.confirmed_by_id, Entry.confirmation)
        .where(Entry.community_id == community.id)
        .order_by(Entry.id)
        .execution_options(**STREAM)
    )
    for entry_id, kind, on, recorded_by, confirmed_by, confirmation in db.session.execute(query):
        yield entry_id, kind, on.isoformat(), _role(roles, recorded_by), _role(roles, confirmed_by), confirmation or ""
