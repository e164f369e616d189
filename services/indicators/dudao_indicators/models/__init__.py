"""Every table of the indicator service, one module per noun, re-exported here so Alembic's env
and the domain packages import them from one place."""

from .assessment import Assessment
from .audit_event import AuditEvent
from .base import IndicatorsModel, metadata
from .idempotency_record import IdempotencyRecord
from .indicator import Indicator
from .indicator_grant import IndicatorGrant
from .measurement import Measurement, MeasurementCorrection
from .sheet_job import SheetJob
from .target import Target

__all__ = [
    "Assessment",
    "AuditEvent",
    "IdempotencyRecord",
    "Indicator",
    "IndicatorGrant",
    "IndicatorsModel",
    "Measurement",
    "MeasurementCorrection",
    "SheetJob",
    "Target",
    "metadata",
]
