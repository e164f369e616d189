"""indicators initial schema: indicator, target, measurement (+ corrections), assessment, grant,
idempotency record

Revision ID: 5e1a0c3b7d21
Revises:
Create Date: 2026-12-02 03:20:42.721724
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e1a0c3b7d21"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("principal_sub", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("principal_sub", "scope", "key", name="uq_idempotency_key"),
    )
    op.create_table(
        "indicator",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("measure_unit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("direction_source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("nature", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("numerator", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("denominator", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("factor", sa.Numeric(), nullable=True),
        sa.Column("aggregation", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("parent_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("allow_out_of_range", sa.Boolean(), nullable=False),
        sa.Column("limit_value", sa.Numeric(), nullable=True),
        sa.Column("threshold_on_track", sa.Numeric(), nullable=False),
        sa.Column("threshold_moderate", sa.Numeric(), nullable=False),
        sa.Column("threshold_regress", sa.Numeric(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["indicator.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code", name="uq_indicator_plan_code"),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_plan_position", ["plan_id", "position"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("indicator_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("score", sa.Numeric(), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ratio", sa.Numeric(), nullable=True),
        sa.Column("baseline_year", sa.Float(), nullable=True),
        sa.Column("baseline_value", sa.Numeric(), nullable=True),
        sa.Column("latest_period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("latest_value", sa.Numeric(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("target_value", sa.Numeric(), nullable=True),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "region_code", name="uq_assessment_indicator_region"),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index("ix_assessment_plan_region", ["plan_id", "region_code"], unique=False)

    op.create_table(
        "indicator_grant",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("unit_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("indicator_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "indicator_id", "region_code", name="uq_indicator_grant"),
    )
    with op.batch_alter_table("indicator_grant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_grant_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_indicator_grant_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "measurement",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("indicator_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=False),
        sa.Column("numerator_value", sa.Numeric(), nullable=True),
        sa.Column("denominator_value", sa.Numeric(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("reporting_unit_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reported_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "region_code", "period", name="uq_measurement_period"),
    )
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurement_latest", ["indicator_id", "region_code", "period_end"], unique=False
        )

    op.create_table(
        "target",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("indicator_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("baseline_value", sa.Numeric(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("comparator", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("value", sa.Numeric(), nullable=True),
        sa.Column("value_max", sa.Numeric(), nullable=True),
        sa.Column("rule_unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("tolerance", sa.Numeric(), nullable=True),
        sa.Column("resolved_value", sa.Numeric(), nullable=True),
        sa.Column("implied", sa.Boolean(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "scope", name="uq_target_indicator_scope"),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "measurement_correction",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("measurement_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("old_value", sa.Numeric(), nullable=False),
        sa.Column("new_value", sa.Numeric(), nullable=False),
        sa.Column("old_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("corrected_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["measurement_id"], ["measurement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("measurement_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurement_correction_measurement_id"), ["measurement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measurement_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_correction_measurement_id"))

    op.drop_table("measurement_correction")
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_plan_id"))
        batch_op.drop_index(batch_op.f("ix_target_indicator_id"))

    op.drop_table("target")
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_index("ix_measurement_latest")

    op.drop_table("measurement")
    with op.batch_alter_table("indicator_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_grant_unit_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_grant_indicator_id"))

    op.drop_table("indicator_grant")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_plan_region")

    op.drop_table("assessment")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_plan_position")

    op.drop_table("indicator")
    op.drop_table("idempotency_record")
