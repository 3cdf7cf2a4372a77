"""Brokering: the coordinator's inbox of open requests, suggested helpers for each, and the
matches (introductions) they make.

Suggestions are ranked in one query. What counts, in order of weight: the person said "I can
help" with this very request; they have an open offer in the request's activity (or one whose
title shares a word with it); their skills mention words of the request; and they have NOT yet
exchanged time with the requester (a new tie grows the network, which co-production is about;
"exchanged" is read from the ledger: one entry in which one of them gave and the other
received). Saying when they are free counts a little, and more when it shares words with the
request. Nobody suspended or gone, nobody without an open account, never the requester, and
nobody with an unlifted restriction among those the coordinator said this request must respect.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from ...errors import HelperUnavailable, MatchStatusNotAllowed, NotFound
from ...extensions import db
from ...models import (
    Account,
    HelpOffer,
    Listing,
    ListingStatus,
    ListingType,
    Match,
    MatchStatus,
    Membership,
    MembershipStatus,
    Posting,
    Restriction,
    RestrictionCode,
    User,
)
from ...models.types import utcnow
from .. import audit
from ..notifications import notify

PAGE_SIZE = 20
SUGGESTIONS = 20
#: Words too common to say anything about a request.
STOPWORDS = frozenset(
    "about after also been could from have help into just like need needs some someone that their them then there "
    "they this very want wants what when where which while will with would your please".split()
)
#: What a coordinator may set a match to, from where it is.
TRANSITIONS = {
    MatchStatus.INTRODUCED: {MatchStatus.ACCEPTED, MatchStatus.DECLINED, MatchStatus.COMPLETED},
    MatchStatus.ACCEPTED: {MatchStatus.DECLINED, MatchStatus.COMPLETED},
    MatchStatus.DECLINED: {MatchStatus.ACCEPTED},  # people change their minds; a slip can be undone
    MatchStatus.COMPLETED: set(),
}
#: A match still in play: the request counts as matched while it has one.
LIVE = (MatchStatus.INTRODUCED, MatchStatus.ACCEPTED, MatchStatus.COMPLETED)


# -- the inbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    listing: Listing
    matches: int
    waited_days: int


def _live_matches(listing_id_column):
    return (
        select(func.count(Match.id))
        .where(Match.listing_id == listing_id_column, Match.status.in_([str(s) for s in LIVE]))
        .correlate(Listing)
        .scalar_subquery()
    )


def request_inbox(
    community_id: int, *, matched: bool = False, after: int | None = None, now: datetime | None = None, limit: int = PAGE_SIZE
) -> tuple[list[InboxRow], int | None]:
    """Open requests of active members, oldest first: those still waiting for a match (or,
    with matched=True, those with one). Paged by key on (created_at, id); returns the rows and
    the id to continue after."""
    now = now or utcnow()
    live = _live_matches(Listing.id)
    query = (
        select(Listing, live.label("matches"))
        .join(Membership, Membership.id == Listing.membership_id)
        .where(
            Listing.community_id == community_id,
            Listing.type == ListingType.REQUEST,
            Listing.status == ListingStatus.OPEN,
            Membership.status == MembershipStatus.ACTIVE,
            live > 0 if matched else live == 0,
        )
        .options(joinedload(Listing.membership).joinedload(Membership.user), joinedload(Listing.category))
    )
    if after is not None:
        mark = db.session.execute(
            select(Listing.created_at, Listing.id).where(Listing.id == after, Listing.community_id == community_id)
        ).first()
        if mark is not None:
            query = query.where(
                or_(Listing.created_at > mark.created_at, and_(Listing.created_at == mark.created_at, Listing.id > mark.id))
            )
    rows = db.session.execute(query.order_by(Listing.created_at, Listing.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [InboxRow(row.Listing, row.matches, max(0, (now - row.Listing.created_at).days)) for row in rows]
    return out, (out[-1].listing.id if more and out else None)


def open_request(community_id: int, listing_id: int) -> Listing:
    """A request of this community (open or not), or NotFound."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.community_id != community_id or listing.type != ListingType.REQUEST:
        raise NotFound()
    return listing


def matches_for(listing_id: int) -> list[Match]:
    return list(
        db.session.scalars(
            select(Match)
            .where(Match.listing_id == listing_id)
            .options(joinedload(Match.helper).joinedload(Membership.user))
            .order_by(Match.id)
        )
    )


