"""Group sessions, for coordinators: the list, one session, and recording one from its register,
through the same service as the group session pages."""
from flask import url_for
from flask_smorest import Blueprint

from ..errors import NotFound
from ..extensions import db
from ..models import Community, GroupSession
from ..services.sessions.reading import session_detail, session_list
from ..services.sessions.record import SessionInput, record_session
from .context import coordinator_context, coordinator_in
from .endpoints import reads, writes
from .idempotency import submission_id
from .schemas.common import CursorArgs
from .schemas.sessions import NewSessionSchema, SessionPageSchema, SessionSchema

bp = Blueprint("sessions", __name__, url_prefix="/api/v1/group-sessions", description="Group sessions recorded from a register (coordinators only).")


@bp.get("")
@reads()
@bp.arguments(CursorArgs, location="query")
@bp.response(200, SessionPageSchema)
def list_sessions(args):
    """Group sessions, newest first, with the size of each register"""
    coordinator = coordinator_context(args["community"])
    rows, next_before = session_list(coordinator.community_id, before=args["cursor"], limit=args["limit"])
    return {"items": [_dump(session, people) for session, people in rows], "next_cursor": next_before}


@bp.get("/<int(max=2147483647):session_id>")
@reads()
@bp.response(200, SessionSchema)
def get_session(session_id: int):
    """One group session"""
    session = db.session.get(GroupSession, session_id)
    if session is None:
        raise NotFound()
    coordinator = coordinator_in(session.community_id)
    session, _lines, _activity = session_detail(coordinator.community_id, session_id)
    return _dump(session, len(session.register))


@bp.post("")
@writes(creates=True)
@bp.arguments(NewSessionSchema)
@bp.response(201, SessionSchema)
def create(data):
    """Record a group session and its register: one ledger entry with every posting

    Who pays: `attendees` (a class: each attendee pays the facilitators), `organisation` (give
    `payer_account_id`) or `pot`. If anyone would pass a limit, nothing is recorded
    (`limit_exceeded`).
    """
    coordinator = coordinator_context(data["community"])
    session, _created = record_session(
        coordinator,
        SessionInput(
            title=data["title"],
            occurred_on=data["occurred_on"],
            activity_id=data["activity_id"],
            minutes_each=data["minutes_each"],
            payer=data["payer"],
            facilitator_ids=tuple(data["facilitator_ids"]),
            attendee_ids=tuple(data["attendee_ids"]),
            payer_account_id=data["payer_account_id"],
            coproduction_step=data["coproduction_step"],
            ladder_rung=data["ladder_rung"],
            note=data["note"],
        ),
        submission_id=submission_id(),
    )
    people = len(data["facilitator_ids"]) + len(data["attendee_ids"])
    return _dump(session, people), 201, {"Location": url_for("sessions.get_session", session_id=session.id)}


def _dump(session: GroupSession, people: int) -> dict:
    return {
        "id": session.id,
        "community": db.session.get(Community, session.community_id).slug,
        "title": session.title,
        "occurred_on": session.occurred_on,
        "activity_id": session.activity_id,
        "coproduction_step": session.coproduction_step,
        "ladder_rung": session.ladder_rung,
        "payer": session.payer,
        "payer_account_id": session.payer_account_id,
        "minutes_each": session.minutes_each,
        "people": people,
        "entry_id": session.entry_id,
        "created_at": session.created_at,
    }

