"""Private notes about a member: written and read by the coordinators of the member's community
only, never on member pages, never repeated in the audit log (which keeps only their ids)."""
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..models import MemberNote, Membership, User
from ..models.types import utcnow
from .people.memberships import membership_here
from .safeguarding import record_action

NOTE_MAX = 5000


def add_note(actor: Membership, membership_id: int, body: str, *, audited: bool = True, now: datetime | None = None) -> MemberNote:
    membership = membership_here(actor, membership_id)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write the note."), field="body")
    if len(body) > NOTE_MAX:
        raise InvalidInput(_("Keep the note to %(n)d characters or fewer.", n=NOTE_MAX), field="body")
    note = MemberNote(membership_id=membership.id, author_id=actor.user_id, body=body, created_at=now or utcnow())
    db.session.add(note)
    db.session.flush()
    if audited:
        record_action(actor, "note.add", membership, "member_note", note.id, now=now)
    return note


class NoteRow(NamedTuple):
    id: int
    body: str
    created_at: datetime
    author: str


def notes_for(membership_id: int, limit: int = 100) -> list[NoteRow]:
    """A member's private notes, newest first, with their authors' names (one query)."""
    rows = db.session.execute(
        select(MemberNote.id, MemberNote.body, MemberNote.created_at, User.name)
        .join(User, User.id == MemberNote.author_id)
        .where(MemberNote.membership_id == membership_id)
        .order_by(MemberNote.created_at.desc(), MemberNote.id.desc())
        .limit(limit)
    ).all()
    return [NoteRow(*row) for row in rows]
