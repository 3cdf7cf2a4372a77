"""Erasure and retention: a community's retention period, and the one change the ledger allows.

An entry's free-text note (`entry.note`) is the only personal text on the immutable ledger rows
(it is copied from the exchange a member logged). To erase a member on request (UK GDPR) it may
be set to NULL, and nothing else: every other column of every entry, and every posting, stays
refused by the same triggers, under the same names (`ledger verify` checks them). Any other
update, a note set to anything but NULL, or a "change" of a note that is already NULL is
refused as before. The trigger lists every column of `entry` as of this revision: a migration
that adds a column to `entry` must add it here too (tests/integration/test_ledger_note_erasure.py checks).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ENTRY_COLUMNS_BUT_NOTE = (
    "id", "community_id", "kind", "occurred_on", "recorded_at", "recorded_by_id", "confirmed_by_id",
    "confirmation", "activity_id", "coproduction_step", "ladder_rung", "idempotency_key",
    "content_hash", "reverses_id", "reason", "limit_override",
)

REFUSAL = "ledger entry rows are immutable: record a reversal instead"

SQLITE_NOTE_ERASED = " AND ".join(
    ["OLD.note IS NOT NULL", "NEW.note IS NULL", *(f"NEW.{c} IS OLD.{c}" for c in ENTRY_COLUMNS_BUT_NOTE)]
)
SQLITE_UPDATE_TRIGGER = (
    f"CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry WHEN NOT ({SQLITE_NOTE_ERASED}) "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
)
SQLITE_UPDATE_TRIGGER_0001 = (
    f"CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
)

POSTGRES_FUNCTION = """
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


def upgrade():
    # On SQLite the CHECK goes on the column, added in place: a batch rebuild of `community`
    # would have to drop the table, which its foreign keys refuse once there is data.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE community ADD COLUMN retention_days INTEGER NOT NULL DEFAULT '365' "
            "CONSTRAINT ck_community_retention_days_at_least_30 CHECK (retention_days >= 30)"
        )
    else:
        op.add_column('community', sa.Column('retention_days', sa.Integer(), nullable=False, server_default='365'))
        op.create_check_constraint(op.f('ck_community_retention_days_at_least_30'), 'community', 'retention_days >= 30')

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute("DROP TRIGGER entry_immutable ON entry")
        op.execute(
            "CREATE TRIGGER entry_immutable BEFORE UPDATE OR DELETE ON entry "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change()"
        )
    else:
        op.execute("DROP TRIGGER entry_no_update")
        op.execute(SQLITE_UPDATE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER entry_immutable ON entry")
        op.execute(
            "CREATE TRIGGER entry_immutable BEFORE UPDATE OR DELETE ON entry "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        )
        op.execute("DROP FUNCTION ledger_entry_refuse_change()")
    else:
        op.execute("DROP TRIGGER entry_no_update")
        op.execute(SQLITE_UPDATE_TRIGGER_0001)

    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE community DROP COLUMN retention_days")
    else:
        op.drop_constraint(op.f('ck_community_retention_days_at_least_30'), 'community', type_='check')
        op.drop_column('community', 'retention_days')
