from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_extension_version = version_column()


class ExtensionRequest(TasksModel, table=True):
    """A unit's request (延期申请) for a later deadline on one assignment, and its decision.

    Kept whatever the outcome: the record of every request is part of the supervision file.
    """

    __tablename__ = "extension_request"
    __table_args__ = (
        sa.Index("ix_extension_request_assignment", "assignment_id", "created_at"),
        sa.Index("ix_extension_request_plan_status", "plan_id", "status"),
        # One open request per assignment: a second waits for the first decision.
        sa.Index(
            "uq_extension_request_pending",
            "assignment_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _extension_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", ondelete="CASCADE")
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE")
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="RESTRICT")
    # The deadline in force when the request was made, and the one asked for.
    current_due_on: dt.date | None = None
    requested_due_on: dt.date
    reason: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", max_length=20)
    decided_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    decided_by: str | None = Field(default=None, max_length=200)
    decision_reason: str | None = Field(default=None, max_length=2000)
    created_by: str = Field(max_length=200)
    version: int = Field(default=1, sa_column=_extension_version)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
