from __future__ import annotations

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from dudao_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUDAO_TASKS_", extra="ignore")

    # Evidence files: a local directory by default; S3-compatible storage by configuration.
    storage_dir: str = "var/evidence"
    storage_backend: str = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    # The indicator service, for plan import (targets become indicators there).
    indicators_url: str = "http://127.0.0.1:8002"
    # Evidence upload limit; the type is checked from the content, not the file name.
    max_upload_mb: int = 20

    @model_validator(mode="after")
    def _body_fits_an_upload(self) -> Settings:
        # The request body limit comes first; it must leave room for the largest evidence file.
        self.max_body_bytes = max(self.max_body_bytes, (self.max_upload_mb + 1) * 1024 * 1024)
        return self
