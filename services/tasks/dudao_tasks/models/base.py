"""This service's own SQLModel registry, so its tables never meet another service's."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class TasksModel(SQLModel, registry=registry()):
    pass


metadata = TasksModel.metadata
