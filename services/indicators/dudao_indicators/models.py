"""Every table of the indicators service, imported here so Alembic sees the whole metadata."""

from .base import metadata

__all__ = ["metadata"]
