"""The one change the ledger allows to an entry: its note erased (UK GDPR, a member's erasure).

An entry's note is free text a member or coordinator wrote (copied from the exchange), the only
personal text on the immutable rows. The triggers (migration 0009) let it be set to NULL and
refuse every other change, so amounts, dates, kinds, seals and report figures cannot move.
"""
from sqlalchemy import select, update

from ..extensions import db
from ..models import Entry, Posting


def erase_notes(account_id: int) -> int:
    """Set to NULL the note of every entry with a posting on this account; how many had one."""
    statement = (
        update(Entry)
        .where(Entry.id.in_(select(Posting.entry_id).where(Posting.account_id == account_id)), Entry.note.is_not(None))
        .values(note=None)
    )
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
