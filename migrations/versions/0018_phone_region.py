"""The phone region as a community setting: `community.phone_region`, two letters (a region
`phonenumbers` knows, checked by the settings page), NULL for the installation's PHONE_REGION.
Phone numbers typed without a country code are read as numbers of this region.

SQLite: the column is added (and dropped) in place, never by copying the table, which would
DROP `community` under the rows that refer to it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

PHONE_REGION_CHECK = 'phone_region IS NULL OR length(phone_region) = 2'


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    if _sqlite():
        op.execute(
            'ALTER TABLE community ADD COLUMN phone_region VARCHAR(2) '
            f'CONSTRAINT ck_community_phone_region_two_letters CHECK ({PHONE_REGION_CHECK})'
        )
    else:
        op.add_column('community', sa.Column('phone_region', sa.String(length=2), nullable=True))
        op.create_check_constraint(op.f('ck_community_phone_region_two_letters'), 'community', PHONE_REGION_CHECK)


def downgrade():
    if _sqlite():
        op.execute('ALTER TABLE community DROP COLUMN phone_region')
    else:
        op.drop_constraint(op.f('ck_community_phone_region_two_letters'), 'community', type_='check')
        op.drop_column('community', 'phone_region')
