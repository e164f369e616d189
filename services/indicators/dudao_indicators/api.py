"""The routers of this service, in one list: the app factory mounts them authenticated."""

from __future__ import annotations

from fastapi import APIRouter

from dudao_shared.app import StartupHook

ROUTERS: list[APIRouter] = []
# Routers that need no token (none yet; /healthz and /readyz come from the app factory).
PUBLIC_ROUTERS: list[APIRouter] = []
ON_STARTUP: list[StartupHook] = []
ON_SHUTDOWN: list[StartupHook] = []
