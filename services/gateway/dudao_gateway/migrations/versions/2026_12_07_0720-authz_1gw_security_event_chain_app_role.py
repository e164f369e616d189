"""security event chain and the services' role

Each row carries the hash of the one before it (a database trigger keeps the chain, so
no insert skips it); rows written before are chained in their time order. The services'
role ``dudao_app`` may insert into the audit tables but not update, delete or truncate them.

Revision ID: authz_1gw
Revises: portal_2
Create Date: 2026-12-07 07:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from dudao_shared import audit_chain

revision: str = 'authz_1gw'
down_revision: str | None = 'portal_2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables the services' role may insert into but never change (hash-chained).
AUDIT_TABLES = ['security_event']


def _chain_columns(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(f'{table}_seq_key', ['seq'])


def _drop_chain_columns(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(f'{table}_seq_key', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')


def upgrade() -> None:
    _chain_columns('security_event')
    op.execute(audit_chain.backfill_statement('security_event', 'at, id'))
    op.alter_column('security_event', 'seq', nullable=False)
    for stmt in audit_chain.chain_statements('security_event'):
        op.execute(stmt)
    for stmt in audit_chain.grant_statements(AUDIT_TABLES):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in audit_chain.unchain_statements('security_event'):
        op.execute(stmt)
    _drop_chain_columns('security_event')