def match_list(community_id: int, *, statuses=(MatchStatus.INTRODUCED, MatchStatus.ACCEPTED), before: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[tuple[Match, Listing]], int | None]:
    """Matches of the community in the given statuses, newest first, paged by id."""
    query = (
        select(Match, Listing)
        .join(Listing, Listing.id == Match.listing_id)
        .where(Match.community_id == community_id, Match.status.in_([str(s) for s in statuses]))
        .options(
            joinedload(Match.helper).joinedload(Membership.user),
            joinedload(Match.requester).joinedload(Membership.user),
        )
    )
    if before is not None:
        query = query.where(Match.id < before)
    rows = [tuple(row) for row in db.session.execute(query.order_by(Match.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more and rows else None)


# -- suggestions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    membership_id: int
    account_id: int
    name: str
    offered_help: bool
    offers: int
    skill_words: tuple[str, ...]
    states_availability: bool
    availability_words: int
    exchanged_before: bool
    score: int
    #: Unlifted restriction codes this request was not asked to respect (shown as a caution).
    other_restrictions: tuple[str, ...] = ()


def request_words(listing: Listing, limit: int = 8) -> list[str]:
    """The telling words of a request: letters only, four or more, not common, at most `limit`."""
    words = []
    for word in re.findall(r"[^\W\d_]+", f"{listing.title} {listing.description or ''}".lower()):
        if len(word) >= 4 and word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:limit]


def _word_hits(column, words: list[str]):
    """How many of `words` occur in `column` (case-insensitive), as one SQL expression."""
    hits = literal(0)
    for word in words:  # letters only (see request_words), so nothing to escape in LIKE
        hits = hits + case((func.lower(func.coalesce(column, "")).like(f"%{word}%"), 1), else_=0)
    return hits


def _exchanged_with(account_column, other_account_id: int):
    """True when the two accounts were on opposite sides of one entry (one gave, one received)."""
    mine, theirs = aliased(Posting), aliased(Posting)
    return exists(
        select(mine.id)
        .join(theirs, theirs.entry_id == mine.entry_id)
        .where(
            mine.account_id == account_column,
            theirs.account_id == other_account_id,
            or_(and_(mine.minutes > 0, theirs.minutes < 0), and_(mine.minutes < 0, theirs.minutes > 0)),
        )
    )


def restricted_by(membership_column, codes):
    return exists(
        select(Restriction.id).where(
            Restriction.membership_id == membership_column,
            Restriction.lifted_at.is_(None),
            Restriction.code.in_([str(c) for c in codes]),
        )
    )


def clean_codes(codes) -> tuple[str, ...]:
    known = {str(c) for c in RestrictionCode}
    return tuple(sorted({str(c) for c in codes or () if str(c) in known}))


def suggestions(community_id: int, listing_id: int, *, respect=(), limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The best-placed people to help with a request, best first (see the module docstring)."""
    listing = open_request(community_id, listing_id)
    requester_account_id = db.session.scalar(select(Account.id).where(Account.membership_id == listing.membership_id))
    respect = clean_codes(respect)
    words = request_words(listing)

    offer = aliased(Listing)
    offer_match = [offer.category_id == listing.category_id] if listing.category_id else []
    if words:
        offer_match.append(_word_hits(offer.title, words) > 0)
    offers = (
        select(func.count(offer.id))
        .where(
            offer.membership_id == Membership.id,
            offer.type == ListingType.OFFER,
            offer.status == ListingStatus.OPEN,
            or_(*offer_match) if offer_match else false(),
        )
        .correlate(Membership)
        .scalar_subquery()
    )
    offered_help = exists(select(HelpOffer.id).where(HelpOffer.listing_id == listing.id, HelpOffer.membership_id == Membership.id))
    skills = _word_hits(Membership.skills, words)
    availability = _word_hits(Membership.availability, words)
    states_availability = case((func.length(func.trim(func.coalesce(Membership.availability, ""))) > 0, 1), else_=0)
    before = _exchanged_with(Account.id, requester_account_id) if requester_account_id is not None else false()
    offered_help_n = case((offered_help, 1), else_=0)
    offers_n = case((offers > 0, 1), else_=0)
    skills_n = case((skills > 3, 3), else_=skills)
    availability_n = case((availability > 2, 2), else_=availability)
    new_tie_n = case((before, 0), else_=1)
    # Weights: said "I can help" 8; an offer that fits 4; each skill word 2 (up to 3 words); a new
    # tie 3; saying when free 1, plus 1 for each word shared with the request (up to 2).
    score = offered_help_n * 8 + offers_n * 4 + skills_n * 2 + new_tie_n * 3 + states_availability + availability_n
    name = func.coalesce(Membership.display_name, User.name)

    query = (
        select(
            Membership.id.label("membership_id"),
            Account.id.label("account_id"),
            name.label("name"),
            offered_help_n.label("offered_help"),
            offers.label("offers"),
            skills.label("skills"),
            states_availability.label("states_availability"),
            availability.label("availability_words"),
            case((before, 1), else_=0).label("exchanged_before"),
            score.label("score"),
            Membership.skills.label("skills_text"),
        )
        .join(User, User.id == Membership.user_id)
        .join(Account, Account.membership_id == Membership.id)
        .where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.id != listing.membership_id,
            Account.closed_at.is_(None),
            ~exists(select(Match.id).where(Match.listing_id == listing.id, Match.helper_membership_id == Membership.id)),
        )
        .order_by(score.desc(), func.lower(name), Membership.id)
        .limit(limit)
    )
    if respect:
        query = query.where(~restricted_by(Membership.id, respect))
    rows = db.session.execute(query).all()

    cautions: dict[int, list[str]] = {}
    if rows:
        for membership_id, code in db.session.execute(
            select(Restriction.membership_id, Restriction.code)
            .where(Restriction.membership_id.in_([r.membership_id for r in rows]), Restriction.lifted_at.is_(None))
            .order_by(Restriction.id)
        ):
            cautions.setdefault(membership_id, []).append(code)
    return [
        Suggestion(
            membership_id=r.membership_id,
            account_id=r.account_id,
            name=r.name,
            offered_help=bool(r.offered_help),
            offers=r.offers,
            skill_words=tuple(w for w in words if w in (r.skills_text or "").lower()),
            states_availability=bool(r.states_availability),
            availability_words=r.availability_words,
            exchanged_before=bool(r.exchanged_before),
            score=r.score,
            other_restrictions=tuple(dict.fromkeys(cautions.get(r.membership_id, ()))),
        )
        for r in rows
    ]


# -- introductions and their outcome ---------------------------------------------------------


def introduce(
    coordinator: Membership, listing_id: int, helper_membership_id: int, *, respect=(), now: datetime | None = None
) -> tuple[Match, bool]:
    """Introduce a helper to a request: a Match, and both people told. Introducing the same
    person again returns the match already made (so a double tap makes one)."""
    community_id = coordinator.community_id
    listing = open_request(community_id, listing_id)
    existing = db.session.scalar(
        select(Match).where(Match.listing_id == listing.id, Match.helper_membership_id == helper_membership_id)
    )
    if existing is not None:
        return existing, False
    if listing.status != ListingStatus.OPEN:
        raise HelperUnavailable(_("That request is closed."))
    helper = db.session.get(Membership, helper_membership_id)
    respect = clean_codes(respect)
    if (
        helper is None
        or helper.community_id != community_id
        or helper.status != MembershipStatus.ACTIVE
        or helper.id == listing.membership_id
        or db.session.scalar(
            select(Account.id).where(Account.membership_id == helper.id, Account.closed_at.is_(None))
        ) is None
        or (respect and db.session.scalar(select(restricted_by(helper.id, respect))))
    ):
        raise HelperUnavailable()
    now = now or utcnow()
    match = Match(
        community_id=community_id,
        listing_id=listing.id,
        requester_membership_id=listing.membership_id,
        helper_membership_id=helper.id,
        status=MatchStatus.INTRODUCED,
        introduced_by_id=coordinator.user_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(match)
    db.session.flush()
    requester = listing.membership
    notify(requester.user, community_id, "match_introduced", {"name": helper.name, "title": listing.title}, f"/listings/{listing.id}")
    notify(helper.user, community_id, "match_introduced_helper", {"name": requester.name, "title": listing.title})
    audit.record(
        community_id,
        coordinator.user_id,
        "match.introduce",
        subject_membership_id=helper.id,
        target_type="match",
        target_id=match.id,
        listing_id=listing.id,
        requester_membership_id=requester.id,
        respected=list(respect),
    )
    return match, True


def set_match_status(coordinator: Membership, match_id: int, status: str, *, now: datetime | None = None) -> Match:
    """Mark a match accepted, declined or completed. Setting the status it already has is a
    no-op (a repeated form)."""
    match = db.session.get(Match, match_id)
    if match is None or match.community_id != coordinator.community_id:
        raise NotFound()
    if status == match.status:
        return match
    if status not in {str(s) for s in TRANSITIONS.get(MatchStatus(match.status), ())}:
        raise MatchStatusNotAllowed()
    previous = match.status
    match.status = status
    match.updated_at = now or utcnow()
    audit.record(
        coordinator.community_id,
        coordinator.user_id,
        "match.status",
        subject_membership_id=match.helper_membership_id,
        target_type="match",
        target_id=match.id,
        previous=previous,
        status=status,
    )
    return match


def complete_match(match: Match, entry_id: int, *, now: datetime | None = None) -> None:
    """An exchange from this match was posted: link the first entry and mark it completed."""
    if match.entry_id is None:
        match.entry_id = entry_id
    match.status = MatchStatus.COMPLETED
    match.updated_at = now or utcnow()
