"""Browser tests: Debian's Chromium driven by Playwright against the platform as real processes
(the `running_platform` of the end-to-end tests), the gateway serving the built `web/dist`.

Every page fails its test on a console error, an uncaught exception, or a request that would
leave the machine; each test saves screenshots under `test-artifacts/web/`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from e2e.fixtures import RunningPlatform
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = os.environ.get("DUDAO_CHROMIUM", "/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
PHONE = {"width": 390, "height": 844}
# Two test workers share two cores with the platform's processes: a page may take a while.
expect.set_options(timeout=20_000)


def _require(ok: bool, why: str) -> None:
    """Missing prerequisites skip on a developer's machine and fail in CI, where `.ci/run` and
    `make test` provide them."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


Shot = Callable[[Page, str], Path]


@dataclass
class Watch:
    """What a page did that a test must not let pass."""

    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)


@dataclass
class Browsing:
    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    watch: Watch = field(default_factory=Watch)

    def page(self, *, phone: bool = False) -> Page:
        kw: dict[str, object] = {
            "base_url": self.base_url,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "accept_downloads": True,
        }
        if phone:
            kw.update(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        else:
            kw.update(viewport={"width": 1440, "height": 900})
        ctx = self.browser.new_context(**kw)  # type: ignore[arg-type]
        self.contexts.append(ctx)

        def guard(route: Route) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
                route.continue_()
            else:
                self.watch.offsite.append(route.request.url)
                route.abort()

        ctx.route("**/*", guard)
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.watch.errors.append(f"page error: {e}"))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # Chromium logs every 4xx answer as "Failed to load resource"; for the API that is a
        # problem document the page shows where the user acted (a refused password, a 412),
        # not a fault of the page. Any other failed load (an asset) still counts.
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and "/api/v1/" in url:
            return
        self.watch.errors.append(f"console error: {message.text} ({url})")


@pytest.fixture
def chromium(running_platform: RunningPlatform) -> Iterator[Browser]:
    # Per test, and after the platform: the sync driver keeps an event loop running in this
    # thread while it lives, which neither the platform's setup (asyncio.run) nor the async
    # tests sharing this worker can run beside.
    _require(
        Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    )
    _require(
        (DIST / "index.html").is_file() and (DIST / "h5" / "index.html").is_file(),
        "web/dist is not built (make web)",
    )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def browsing(chromium: Browser, running_platform: RunningPlatform) -> Iterator[Browsing]:
    b = Browsing(chromium, running_platform.gateway)
    yield b
    for ctx in b.contexts:
        ctx.close()
    assert not b.watch.offsite, f"requests leaving the machine: {b.watch.offsite}"
    assert not b.watch.errors, "browser console errors:\n" + "\n".join(b.watch.errors)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """`shot(page, "name")` saves a full-page screenshot as a test artifact."""
    folder: Path = ARTIFACTS / str(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page: Page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
