"""Suggested helpers for a request, best first.

Suggestions are ranked in one query. What counts, in order of weight: the person said "I can
help" with this very request; they have an open offer in the request's activity (or one whose
title shares a word with it); their skills mention words of the request; and they have NOT yet
exchanged time with the requester (a new tie grows the network, which co-production is about;
"exchanged" is read from the ledger: one entry in which one of them gave and the other
received). Saying when they are free counts a little, and more when it shares words with the
request. Nobody suspended or gone, nobody without an open account, never the requester, and
nobody with an unlifted restriction among those the coordinator said this request must respect,
and nobody without a current check of the kind the request's activity needs
(`services/activity_checks.py`; `left_out` says who and why).
"""
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    Account,
    Community,
    HelpOffer,
    Listing,
    ListingStatus,
    ListingType,
    Match,
    Membership,
    MembershipStatus,
    Posting,
    Restriction,
    RestrictionCode,
    User,
)
from ..activity_checks import LeftOut, missing_checks, required_check
from .requests import open_request

SUGGESTIONS = 20
#: Shown at first; "show more" asks for up to SUGGESTIONS.
FIRST_SUGGESTIONS = 8
#: Words too common to say anything about a request.
STOPWORDS = frozenset(
    "about after also been could from have help into just like need needs some someone that their them then there "
    "they this very want wants what when where which while will with would your please".split()
)

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
    #: What the member wrote, and how to reach them (coordinators see contact details).
    skills: str | None = None
    availability: str | None = None
    contact_by: str | None = None
    phone: str | None = None
    email: str | None = None


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


def left_out(community_id: int, listing_id: int, today: date | None = None) -> list[LeftOut]:
    """Who the request's activity leaves out for lack of a current check, and why (by name)."""
    listing = open_request(community_id, listing_id)
    if today is None:
        today = db.session.get(Community, community_id).today()
    return missing_checks(community_id, required_check(community_id, listing.category_id), today)


def suggestions(
    community_id: int, listing_id: int, *, respect=(), limit: int = SUGGESTIONS, today: date | None = None
) -> list[Suggestion]:
    """The best-placed people to help with a request, best first (see the module docstring)."""
    listing = open_request(community_id, listing_id)
    excluded = [person.membership_id for person in left_out(community_id, listing_id, today)]
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
    name = Membership.name

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
            Membership.availability.label("availability_text"),
            Membership.contact_by,
            Membership.phone,
            User.email,
        )
        .join(Account, Account.membership_id == Membership.id)
        .join(User, User.id == Membership.user_id)
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
    if excluded:
        query = query.where(Membership.id.not_in(excluded))
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
            skills=r.skills_text,
            availability=r.availability_text,
            contact_by=r.contact_by,
            phone=r.phone,
            email=r.email,
        )
        for r in rows
    ]
