"""Every table of the gateway, in one package so Alembic sees the whole metadata and no domain
package needs another's to reach a table."""

from .auth_session import AuthSession, RefreshToken
from .base import GatewayModel, metadata
from .security_event import SecurityEvent
from .sign_in_throttle import SignInThrottle
from .unit_token import UnitToken
from .user import User

__all__ = [
    "AuthSession",
    "GatewayModel",
    "RefreshToken",
    "SecurityEvent",
    "SignInThrottle",
    "UnitToken",
    "User",
    "metadata",
]
