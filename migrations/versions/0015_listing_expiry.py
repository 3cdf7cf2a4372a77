"""Listings that expire, and the weekly digest: `listing.expires_on` (backfilled as the day it
was posted plus 90 days) and `listing.reminded_at`; `community.listing_days` (NULL: 90, else 7
to 365); and on each membership `digest_weekly` (on for people who get notifications by email)
and `last_digest_at`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:00:00.000000

"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

DEFAULT_DAYS = 90
LISTING_DAYS_CHECK = 'listing_days IS NULL OR (listing_days >= 7 AND listing_days <= 365)'


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    # SQLite: every column is added (and dropped) in place, never by copying the table, which
    # would DROP `community` and `membership` under the rows that refer to them.
    with op.batch_alter_table('listing', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
    if _sqlite():
        # A CHECK on the column itself: SQLite can add that in place (and drop the column later).
        op.execute(
            'ALTER TABLE community ADD COLUMN listing_days INTEGER '
            f'CONSTRAINT ck_community_listing_days_in_range CHECK ({LISTING_DAYS_CHECK})'
        )
    else:
        op.add_column('community', sa.Column('listing_days', sa.Integer(), nullable=True))
        op.create_check_constraint(op.f('ck_community_listing_days_in_range'), 'community', LISTING_DAYS_CHECK)
    with op.batch_alter_table('membership', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('digest_weekly', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    # Backfill in Python: date arithmetic differs between SQLite and PostgreSQL.
    listing = sa.table('listing', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime), sa.column('expires_on', sa.Date))
    for row in bind.execute(sa.select(listing.c.id, listing.c.created_at)).all():
        created = row.created_at
        if isinstance(created, str):  # SQLite without type affinity
            created = datetime.fromisoformat(created)
        bind.execute(
            listing.update().where(listing.c.id == row.id).values(expires_on=created.date() + timedelta(days=DEFAULT_DAYS))
        )
    membership = sa.table('membership', sa.column('email_notifications', sa.Boolean), sa.column('digest_weekly', sa.Boolean))
    bind.execute(membership.update().values(digest_weekly=membership.c.email_notifications))


def downgrade():
    with op.batch_alter_table('membership', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('digest_weekly')
    if _sqlite():
        op.execute('ALTER TABLE community DROP COLUMN listing_days')
    else:
        op.drop_constraint(op.f('ck_community_listing_days_in_range'), 'community', type_='check')
        op.drop_column('community', 'listing_days')
    with op.batch_alter_table('listing', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('expires_on')
