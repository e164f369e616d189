from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from dudao_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUDAO_INDICATORS_", extra="ignore")

    # The task service, to check plans and units named by indicators.
    tasks_url: str = "http://127.0.0.1:8001"
