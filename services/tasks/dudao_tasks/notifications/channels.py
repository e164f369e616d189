"""The outbound channels behind one interface: ``Sender.send(delivery)`` returns what the far
side answered or raises. ``PermanentFailure`` means trying again cannot help (a refused target,
a channel that is not configured, a number the provider rejects); any other exception is
retried with backoff by the delivery job.

- webhook: Standard Webhooks signed POST through ``dudao_shared.webhooks`` (SSRF guard);
- email: SMTP with aiosmtplib, one message per delivery, ``Message-ID`` from the delivery id;
- sms: Aliyun Dysms ``SendSms`` (RPC style request, signature version 1.0 / HMAC-SHA1);
- ganzhengtong: 赣政通 work messages, a signed JSON POST to the configured open-platform
  endpoint (the wire format is this adapter's only; swap the adapter when the province's
  interface document says otherwise).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import quote

import aiosmtplib
import httpx

from dudao_shared import webhooks

from ..config import Settings
from ..models import Delivery


class PermanentFailure(Exception):
    """A failure that a retry cannot fix: the delivery is given up at once."""


class SendFailed(Exception):
    """The far side answered with a failure that may pass (5xx, 429, a busy provider)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class SendOutcome:
    status_code: int | None = None
    detail: str | None = None


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> SendOutcome: ...


def _text(payload: dict[str, Any]) -> tuple[str, str]:
    return str(payload.get("title") or "督导平台通知"), str(payload.get("body") or "")


class WebhookSender:
    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.client = client
        self.production = settings.environment == "production"
        self.limits = webhooks.Limits(
            connect_seconds=settings.webhook_connect_seconds,
            read_seconds=settings.webhook_read_seconds,
            max_response_bytes=settings.webhook_max_response_bytes,
        )

    async def send(self, delivery: Delivery) -> SendOutcome:
        if not delivery.secret:
            raise PermanentFailure("webhook 未配置签名密钥")
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        # The delivery id is the message id: a retry after a lost answer keeps it, so the
        # receiver drops the repeat.
        headers = webhooks.signed_headers(delivery.secret, f"msg_{delivery.id.hex}", body)
        try:
            result = await webhooks.post(
                self.client,
                delivery.target,
                body,
                headers,
                production=self.production,
                limits=self.limits,
            )
        except webhooks.UnsafeTarget as exc:
            raise PermanentFailure(f"目标地址不允许：{exc}") from None
        if not result.ok:
            raise SendFailed(f"HTTP {result.status_code}", result.status_code)
        return SendOutcome(result.status_code)


class EmailSender:
    def __init__(self, settings: Settings) -> None:
        self.s = settings

    async def send(self, delivery: Delivery) -> SendOutcome:
        if not self.s.smtp_host:
            raise PermanentFailure("未配置邮件服务器（smtp_host）")
        subject, text = _text(delivery.payload)
        msg = EmailMessage()
        msg["From"] = self.s.smtp_from
        msg["To"] = delivery.target
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{delivery.id}@dudao>"
        msg.set_content(text or subject)
        try:
            errors, response = await aiosmtplib.send(
                msg,
                hostname=self.s.smtp_host,
                port=self.s.smtp_port,
                username=self.s.smtp_username or None,
                password=self.s.smtp_password or None,
                start_tls=self.s.smtp_starttls,
                use_tls=self.s.smtp_use_tls,
                timeout=self.s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"收件地址被拒绝：{exc}") from None
        if errors:
            raise PermanentFailure(f"收件地址被拒绝：{errors}")
        return SendOutcome(250, response[:200])


def aliyun_percent(value: str) -> str:
    """Aliyun's percent-encoding for signing: RFC 3986 unreserved characters kept."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.s = settings
        self.client = client

    async def send(self, delivery: Delivery) -> SendOutcome:
        s = self.s
        if not (s.sms_access_key_id and s.sms_access_key_secret and s.sms_template_code):
            raise PermanentFailure("未配置短信服务（sms_access_key_id 等）")
        title, _ = _text(delivery.payload)
        params = {
            "AccessKeyId": s.sms_access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": delivery.target,
            "RegionId": s.sms_region_id,
            "SignName": s.sms_sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": s.sms_template_code,
            # The template's one variable carries the notice's title (SMS templates are
            # approved in advance; free text is not allowed).
            "TemplateParam": json.dumps({"title": title[:35]}, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "OutId": str(delivery.id),
        }
        params["Signature"] = aliyun_signature(params, s.sms_access_key_secret)
        r = await self.client.post(
            s.sms_endpoint,
            data=params,
            timeout=httpx.Timeout(10.0, connect=5.0),
            follow_redirects=False,
        )
        try:
            answer = r.json()
        except ValueError:
            answer = {}
        code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
        if r.status_code == 200 and code == "OK":
            return SendOutcome(r.status_code, str(answer.get("BizId", "")))
        if code.startswith("isv.") and code != "isv.BUSINESS_LIMIT_CONTROL":
            # The provider refused the request itself (bad number, template, signature name).
            raise PermanentFailure(f"短信服务拒绝：{code} {answer.get('Message', '')}")
        raise SendFailed(f"短信服务应答 HTTP {r.status_code} {code}", r.status_code)


class GanzhengtongSender:
    """赣政通 work message to one account (target: the account's user id)."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.s = settings
        self.client = client

    async def send(self, delivery: Delivery) -> SendOutcome:
        s = self.s
        if not (s.gzt_endpoint and s.gzt_app_id and s.gzt_app_secret):
            raise PermanentFailure("未配置赣政通（gzt_endpoint 等）")
        title, text = _text(delivery.payload)
        body = json.dumps(
            {
                "agent_id": s.gzt_agent_id,
                "to_user": delivery.target,
                "msg_type": "text",
                "title": title,
                "content": text or title,
                "msg_id": str(delivery.id),
            },
            ensure_ascii=False,
        ).encode()
        ts = str(int(time.time()))
        sign = hmac.new(
            s.gzt_app_secret.encode(), f"{s.gzt_app_id}\n{ts}\n".encode() + body, hashlib.sha256
        ).hexdigest()
        r = await self.client.post(
            s.gzt_endpoint,
            content=body,
            headers={
                "content-type": "application/json",
                "x-app-id": s.gzt_app_id,
                "x-timestamp": ts,
                "x-signature": sign,
            },
            timeout=httpx.Timeout(10.0, connect=5.0),
            follow_redirects=False,
        )
        if 200 <= r.status_code < 300:
            return SendOutcome(r.status_code)
        if r.status_code in (400, 401, 403, 404):
            raise PermanentFailure(f"赣政通拒绝：HTTP {r.status_code}")
        raise SendFailed(f"赣政通应答 HTTP {r.status_code}", r.status_code)


def build_senders(settings: Settings, client: httpx.AsyncClient) -> dict[str, Sender]:
    return {
        "webhook": WebhookSender(settings, client),
        "email": EmailSender(settings),
        "sms": AliyunSmsSender(settings, client),
        "ganzhengtong": GanzhengtongSender(settings, client),
    }
