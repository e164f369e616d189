"""Every table of the tasks service, imported here so Alembic sees the whole metadata."""

from .assignments.models import Assignment
from .audit.models import AuditEvent
from .base import metadata
from .items.models import Item, ItemDeadline
from .plan_import.models import PlanImport
from .plans.models import Plan
from .reports.models import EvidenceFile, IdempotencyRecord, ProgressReport
from .units.models import Unit, UnitAlias

__all__ = [
    "metadata",
    "Assignment",
    "AuditEvent",
    "EvidenceFile",
    "IdempotencyRecord",
    "Item",
    "ItemDeadline",
    "Plan",
    "PlanImport",
    "ProgressReport",
    "Unit",
    "UnitAlias",
]
