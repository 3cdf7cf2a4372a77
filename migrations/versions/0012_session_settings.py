"""Session timeouts as community settings: how many idle minutes end a coordinator's, funder's
or administrator's session (5 to 120) and a member's (5 to 1440). NULL uses the installation's
`SESSION_IDLE_MINUTES_*`; a person in several communities gets the strictest.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


CHECKS = {
    'idle_minutes_staff_in_range': 'idle_minutes_staff IS NULL OR (idle_minutes_staff >= 5 AND idle_minutes_staff <= 120)',
    'idle_minutes_member_in_range': 'idle_minutes_member IS NULL OR (idle_minutes_member >= 5 AND idle_minutes_member <= 1440)',
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    # On SQLite the CHECK goes on the column itself, which SQLite can add in place: a batch
    # rebuild of `community` would have to drop the table, which its foreign keys refuse once
    # there is data.
    for column, (name, condition) in zip(('idle_minutes_staff', 'idle_minutes_member'), CHECKS.items(), strict=True):
        if _sqlite():
            op.execute(f'ALTER TABLE community ADD COLUMN {column} INTEGER CONSTRAINT ck_community_{name} CHECK ({condition})')
        else:
            op.add_column('community', sa.Column(column, sa.Integer(), nullable=True))
            op.create_check_constraint(op.f(f'ck_community_{name}'), 'community', condition)


def downgrade():
    for column, name in zip(('idle_minutes_member', 'idle_minutes_staff'), reversed(list(CHECKS)), strict=True):
        if _sqlite():
            op.execute(f'ALTER TABLE community DROP COLUMN {column}')
        else:
            op.drop_constraint(op.f(f'ck_community_{name}'), 'community', type_='check')
            op.drop_column('community', column)
