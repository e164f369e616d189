"""pages: an index per order of the unit list

The unit list is a keyset page ordered by name, creation time or region code, each ending in
the id; without these a page of a province's 30,000 units sorted all of them.

Revision ID: pages_1
Revises: evalrender_1
Create Date: 2026-12-07 10:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'pages_1'
down_revision: str | None = 'evalrender_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_unit_name', 'unit', ['name', 'id'], unique=False)
    op.create_index('ix_unit_created', 'unit', ['created_at', 'id'], unique=False)
    op.create_index('ix_unit_region_id', 'unit', ['region_code', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_unit_region_id', table_name='unit')
    op.drop_index('ix_unit_created', table_name='unit')
    op.drop_index('ix_unit_name', table_name='unit')
