"""`dudao`: the operators' command line — run the platform, migrate, create users, parse plans."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.panel import Panel

from .embedded import EmbeddedPostgres
from .platform import SERVICES, Platform, PlatformConfig, free_port

app = typer.Typer(help="督导平台运维命令", no_args_is_help=True, add_completion=False)
# soft_wrap: a long line stays one line when the output is a pipe or a log, not a terminal.
console = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path, typer.Option(help="数据、密钥和日志目录", envvar="DUDAO_DATA_DIR")]
Host = Annotated[str, typer.Option(help="监听地址", envvar="DUDAO_HOST")]
Port = Annotated[
    int, typer.Option(help="网关端口；任务服务、指标服务用其后两个", envvar="DUDAO_PORT")
]


def _migrations_dir(service: str) -> Path:
    module = __import__(f"dudao_{service}.migrations", fromlist=["MIGRATIONS_DIR"])
    return Path(module.MIGRATIONS_DIR)


class _Step:
    def __init__(self, doing: str) -> None:
        self.done = doing


@contextmanager
def _step(doing: str) -> Iterator[_Step]:
    """One step of a long command: what it is doing while it runs, a ✓ line with its time after
    (the caller may reword that line through ``step.done``)."""
    step = _Step(doing)
    t0 = time.perf_counter()
    if console.is_terminal:
        with console.status(doing + "…"):
            yield step
    else:
        console.print(doing + "…")
        yield step
    console.print(f"[green]✓[/] {step.done}（{time.perf_counter() - t0:.1f} 秒）")


def _configured_url(service: str) -> str | None:
    return os.environ.get(f"DUDAO_{service.upper()}_DATABASE_URL") or None


@contextmanager
def _databases(data_dir: Path, services: Sequence[str], *, owner: bool) -> Iterator[dict[str, str]]:
    """Each service's database URL: ``DUDAO_<SERVICE>_DATABASE_URL`` when set, else a database
    named after the service on the embedded PostgreSQL under ``data_dir/pg``.

    The embedded server starts only when some service needs it. It is stopped afterwards by its
    owner (``dudao run``) or by the command that had to start it; a one-off command run beside
    ``dudao run`` uses the running server and leaves it running.
    """
    urls = {svc: url for svc in services if (url := _configured_url(svc))}
    wanted = [svc for svc in services if svc not in urls]
    if not wanted:
        yield urls
        return
    pg = EmbeddedPostgres(data_dir / "pg")
    try:
        with _step(f"启动内嵌 PostgreSQL（{pg.pgdata}）") as step:
            first = not pg.initialised
            if first:
                console.print("  首次启动：初始化数据目录，需要几秒")
            pg.start()
            how = (
                "新建数据目录" if first else "沿用已有数据" if pg.started_here else "已在运行，沿用"
            )
            step.done = f"PostgreSQL 18 已启动（{how}）"
        with _step("准备各服务的数据库") as step:
            created = pg.ensure_databases(wanted)
            urls.update({svc: pg.url(svc) for svc in wanted})
            step.done = (
                "数据库 "
                + "、".join(wanted)
                + " 已就绪"
                + (f"（新建 {'、'.join(created)}）" if created else "（沿用）")
            )
        yield urls
    finally:
        if owner or pg.started_here:
            with _step("停止内嵌 PostgreSQL") as step:
                stopped = pg.stop()
                step.done = (
                    f"内嵌 PostgreSQL 已停止，数据留在 {pg.pgdata}"
                    if stopped
                    else "内嵌 PostgreSQL 未在运行"
                )


def _migrate(urls: dict[str, str]) -> None:
    from dudao_shared import migrate as m

    for svc, url in urls.items():
        with _step(f"迁移 {svc} 数据库") as step:
            m.upgrade(_migrations_dir(svc), url)
            step.done = f"{svc} 数据库结构已是最新"


@app.command()
def migrate(
    data_dir: DataDir = Path("var"),
    service: Annotated[list[str] | None, typer.Option(help="只迁移指定服务")] = None,
) -> None:
    """把各服务数据库迁移到最新结构（未设 DUDAO_<SERVICE>_DATABASE_URL 的用内嵌 PostgreSQL）。"""
    with _databases(data_dir.resolve(), service or list(SERVICES), owner=False) as urls:
        _migrate(urls)


audit_app = typer.Typer(help="审计记录", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    data_dir: DataDir = Path("var"),
    service: Annotated[list[str] | None, typer.Option(help="只校验指定服务")] = None,
) -> None:
    """校验各服务审计记录的哈希链，报告第一处断裂（有断裂时退出码为 1）。"""
    from dudao_shared.audit_chain import AUDIT_TABLES, verify_database

    broken = 0
    with _databases(data_dir.resolve(), service or list(SERVICES), owner=False) as urls:
        for svc, url in urls.items():
            for report in asyncio.run(verify_database(url, AUDIT_TABLES[svc])):
                where = f"{svc}.{report.table}"
                if report.ok:
                    console.print(
                        f"[green]✓[/] {where}：{report.rows} 条，链完整"
                        f"（末条 #{report.head_seq} {report.head_hash[:12]}）"
                    )
                else:
                    broken += 1
                    console.print(
                        f"[red]✗[/] {where}：第 {report.broken_seq} 条断裂：{report.reason}"
                        f"（此前 {report.head_seq} 条完整）"
                    )
    if broken:
        raise typer.Exit(1)


@app.command("app-role")
def app_role(
    password: Annotated[
        str, typer.Option(help="服务连接数据库用的口令", envvar="DUDAO_APP_DB_PASSWORD")
    ],
    data_dir: DataDir = Path("var"),
) -> None:
    """允许服务以 dudao_app 角色登录数据库（迁移已建好该角色及其权限：审计表只能插入）。"""
    from dudao_shared.audit_chain import enable_app_login

    with _databases(data_dir.resolve(), list(SERVICES), owner=False) as urls:
        # A role belongs to the server, not to one database: any one of them will do.
        asyncio.run(enable_app_login(next(iter(urls.values())), password))
    console.print("[green]✓[/] dudao_app 可以登录；服务的数据库地址请使用该角色")


async def _create_user(
    url: str,
    *,
    username: str,
    password: str,
    role: str,
    unit_id: str | None,
    region_code: str | None,
    only_if_none: bool,
) -> bool:
    from dudao_gateway.users import service as accounts
    from dudao_gateway.users.schemas import UserCreate
    from dudao_shared.db import Database

    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            if only_if_none and await accounts.count_users(session) > 0:
                return False
            # Validated like an API request: a bad role or region code is refused by the schema.
            data = UserCreate.model_validate(
                {
                    "username": username,
                    "password": password,
                    "role": role,
                    "unit_id": unit_id,
                    "region_code": region_code,
                }
            )
            await accounts.create_user(session, data=data, actor="cli")
            await session.commit()
            return True
    finally:
        await db.dispose()


def prepare_scratch_platform(
    urls: dict[str, str], data_dir: Path, *, extra_env: dict[str, str] | None = None
) -> tuple[PlatformConfig, str]:
    """A platform for tests and benchmarks: ``urls`` (a database per service) migrated, an admin
    with a fresh password, and a config on free loopback ports. Returns it with that password."""
    _migrate(urls)
    password = secrets.token_urlsafe(12)
    asyncio.run(
        _create_user(
            urls["gateway"],
            username="admin",
            password=password,
            role="admin",
            unit_id=None,
            region_code=None,
            only_if_none=False,
        )
    )
    cfg = PlatformConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        tasks_port=free_port(),
        indicators_port=free_port(),
        database_urls=urls,
        environment="test",
        log_dir=data_dir / "logs",
        extra_env=extra_env or {},
    )
    return cfg, password


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
    with _databases(data_dir.resolve(), ["gateway"], owner=False) as urls:
        created = asyncio.run(
            _create_user(
                urls["gateway"],
                username=username,
                password=pw,
                role=role,
                unit_id=unit_id,
                region_code=region_code,
                only_if_none=if_none,
            )
        )
    if not created:
        console.print("已有账号，未创建。")
        return
    console.print(
        f"[green]✓[/] 账号 {username}（{role}）已创建"
        + ("" if password else f"，密码：[bold]{pw}[/]")
    )


@app.command("init-keys")
def init_keys(
    keys_dir: Annotated[Path, typer.Argument(help="密钥目录")] = Path("var/keys"),
) -> None:
    """生成网关签名密钥对和服务间凭证（已存在则保留）。"""
    from .platform import ensure_keys, ensure_service_token

    private, public = ensure_keys(keys_dir)
    token = ensure_service_token(keys_dir)
    console.print(f"[green]✓[/] {private}  {public}  {token}")


@app.command()
def parse(file: Path) -> None:
    """解析一份规划文件（.txt/.md/.docx/.pdf/.html），把结构化结果以 JSON 输出到标准输出。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dudao_importer import DocumentTooLarge, UnsupportedDocument, parse_file

    # Long PDFs take a while: pages read are shown on stderr, which keeps stdout pure JSON.
    with Progress(
        TextColumn("读取页面"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("pages", total=None)

        def on_page(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = parse_file(file, on_page=on_page)
        except (UnsupportedDocument, DocumentTooLarge) as exc:
            console.print(f"[red]无法解析：{exc}[/]")
            raise typer.Exit(2) from None
        except OSError as exc:
            console.print(f"[red]无法读取文件：{exc}[/]")
            raise typer.Exit(2) from None
    sys.stdout.write(result.to_json(indent=2, with_text=False) + "\n")


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="作业进程名（日志与投递记录中显示）")] = None,
    once: Annotated[bool, typer.Option(help="处理完队列中已有的作业后退出")] = False,
    data_dir: DataDir = Path("var"),
) -> None:
    """运行后台作业进程：任务服务（提醒扫描、通知外发、表格导入）与指标服务（表格导入）的作业队列，
    各在本服务的数据库中；可在多台机器上各运行一个。"""
    args = [*(["--name", name] if name else []), *(["--once"] if once else [])]
    from .worker import SERVICES
    from .worker import main as worker_main

    if all(_configured_url(svc) for svc in SERVICES):
        worker_main(args)
        return
    with _databases(data_dir.resolve(), list(SERVICES), owner=False) as urls:
        for svc in SERVICES:
            prefix = f"DUDAO_{svc.upper()}_"
            os.environ[prefix + "DATABASE_URL"] = urls[svc]
            if not os.environ.get(prefix + "JWT_PUBLIC_KEY_FILE"):
                from .platform import ensure_keys

                _, public = ensure_keys(data_dir.resolve() / "keys")
                os.environ[prefix + "JWT_PUBLIC_KEY_FILE"] = str(public)
        worker_main(args)


