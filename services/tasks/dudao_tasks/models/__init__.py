"""Every table of the task service, in one package, so Alembic and the services see one schema.

A module per noun; domain packages import their tables from here and never from each other.
"""

from .assignment import Assignment, effective_deadlines
from .audit_event import AuditEvent
from .base import TasksModel, metadata
from .bulletin import Bulletin
from .evaluation import Evaluation
from .evaluation_render import EvaluationRender
from .evidence_file import EvidenceFile
from .extension_request import ExtensionRequest
from .idempotency_record import IdempotencyRecord
from .item import ACTIONABLE, Item, ItemDeadline, ItemLink, sort_key
from .notification import Contact, Delivery, DeliveryAttempt, Notice
from .plan import Plan
from .plan_import import PlanImport
from .progress_report import ProgressReport
from .reminder import Reminder, ReminderRuleSet
from .sheet_job import SheetJob
from .subscription import Subscription
from .supervision_notice import NoticeCounter, NoticeFile, NoticeResponse, SupervisionNotice
from .unit import Unit, UnitAlias

__all__ = [
    "ACTIONABLE",
    "Assignment",
    "AuditEvent",
    "Bulletin",
    "Contact",
    "Delivery",
    "DeliveryAttempt",
    "Evaluation",
    "EvaluationRender",
    "EvidenceFile",
    "ExtensionRequest",
    "IdempotencyRecord",
    "Item",
    "ItemDeadline",
    "ItemLink",
    "Notice",
    "Plan",
    "PlanImport",
    "NoticeCounter",
    "NoticeFile",
    "NoticeResponse",
    "ProgressReport",
    "SupervisionNotice",
    "Reminder",
    "ReminderRuleSet",
    "SheetJob",
    "Subscription",
    "TasksModel",
    "Unit",
    "UnitAlias",
    "effective_deadlines",
    "metadata",
    "sort_key",
]
