"""First-start demo data: the five real plans, imported through the public API."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from .platform import PlatformConfig


def seed_demo(
    cfg: PlatformConfig, admin_password: str | None, seeds_dir: Path | None, console: Console
) -> list[str]:
    if admin_password is None or seeds_dir is None:
        return []
    console.print("[yellow]示例规划导入尚未接入（等待导入接口）[/]")
    return []
