"""Builders shared by the indicator tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

REGION = "360900"  # 宜春市
COUNTY = "360902"  # 袁州区
OTHER_CITY = "360100"  # 南昌市


def missing_plan_id() -> str:
    """An id no plan has."""
    return str(uuid.uuid4())


def indicator_body(plan: str, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "plan_id": plan,
        "region_code": REGION,
        "code": kw.pop("code", uuid.uuid4().hex[:8]),
        "name": "婴儿死亡率",
        "domain": "健康水平",
        "measure_unit": "‰",
        "direction": "lower_is_better",
        "nature": "expected",
    }
    body.update(kw)
    return body


async def make_indicator(
    c: httpx.AsyncClient, plan: str, *, target: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    r = await c.post("/api/v1/indicators", json=indicator_body(plan, **kw))
    assert r.status_code == 201, r.text
    ind = r.json()
    if target is not None:
        r = await c.post("/api/v1/targets", json={"indicator_id": ind["id"], **target})
        assert r.status_code == 201, r.text
        ind["target"] = r.json()
    return ind


IMR_TARGET = {
    "baseline_year": 2020,
    "baseline_value": 5.4,
    "target_year": 2025,
    "kind": "absolute",
    "comparator": "<=",
    "value": 5.0,
}


async def measure(
    c: httpx.AsyncClient,
    indicator_id: str,
    period: str,
    value: Any,
    *,
    region: str = REGION,
    expect: int = 201,
    **kw: Any,
) -> dict[str, Any]:
    body = {
        "indicator_id": indicator_id,
        "region_code": region,
        "period": period,
        "value": value,
        "submit": True,
        **kw,
    }
    r = await c.post("/api/v1/measurements", json=body)
    assert r.status_code == expect, r.text
    return r.json()
