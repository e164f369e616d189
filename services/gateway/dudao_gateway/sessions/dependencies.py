"""The transaction of a sign-in attempt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import Principal, require_roles
from dudao_shared.context import AppState
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, Locked, TooManyRequests, Unauthorized

from .external import Providers


async def sign_in_session(session: SessionDep) -> AsyncIterator[AsyncSession]:
    """The request's session, committed also when the attempt is refused: the failure counts
    (throttling), a reused refresh token's revocation and the audit row must survive the 401."""
    try:
        yield session
    except (Unauthorized, Locked, Forbidden, TooManyRequests):
        await session.commit()
        raise


get_providers = AppState("sign_in_providers", Providers)
ProvidersDep = Annotated[Providers, Depends(get_providers)]

SignInSession = Annotated[AsyncSession, Depends(sign_in_session, scope="function")]

# The sign-in configuration is platform configuration: the admin's to read.
SsoAdmin = Annotated[Principal, Depends(require_roles("admin"))]
