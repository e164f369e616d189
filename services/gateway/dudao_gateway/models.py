"""Every table of the gateway, imported here so Alembic sees the whole metadata."""

from .accounts.models import AuthSession, RefreshToken, SecurityEvent, UnitToken, User
from .base import metadata

__all__ = ["metadata", "User", "AuthSession", "RefreshToken", "UnitToken", "SecurityEvent"]
