"""Who may manage accounts, and the account a path names (load-or-404 after that check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, require_roles
from dudao_shared.db import SessionDep

from ..dependencies import TasksClientDep
from ..models import User
from ..units import read_unit
from . import service
from .schemas import UserCreate

# Accounts carry roles and regions of every level: only an admin hands them out.
UserManager = Annotated[Principal, Depends(require_roles("admin"))]


async def get_managed_user(user_id: str, _: UserManager, session: SessionDep) -> User:
    return await service.get_user(session, user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]


async def get_new_user(body: UserCreate, _: UserManager, tasks: TasksClientDep) -> UserCreate:
    """The account to create, its unit (a unit operator's) read from the task service first:
    an account must not name a unit that does not exist."""
    if body.role == "unit" and body.unit_id:
        await read_unit(tasks, body.unit_id)
    return body


NewUser = Annotated[UserCreate, Depends(get_new_user)]
