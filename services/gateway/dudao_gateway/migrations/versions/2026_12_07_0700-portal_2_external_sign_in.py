"""external identities and sign-in flows (OpenID Connect, ticket sign-on)

Revision ID: portal_2
Revises: portal_1
Create Date: 2026-12-07 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'portal_2'
down_revision: str | None = 'portal_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'external_identity',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'subject', name='uq_external_identity'),
    )
    op.create_index(
        op.f('ix_external_identity_user_id'), 'external_identity', ['user_id'], unique=False
    )
    op.create_table(
        'sign_in_flow',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('return_to', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('login_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('login_code_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('login_code_hash'),
        sa.UniqueConstraint('state_hash'),
    )


def downgrade() -> None:
    op.drop_table('sign_in_flow')
    op.drop_index(op.f('ix_external_identity_user_id'), table_name='external_identity')
    op.drop_table('external_identity')
