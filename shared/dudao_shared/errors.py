"""Typed errors and the one handler that turns them into RFC 9457 problem+json.

Every error a client can see is a ``Problem`` subclass carrying its status, a stable ``code``
and a Chinese title; routes raise them, the handler renders them. Nothing else writes error
bodies, so the shape cannot drift between services.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
log = logging.getLogger("dudao.errors")


class FieldError(BaseModel):
    field: str = Field(description="出错字段（点分路径）")
    message: str = Field(description="错误说明")


class ProblemDetail(BaseModel):
    """RFC 9457 problem document as every Dudao service returns it."""

    type: str = "about:blank"
    title: str = Field(description="错误标题（中文）")
    status: int
    code: str = Field(description="稳定的错误代码")
    detail: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    status: int = 500
    code: str = "internal_error"
    title: str = "服务器内部错误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        title: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = [dict(e) for e in errors] if errors else None
        self.headers = dict(headers) if headers else {}
        if code:
            self.code = code
        if title:
            self.title = title
        if status:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://dudao.example/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(Problem):
    status, code, title = 400, "bad_request", "请求无效"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "未登录或凭证无效"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "无权执行此操作"


class NotFound(Problem):
    status, code, title = 404, "not_found", "资源不存在"


class Conflict(Problem):
    status, code, title = 409, "conflict", "与现有数据冲突"


class PreconditionFailed(Problem):
    status, code, title = 412, "version_mismatch", "数据已被他人修改，请刷新后重试"


class PreconditionRequired(Problem):
    status, code, title = 428, "if_match_required", "更新必须携带 If-Match 版本号"


class PayloadTooLarge(Problem):
    status, code, title = 413, "payload_too_large", "上传内容过大"


class UnsupportedMediaType(Problem):
    status, code, title = 415, "unsupported_media_type", "不支持的文件类型"


class ValidationFailed(Problem):
    status, code, title = 422, "validation_error", "输入数据有误"


class Locked(Problem):
    status, code, title = 423, "account_locked", "账号已被临时锁定"


class TooManyRequests(Problem):
    status, code, title = 429, "rate_limited", "请求过于频繁"


class BadGateway(Problem):
    status, code, title = 502, "upstream_error", "上游服务出错"


class ServiceUnavailable(Problem):
    status, code, title = 503, "service_unavailable", "服务暂不可用"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": "2"})
        super().__init__(detail, **kw)


class GatewayTimeout(Problem):
    status, code, title = 504, "upstream_timeout", "上游服务响应超时"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": "2"})
        super().__init__(detail, **kw)


class DatabaseUnavailable(ServiceUnavailable):
    code, title = "database_unavailable", "数据库暂不可用"


# SQLSTATE classes that say the server, not the request, is the trouble: 08 connection
# exception, 53 insufficient resources (too many connections), 57 operator intervention
# (shutdown, pg_terminate_backend, "the database system is starting up").
_UNAVAILABLE_SQLSTATE = ("08", "53", "57")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached right now (retry later) rather
    than that this request is wrong: a refused or dropped connection, a pool that timed out,
    a server shutting down or starting up."""
    if isinstance(exc, PoolTimeout | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OSError):
        # PostgreSQL on a unix socket that is gone (stopped): FileNotFoundError from the
        # driver's connect; the same error from anywhere else is not the database's.
        return _raised_by_driver(exc)
    if isinstance(exc, asyncpg.PostgresError):
        # Raised by the driver itself (``dudao_shared.prepared``), not wrapped by SQLAlchemy.
        return str(exc.sqlstate or "").startswith(_UNAVAILABLE_SQLSTATE)
    if isinstance(exc, asyncpg.InterfaceError):
        # A closed or lost connection (``ConnectionDoesNotExistError`` is one).
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        sqlstate = str(getattr(orig, "sqlstate", None) or "")
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATE):
            return True
        # asyncpg reports a lost connection without a SQLSTATE (InterfaceError wrapping
        # ConnectionDoesNotExistError) and a refused one as an OSError cause.
        if not sqlstate and isinstance(exc, OperationalError | InterfaceError):
            return True
        return isinstance(getattr(orig, "__cause__", None), OSError)
    return False


def _raised_by_driver(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return any(f"{os.sep}asyncpg{os.sep}" in frame.filename for frame in frames)


def problem_response(problem: Problem) -> Response:
    return JSONResponse(
        problem.to_dict(),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )


def _loc_to_field(loc: Sequence[Any]) -> str:
    # FastAPI prefixes the part of the request ("body", "query" …); the client wants the field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "uuid_parsing": "标识格式无效",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "float_parsing": "应为数字",
}