def _seeds_dir() -> Path | None:
    env = os.environ.get("DUDAO_SEEDS_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates.append(here.parents[2] / "deploy" / "seeds")
    for c in candidates:
        if c.is_dir() and any(c.glob("*.txt")):
            return c
    return None


@app.command()
def run(
    data_dir: DataDir = Path("var"),
    host: Host = "127.0.0.1",
    port: Port = 8000,
    seed: Annotated[bool, typer.Option(help="首次启动时导入示例规划")] = True,
) -> None:
    """启动整个平台：内嵌 PostgreSQL、迁移、首个管理员、三个服务、后台作业进程、示例规划；Ctrl-C 全部停止。"""
    data_dir = data_dir.resolve()
    cfg = PlatformConfig(
        data_dir=data_dir,
        host=host,
        gateway_port=port,
        tasks_port=port + 1,
        indicators_port=port + 2,
        log_dir=data_dir / "logs",
    )
    platform = Platform(cfg)

    def _stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        with _databases(data_dir, list(SERVICES), owner=True) as urls:
            try:
                cfg.database_urls.update(urls)
                _run(cfg, platform, seed=seed)
            finally:
                # A second Ctrl-C (`timeout` and some shells signal the group twice) must not cut
                # the shutdown short and leave servers behind.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                console.print("正在停止…")
                if platform.procs:
                    with _step("停止三个服务和后台作业进程"):
                        platform.stop()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the platform is stopped; everything it started is stopped above.
    console.print("已停止。")


def _run(cfg: PlatformConfig, platform: Platform, *, seed: bool) -> None:
    _migrate(cfg.database_urls)
    admin_pw = os.environ.get("DUDAO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    with _step("创建首个管理员") as step:
        created = asyncio.run(
            _create_user(
                cfg.database_urls["gateway"],
                username="admin",
                password=admin_pw,
                role="admin",
                unit_id=None,
                region_code=None,
                only_if_none=True,
            )
        )
        step.done = "管理员 admin 已创建" if created else "已有账号，不再创建管理员"
    with _step("启动网关、任务服务、指标服务和后台作业进程") as step:
        platform.start()
        platform.wait_ready(timeout=60)
        step.done = (
            "三个服务已就绪："
            + "  ".join(f"{svc} {cfg.url(svc)}" for svc in ("gateway", "tasks", "indicators"))
            + "；后台作业进程（提醒、通知外发）已启动"
        )
    # The seed plans come with the first admin, so a later start never imports them again.
    seeded = _seed_demo(cfg, admin_pw) if seed and created else []
    lines = [
        f"网关  {cfg.url('gateway')}",
        f"接口文档  {cfg.url('gateway')}/docs",
        _login_hint(cfg, admin_pw if created else None),
        f"数据  {cfg.data_dir}（PostgreSQL 在 pg/，日志在 logs/）",
    ]
    if seeded:
        lines.append(f"已导入 {len(seeded)} 份示例规划（见上）")
    lines.append("按 Ctrl-C 停止")
    # Wrapped, not cropped, inside the frame when a line is wider than the output.
    console.print(Panel("\n".join(lines), title="督导平台已启动", expand=False), soft_wrap=False)
    while all(p.poll() is None for p in platform.procs.values()):
        time.sleep(0.5)
    console.print(f"[red]有服务或后台作业进程意外退出，请查看日志目录[/] {cfg.log_dir}")


def _login_hint(cfg: PlatformConfig, new_password: str | None) -> str:
    if new_password is not None:
        return f"用户名 [bold]admin[/]  密码 [bold]{new_password}[/]（只显示这一次）"
    # Only the password's hash is stored, so a later start cannot show it; it can only check
    # whether DUDAO_ADMIN_PASSWORD, when set, is still the admin's password.
    env_pw = os.environ.get("DUDAO_ADMIN_PASSWORD")
    if env_pw:
        r = httpx.post(
            cfg.url("gateway") + "/api/v1/auth/login",
            json={"username": "admin", "password": env_pw},
            timeout=30,
        )
        if r.status_code == 200:
            return "用户名 [bold]admin[/]  密码为 DUDAO_ADMIN_PASSWORD 的值"
    return (
        "用户名 [bold]admin[/]，密码是首次启动时显示的那个（数据沿用）\n"
        "忘记密码：dudao create-user 名字 --role admin 另建一个管理员"
    )


def _seed_demo(cfg: PlatformConfig, admin_password: str | None) -> list[str]:
    """Import the seed plans through the gateway, once (first start only)."""
    from .seed import seed_demo

    return seed_demo(cfg, admin_password, _seeds_dir(), console)


if __name__ == "__main__":
    app()
