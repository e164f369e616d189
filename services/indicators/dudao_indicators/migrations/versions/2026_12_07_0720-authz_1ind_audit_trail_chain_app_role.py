"""indicator audit trail, its chain and the services' role

Every change to indicators, targets, grants and measurements: who, when, before, after.
Each row carries the hash of the one before it (a database trigger keeps the chain, so
no insert skips it); rows written before are chained in their time order. The services'
role ``dudao_app`` may insert into the audit tables but not update, delete or truncate them.

Revision ID: authz_1ind
Revises: 5e1a0c3b7d21
Create Date: 2026-12-07 07:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from dudao_shared import audit_chain

revision: str = 'authz_1ind'
down_revision: str | None = '5e1a0c3b7d21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables the services' role may insert into but never change (hash-chained).
AUDIT_TABLES = ['audit_event']


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_sub', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('actor_unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('indicator_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seq', name='audit_event_seq_key'),
    )
    op.create_index('ix_audit_event_entity', 'audit_event', ['entity', 'entity_id'], unique=False)
    op.create_index(op.f('ix_audit_event_indicator_id'), 'audit_event', ['indicator_id'], unique=False)
    op.create_index(op.f('ix_audit_event_plan_id'), 'audit_event', ['plan_id'], unique=False)
    # A new table: no rows to chain, its chain columns are in the table above.
    audit_chain.upgrade_chains(op, AUDIT_TABLES, existing_rows=False)


def downgrade() -> None:
    audit_chain.downgrade_chains(op, AUDIT_TABLES, existing_rows=False)
    op.drop_table('audit_event')
