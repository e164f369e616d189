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

from dudao_shared import sheet_jobs
from dudao_shared.jobs import drop_schema, install_schema

revision: str = 'sheetjobs_1ind'
down_revision: str | None = 'retention_1ind'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_schema(op.get_bind())
    sheet_jobs.create_sheet_job_table(
        op, sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False)
    )


def downgrade() -> None:
    sheet_jobs.drop_sheet_job_table(op)
    drop_schema(op.get_bind())
