"""The task service's app state, one typed handle each (set at start-up, taken as dependencies);
the evidence storage is declared beside its class in ``reports.storage``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.context import AppState
from dudao_shared.http import ServiceClient

from .config import Settings

get_settings = AppState("settings", Settings)
get_indicators_client = AppState("indicators_client", ServiceClient)

SettingsDep = Annotated[Settings, Depends(get_settings)]
