"""Parse a document in a child process with a CPU-time limit.

A service must not parse on its event loop (a large document would stall every other request)
nor trust a document to be cheap: one crafted file can keep a parser busy for minutes. Each call
forks a child from a forkserver that has the importer already imported (a few milliseconds), sets
``RLIMIT_CPU`` in the child, parses there and sends back the parsed plan as JSON. A child that
runs out of CPU time is killed by the kernel; one that outlives the wall-clock bound is killed
here. At most ``MAX_CONCURRENT`` children run at once; callers beyond that wait their turn.

The call blocks: from async code run it in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from multiprocessing.connection import Connection
from typing import Literal

from dudao_shared.parsed_plan import ParsedPlan

from .limits import DocumentTooLarge, Limits, ParseTimeLimit
from .readers import UnsupportedDocument

__all__ = ["MAX_CONCURRENT", "parse_isolated", "warm_up"]

MAX_CONCURRENT = 2
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_context_lock = threading.Lock()
_context: multiprocessing.context.ForkServerContext | None = None

Outcome = (
    tuple[Literal["ok"], str]
    | tuple[Literal["too_large"], tuple[str, int, int]]
    | tuple[Literal["unsupported"], str]
)


def _ctx() -> multiprocessing.context.ForkServerContext:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.context.ForkServerContext()
            # Children fork from a server that has already paid for these imports.
            ctx.set_forkserver_preload(["dudao_importer", "pypdfium2", "docx"])
            _context = ctx
        return _context


def warm_up() -> None:
    """Start the process server now rather than on the first parse."""
    from multiprocessing import forkserver

    _ctx()
    forkserver.ensure_running()


def _child(conn: Connection, data: bytes, filename: str, limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    from . import parse_bytes

    outcome: Outcome
    try:
        outcome = ("ok", parse_bytes(data, filename, limits=limits).to_json())
    except DocumentTooLarge as exc:
        outcome = ("too_large", (exc.limit, exc.allowed, exc.found))
    except UnsupportedDocument as exc:
        outcome = ("unsupported", str(exc))
    conn.send(outcome)
    conn.close()


def parse_isolated(data: bytes, filename: str, *, limits: Limits | None = None) -> ParsedPlan:
    """``parse_bytes`` in a child process: DocumentTooLarge, UnsupportedDocument or
    ParseTimeLimit instead of a stalled or crashed caller."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge("max_bytes", limits.max_bytes, len(data))
    ctx = _ctx()
    with _slots:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, data, filename, limits), daemon=True)
        proc.start()
        send.close()
        try:
            # Wall clock: CPU time plus room for a machine busy with other work.
            if not receive.poll(limits.cpu_seconds * 3):
                raise ParseTimeLimit("cpu_seconds", limits.cpu_seconds)
            try:
                outcome: Outcome = receive.recv()
            except EOFError:
                # The child died without answering: the CPU limit (SIGXCPU/SIGKILL) or memory.
                raise ParseTimeLimit("cpu_seconds", limits.cpu_seconds) from None
        finally:
            receive.close()
            if proc.is_alive():
                proc.kill()
            proc.join(1)
    if outcome[0] == "ok":
        return ParsedPlan.model_validate_json(outcome[1])
    if outcome[0] == "too_large":
        raise DocumentTooLarge(*outcome[1])
    raise UnsupportedDocument(outcome[1])
