"""The audit log: every coordinator action, who, what, when, on whom, and from where."""
from datetime import datetime

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEvent
from ..models.types import utcnow


def record(
    community_id: int,
    actor_id: int | None,
    action: str,
    *,
    subject_membership_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    now: datetime | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event in the caller's transaction (so it exists exactly when the action does).

    `action` is a stable verb such as "member.approve" or "entry.reverse"; `details` must be
    plain JSON values and must not repeat private notes or safeguarding detail. `now` dates the
    event (the action's own time, so that history can be recorded after the fact)."""
    event = AuditEvent(
        community_id=community_id,
        actor_id=actor_id,
        action=action,
        subject_membership_id=subject_membership_id,
        target_type=target_type,
        target_id=target_id,
        details=details,
        remote_addr=request.remote_addr if has_request_context() else "cli",
        created_at=now or utcnow(),
    )
    db.session.add(event)
    return event
