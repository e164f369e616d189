"""security event chain and the services' role

Each row carries the hash of the one before it (a database trigger keeps the chain, so
no insert skips it); rows written before are chained in their time order. The services'
role ``dudao_app`` may insert into the audit tables but not update, delete or truncate them.

Revision ID: authz_1gw
Revises: portal_2
Create Date: 2026-12-07 07:20:00
"""
from collections.abc import Sequence

from alembic import op

from dudao_shared import audit_chain

revision: str = 'authz_1gw'
down_revision: str | None = 'portal_2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables the services' role may insert into but never change (hash-chained).
AUDIT_TABLES = ['security_event']


def upgrade() -> None:
    audit_chain.upgrade_chains(op, AUDIT_TABLES)


def downgrade() -> None:
    audit_chain.downgrade_chains(op, AUDIT_TABLES)
