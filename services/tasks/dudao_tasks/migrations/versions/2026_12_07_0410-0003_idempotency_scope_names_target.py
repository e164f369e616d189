"""idempotency scope names the target

The shared Idempotency-Key runner scopes a key to the operation and its target
(``report:<assignment id>``), which needs more than 40 characters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 04:10:00
"""
from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.alter_column('scope',
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=200),
                              existing_nullable=False)


def downgrade() -> None:
    # Records whose scope no longer fits were written by the newer runner; they are replays
    # only, so dropping them loses nothing a client relies on beyond its retry window.
    op.execute("DELETE FROM idempotency_record WHERE length(scope) > 40")
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.alter_column('scope',
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=40),
                              existing_nullable=False)
