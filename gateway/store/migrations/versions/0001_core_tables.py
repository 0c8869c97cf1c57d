"""core tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 17:57:44.606162
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('peer', sa.String(length=32), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('officer_id', sa.String(length=64), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=True),
    sa.Column('response_digest', sa.String(length=64), nullable=True),
    sa.Column('signature_scheme', sa.String(length=32), nullable=True),
    sa.Column('signature_key_id', sa.String(length=128), nullable=True),
    sa.Column('signature_verified', sa.Boolean(), nullable=True),
    sa.Column('upstream_ref', sa.String(length=128), nullable=True),
    sa.Column('request_body', sa.LargeBinary(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    op.create_table('dossier_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('event', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_events')),
    sa.UniqueConstraint('dossier_code', 'seq', name='uq_dossier_events_dossier_seq'),
    sa.UniqueConstraint('event_id', name=op.f('uq_dossier_events_event_id'))
    )
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_events_dossier_code'), ['dossier_code'], unique=False)

    op.create_table('dossiers',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.String(length=40), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('event_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('portal_known', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_dossiers'))
    )
    op.create_table('inbox_dossiers',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ma_ho_so', sa.String(length=64), nullable=False),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_inbox_dossiers')),
    sa.UniqueConstraint('ma_ho_so', name=op.f('uq_inbox_dossiers_ma_ho_so'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_idempotency_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_key_id', ['key', 'id'], unique=False)
        batch_op.create_index('ix_outbox_key_state', ['key', 'state'], unique=False)
        batch_op.create_index('ix_outbox_state_id', ['state', 'id'], unique=False)

    op.create_table('procedures',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_procedures'))
    )



def downgrade() -> None:

    op.drop_table('procedures')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_id')
        batch_op.drop_index('ix_outbox_key_state')
        batch_op.drop_index('ix_outbox_key_id')

    op.drop_table('outbox')
    op.drop_table('inbox_dossiers')
    op.drop_table('dossiers')
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_events_dossier_code'))

    op.drop_table('dossier_events')
    op.drop_table('audit_entries')

