"""stored lights and keyset indexes

Tasks and assignments keep their light in the row (``plans.light_store``); each keyset list
gets an index in its page order, and the daily sweep a partial index on ``light_until``.
Rows that exist before this revision have no ``light_on`` and are computed on their first
read.

Revision ID: speed_1
Revises: cascade_1
Create Date: 2026-12-07 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'speed_1'
down_revision: str | None = 'cascade_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('item', 'assignment')


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column('light', sa.String(length=10), server_default='green', nullable=False))
        op.add_column(table, sa.Column('light_reasons', postgresql.ARRAY(sa.String(length=30)), server_default='{}', nullable=False))
        op.add_column(table, sa.Column('light_overdue', sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column(table, sa.Column('light_due_soon', sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column(table, sa.Column('light_next_due_on', sa.Date(), nullable=True))
        op.add_column(table, sa.Column('light_on', sa.Date(), nullable=True))
        op.add_column(table, sa.Column('light_until', sa.Date(), nullable=True))
        op.create_index(f'ix_{table}_light_until', table, ['light_until'], postgresql_where=sa.text('light_until IS NOT NULL'))
    op.drop_index('ix_item_plan_sort', table_name='item')
    op.create_index('ix_item_plan_sort', 'item', ['plan_id', 'sort_key', 'id'])
    op.drop_index('ix_item_plan_status', table_name='item')
    op.create_index('ix_item_plan_status', 'item', ['plan_id', 'status', 'sort_key', 'id'])
    op.create_index('ix_item_plan_light', 'item', ['plan_id', 'light', 'sort_key', 'id'])
    op.drop_index('ix_assignment_unit_plan', table_name='assignment')
    op.create_index('ix_assignment_unit_plan', 'assignment', ['unit_id', 'plan_id', 'light'])
    op.create_index('ix_assignment_created', 'assignment', ['created_at', 'id'])
    op.create_index('ix_assignment_updated', 'assignment', ['updated_at', 'id'])
    op.create_index('ix_assignment_unit_created', 'assignment', ['unit_id', 'created_at', 'id'])
    op.create_index('ix_assignment_plan_created', 'assignment', ['plan_id', 'created_at', 'id'])
    op.create_index('ix_assignment_plan_unit_light', 'assignment', ['plan_id', 'unit_id', 'light'])


def downgrade() -> None:
    for name in ('ix_assignment_plan_unit_light', 'ix_assignment_plan_created', 'ix_assignment_unit_created',
                 'ix_assignment_updated', 'ix_assignment_created', 'ix_assignment_unit_plan'):
        op.drop_index(name, table_name='assignment')
    op.create_index('ix_assignment_unit_plan', 'assignment', ['unit_id', 'plan_id'])
    for name in ('ix_item_plan_light', 'ix_item_plan_status', 'ix_item_plan_sort'):
        op.drop_index(name, table_name='item')
    op.create_index('ix_item_plan_status', 'item', ['plan_id', 'status'])
    op.create_index('ix_item_plan_sort', 'item', ['plan_id', 'sort_key'])
    for table in _TABLES:
        op.drop_index(f'ix_{table}_light_until', table_name=table)
        for column in ('light_until', 'light_on', 'light_next_due_on', 'light_due_soon',
                       'light_overdue', 'light_reasons', 'light'):
            op.drop_column(table, column)
