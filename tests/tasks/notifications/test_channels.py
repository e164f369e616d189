"""Every outbound channel against a real peer, sent by the worker as a real process: SMTP
(aiosmtpd), Aliyun SMS (an HTTP peer checking the provider's signature), Standard Webhooks
(verified by the standardwebhooks package). A channel that is down retries with backoff, ends
dead with its log, and delays nothing on the other channels."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from dudao_shared.db import Database
from dudao_shared.webhooks import new_secret
from dudao_tasks.models import Delivery, Notice
from dudao_tasks.notifications import service as notifications

from .peers import (
    aliyun_sms_peer,
    silent_server,
    smtp_server,
    wait_for,
    webhook_receiver,
    worker_env,
    workers,
)
from .test_worker import _notify, _unit_with

pytestmark = pytest.mark.e2e


def _channel_env(mail_port: int, sms_url: str) -> dict[str, str]:
    return {
        "DUDAO_TASKS_SMTP_HOST": "127.0.0.1",
        "DUDAO_TASKS_SMTP_PORT": str(mail_port),
        "DUDAO_TASKS_SMTP_TIMEOUT_SECONDS": "2",
        "DUDAO_TASKS_SMS_ENDPOINT": sms_url,
        "DUDAO_TASKS_SMS_ACCESS_KEY_ID": "LTAI-test-key",
        "DUDAO_TASKS_SMS_ACCESS_KEY_SECRET": "test-secret-of-the-peer",
        "DUDAO_TASKS_SMS_SIGN_NAME": "江西卫健",
        "DUDAO_TASKS_SMS_TEMPLATE_CODE": "SMS_100000001",
    }


async def _statuses(db: Database, notice_ids: list[uuid.UUID]) -> dict[str, list[Delivery]]:
    async with db.sessionmaker() as s:
        rows = (
            await s.scalars(
                select(Delivery).where(Delivery.notice_id.in_(notice_ids))  # type: ignore[union-attr]
            )
        ).all()
    out: dict[str, list[Delivery]] = {}
    for r in rows:
        out.setdefault(r.channel, []).append(r)
    return out


async def test_email_sms_and_webhook_each_once(queue_db, keypair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(queue_db)
    secret = new_secret()
    try:
        with (
            smtp_server() as mail,
            aliyun_sms_peer("LTAI-test-key", "test-secret-of-the-peer") as sms,
            webhook_receiver(secret) as hook,
        ):
            unit = await _unit_with(
                db,
                [
                    ("email", "wjw@nc.example.cn", None),
                    ("sms", "13812345678", None),
                    ("webhook", hook.url, secret),
                ],
            )
            notices = await _notify(db, unit, 3, f"ch:{unit}")
            env = worker_env(queue_db, keypair[1], **_channel_env(mail.port, sms.url))
            with workers(env, ["w1"], tmp_path / "logs"):
                await asyncio.to_thread(
                    wait_for,
                    lambda: (
                        len(mail.messages) >= 3 and len(sms.sent) >= 3 and len(hook.received) >= 3
                    ),
                    "three messages on each channel",
                )
            assert len(mail.messages) == 3 and len(sms.sent) == 3 and len(hook.received) == 3
            rcpts, msg = mail.messages[0]
            assert rcpts == ["wjw@nc.example.cn"]
            assert str(msg["Subject"]).startswith("催办") and "请尽快报送进度" in msg.get_content()
            assert len({m["Message-ID"] for _, m in mail.messages}) == 3
            assert sms.bad_signatures == 0
            assert {p["PhoneNumbers"] for p in sms.sent} == {"13812345678"}
            assert all(
                p["SignName"] == "江西卫健" and "催办" in p["TemplateParam"] for p in sms.sent
            )
            assert hook.rejected == 0
            statuses = await _statuses(db, notices)
            assert {c: sorted(d.status for d in ds) for c, ds in statuses.items()} == {
                "email": ["sent"] * 3,
                "sms": ["sent"] * 3,
                "webhook": ["sent"] * 3,
            }
    finally:
        await db.dispose()


async def test_a_down_channel_retries_dies_and_delays_nothing_else(
    queue_db,
    keypair,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    db = Database(queue_db)
    secret = new_secret()
    try:
        with (
            silent_server() as hanging_smtp,
            aliyun_sms_peer("LTAI-test-key", "test-secret-of-the-peer") as sms,
            webhook_receiver(secret) as hook,
        ):
            hook.status = 503  # the receiver is down
            unit = await _unit_with(
                db,
                [
                    ("email", "wjw@nc.example.cn", None),
                    ("sms", "13900000000", None),
                    ("webhook", hook.url, secret),
                ],
            )
            notices = await _notify(db, unit, 8, f"down:{unit}")
            env = worker_env(queue_db, keypair[1], **_channel_env(hanging_smtp, sms.url))
            with workers(env, ["w1"], tmp_path / "logs"):
                await asyncio.to_thread(wait_for, lambda: len(sms.sent) >= 8, "eight SMS")
                # Every SMS went out while the hanging mail server still held the e-mails.
                statuses = await _statuses(db, notices)
                assert all(d.status != "sent" for d in statuses["email"])

                async def all_settled() -> bool:
                    st = await _statuses(db, notices)
                    return all(d.status != "pending" for ds in st.values() for d in ds)

                for _ in range(600):
                    if await all_settled():
                        break
                    await asyncio.sleep(0.1)
            statuses = await _statuses(db, notices)
            assert sorted(d.status for d in statuses["sms"]) == ["sent"] * 8
            assert sorted(d.status for d in statuses["webhook"]) == ["dead"] * 8
            assert sorted(d.status for d in statuses["email"]) == ["dead"] * 8
            assert all(d.attempts == 3 for d in statuses["webhook"] + statuses["email"])
            assert all(d.last_error == "HTTP 503" for d in statuses["webhook"])
            # The delivery log per notice, as staff read it.
            async with db.sessionmaker() as s:
                notice = await s.get(Notice, notices[0])
                assert notice is not None
                rows, _ = await notifications.deliveries_of(s, notice.id, limit=10, cursor=None)
            by_channel = {d.channel: attempts for d, attempts in rows}
            assert [a.attempt for a in by_channel["webhook"]] == [1, 2, 3]
            assert all(not a.ok and a.status_code == 503 for a in by_channel["webhook"])
            assert [a.ok for a in by_channel["sms"]] == [True]
            assert all("Timeout" in (a.error or "") for a in by_channel["email"])
    finally:
        await db.dispose()
