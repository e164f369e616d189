"""The security audit every domain writes to: one ``SecurityEvent`` row per sign-in, token
issue, use or revocation, and account change."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.clock import utcnow
from dudao_shared.context import request_id_var

from .models import SecurityEvent


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What the audit needs to know about the request."""

    ip: str | None = None


def record(
    session: AsyncSession,
    *,
    action: str,
    actor: str = "",
    subject: str = "",
    unit_id: str | None = None,
    outcome: str = "ok",
    detail: str = "",
    ctx: AuditContext | None = None,
    request_id: str | None = None,
) -> None:
    session.add(
        SecurityEvent(
            at=utcnow(),
            action=action,
            actor=actor[:100],
            subject=subject[:100],
            unit_id=unit_id,
            outcome=outcome,
            ip=ctx.ip if ctx else None,
            request_id=request_id or request_id_var.get(),
            detail=detail[:1000],
        )
    )
