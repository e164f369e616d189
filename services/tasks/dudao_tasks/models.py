"""Every table of the tasks service, imported here so Alembic sees the whole metadata."""

from .base import metadata

__all__ = ["metadata"]
