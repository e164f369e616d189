"""JSON logs through structlog; the request id rides along from the context."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# The service named in every line; a module value (not baked into the processors) because
# loggers cache their configuration on first use.
_service = {"name": ""}


def _add_service(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event["service"] = _service["name"]
    return event


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    _service["name"] = service
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Our own lines (one per request in every service and the gateway) are rendered and
    # written by structlog directly: through the standard library's loggers, records and
    # formatter they cost several times the rendering itself on every request.
    structlog.configure(
        processors=[*shared, _add_service, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Everyone else's (uvicorn, libraries, ``logging.getLogger`` in our modules): the same
    # JSON through the standard handler.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _add_service,
                # A traceback is one JSON string field, never lines of its own.
                structlog.processors.format_exc_info,
                renderer,
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs its own plain-text handlers before the app exists: its messages and
    # tracebacks go through the JSON handler above instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's access log costs ~20% throughput and duplicates our request logs.
    logging.getLogger("uvicorn.access").disabled = True
    # One line per outgoing call is noise next to our own request lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
