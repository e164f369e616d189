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

    # The worker (job queue): slots per queue, so a slow channel never takes another's.
    worker_concurrency: int = 4
    # A worker that sent no heartbeat for this long is taken as dead: its running jobs are run
    # again by another worker (checked on the cron below; six fields means seconds too).
    worker_stalled_seconds: float = 30.0
    worker_stalled_check_cron: str = "* * * * *"
    # Each delivery is tried this many times, waiting backoff**n seconds after the n-th failure,
    # then left as dead (visible in its notice's delivery log).
    delivery_max_attempts: int = 6
    delivery_backoff_seconds: int = 5
    # Outbound webhooks: time limits and the most of an answer that is read.
    webhook_connect_seconds: float = 5.0
    webhook_read_seconds: float = 10.0
    webhook_max_response_bytes: int = 64 * 1024
    # E-mail over SMTP (empty host: the e-mail channel is not configured and its deliveries die).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_from: str = "督导平台 <noreply@dudao.local>"
    smtp_timeout_seconds: float = 10.0
    # SMS through Aliyun's SendSms API (RPC style, HMAC-SHA1 signed request).
    sms_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sign_name: str = ""
    sms_template_code: str = ""
    sms_region_id: str = "cn-hangzhou"
    # 赣政通 (the province's government messaging app): its open-platform message endpoint.
    gzt_endpoint: str = ""
    gzt_app_id: str = ""
    gzt_app_secret: str = ""
    gzt_agent_id: str = ""
    # The reminder sweep: how often the worker looks for due reminders (cron, UTC).
    reminder_sweep_cron: str = "*/10 * * * *"
    # The escalation sweep (督办单 for overdue work, 约谈/通报 listing) and the check for the
    # monthly bulletins, which issues last month's once the month has turned (cron, UTC).
    escalation_cron: str = "*/10 * * * *"
    bulletin_cron: str = "7 * * * *"

    @model_validator(mode="after")
    def _body_fits_an_upload(self) -> Settings:
        # The request body limit comes first; it must leave room for the largest evidence file.
        self.max_body_bytes = max(self.max_body_bytes, (self.max_upload_mb + 1) * 1024 * 1024)
        return self
