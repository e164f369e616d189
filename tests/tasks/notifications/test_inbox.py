"""The inbox: a unit reads only its own unit's notices, staff their own; unread count, mark
read, filters and pages; a key never makes a second notice."""

from __future__ import annotations

import uuid

from dudao_tasks.notifications.service import Recipient, notify
from tasks.world import build_world, ok


async def _notify_unit(app, unit_id: str, n: int, kind: str = "urge") -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    ids = []
    async with app.state.db.sessionmaker() as session:
        for i in range(n):
            nid = await notify(
                session,
                recipient=Recipient(unit_id=uuid.UUID(unit_id)),
                kind=kind,
                title=f"请报送进度 {i}",
                body="请于本周内报送",
                dedupe_key=f"test:{unit_id}:{kind}:{i}",
            )
            assert nid is not None
            ids.append(nid)
        await session.commit()
    return ids


async def test_unit_inbox_count_read_filters_pages(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    await _notify_unit(tasks, w.ids["unit_a"], 3, kind="urge")
    await _notify_unit(tasks, w.ids["unit_a"], 2, kind="overdue")
    await _notify_unit(tasks, w.ids["unit_b"], 1, kind="urge")
    async with w.client("unit_a") as ua, w.client("unit_b") as ub:
        assert ok(await ua.get("/api/v1/notices/unread_count")) == {"unread": 5}
        assert ok(await ub.get("/api/v1/notices/unread_count")) == {"unread": 1}
        page1 = ok(await ua.get("/api/v1/notices", params={"limit": 3}))
        assert len(page1["items"]) == 3 and page1["next_cursor"]
        page2 = ok(
            await ua.get("/api/v1/notices", params={"limit": 3, "cursor": page1["next_cursor"]})
        )
        assert len(page2["items"]) == 2 and page2["next_cursor"] is None
        seen = [n["id"] for n in page1["items"] + page2["items"]]
        assert len(set(seen)) == 5
        assert all(n["recipient_unit_id"] == w.ids["unit_a"] for n in page1["items"])
        overdue = ok(await ua.get("/api/v1/notices", params={"kind": "overdue"}))["items"]
        assert [n["kind"] for n in overdue] == ["overdue", "overdue"]

        first = page1["items"][0]["id"]
        read = ok(await ua.post(f"/api/v1/notices/{first}/read"))
        assert read["read_at"] is not None
        again = ok(await ua.post(f"/api/v1/notices/{first}/read"))
        assert again["read_at"] == read["read_at"]
        assert ok(await ua.get("/api/v1/notices/unread_count")) == {"unread": 4}
        unread = ok(await ua.get("/api/v1/notices", params={"unread": "true"}))["items"]
        assert first not in {n["id"] for n in unread} and len(unread) == 4
        assert len(ok(await ua.get("/api/v1/notices", params={"unread": "false"}))["items"]) == 1

        # Another unit's notice: not found, for reading and for marking.
        theirs = ok(await ub.get("/api/v1/notices"))["items"][0]["id"]
        for r in (
            await ua.get(f"/api/v1/notices/{theirs}"),
            await ua.post(f"/api/v1/notices/{theirs}/read"),
            await ua.post("/api/v1/notices/not-an-id/read"),
        ):
            assert r.status_code == 404 and r.json()["code"] == "notice_not_found"
        assert ok(await ub.get("/api/v1/notices/unread_count")) == {"unread": 1}

        assert ok(await ua.post("/api/v1/notices/read_all")) == {"marked": 4}
        assert ok(await ua.get("/api/v1/notices/unread_count")) == {"unread": 0}
        assert ok(await ub.get("/api/v1/notices/unread_count")) == {"unread": 1}
        bad = await ua.get("/api/v1/notices", params={"cursor": "garbage"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_same_key_notifies_once(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    unit = uuid.UUID(w.ids["unit_a"])
    async with tasks.state.db.sessionmaker() as session:
        first = await notify(
            session, recipient=Recipient(unit_id=unit), kind="urge", title="催办", dedupe_key="k1"
        )
        second = await notify(
            session, recipient=Recipient(unit_id=unit), kind="urge", title="催办", dedupe_key="k1"
        )
        await session.commit()
    assert first is not None and second is None
    async with w.client("unit_a") as ua:
        assert ok(await ua.get("/api/v1/notices/unread_count")) == {"unread": 1}


async def test_staff_inbox_is_their_own(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    sub = f"user:{uuid.uuid4().hex[:8]}"
    async with tasks.state.db.sessionmaker() as session:
        await notify(
            session,
            recipient=Recipient(user=sub),
            kind="answered",
            title="单位已反馈",
            dedupe_key=f"staff:{sub}",
        )
        await session.commit()
    mine = make_token("planner", sub=sub, region_code="360100")
    from harness import client_for

    async with client_for(tasks, mine) as me, w.client("admin") as admin:
        assert ok(await me.get("/api/v1/notices/unread_count")) == {"unread": 1}
        items = ok(await me.get("/api/v1/notices"))["items"]
        assert items[0]["recipient_user"] == sub
        # An admin is another user: the notice is not in the admin's inbox.
        assert ok(await admin.get("/api/v1/notices/unread_count")) == {"unread": 0}
        r = await admin.post(f"/api/v1/notices/{items[0]['id']}/read")
        assert r.status_code == 404
        # Staff read any notice's delivery log (none for an inbox-only notice); units never.
        log = ok(await admin.get(f"/api/v1/notices/{items[0]['id']}/deliveries"))
        assert log == {"items": [], "next_cursor": None}
    async with w.client("unit_a") as ua:
        r = await ua.get(f"/api/v1/notices/{items[0]['id']}/deliveries")
        assert r.status_code == 403
