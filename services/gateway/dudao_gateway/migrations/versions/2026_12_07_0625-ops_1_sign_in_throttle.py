"""sign-in throttle shared by every gateway replica

Revision ID: ops_1
Revises: 0002gw
Create Date: 2026-12-07 06:25:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'ops_1'
down_revision: str | None = '0002gw'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sign_in_throttle',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('sign_in_throttle')
