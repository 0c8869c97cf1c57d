"""outbox: partial indexes for claiming (due messages in id order) and for the per-key order
check (undelivered messages of a key), so neither walks the delivered messages, which only grow

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = sa.text("state IN ('pending', 'inflight')")
UNDELIVERED = sa.text("state IN ('pending', 'inflight', 'dead')")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_live_id", ["id"], unique=False,
                              postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.create_index("ix_outbox_undelivered_key_id", ["key", "id"], unique=False,
                              postgresql_where=UNDELIVERED, sqlite_where=UNDELIVERED)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_undelivered_key_id")
        batch_op.drop_index("ix_outbox_live_id")
