"""The screens: the built web app (console at `/`, unit phone page at `/h5/`) and the API docs page,
served by the gateway from files on this machine. Nothing is loaded from a third-party CDN: on a
government intranet such a page would be blank."""

from __future__ import annotations

from pathlib import Path

import swagger_ui  # type: ignore[import-untyped]
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from dudao_shared.errors import NotFound
from dudao_shared.security import HTML_CSP, inline_script_hashes

SWAGGER_ASSETS = Path(swagger_ui.__file__).parent / "static"
# The repository's build output, used when no directory is configured (`make run`, the tests).
DEFAULT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
# Paths the screens never answer, so an unknown API path stays a problem+json 404.
RESERVED = ("/api/", "/internal/", "/docs", "/openapi.json", "/healthz", "/readyz")
# Vite names every asset by its content hash: a changed file is a new URL.
IMMUTABLE = "public, max-age=31536000, immutable"
# The two HTML entries name the current hashes, so they are revalidated on every load.
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>督导平台</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.7">
<h1>督导平台</h1><p>网页端尚未构建。请安装 Node.js 20 或更高版本后重新运行 <code>make run</code>，
它会自动构建网页端。接口仍可使用，文档见 <a href="/docs">/docs</a>。</p></body></html>"""


class HashedAssets(StaticFiles):
    """Static files with the long-cache header every hashed asset may carry."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = IMMUTABLE
        return response


def install_docs(api: FastAPI) -> None:
    """`/docs`: Swagger UI from the assets shipped in the `swagger-ui-py` wheel."""
    api.mount("/docs/assets", StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
    router = APIRouter(include_in_schema=False)

    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="督导平台 接口文档",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )
    # The page starts Swagger UI with one inline script: allowed by its hash, nothing else.
    csp = HTML_CSP.replace(
        "script-src 'self'", f"script-src 'self' {inline_script_hashes(bytes(page.body).decode())}"
    )

    @router.get("/docs")
    async def swagger() -> HTMLResponse:
        return HTMLResponse(page.body, headers={"Content-Security-Policy": csp})

    api.include_router(router)


def install_webapp(api: FastAPI, dist: Path | None = None) -> None:
    """The built web app with an SPA fallback for its two entries. Must be installed last: its
    catch-all route answers whatever no other route did."""
    dist = (dist or DEFAULT_DIST).resolve()
    assets = dist / "assets"
    # Checked at each start: the app is built before the gateway starts (`make run`, the tests).
    if assets.is_dir():
        api.mount(
            "/assets",
            GZipMiddleware(HashedAssets(directory=assets), minimum_size=1024),
            name="web-assets",
        )
    router = APIRouter(include_in_schema=False)

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def screens(path: str) -> Response:
        url = "/" + path
        if url.startswith(RESERVED):
            raise NotFound("没有这个接口地址")
        entry = dist / ("h5" if url == "/h5" or url.startswith("/h5/") else "") / "index.html"
        if not entry.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": REVALIDATE})
        candidate = (dist / path).resolve()
        # A top-level file of the build (the icon); anything else is a screen of the SPA.
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate, headers={"Cache-Control": "public, max-age=3600"})
        return FileResponse(entry, headers={"Cache-Control": REVALIDATE})

    api.include_router(router)
