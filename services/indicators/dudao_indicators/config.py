from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from dudao_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUDAO_INDICATORS_", extra="ignore")

    # The task service, to check plans and units named by indicators.
    tasks_url: str = "http://127.0.0.1:8001"

    # The worker (this service's own job queue, large spreadsheet imports): slots, and the
    # heartbeat after which a dead worker's running jobs are run again (checked on the cron).
    worker_concurrency: int = 2
    worker_stalled_seconds: float = 30.0
    worker_stalled_check_cron: str = "* * * * *"
