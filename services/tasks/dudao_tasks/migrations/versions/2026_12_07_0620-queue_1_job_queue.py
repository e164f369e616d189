"""job queue: procrastinate's schema

The worker's queue lives in the service's own database, installed from the SQL that ships
with the pinned procrastinate version.

Revision ID: queue_1
Revises: 0003
Create Date: 2026-12-07 06:20:00
"""
from collections.abc import Sequence

from alembic import op

from dudao_shared.jobs import drop_schema, install_schema

revision: str = 'queue_1'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_schema(op.get_bind())


def downgrade() -> None:
    drop_schema(op.get_bind())
