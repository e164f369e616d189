"""The gateway serves the screens and the docs page from files on this machine."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from dudao_gateway.config import Settings
from dudao_gateway.main import create_app


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build's shape: two entries, hashed assets, a top-level icon."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "h5").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><div id="app">console</div>')
    (tmp_path / "h5" / "index.html").write_text('<!doctype html><div id="app">h5</div>')
    (tmp_path / "assets" / "console-AbC123.js").write_text("export const x = 1;\n" * 400)
    (tmp_path / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    return tmp_path


def _client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_entries_assets_and_fallback(gateway_settings: Settings, dist: Path) -> None:
    async with _client(gateway_settings.model_copy(update={"web_dist_dir": dist})) as c:
        r = await c.get("/")
        assert r.status_code == 200 and "console" in r.text
        assert r.headers["cache-control"] == "no-cache"
        # Console screens deep-linked or reloaded get the console entry.
        for path in ("/dashboard", "/plans/7b1f/tasks", "/login?next=/plans"):
            r = await c.get(path)
            assert r.status_code == 200 and "console" in r.text, path
        for path in ("/h5", "/h5/", "/h5/tasks/1"):
            r = await c.get(path)
            assert r.status_code == 200 and "h5" in r.text and "console" not in r.text, path

        r = await c.get("/assets/console-AbC123.js", headers={"accept-encoding": "gzip"})
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["content-encoding"] == "gzip"
        assert r.text.startswith("export const x")
        assert (await c.get("/assets/missing-123.js")).status_code == 404

        r = await c.get("/favicon.ico")
        assert r.status_code == 200 and r.content == b"\x00\x00\x01\x00"
        assert (await c.head("/")).status_code == 200


async def test_api_paths_stay_problem_documents(gateway_settings: Settings, dist: Path) -> None:
    async with _client(gateway_settings.model_copy(update={"web_dist_dir": dist})) as c:
        for path in ("/api/v2/nothing", "/internal/nothing", "/docsx"):
            r = await c.get(path)
            # Internal paths first ask for the service credential.
            expected = (
                (401, "service_credential_required")
                if path.startswith("/internal/")
                else (
                    404,
                    "not_found",
                )
            )
            assert (r.status_code, r.json()["code"]) == expected, path
            assert r.headers["content-type"].startswith("application/problem+json"), path
        # The escape out of the build directory is refused, not served.
        r = await c.get("/..%2F..%2Fetc/passwd")
        assert r.status_code == 200 and "console" in r.text


async def test_without_a_build_the_root_says_how_to_get_one(
    gateway_settings: Settings, tmp_path: Path
) -> None:
    async with _client(gateway_settings.model_copy(update={"web_dist_dir": tmp_path})) as c:
        r = await c.get("/")
        assert r.status_code == 503
        assert "Node.js 20" in r.text and "/docs" in r.text


async def test_docs_page_loads_swagger_ui_from_the_gateway(gateway_settings: Settings) -> None:
    async with _client(gateway_settings) as c:
        page = (await c.get("/docs")).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
        assert urls, page
        assert all(u.startswith("/docs/assets/") for u in urls), urls
        assert "cdn" not in page.lower()
        for u in urls:
            r = await c.get(u)
            assert r.status_code == 200 and len(r.content) > 1000, u
        bundle = (await c.get("/docs/assets/swagger-ui-bundle.js")).text
        assert "SwaggerUIBundle" in bundle
