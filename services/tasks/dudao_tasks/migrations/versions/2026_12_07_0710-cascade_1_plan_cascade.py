"""plan cascade: plan kind/year, delivered copies of tasks, links between tasks

Revision ID: cascade_1
Revises: portal_2
Create Date: 2026-12-07 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'cascade_1'
down_revision: str | None = 'portal_2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=False, server_default='plan'))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('annual_of_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_annual_of_id'), ['annual_of_id'], unique=False)
        batch_op.create_foreign_key('plan_annual_of_id_fkey', 'plan', ['annual_of_id'], ['id'],
                                    ondelete='SET NULL')
    # The default only filled the existing rows; new rows get theirs from the model.
    op.alter_column('plan', 'kind', server_default=None)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deliverable', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('source_item_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_item_source_item_id'), ['source_item_id'],
                              unique=False)
        batch_op.create_unique_constraint('uq_item_source_plan', ['source_item_id', 'plan_id'])
        batch_op.create_foreign_key('item_source_item_id_fkey', 'item', ['source_item_id'],
                                    ['id'], ondelete='CASCADE')

    op.create_table(
        'item_link',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('item_id', sa.Uuid(), nullable=False),
        sa.Column('target_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['item.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_id', 'target_id', name='uq_item_link_pair'),
    )
    with op.batch_alter_table('item_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_link_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_link_target_id'), ['target_id'], unique=False)


def downgrade() -> None:
    op.drop_table('item_link')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('item_source_item_id_fkey', type_='foreignkey')
        batch_op.drop_constraint('uq_item_source_plan', type_='unique')
        batch_op.drop_index(batch_op.f('ix_item_source_item_id'))
        batch_op.drop_column('source_item_id')
        batch_op.drop_column('deliverable')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint('plan_annual_of_id_fkey', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_annual_of_id'))
        batch_op.drop_column('annual_of_id')
        batch_op.drop_column('year')
        batch_op.drop_column('kind')
