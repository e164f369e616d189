"""A disclosed plan's indicators for the public feed: the scorecard, restricted to what has been
approved.

The stored assessment counts submitted values too (the commission sees its own unapproved data);
the public sees an indicator's status and reasons only when the assessment rests on the latest
approved value, otherwise the status is "awaiting approval" and no reason is shown, so no
unapproved figure leaks through the reasons' text."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.errors import NotFound, ValidationFailed
from dudao_shared.http import ServiceClient, UpstreamProblem
from dudao_shared.pagination import decode_cursor, encode_cursor
from dudao_shared.prepared import driver

from ..models import Measurement
from ..models.base import table_of
from ..reports import service as reports
from .schemas import PublicIndicator, PublicIndicatorPage

AWAITING = "awaiting_approval"


class PublicPlanNotFound(NotFound):
    code, title = "plan_not_found", "规划不存在或未公开"


async def require_disclosed(client: ServiceClient, plan_id: str) -> None:
    """The task service's feed decides what is disclosed; a plan it does not show is not here."""
    try:
        await client.request("GET", f"/public/v1/plans/{quote(plan_id, safe='')}")
    except UpstreamProblem as exc:
        if exc.status in (404, 422):
            raise PublicPlanNotFound(f"找不到已公开的规划 {plan_id[:64]}") from None
        raise


def _latest_approved() -> sa.Select[tuple[str, str, Decimal]]:
    m = table_of(Measurement)
    return (
        sa.select(m.c.indicator_id, m.c.period, m.c.value)
        .where(
            m.c.indicator_id.in_(sa.bindparam("ids", expanding=True)),
            m.c.region_code == sa.bindparam("region"),
            m.c.status == "approved",
        )
        .ext(distinct_on(m.c.indicator_id))
        .order_by(m.c.indicator_id, m.c.period_end.desc(), m.c.period.desc())
    )


LATEST_APPROVED = _latest_approved()


async def public_indicators(
    session: AsyncSession, *, plan_id: str, limit: int, cursor: str | None
) -> PublicIndicatorPage:
    try:
        card = await reports.scorecard(await driver(session), plan_id=plan_id, region_code=None)
    except reports.PlanNotFound:
        return PublicIndicatorPage(plan_id=plan_id, region_code="", items=[], next_cursor=None)
    # A plan has tens of indicators in table order; the cursor is the position reached.
    start = 0
    data = decode_cursor(cursor)
    if data is not None:
        raw = data.get("p")
        if not isinstance(raw, int) or raw < 0:
            raise ValidationFailed(
                "分页游标无效", errors=[{"field": "cursor", "message": "无法识别的游标"}]
            )
        start = raw
    rows = card.rows[start : start + limit]
    approved = (
        {
            r.indicator_id: (r.period, r.value)
            for r in (
                await session.execute(
                    LATEST_APPROVED,
                    {"ids": [r.indicator_id for r in rows], "region": card.region_code},
                )
            ).all()
        }
        if rows
        else {}
    )
    items = []
    for r in rows:
        period, value = approved.get(r.indicator_id, (None, None))
        settled = r.latest_period is not None and r.latest_period == period
        if r.latest_period is None:
            status, status_zh, reasons = r.status, r.status_zh, ["尚无审核通过的监测值"]
        elif settled:
            status, status_zh, reasons = r.status, r.status_zh, r.reasons
        else:
            status, status_zh, reasons = AWAITING, "最新数据审核中", []
        items.append(
            PublicIndicator(
                id=r.indicator_id,
                code=r.code,
                seq=r.seq,
                name=r.name,
                domain=r.domain,
                measure_unit=r.measure_unit,
                nature=r.nature,
                direction=r.direction,
                baseline_year=r.baseline_year,
                baseline_value=r.baseline_value,
                target=r.target_text,
                target_year=r.target_year,
                target_value=r.target_value,
                latest_period=period,
                latest_value=value,
                status=status,
                status_zh=status_zh,
                reasons=reasons,
            )
        )
    end = start + len(rows)
    return PublicIndicatorPage(
        plan_id=plan_id,
        region_code=card.region_code,
        items=items,
        next_cursor=encode_cursor({"p": end}) if end < len(card.rows) else None,
    )
