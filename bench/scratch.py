"""A whole platform for one benchmark run: scratch databases, the three services as real
processes on free ports, and everything removed afterwards."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg import DatabaseFactory  # noqa: E402

from dudao_cli.main import prepare_scratch_platform  # noqa: E402
from dudao_cli.platform import SERVICES, Platform, PlatformConfig  # noqa: E402


@contextmanager
def scratch_platform(
    database_url: str, label: str, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[PlatformConfig, str]]:
    """The running platform's config and its admin password."""
    dbs = DatabaseFactory(database_url)
    data_dir = Path(tempfile.mkdtemp(prefix=f"dudao-{label}-"))
    urls = {svc: dbs.create(f"{label}_{svc}") for svc in SERVICES}
    platform: Platform | None = None
    try:
        cfg, password = prepare_scratch_platform(urls, data_dir, extra_env=extra_env)
        platform = Platform(cfg)
        platform.start()
        platform.wait_ready()
        yield cfg, password
    finally:
        if platform:
            platform.stop()
        # The services' pooled connections close as their processes exit; give PostgreSQL a
        # moment to see them gone before dropping the databases.
        time.sleep(0.5)
        dbs.drop_all()
        shutil.rmtree(data_dir, ignore_errors=True)
