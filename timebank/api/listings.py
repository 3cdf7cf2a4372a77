"""Offers and requests: browse and search them, post one, close your own, through the same
services as the member pages."""
from flask import url_for
from flask_smorest import Blueprint

from ..models import Listing
from ..services.listings import browse, close_listing, create_listing, visible_listing
from .context import member_context
from .endpoints import reads, writes
from .idempotency import submission_id
from .schemas.common import CommunityArgs
from .schemas.listings import ListingArgs, ListingPageSchema, ListingSchema, NewListingSchema

bp = Blueprint("listings", __name__, url_prefix="/api/v1/listings", description="Offers and requests.")
LISTING_ID = "<int(max=2147483647):listing_id>"


@bp.get("")
@reads()
@bp.arguments(ListingArgs, location="query")
@bp.response(200, ListingPageSchema)
def list_listings(args):
    """Open offers and requests in one community, newest first, optionally of one type, one
    category, or matching words in `q`"""
    membership, _account = member_context(args["community"])
    rows, next_before = browse(
        membership, type_=args["type"], category_id=args["category_id"], text=args["q"], before=args["cursor"], limit=args["limit"]
    )
    return {"items": [_dump(row, membership.id) for row in rows], "next_cursor": next_before}


@bp.get(f"/{LISTING_ID}")
@reads()
@bp.arguments(CommunityArgs, location="query")
@bp.response(200, ListingSchema)
def get_listing(args, listing_id: int):
    """One offer or request: your own, or an open one of someone in the directory"""
    membership, _account = member_context(args["community"])
    return _dump(visible_listing(membership, listing_id), membership.id)


@bp.post("")
@writes(creates=True)
@bp.arguments(NewListingSchema)
@bp.response(201, ListingSchema)
def create(data):
    """Post an offer or a request"""
    membership, _account = member_context(data["community"])
    listing, _created = create_listing(
        membership,
        type_=data["type"],
        title=data["title"],
        description=data["description"],
        category_id=data["category_id"],
        submission_id=submission_id(),
    )
    return _dump(listing, membership.id), 201, {"Location": url_for("listings.get_listing", listing_id=listing.id)}


@bp.post(f"/{LISTING_ID}/close")
@writes(creates=False)
@bp.arguments(CommunityArgs, location="query")
@bp.response(200, ListingSchema)
def close(args, listing_id: int):
    """Close one of your offers or requests: it no longer shows to others"""
    membership, _account = member_context(args["community"])
    return _dump(close_listing(membership, listing_id), membership.id)


def _dump(listing: Listing, membership_id: int) -> dict:
    return {
        "id": listing.id,
        "community": listing.membership.community.slug,
        "type": listing.type,
        "status": listing.status,
        "title": listing.title,
        "description": listing.description,
        "category": {"id": listing.category.id, "name": listing.category.name} if listing.category else None,
        "posted_by": listing.membership.name,
        "mine": listing.membership_id == membership_id,
        "created_at": listing.created_at,
        "closed_at": listing.closed_at,
    }
