"""Offers and requests: members post what they can give and what they need; others browse
them within their community, and say "I can help" with a request. Each expires after its
community's `listing_days` (`services.listing_expiry`): from then it leaves the lists and the
search, and only its owner sees it."""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..errors import InvalidInput, NotFound, SubmissionConflict
from ..extensions import db
from ..models import ActivityCategory, HelpOffer, Listing, ListingStatus, ListingType, Membership, MembershipStatus
from ..models.types import utcnow
from ..pagination import SHORT_PAGE, page_of
from .communities import check_activity
from .messages import open_for_help
from .notifications import notify, notify_coordinators
from .submissions import add_once

TITLE_MAX = 120
#: How much of a search is used (the pages' search box cuts there too: `web.args.SEARCH_MAX`),
#: and how many of its words.
SEARCH_MAX = 100
SEARCH_WORDS = 5


def _validate(type_: str, title: str, description: str) -> tuple[str, str]:
    if type_ not in set(ListingType):
        raise InvalidInput(_("Choose offer or request."))
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Enter a short title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The title must be %(n)d characters or fewer.", n=TITLE_MAX))
    return title, (description or "").strip()


def create_listing(membership: Membership, *, type_: str, title: str, description: str, category_id: int | None, submission_id: str, now: datetime | None = None) -> tuple[Listing, bool]:
    def find_existing():
        return db.session.scalar(
            select(Listing).where(Listing.community_id == membership.community_id, Listing.submission_id == submission_id)
        )

    existing = find_existing()
    if existing is not None:
        return _same_submitter(existing, membership), False
    title, description = _validate(type_, title, description)
    check_activity(membership.community_id, category_id, field="category")
    listing = Listing(
        community_id=membership.community_id,
        membership_id=membership.id,
        type=type_,
        title=title,
        description=description,
        category_id=category_id,
        submission_id=submission_id,
        created_at=now or utcnow(),
    )
    listing.updated_at = listing.created_at
    from .listing_expiry import expiry_for

    listing.expires_on = expiry_for(membership.community, membership.community.today(listing.created_at))
    listing, created = add_once(listing, find_existing)
    return _same_submitter(listing, membership), created


def _same_submitter(listing: Listing, membership: Membership) -> Listing:
    if listing.membership_id != membership.id:
        raise SubmissionConflict()
    return listing


def own_listing(membership: Membership, listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.membership_id != membership.id:
        raise NotFound()
    return listing


def update_listing(
    membership: Membership, listing_id: int, *, title: str, description: str, category_id: int | None, now: datetime | None = None
) -> Listing:
    listing = own_listing(membership, listing_id)
    listing.title, listing.description = _validate(listing.type, title, description)
    check_activity(membership.community_id, category_id, field="category")
    listing.category_id = category_id
    listing.updated_at = now or utcnow()
    return listing


def close_listing(membership: Membership, listing_id: int, *, now: datetime | None = None) -> Listing:
    listing = own_listing(membership, listing_id)
    if listing.status != ListingStatus.CLOSED:
        listing.status = ListingStatus.CLOSED
        listing.closed_at = now or utcnow()
    return listing


def visible_listing(membership: Membership, listing_id: int) -> Listing:
    """A listing the member may see: their own, or an open one of a directory member of the
    same community."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.community_id != membership.community_id:
        raise NotFound()
    if listing.membership_id != membership.id and not (
        listing.membership.in_directory
        and listing.membership.status == MembershipStatus.ACTIVE
        and listing.status == ListingStatus.OPEN
        and not listing.expired(membership.community.today())
    ):
        raise NotFound()
    return listing


def like_pattern(word: str) -> str:
    """`%word%` for a LIKE with ESCAPE '\\': what people type matches itself, `%` and `_`
    included."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def browse(membership: Membership, *, type_: str | None = None, category_id: int | None = None, text: str | None = None, before: int | None = None, limit: int = SHORT_PAGE, today: date | None = None) -> tuple[list[Listing], int | None]:
    """Open, unexpired listings of directory members in the member's community, newest first,
    keyed by id. `text`: every word (up to five, of its first 100 characters) must appear,
    in any case, in the title, the description, the activity's name or the holder's skills."""
    today = today or membership.community.today()
    query = (
        select(Listing)
        .join(Membership, Membership.id == Listing.membership_id)
        .outerjoin(ActivityCategory, ActivityCategory.id == Listing.category_id)
        .where(
            Listing.community_id == membership.community_id,
            Listing.status == ListingStatus.OPEN,
            or_(Listing.expires_on.is_(None), Listing.expires_on > today),
            Membership.status == MembershipStatus.ACTIVE,
            or_(Membership.in_directory.is_(True), Membership.id == membership.id),
        )
    )
    if type_:
        query = query.where(Listing.type == type_)
    if category_id:
        query = query.where(Listing.category_id == category_id)
    for word in (text or "")[:SEARCH_MAX].split()[:SEARCH_WORDS]:
        pattern = like_pattern(word)
        query = query.where(
            or_(*(
                func.lower(func.coalesce(column, "")).like(pattern, escape="\\")
                for column in (Listing.title, Listing.description, ActivityCategory.name, Membership.skills)
            ))
        )
    if before is not None:
        query = query.where(Listing.id < before)
    return page_of(db.session.scalars(query.order_by(Listing.id.desc()).limit(limit + 1)).all(), limit)


def own_listings(membership: Membership) -> list[Listing]:
    return list(
        db.session.scalars(
            select(Listing).where(Listing.membership_id == membership.id).order_by(Listing.status.desc(), Listing.id.desc())
        )
    )


def offer_help(membership: Membership, listing_id: int, message: str | None = None, *, now: datetime | None = None) -> tuple[HelpOffer, bool]:
    """Say "I can help" with a request: the requester and the coordinators hear of it. No
    contact details change hands unless the helper chose to share them in their profile."""
    listing = visible_listing(membership, listing_id)
    if listing.type != ListingType.REQUEST or listing.membership_id == membership.id:
        raise NotFound()
    existing = db.session.scalar(
        select(HelpOffer).where(HelpOffer.listing_id == listing.id, HelpOffer.membership_id == membership.id)
    )
    if existing is not None:
        return existing, False
    offer = HelpOffer(
        listing_id=listing.id, membership_id=membership.id, message=(message or "").strip() or None,
        created_at=now or utcnow(),
    )
    db.session.add(offer)
    db.session.flush()
    open_for_help(offer, listing, now=now)  # so that the requester can reply
    params = {"name": membership.name, "title": listing.title}
    notify(listing.membership.user, listing.community_id, "help_offered", params, f"/listings/{listing.id}", now=now)
    notify_coordinators(listing.community_id, "help_offered", params, f"/listings/{listing.id}", now=now)
    return offer, True


def help_offers(listing: Listing) -> list[HelpOffer]:
    return list(db.session.scalars(select(HelpOffer).where(HelpOffer.listing_id == listing.id).order_by(HelpOffer.id)))
