"""sheet import jobs: large spreadsheet imports run by the worker

A file over the row threshold is stored with the job that imports it; the job's state, rows
done and import summary are what the caller polls.

Revision ID: sheetjobs_1
Revises: retention_1
Create Date: 2026-12-07 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'sheetjobs_1'
down_revision: str | None = 'retention_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sheet_job',
        sa.Column('id', sa.Uuid(), nullable=False),
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