# A Python exception's name in a message a client would read (``KeyError: 'name'``).
_INTERNAL_NAME = re.compile(r"\b[A-Za-z_.]*(?:Error|Exception|Warning)\b")


def public_text(text: str, fallback: str) -> str:
    """``text`` unless it names an internal class, then ``fallback``: problem bodies say what
    is wrong in the client's terms, never which exception the server met."""
    return fallback if _INTERNAL_NAME.search(text) else text


def validation_problem(exc: RequestValidationError) -> ValidationFailed:
    errors = []
    for err in exc.errors():
        msg = _MESSAGES.get(err.get("type", ""), None)
        text = public_text(str(err.get("msg", "")), "取值无效")
        errors.append(
            {
                "field": _loc_to_field(err.get("loc", ())),
                "message": f"{msg}（{text}）" if msg else str(text),
            }
        )
    fields = "、".join(e["field"] for e in errors[:5])
    return ValidationFailed(f"以下字段有误：{fields}", errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    """The one place errors become responses."""

    async def on_problem(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc))

    async def on_http(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        by_status: dict[int, type[Problem]] = {
            400: BadRequest,
            401: Unauthorized,
            403: Forbidden,
            404: NotFound,
            413: PayloadTooLarge,
            415: UnsupportedMediaType,
        }
        cls = by_status.get(exc.status_code)
        # The framework's own words may name its internals (a parser's exception).
        detail = public_text(str(exc.detail), "请求无法处理") if exc.detail else None
        # Starlette's headers (`Allow` on a 405, `WWW-Authenticate`) stay on the problem.
        headers = dict(exc.headers or {})
        if cls is not None:
            problem = cls(detail)
            problem.headers.update(headers)
            return problem_response(problem)
        if exc.status_code == 405:
            return problem_response(
                Problem(
                    "该路径不支持此请求方法",
                    status=405,
                    code="method_not_allowed",
                    title="不支持的请求方法",
                    headers=headers,
                )
            )
        return problem_response(
            Problem(
                detail, status=exc.status_code, code="http_error", title="请求失败", headers=headers
            )
        )

    async def on_integrity(_: Request, exc: Exception) -> Response:
        # A unique or foreign-key violation the service did not foresee is still the
        # client's conflict, never a 500.
        log.info("integrity error mapped to 409: %s", exc)
        return problem_response(Conflict("数据与已有记录冲突（唯一性或引用约束）"))

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        # A database that is down or restarting is a 503 the client may retry, never a 500;
        # nothing was acknowledged, so nothing was half-written.
        log.warning(
            "database unavailable: %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return problem_response(DatabaseUnavailable("数据库暂不可用，请稍后重试"))

    async def on_dbapi(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DBAPIError)
        if database_unavailable(exc):
            return await on_unavailable(request, exc)
        # SQLSTATE class 22 (data exception: a NUL byte in text, a number out of range …) is
        # the client's input the validation let through, never a 500.
        if str(getattr(exc.orig, "sqlstate", None) or "").startswith("22"):
            log.info("data error mapped to 422: %s", exc.orig)
            return problem_response(ValidationFailed("输入包含无法保存的字符或超出范围的数值"))
        return await on_unexpected(request, exc)  # anything else stays a logged server error

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):
            return await on_unavailable(request, exc)
        log.exception("unhandled error", exc_info=exc)
        return problem_response(Problem("请稍后重试；如持续出现请联系管理员"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(DBAPIError, on_dbapi)
    app.add_exception_handler(PoolTimeout, on_unavailable)
    app.add_exception_handler(ConnectionError, on_unavailable)
    app.add_exception_handler(TimeoutError, on_unavailable)
    # Other OSErrors (a unix socket that is gone) are decided by where they were raised; they
    # get a handler of their own so the 503 is answered here and not re-raised past the app.
    app.add_exception_handler(OSError, on_unexpected)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entry declaring the problems a route can answer with."""
    out: dict[int | str, dict[str, Any]] = {}
    for p in problems:
        entry = out.setdefault(
            p.status,
            {"model": ProblemDetail, "description": "", "content": {PROBLEM_CONTENT_TYPE: {}}},
        )
        entry["description"] = (entry["description"] + f" `{p.code}` {p.title}").strip()
    return out
