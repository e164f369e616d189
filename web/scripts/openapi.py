"""The platform's combined OpenAPI document, built without a running server.

Each service's app is created (nothing connects to a database until startup) and its own
document merged exactly as the gateway's `/openapi.json` merges them, so the web client is
generated from what the gateway serves. Usage: `python web/scripts/openapi.py > web/openapi.json`.
"""

from __future__ import annotations

import json
import os
import sys

from dudao_shared.tokens import generate_keypair


def document() -> dict[str, object]:
    private, public = generate_keypair()
    os.environ["DUDAO_GATEWAY_JWT_PRIVATE_KEY"] = private
    for svc in ("TASKS", "INDICATORS"):
        os.environ[f"DUDAO_{svc}_JWT_PUBLIC_KEY"] = public
        os.environ[f"DUDAO_{svc}_LOG_LEVEL"] = "WARNING"
    os.environ["DUDAO_GATEWAY_LOG_LEVEL"] = "WARNING"
    for svc in ("GATEWAY", "TASKS", "INDICATORS"):
        # Required settings; nothing connects to it (the apps connect at startup only).
        os.environ[f"DUDAO_{svc}_DATABASE_URL"] = "postgresql://unused@127.0.0.1:9/unused"

    from dudao_gateway.main import create_app as gateway_app
    from dudao_gateway.proxy.openapi import merge
    from dudao_indicators.main import create_app as indicators_app
    from dudao_tasks.main import create_app as tasks_app

    gateway = gateway_app()
    return merge(
        gateway.api.openapi(),
        {"tasks": tasks_app().openapi(), "indicators": indicators_app().openapi()},
    )


if __name__ == "__main__":
    json.dump(document(), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
