"""Who may manage accounts, and the account a path names (load-or-404 after that check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, require_roles
from dudao_shared.db import SessionDep

from ..models import User
from . import service

# Accounts carry roles and regions of every level: only an admin hands them out.
UserManager = Annotated[Principal, Depends(require_roles("admin"))]


async def get_managed_user(user_id: str, _: UserManager, session: SessionDep) -> User:
    return await service.get_user(session, user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]
