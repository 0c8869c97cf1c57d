"""audit log: sealing columns on audit_entries, audit_subtrees, audit_checkpoints

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_protection", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("bodies_purged_at", TS, nullable=True))
        batch_op.add_column(sa.Column("log_seq", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_log_seq"), ["log_seq"])
        batch_op.create_index("ix_audit_entries_at", ["at"], unique=False)

    op.create_table(
        "audit_subtrees",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_subtrees")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("key_id", sa.String(length=128), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("witness", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_subtrees")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_at")
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_log_seq"), type_="unique")
        batch_op.drop_column("log_seq")
        batch_op.drop_column("bodies_purged_at")
        batch_op.drop_column("body_protection")
