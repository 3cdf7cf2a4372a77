"""Late entries: an entry's booking month, apart from its service date.

`entry.booked_on` is NULL for an entry booked in its service month (every entry before this
revision) and, for a late entry (its service month was closed when it was recorded), the date it
was booked: the community's today, always in an open month. A closed month's seal covers the
entries booked in it (`coalesce(booked_on, occurred_on)`), so existing seals are unchanged.

A plain ADD COLUMN on both dialects (no batch rebuild on SQLite): the entry table's
immutability triggers stay as they are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("entry", sa.Column("booked_on", sa.Date(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place (no table rebuild, triggers kept).
        op.execute("ALTER TABLE entry DROP COLUMN booked_on")
    else:
        op.drop_column("entry", "booked_on")
