"""Messages between members: conversations, their messages, and blocks from messaging.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'), ondelete='RESTRICT')


def upgrade():
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('topic_key', sa.String(length=80), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('exchange_id', sa.Integer(), nullable=True),
    sa.Column('starter_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('starter_read_id', sa.Integer(), nullable=True),
    sa.Column('other_read_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('report_reason', sa.Text(), nullable=True),
    sa.Column('report_closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("topic IN ('listing', 'match', 'exchange')", name=op.f('ck_conversation_topic_known')),
    sa.CheckConstraint('starter_id <> other_id', name=op.f('ck_conversation_two_people')),
    _fk('conversation', 'community_id', 'community'),
    _fk('conversation', 'listing_id', 'listing'),
    _fk('conversation', 'match_id', 'match'),
    _fk('conversation', 'exchange_id', 'exchange'),
    _fk('conversation', 'starter_id', 'membership'),
    _fk('conversation', 'other_id', 'membership'),
    _fk('conversation', 'reported_by_id', 'membership'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation')),
    sa.UniqueConstraint('community_id', 'topic_key', name=op.f('uq_conversation_community_id_topic_key'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        for column in ('community_id', 'listing_id', 'match_id', 'exchange_id', 'starter_id', 'other_id'):
            batch_op.create_index(batch_op.f(f'ix_conversation_{column}'), [column], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _fk('message', 'conversation_id', 'conversation'),
    _fk('message', 'membership_id', 'membership'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_conversation_id_id', ['conversation_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_membership_id'), ['membership_id'], unique=False)

    op.create_table('messaging_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('blocked_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _fk('messaging_block', 'membership_id', 'membership'),
    _fk('messaging_block', 'blocked_by_id', 'user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_block')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_messaging_block_membership_id'))
    )


def downgrade():
    op.drop_table('messaging_block')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_membership_id'))
        batch_op.drop_index('ix_message_conversation_id_id')
    op.drop_table('message')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        for column in ('community_id', 'listing_id', 'match_id', 'exchange_id', 'starter_id', 'other_id'):
            batch_op.drop_index(batch_op.f(f'ix_conversation_{column}'))
    op.drop_table('conversation')
