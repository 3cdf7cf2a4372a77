"""Checks activities need: in the demo, "Lifts and accompanying" needs a DBS check, so the
suggestions for a lift request leave out the member whose DBS check has expired
(`demo/safeguarding.py` makes one), and say why.

Set after the history is made (the demo's past introductions came before the rule), and as a
row rather than through `services.activity_checks.set_required_check`: that service audits the
change at the time it is given, and the demo's audit log must stay in time order and the same
for the same seed, which an event dated "now" at the end would break."""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import ActivityCategory, ActivityCheck, Community

ACTIVITY, CHECK = "Lifts and accompanying", "DBS"


def seed_activity_checks(community: Community, *, today: date) -> dict[str, int]:
    activity_id = db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id, ActivityCategory.name == ACTIVITY)
    )
    if activity_id is None:
        return {}
    db.session.add(ActivityCheck(community_id=community.id, activity_id=activity_id, check_kind=CHECK,
                                 created_at=datetime.combine(today - timedelta(days=1), time(9, 0), UTC)))
    db.session.flush()
    return {"activities needing a check": 1}
