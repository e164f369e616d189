"""The gateway's state, one typed dependency per piece (set up in ``main.create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dudao_shared.auth import RevocationsDep
from dudao_shared.context import AppState
from dudao_shared.http import ServiceClient
from dudao_shared.tokens import TokenSigner

from .audit import AuditContext
from .config import Settings
from .revocation import RevocationHub

get_settings = AppState("settings", Settings)
get_signer = AppState("signer", TokenSigner)
get_tasks_client = AppState("tasks_client", ServiceClient)
get_revocation_hub = AppState("revocation_hub", RevocationHub)

SettingsDep = Annotated[Settings, Depends(get_settings)]
SignerDep = Annotated[TokenSigner, Depends(get_signer)]
TasksClientDep = Annotated[ServiceClient, Depends(get_tasks_client)]
RevocationHubDep = Annotated[RevocationHub, Depends(get_revocation_hub)]


async def get_audit_context(request: Request) -> AuditContext:
    return AuditContext(ip=request.client.host if request.client else None)


AuditContextDep = Annotated[AuditContext, Depends(get_audit_context)]

__all__ = [
    "AuditContextDep",
    "RevocationHubDep",
    "RevocationsDep",
    "SettingsDep",
    "SignerDep",
    "TasksClientDep",
]
