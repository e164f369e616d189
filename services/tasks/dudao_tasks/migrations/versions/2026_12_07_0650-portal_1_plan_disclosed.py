"""plan disclosed to the public feed

Revision ID: portal_1
Revises: queue_3
Create Date: 2026-12-07 06:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'portal_1'
down_revision: str | None = 'queue_3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'plan', sa.Column('disclosed', sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.alter_column('plan', 'disclosed', server_default=None)
    op.add_column('plan', sa.Column('disclosed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_plan_disclosed',
        'plan',
        ['created_at', 'id'],
        unique=False,
        postgresql_where=sa.text('disclosed'),
    )


def downgrade() -> None:
    op.drop_index('ix_plan_disclosed', table_name='plan', postgresql_where=sa.text('disclosed'))
    op.drop_column('plan', 'disclosed_at')
    op.drop_column('plan', 'disclosed')
