"""The one change the ledger's triggers allow (migration 0009), for erasing a member: an entry's
note set to NULL, and nothing else, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from timebank import ledger
from timebank.extensions import db
from timebank.ledger import verify
from timebank.models import Entry


@pytest.fixture
def noted_entry(app, community, make_member):
    _, a = make_member()
    _, b = make_member()
    spec = ledger.exchange(community.id, a.id, b.id, 60, community.today(), note="Thanks, Robin")
    entry, _ = ledger.post_entry(spec)
    db.session.commit()
    return entry.id


def refused(sql: str, entry_id: int) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(text(sql), {"e": entry_id})
    except DBAPIError as error:
        return "immutable" in str(error.orig)
    return False


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entry SET note = 'edited' WHERE id = :e",
        "UPDATE entry SET note = '' WHERE id = :e",
        "UPDATE entry SET note = NULL, kind = 'adjustment' WHERE id = :e",
        "UPDATE entry SET note = NULL, occurred_on = '2020-01-01' WHERE id = :e",
        "UPDATE entry SET note = NULL, reason = 'x' WHERE id = :e",
        "DELETE FROM entry WHERE id = :e",
    ],
)
def test_the_triggers_refuse_every_other_change_to_an_entry(noted_entry, sql):
    assert refused(sql, noted_entry)


def test_the_triggers_let_a_note_be_erased_once_and_nothing_more(noted_entry):
    assert not refused("UPDATE entry SET note = NULL WHERE id = :e", noted_entry)
    assert db.session.scalar(select(Entry.note).where(Entry.id == noted_entry)) is None
    assert refused("UPDATE entry SET note = NULL WHERE id = :e", noted_entry), "a no-op update is still refused"
    assert not [check for check in verify() if not check.ok]


def test_the_sqlite_trigger_names_every_column_of_entry(app, backend):
    """The SQLite trigger lists the columns an erasure must leave as they were: a column added
    to `entry` without adding it there would be changeable."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL compares whole rows")
    sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'entry_no_update'"))
    missing = [c.name for c in Entry.__table__.columns if c.name != "note" and f"NEW.{c.name} IS OLD.{c.name}" not in sql]
    assert missing == []
