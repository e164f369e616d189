"""Webhook subscriptions for portals (admin), their delivery logs, and the internal route by
which the indicator service reports its events."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..models import Delivery, DeliveryAttempt
from ..notifications.schemas import DeliveryAttemptRead
from ..state import SettingsDep
from . import service
from .dependencies import Admin, EventForPlan, ManagedSubscription, SubscriptionDeliveryDep
from .schemas import (
    EventAccepted,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionDelivery,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from .service import DeliveryNotDead, SubscriptionDeliveryNotFound, SubscriptionNotFound

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])
internal = APIRouter(prefix="/internal/v1", tags=["internal"])

DOC = """门户的 webhook 订阅（管理员）。事件以 Standard Webhooks 签名（请求头 webhook-id、
webhook-timestamp、webhook-signature）。接收方须：用密钥校验签名；拒绝 webhook-timestamp 与本机时间相差
超过 5 分钟的请求（防重放）；记住已处理的 webhook-id，重复的直接回 2xx 并丢弃（重试沿用同一编号）。
事件只带编号与公开数据接口地址，内容请从 /public/v1 读取。"""


@router.post(
    "",
    response_model=SubscriptionWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(Forbidden, ValidationFailed),
    description=DOC,
)
async def create_subscription(
    body: SubscriptionCreate,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SubscriptionWithSecret:
    """登记门户接收方（签名密钥只显示这一次）"""
    row = await service.create(
        session, principal=principal, data=body, production=settings.environment == "production"
    )
    set_etag(response, row.version)
    return SubscriptionWithSecret.model_validate(row)


@router.get("", response_model=Page[SubscriptionRead], responses=problem_responses(Forbidden))
async def list_subscriptions(
    _: Admin, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[SubscriptionRead]:
    """门户接收方列表"""
    rows, nxt = await service.list_(session, limit=limit, cursor=cursor)
    return Page(items=[SubscriptionRead.model_validate(r) for r in rows], next_cursor=nxt)


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(Forbidden, SubscriptionNotFound),
)
async def get_subscription(row: ManagedSubscription, response: Response) -> SubscriptionRead:
    """查看门户接收方"""
    set_etag(response, row.version)
    return SubscriptionRead.model_validate(row)


@router.patch(
    "/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(
        Forbidden, SubscriptionNotFound, ValidationFailed, PreconditionFailed, PreconditionRequired
    ),
)
async def update_subscription(
    row: ManagedSubscription,
    body: SubscriptionUpdate,
    session: SessionDep,
    settings: SettingsDep,
    expected: IfMatchVersion,
    response: Response,
) -> SubscriptionRead:
    """修改门户接收方：名称、地址、事件、停用（需 If-Match）"""
    require_version(row.version, expected)
    row = await service.update(
        session, row=row, data=body, production=settings.environment == "production"
    )
    set_etag(response, row.version)
    return SubscriptionRead.model_validate(row)


@router.post(
    "/{subscription_id}/secret",
    response_model=SubscriptionWithSecret,
    responses=problem_responses(
        Forbidden, SubscriptionNotFound, PreconditionFailed, PreconditionRequired
    ),
)
async def rotate_secret(
    row: ManagedSubscription,
    body: SecretRotation,
    session: SessionDep,
    expected: IfMatchVersion,
    response: Response,
) -> SubscriptionWithSecret:
    """轮换签名密钥：新密钥只显示这一次，旧密钥在重叠期内同时签名"""
    require_version(row.version, expected)
    row = await service.rotate_secret(session, row=row, overlap_hours=body.overlap_hours)
    set_etag(response, row.version)
    return SubscriptionWithSecret.model_validate(row)


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(Forbidden, SubscriptionNotFound),
)
async def delete_subscription(row: ManagedSubscription, session: SessionDep) -> Response:
    """删除门户接收方"""
    await service.delete(session, row=row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=Page[SubscriptionDelivery],
    responses=problem_responses(Forbidden, SubscriptionNotFound, ValidationFailed),
)
async def list_deliveries(
    row: ManagedSubscription, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[SubscriptionDelivery]:
    """投递记录：每个事件的状态与每次尝试（新的在前）"""
    found, nxt = await service.deliveries(session, row=row, limit=limit, cursor=cursor)
    return Page(items=[_delivery_read(d, log) for d, log in found], next_cursor=nxt)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/retry",
    response_model=SubscriptionDelivery,
    responses=problem_responses(
        Forbidden, SubscriptionNotFound, SubscriptionDeliveryNotFound, DeliveryNotDead
    ),
)
async def retry_delivery(
    loaded: SubscriptionDeliveryDep, session: SessionDep
) -> SubscriptionDelivery:
    """重发一条已放弃的投递（再试一次，事件编号不变，用当前密钥签名）"""
    row, delivery = loaded
    await service.retry_delivery(session, row=row, delivery=delivery)
    return _delivery_read(delivery, await service.attempts_of(session, delivery))


def _delivery_read(d: Delivery, log: list[DeliveryAttempt]) -> SubscriptionDelivery:
    return SubscriptionDelivery(
        id=d.id,
        event=str(d.payload.get("type", "")),
        event_id=str(d.payload.get("id", "")),
        status=d.status,
        attempts=d.attempts,
        last_error=d.last_error,
        created_at=d.created_at,
        sent_at=d.sent_at,
        log=[DeliveryAttemptRead.model_validate(a) for a in log],
    )


@internal.post(
    "/events",
    response_model=EventAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def accept_event(loaded: EventForPlan, session: SessionDep) -> EventAccepted:
    """其他服务报告的事件（指标服务：指标数值审核通过后），投递给订阅的门户"""
    event, plan = loaded
    return EventAccepted(deliveries=await service.indicator_assessed(session, plan, event))
