"""Erasing the notes of a member's entries (UK GDPR, a member's erasure), without touching an entry.

An entry's note is free text a member or coordinator wrote (copied from the exchange), the only
personal text the ledger keeps. It lives beside the entry, in `entry_note` (migration 0013), so
that the entries and postings themselves are never updated or deleted (I5, no exception). Note
rows are never updated either (a trigger refuses it); erasing one deletes it, and `Entry.note`
then reads None. Amounts, dates, kinds, idempotency hashes and period seals do not move, so
`ledger verify` still passes.
"""
from sqlalchemy import delete, select

from ..extensions import db
from ..models import Entry, EntryNote, Posting


def erase_notes(account_id: int) -> int:
    """Delete the note of every entry with a posting on this account; how many had one."""
    theirs = select(Posting.entry_id).where(Posting.account_id == account_id)
    statement = delete(EntryNote).where(EntryNote.entry_id.in_(theirs))
    erased = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    # Entries already loaded would still show the note they read before.
    for entry in [obj for obj in db.session.identity_map.values() if isinstance(obj, Entry)]:
        db.session.expire(entry, ["note"])
    return erased
