"""``dudao worker`` (``python -m dudao_cli.worker``): the workers of both services' job queues in
one process, each on its own service's database.

The task service's queue (reminders, deliveries, lights, its spreadsheet imports) and the
indicator service's (its spreadsheet imports) never share a database: the services own theirs.
The CLI may start both; the services never import each other.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Sequence

SERVICES = ("tasks", "indicators")


async def run_workers(
    services: Sequence[str], *, name: str | None = None, wait: bool = True
) -> None:
    """Run the named services' workers until SIGTERM/SIGINT (one signal stops them all)."""
    stop = asyncio.Event()
    runs: list[Awaitable[None]] = []
    if "tasks" in services:
        from dudao_tasks.config import Settings as TasksSettings
        from dudao_tasks.worker import run as run_tasks

        runs.append(run_tasks(TasksSettings(), name=name, wait=wait, stop=stop))
    if "indicators" in services:
        from dudao_indicators.config import Settings as IndicatorsSettings
        from dudao_indicators.worker import run as run_indicators

        runs.append(run_indicators(IndicatorsSettings(), name=name, wait=wait, stop=stop))
    await asyncio.gather(*runs)


def main(argv: list[str] | None = None) -> None:
    from dudao_shared.logs import configure_logging
    from dudao_tasks.config import Settings as TasksSettings

    parser = argparse.ArgumentParser(description="督导后台作业进程（任务服务与指标服务的作业队列）")
    parser.add_argument("--name", default=None, help="作业进程名（日志与投递记录中显示）")
    parser.add_argument(
        "--once", action="store_true", help="处理完队列中已有的作业后退出（不等待新作业）"
    )
    parser.add_argument(
        "--service",
        action="append",
        choices=SERVICES,
        help="只运行该服务的作业队列（可重复；默认两个服务都运行）",
    )
    args = parser.parse_args(argv)
    settings = TasksSettings()
    configure_logging("worker", settings.log_level, json=settings.log_json)
    asyncio.run(run_workers(args.service or SERVICES, name=args.name, wait=not args.once))


if __name__ == "__main__":
    main()
