"""the indicator service's job queue and its sheet import jobs

The indicator service gets its own procrastinate queue in its own database (run by the same
worker command as the task service's), and the table of large spreadsheet imports the queue
runs: the stored file, state, rows done and the import summary.

Revision ID: sheetjobs_1ind
Revises: retention_1ind
Create Date: 2026-12-07 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from dudao_shared.jobs import drop_schema, install_schema

revision: str = 'sheetjobs_1ind'
down_revision: str | None = 'retention_1ind'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_schema(op.get_bind())
    op.create_table(
        'sheet_job',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('owner_sub', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('principal', sa.JSON(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('problem', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_sheet_job_owner_sub'), 'sheet_job', ['owner_sub'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sheet_job_owner_sub'), table_name='sheet_job')
    op.drop_table('sheet_job')
    drop_schema(op.get_bind())
