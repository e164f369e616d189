"""sheet import jobs: large spreadsheet imports run by the worker

A file over the row threshold is stored with the job that imports it; the job's state, rows
done and import summary are what the caller polls.

Revision ID: sheetjobs_1
Revises: retention_1
Create Date: 2026-12-07 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dudao_shared import sheet_jobs

revision: str = 'sheetjobs_1'
down_revision: str | None = 'retention_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sheet_jobs.create_sheet_job_table(op, sa.Column('id', sa.Uuid(), nullable=False))


def downgrade() -> None:
    sheet_jobs.drop_sheet_job_table(op)
