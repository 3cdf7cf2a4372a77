"""Entry notes in a side table: the entry rows immutable without exception again (I5).

0009 let one UPDATE through the entry triggers: `entry.note` set to NULL, to erase a member.
Here the note moves to `entry_note` (one row per entry that has a note, the entry's id as its
key), whose rows are never updated (a trigger refuses it) but may be deleted, which is how a
note is now erased. Existing notes are copied across (empty ones were never a note), then
`entry.note` is dropped and the entry triggers are put back as the strict no-update/no-delete
ones of 0001, under the same names (`ledger verify` checks them; PostgreSQL's 0009 function
goes). SQLite drops the column in place (batch mode without a table copy: SQLite 3.35 can, once
0009's trigger, which names the column, is gone), so `entry` is never dropped and recreated
under its postings. The downgrade puts the column back, copies the notes into it, and restores
0009's triggers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen as of this revision (0001's and 0009's statements, repeated so that editing those
# files cannot change what this one does).
ENTRY_REFUSAL = "ledger entry rows are immutable: record a reversal instead"
SQLITE_ENTRY_NO_UPDATE = (
    f"CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry BEGIN SELECT RAISE(ABORT, '{ENTRY_REFUSAL}'); END"
)
SQLITE_NOTE_NO_UPDATE = (
    "CREATE TRIGGER entry_note_no_update BEFORE UPDATE ON entry_note "
    "BEGIN SELECT RAISE(ABORT, 'ledger entry_note rows are immutable: delete a note to erase it'); END"
)
POSTGRES_ENTRY_IMMUTABLE = (
    "CREATE TRIGGER entry_immutable BEFORE UPDATE OR DELETE ON entry "
    "FOR EACH ROW EXECUTE FUNCTION {function}()"
)
POSTGRES_NOTE_IMMUTABLE = (
    "CREATE TRIGGER entry_note_immutable BEFORE UPDATE ON entry_note "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
)

# 0009's, for the downgrade.
ENTRY_COLUMNS_BUT_NOTE = (
    "id", "community_id", "kind", "occurred_on", "recorded_at", "recorded_by_id", "confirmed_by_id",
    "confirmation", "activity_id", "coproduction_step", "ladder_rung", "idempotency_key",
    "content_hash", "reverses_id", "reason", "limit_override",
)
SQLITE_NOTE_ERASED = " AND ".join(
    ["OLD.note IS NOT NULL", "NEW.note IS NULL", *(f"NEW.{c} IS OLD.{c}" for c in ENTRY_COLUMNS_BUT_NOTE)]
)
SQLITE_ENTRY_NO_UPDATE_0009 = (
    f"CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry WHEN NOT ({SQLITE_NOTE_ERASED}) "
    f"BEGIN SELECT RAISE(ABORT, '{ENTRY_REFUSAL}'); END"
)
POSTGRES_FUNCTION_0009 = """
CREATE FUNCTION ledger_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one allowed change: an erased member's note set to NULL, every other column as it was.
    IF TG_OP = 'UPDATE' AND OLD.note IS NOT NULL AND NEW.note IS NULL
            AND (to_jsonb(NEW) - 'note') = (to_jsonb(OLD) - 'note') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger % rows are immutable: % refused, record a reversal instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table('entry_note',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('length(note) > 0', name=op.f('ck_entry_note_note_not_empty')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_note_entry_id_entry'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entry_note'))
    )
    op.execute("INSERT INTO entry_note (entry_id, note) SELECT id, note FROM entry WHERE length(note) > 0")

    if _postgresql():
        op.execute("DROP TRIGGER entry_immutable ON entry")
        op.drop_column('entry', 'note')
        op.execute(POSTGRES_ENTRY_IMMUTABLE.format(function="ledger_refuse_change"))
        op.execute("DROP FUNCTION ledger_entry_refuse_change()")
        op.execute(POSTGRES_NOTE_IMMUTABLE)
    else:
        op.execute("DROP TRIGGER entry_no_update")
        with op.batch_alter_table('entry', schema=None, recreate='never') as batch_op:
            batch_op.drop_column('note')
        op.execute(SQLITE_ENTRY_NO_UPDATE)
        op.execute(SQLITE_NOTE_NO_UPDATE)


def downgrade():
    if _postgresql():
        op.execute("DROP TRIGGER entry_note_immutable ON entry_note")
        op.execute("DROP TRIGGER entry_immutable ON entry")
        op.add_column('entry', sa.Column('note', sa.Text(), nullable=True))
        op.execute("UPDATE entry SET note = entry_note.note FROM entry_note WHERE entry_note.entry_id = entry.id")
        op.execute(POSTGRES_FUNCTION_0009)
        op.execute(POSTGRES_ENTRY_IMMUTABLE.format(function="ledger_entry_refuse_change"))
    else:
        op.execute("DROP TRIGGER entry_note_no_update")
        op.execute("DROP TRIGGER entry_no_update")
        with op.batch_alter_table('entry', schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        op.execute(
            "UPDATE entry SET note = (SELECT entry_note.note FROM entry_note WHERE entry_note.entry_id = entry.id) "
            "WHERE id IN (SELECT entry_id FROM entry_note)"
        )
        op.execute(SQLITE_ENTRY_NO_UPDATE_0009)
    op.drop_table('entry_note')
