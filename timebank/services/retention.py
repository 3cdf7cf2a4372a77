"""Retention (UK GDPR: kept no longer than needed): what a community lets go of once it is
older than its `retention_days`, run daily by the `sweep_past_retention` job.

Notifications are deleted. Closed offers and requests lose their text (title, description and
the "I can help" messages on them) but keep their rows, which the report counts (A4, D6). The
ledger, the audit log and everything a report needs are kept. Mail in the outbox belongs to no
community: the installation-wide purge (`purge_old_records`, RETENTION_DAYS) deletes sent mail.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import Community, HelpOffer, Listing, ListingStatus, Notification
from .people.erasure import ERASED_TITLE


def purge_past_retention(community: Community, *, now: datetime) -> dict[str, int]:
    """Let go of what is past the community's retention; how many rows of each kind. Running
    it again finds nothing more to do."""
    cutoff = now - timedelta(days=community.retention_days)
    expired = (
        select(Listing.id)
        .where(Listing.community_id == community.id, Listing.status == ListingStatus.CLOSED, Listing.closed_at < cutoff)
    )
    return {
        "notifications": _count(
            delete(Notification).where(Notification.community_id == community.id, Notification.created_at < cutoff)
        ),
        "closed listings": _count(
            update(Listing)
            .where(Listing.id.in_(expired), (Listing.title != ERASED_TITLE) | (Listing.description != ""))
            .values(title=ERASED_TITLE, description="")
        ),
        "help messages": _count(
            update(HelpOffer).where(HelpOffer.listing_id.in_(expired), HelpOffer.message.is_not(None)).values(message=None)
        ),
    }


def _count(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
