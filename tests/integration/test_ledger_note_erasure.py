"""Entry notes live beside the immutable entries (migration 0013), on SQLite and PostgreSQL: every
update and delete of an entry or a posting is refused, without exception; a note row is never
updated but may be deleted, which is how a member's erasure removes it."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from timebank import ledger
from timebank.extensions import db
from timebank.ledger import verify
from timebank.ledger.notes import erase_notes
from timebank.models import Entry, EntryNote

NOTE = "Thanks, Robin"


@pytest.fixture
def noted(app, community, make_member):
    _, a = make_member()
    _, b = make_member()
    entry, _ = ledger.post_entry(ledger.exchange(community.id, a.id, b.id, 60, community.today(), note=NOTE))
    plain, _ = ledger.post_entry(ledger.exchange(community.id, b.id, a.id, 30, community.today()))
    db.session.commit()
    return {"entry": entry.id, "plain": plain.id, "account": a.id, "hash": entry.content_hash}


def refused(sql: str, entry_id: int) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(text(sql), {"e": entry_id})
    except DBAPIError as error:
        return "immutable" in str(error.orig)
    return False


def test_the_note_is_written_beside_the_entry_and_read_through_it(noted):
    assert db.session.scalar(select(EntryNote.note).where(EntryNote.entry_id == noted["entry"])) == NOTE
    assert db.session.get(Entry, noted["entry"]).note == NOTE
    assert db.session.scalar(select(Entry.note).where(Entry.id == noted["entry"])) == NOTE
    assert db.session.get(Entry, noted["plain"]).note is None
    assert db.session.get(EntryNote, noted["plain"]) is None, "no row for an entry without a note"
    assert "note" not in Entry.__table__.columns


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entry SET kind = 'adjustment' WHERE id = :e",
        "UPDATE entry SET occurred_on = occurred_on WHERE id = :e",
        "UPDATE entry SET reason = NULL WHERE id = :e",
        "DELETE FROM entry WHERE id = :e",
        "UPDATE posting SET minutes = minutes WHERE entry_id = :e",
        "DELETE FROM posting WHERE entry_id = :e",
        "UPDATE entry_note SET note = 'edited' WHERE entry_id = :e",
        "UPDATE entry_note SET note = note WHERE entry_id = :e",
    ],
)
def test_every_update_of_an_entry_a_posting_or_a_note_is_refused(noted, sql):
    assert refused(sql, noted["entry"])
    assert db.session.get(Entry, noted["entry"]).note == NOTE


def test_erasure_deletes_the_note_rows_and_leaves_the_entry_as_it_was(noted):
    entry = db.session.get(Entry, noted["entry"])
    assert entry.note == NOTE  # loaded before the erasure: it must not keep showing the note
    assert erase_notes(noted["account"]) == 1
    db.session.commit()
    assert entry.note is None
    assert db.session.scalar(select(Entry.note).where(Entry.id == noted["entry"])) is None
    assert db.session.get(EntryNote, noted["entry"]) is None
    assert entry.content_hash == noted["hash"]
    assert erase_notes(noted["account"]) == 0, "nothing left to erase"
    assert not [check for check in verify() if not check.ok]


def test_a_note_row_can_be_deleted_directly(noted):
    assert not refused("DELETE FROM entry_note WHERE entry_id = :e", noted["entry"])


def test_an_empty_note_row_is_refused(noted):
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("INSERT INTO entry_note (entry_id, note) VALUES (:e, '')"), {"e": noted["plain"]})
