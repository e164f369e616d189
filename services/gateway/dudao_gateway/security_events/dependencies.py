"""Who may read the security audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, require_roles

# The audit names every account and unit: province-wide, so admins only.
EventReader = Annotated[Principal, Depends(require_roles("admin"))]
