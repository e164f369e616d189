"""rate buckets of the public feed

Revision ID: portal_1
Revises: ops_1
Create Date: 2026-12-07 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'portal_1'
down_revision: str | None = 'ops_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_bucket',
        sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('client', 'window_start'),
    )
    op.create_index(
        op.f('ix_rate_bucket_window_start'), 'rate_bucket', ['window_start'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_bucket_window_start'), table_name='rate_bucket')
    op.drop_table('rate_bucket')
