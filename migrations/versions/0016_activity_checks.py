"""Checks each activity needs: table `activity_check` (one row per activity that needs a
safeguarding check, with the kind of check, matched against the members' check types).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'activity_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('check_kind', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activity_category.id'], name=op.f('fk_activity_check_activity_id_activity_category'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_activity_check_community_id_community'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_check')),
        sa.UniqueConstraint('activity_id', name=op.f('uq_activity_check_activity_id')),
    )
    with op.batch_alter_table('activity_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_check_community_id'), ['community_id'], unique=False)


def downgrade():
    with op.batch_alter_table('activity_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_check_community_id'))
    op.drop_table('activity_check')
