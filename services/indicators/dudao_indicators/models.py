"""Every table of the indicators service, imported here so Alembic sees the whole metadata."""

from .assessments.models import Assessment
from .base import metadata
from .grants.models import IndicatorGrant
from .idempotency import IdempotencyRecord
from .indicators.models import Indicator
from .measurements.models import Measurement, MeasurementCorrection
from .targets.models import Target

__all__ = [
    "Assessment",
    "IdempotencyRecord",
    "Indicator",
    "IndicatorGrant",
    "Measurement",
    "MeasurementCorrection",
    "Target",
    "metadata",
]
