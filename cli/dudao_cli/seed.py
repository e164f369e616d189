"""First-start demo data: the five real plans, imported through the public API like a planner
would (units the plans name are created in the plan's region, since a new install has none)."""

from __future__ import annotations

from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress

from .platform import PlatformConfig


def seed_demo(
    cfg: PlatformConfig, admin_password: str | None, seeds_dir: Path | None, console: Console
) -> list[str]:
    if admin_password is None or seeds_dir is None:
        return []
    files = sorted(seeds_dir.glob("*.txt"))
    gateway = cfg.url("gateway")
    r = httpx.post(
        gateway + "/api/v1/auth/login",
        json={"username": "admin", "password": admin_password},
        timeout=30,
    )
    r.raise_for_status()
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    done: list[str] = []
    with (
        httpx.Client(base_url=gateway, headers=headers, timeout=120) as client,
        Progress(console=console, transient=True) as progress,
    ):
        step = progress.add_task(f"导入 {len(files)} 份示例规划", total=len(files))
        progress.console.print(f"导入 {len(files)} 份示例规划（{seeds_dir}）…")
        for path in files:
            r = client.post(
                "/api/v1/plans/import",
                params={"dry_run": "false", "create_missing_units": "true"},
                files={"file": (path.name, path.read_bytes(), "text/plain")},
            )
            progress.advance(step)
            if r.status_code == 201:
                counts = r.json()["counts"]
                title = _title(client, r.json()["plan_id"])
                done.append(
                    f"{title}（{counts['tasks']} 项任务，{counts['indicators_created']} 项指标）"
                )
                progress.console.print(f"  [green]✓[/] {done[-1]}")
            elif r.status_code == 409:
                continue
            else:
                console.print(
                    f"[yellow]示例 {path.name} 未能导入：{r.status_code} {r.text[:200]}[/]"
                )
    return done


def _title(client: httpx.Client, plan_id: str) -> str:
    r = client.get(f"/api/v1/plans/{plan_id}")
    return str(r.json().get("title", plan_id)) if r.status_code == 200 else plan_id
