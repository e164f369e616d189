from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_notice_version = version_column()


class NoticeCounter(TasksModel, table=True):
    """The last number issued per issuing region and year: ``督办〔2026〕12号``.

    Taken with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` so concurrent issuers queue
    on the row and never share a number.
    """

    __tablename__ = "notice_counter"

    region_code: str = Field(max_length=6, primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0


class SupervisionNotice(TasksModel, table=True):
    """A 督办单 to the lead unit of a task: why, by when to answer, and how it ended."""

    __tablename__ = "supervision_notice"
    __table_args__ = (
        sa.UniqueConstraint("region_code", "year", "number", name="uq_notice_number"),
        sa.Index("ix_notice_plan_status", "plan_id", "status"),
        sa.Index("ix_notice_unit_status", "unit_id", "status"),
        # Escalation raises at most one open notice per assignment.
        sa.Index(
            "uq_notice_open_assignment",
            "assignment_id",
            unique=True,
            postgresql_where=sa.text("status <> 'closed'"),
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _notice_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region_code: str = Field(max_length=6)
    year: int
    number: int
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE")
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", ondelete="CASCADE")
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="RESTRICT")
    # manual (raised by staff), overdue or reminders (raised by the escalation sweep).
    source: str = Field(max_length=20)
    reason: str = Field(sa_type=sa.Text)
    # For an escalation: the deadline that was missed. One notice per missed deadline, so a
    # closed notice is not raised again until an extension sets a new deadline and that passes.
    missed_due_on: dt.date | None = None
    response_due_on: dt.date
    # open → answered → closed, or answered → returned → answered …
    status: str = Field(default="open", max_length=20)
    answered_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_by: str | None = Field(default=None, max_length=200)
    return_reason: str | None = Field(default=None, max_length=2000)
    # The ladder's last step: unanswered past its response deadline → listed for 约谈/通报.
    listed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_by: str = Field(max_length=200)
    version: int = Field(default=1, sa_column=_notice_version)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )

    @property
    def title(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"


class NoticeResponse(TasksModel, table=True):
    """One answer (反馈) of the unit to a notice; kept as written, every round."""

    __tablename__ = "notice_response"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    notice_id: uuid.UUID = Field(
        foreign_key="supervision_notice.id", ondelete="CASCADE", index=True
    )
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="RESTRICT")
    text: str = Field(sa_type=sa.Text)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class NoticeFile(TasksModel, table=True):
    """Evidence attached to an answer; the bytes live in the reports' evidence storage."""

    __tablename__ = "notice_file"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    response_id: uuid.UUID = Field(foreign_key="notice_response.id", ondelete="CASCADE", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
