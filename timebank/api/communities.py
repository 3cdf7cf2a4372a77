"""Communities: those you belong to, one in detail, and its reciprocity report."""
from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import ActivityCategory
from .auth import caller
from .context import my_memberships
from .endpoints import reads
from .schemas.common import SLUG_RE
from .schemas.communities import CommunityDetailSchema, CommunityListSchema, ReportArgs, ReportSchema

bp = Blueprint("communities", __name__, url_prefix="/api/v1/communities", description="The timebanks you belong to, and their reports.")
SLUG = "<string(maxlength=60):slug>"


@bp.get("")
@reads()
@bp.response(200, CommunityListSchema)
def list_communities():
    """The communities you are an active member of, with your role in each"""
    return {"items": [_dump(m) for m in my_memberships()]}


@bp.get(f"/{SLUG}")
@reads()
@bp.response(200, CommunityDetailSchema)
def get_community(slug: str):
    """One of your communities, with its activities (the `activity_id`s to log time with)"""
    membership = _mine(slug)
    activities = db.session.execute(
        select(ActivityCategory.id, ActivityCategory.name)
        .where(ActivityCategory.community_id == membership.community_id, ActivityCategory.active.is_(True))
        .order_by(ActivityCategory.name)
    ).all()
    return {**_dump(membership), "activities": [{"id": a.id, "name": a.name} for a in activities]}


@bp.get(f"/{SLUG}/report")
@reads("reports")
@bp.arguments(ReportArgs, location="query")
@bp.response(200, ReportSchema)
def report(args, slug: str):
    """The community's reciprocity report for a period: the same figures, and the same privacy
    rules, as the report pages. Funders choose a closed month, quarter, year or the whole
    programme (`period`, or its exact `from` and `to`), and see small cells suppressed
    consistently across all of those periods; coordinators may ask for any dates."""
    from ..metrics import get_report
    from ..metrics.funder_periods import allowed_periods, get_funder_report
    from ..services.access import viewable_community
    from ..services.report_periods import funder_period, parse_period

    community, unsuppressed = viewable_community(caller().user, slug)
    query = {key: value for key, value in (("period", args.get("period")),
                                           ("from", args.get("from_") and args["from_"].isoformat()),
                                           ("to", args.get("to") and args["to"].isoformat())) if value}
    if unsuppressed:
        period = parse_period(query, community.today())
        return jsonify(get_report(community, period.start, period.end, suppress=False))
    return jsonify(get_funder_report(community, funder_period(query, allowed_periods(community))))


def _mine(slug: str):
    membership = next((m for m in my_memberships() if m.community.slug == slug), None) if SLUG_RE.match(slug) else None
    if membership is None:
        raise NotFound()
    return membership


def _dump(membership) -> dict:
    community = membership.community
    return {
        "slug": community.slug,
        "name": community.name,
        "role": membership.role,
        "timezone": community.timezone,
        "currency": community.currency,
        "auto_confirm_days": community.auto_confirm_days,
        "backdate_days": community.backdate_days,
    }
