"""audit archive

Rows older than the retention move to an archive table (kept, and still in the hash chain),
through a function with the owner's rights that refuses anything younger than 183 days; the
services' role may call it and read the archive, never change it.

Revision ID: retention_1
Revises: authz_1
Create Date: 2026-12-07 09:40:00
"""
from collections.abc import Sequence

from alembic import op

from dudao_shared import audit_chain

revision: str = 'retention_1'
down_revision: str | None = 'authz_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLES = ['audit_event']


def upgrade() -> None:
    audit_chain.upgrade_archives(op, AUDIT_TABLES)


def downgrade() -> None:
    audit_chain.downgrade_archives(op, AUDIT_TABLES)
