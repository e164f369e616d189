"""`dudao`: the operators' command line — run the platform, migrate, create users, parse plans."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress

from .platform import SERVICES, Platform, PlatformConfig

app = typer.Typer(help="督导平台运维命令", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)

DataDir = Annotated[Path, typer.Option(help="数据、密钥和日志目录", envvar="DUDAO_DATA_DIR")]


def _migrations_dir(service: str) -> Path:
    module = __import__(f"dudao_{service}.migrations", fromlist=["MIGRATIONS_DIR"])
    return Path(module.MIGRATIONS_DIR)


def _database_url(service: str, data_dir: Path) -> str:
    return os.environ.get(f"DUDAO_{service.upper()}_DATABASE_URL") or \
        PlatformConfig(data_dir=data_dir).database_url(service)


@app.command()
def migrate(
    data_dir: DataDir = Path("var"),
    service: Annotated[list[str] | None, typer.Option(help="只迁移指定服务")] = None,
) -> None:
    """把各服务数据库迁移到最新结构。"""
    from dudao_shared import migrate as m

    for svc in service or list(SERVICES):
        url = _database_url(svc, data_dir)
        m.upgrade(_migrations_dir(svc), url)
        console.print(f"[green]✓[/] {svc}: migrated ({url.split('@')[-1]})")


async def _create_user(url: str, *, username: str, password: str, role: str,
                       unit_id: str | None, region_code: str | None, only_if_none: bool) -> bool:
    from dudao_gateway.users import service as accounts
    from dudao_gateway.users.schemas import UserCreate
    from dudao_shared.db import Database

    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            if only_if_none and await accounts.count_users(session) > 0:
                return False
            await accounts.create_user(
                session,
                data=UserCreate(username=username, password=password, role=role,  # type: ignore[arg-type]
                                unit_id=unit_id, region_code=region_code),
                actor="cli",
            )
            await session.commit()
            return True
    finally:
        await db.dispose()


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[str, typer.Option(help="admin | planner | leader | unit")] = "planner",
    password: Annotated[str | None, typer.Option(help="不填则随机生成并显示一次")] = None,
    unit_id: Annotated[str | None, typer.Option(help="role=unit 时的单位标识")] = None,
    region_code: Annotated[str | None, typer.Option(help="所辖行政区划代码")] = None,
    if_none: Annotated[bool, typer.Option(help="仅当还没有任何账号时创建（首个管理员）")] = False,
    data_dir: DataDir = Path("var"),
) -> None:
    """创建一个登录账号。"""
    pw = password or secrets.token_urlsafe(12)
    created = asyncio.run(_create_user(_database_url("gateway", data_dir), username=username,
                                       password=pw, role=role, unit_id=unit_id,
                                       region_code=region_code, only_if_none=if_none))
    if not created:
        console.print("已有账号，未创建。")
        return
    console.print(f"[green]✓[/] 账号 {username}（{role}）已创建" +
                  ("" if password else f"，密码：[bold]{pw}[/]"))


@app.command("init-keys")
def init_keys(keys_dir: Annotated[Path, typer.Argument(help="密钥目录")] = Path("var/keys")) -> None:
    """生成网关签名密钥对（已存在则保留）。"""
    from .platform import ensure_keys

    private, public = ensure_keys(keys_dir)
    console.print(f"[green]✓[/] {private}  {public}")


@app.command()
def parse(file: Path) -> None:
    """解析一份规划文件（.txt/.md/.docx/.pdf），把结构化结果以 JSON 输出到标准输出。"""
    from dudao_tasks.importer import UnsupportedDocument, parse_file

    try:
        result = parse_file(file)
    except UnsupportedDocument as exc:
        console.print(f"[red]无法解析：{exc}[/]")
        raise typer.Exit(2) from None
    except OSError as exc:
        console.print(f"[red]无法读取文件：{exc}[/]")
        raise typer.Exit(2) from None
    result.pop("text", None)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def _seeds_dir() -> Path | None:
    env = os.environ.get("DUDAO_SEEDS_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "deploy" / "seeds", here.parents[3] / "shared" / "seeds"]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.txt")):
            return c
    return None


@app.command()
def run(
    data_dir: DataDir = Path("var"),
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(help="网关端口")] = 8000,
    seed: Annotated[bool, typer.Option(help="首次启动时导入示例规划")] = True,
) -> None:
    """启动整个平台：迁移数据库、创建首个管理员、启动三个服务、导入示例规划。"""
    data_dir = data_dir.resolve()
    cfg = PlatformConfig(data_dir=data_dir, host=host, gateway_port=port,
                         tasks_port=port + 1, indicators_port=port + 2,
                         log_dir=data_dir / "logs")
    for svc in SERVICES:
        cfg.database_urls[svc] = _database_url(svc, data_dir)
    with Progress(console=console, transient=True) as progress:
        step = progress.add_task("准备数据库", total=len(SERVICES))
        from dudao_shared import migrate as m

        for svc in SERVICES:
            m.upgrade(_migrations_dir(svc), cfg.database_urls[svc])
            progress.advance(step)
    admin_pw = os.environ.get("DUDAO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    created = asyncio.run(_create_user(cfg.database_urls["gateway"], username="admin",
                                       password=admin_pw, role="admin", unit_id=None,
                                       region_code=None, only_if_none=True))
    platform = Platform(cfg)

    def _stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        platform.start()
        platform.wait_ready(timeout=60)
        seeded = _seed_demo(cfg, admin_pw if created else None) if seed else []
        login = (f"用户名 [bold]admin[/]  密码 [bold]{admin_pw}[/]（只显示这一次）" if created
                 else "用户名 [bold]admin[/]（密码见首次启动时的输出；"
                 "忘记时可用 dudao create-user 另建管理员）")
        lines = [
            f"网关  {cfg.url('gateway')}",
            f"接口文档  {cfg.url('gateway')}/docs",
            login,
        ]
        if seeded:
            lines.append("已导入示例规划：")
            lines.extend(f"  · {line}" for line in seeded)
        lines.append("按 Ctrl-C 停止")
        console.print(Panel("\n".join(lines), title="督导平台已启动", expand=False))
        while all(p.poll() is None for p in platform.procs.values()):
            time.sleep(0.5)
        console.print("[red]有服务意外退出，请查看日志目录[/] " + str(cfg.log_dir))
    except KeyboardInterrupt:
        console.print("正在停止…")
    finally:
        platform.stop()
        console.print("已停止。")


def _seed_demo(cfg: PlatformConfig, admin_password: str | None) -> list[str]:
    """Import the seed plans through the gateway, once (first start only)."""
    from .seed import seed_demo

    return seed_demo(cfg, admin_password, _seeds_dir(), console)


if __name__ == "__main__":
    app()
