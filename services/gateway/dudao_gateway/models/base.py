"""This service's own SQLModel registry, so its tables never meet another service's."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class GatewayModel(SQLModel, registry=registry()):
    pass


def new_id() -> str:
    return str(uuid.uuid4())


metadata = GatewayModel.metadata
