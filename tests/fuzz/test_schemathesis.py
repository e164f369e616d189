"""The fuzzing gate (T31/T32): schemathesis against the gateway's combined OpenAPI document,
over HTTP to the platform as real processes, as an administrator and as a unit.

Every operation gets ``DUDAO_FUZZ_EXAMPLES`` generated requests per role (a small number in
the suite, ≥ 100 in ``make fuzz``); the gate is 0 server errors and 0 answers that break their
documented schema. Failures are collected rather than raised so that one run reports them all.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from dudao_cli.main import prepare_scratch_platform
from dudao_cli.platform import SERVICES, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

# Five in the suite (about two minutes on the project's two cores); `make fuzz` sets 100.
EXAMPLES = int(os.environ.get("DUDAO_FUZZ_EXAMPLES", "5"))
VERBOSE = os.environ.get("DUDAO_FUZZ_VERBOSE") == "1"
# Ends the caller's own session: every later request of that role would be a 401.
SKIP = {("POST", "/api/v1/auth/logout")}


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)


TALLY = Tally()


@dataclass
class FuzzPlatform:
    gateway: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def fuzz_platform(databases, tmp_path_factory) -> Iterator[FuzzPlatform]:  # type: ignore[no-untyped-def]
    urls = {svc: databases.create(f"fuzz_{svc}") for svc in SERVICES}
    cfg, password = prepare_scratch_platform(urls, tmp_path_factory.mktemp("fuzz"))
    platform = Platform(cfg)
    try:
        platform.start()
        platform.wait_ready(timeout=60)
        gateway = cfg.url("gateway")
        with httpx.Client(base_url=gateway, timeout=30) as c:
            admin = c.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password}
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {admin}"}
            unit = c.post(
                "/api/v1/units",
                headers=h,
                json={
                    "name": f"模糊测试单位{uuid.uuid4().hex[:6]}",
                    "level": "county",
                    "region_code": "360112",
                },
            ).json()
            raw = c.post("/api/v1/unit_tokens", headers=h, json={"unit_id": unit["id"]}).json()
            unit_access = c.post("/api/v1/auth/unit_token", json={"token": raw["token"]}).json()
        yield FuzzPlatform(gateway, {"admin": admin, "unit": unit_access["access_token"]})
    finally:
        platform.stop()


def _exercise(case, fuzz_platform: FuzzPlatform) -> None:  # type: ignore[no-untyped-def]
    operation = f"{case.method.upper()} {case.path}"
    for role, token in fuzz_platform.tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(base_url=fuzz_platform.gateway, headers=headers, timeout=60)
        TALLY.cases[role] += 1
        TALLY.statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance],
                headers=headers,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is collected, reported below
            key = f"{role} {operation} → {response.status_code}"
            TALLY.failures.setdefault(key, []).append(str(exc)[:600])


def test_every_operation_as_admin_and_as_unit(fuzz_platform: FuzzPlatform) -> None:
    schema = schemathesis.openapi.from_url(fuzz_platform.gateway + "/openapi.json")
    paths = schema.raw_schema["paths"]
    assert any(p.startswith("/api/v1/plans") for p in paths), "the task service's paths"
    assert any(p.startswith("/api/v1/indicators") for p in paths), "the indicator service's"
    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        operations += 1

        @settings
        @hypothesis.given(case=operation.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            _exercise(case, fuzz_platform)

        run()
        if VERBOSE:
            print(
                f"fuzz {operations:3d} {operation.method.upper():6s} {operation.path}: "
                f"cases {dict(TALLY.cases)}, failing {len(TALLY.failures)}",
                flush=True,
            )
    TALLY.cases["operations"] = operations


def test_zz_no_server_errors_and_no_schema_violations() -> None:
    """Runs after the fuzzing above (pytest keeps the order of a module)."""
    print(
        f"\nfuzz: {EXAMPLES} examples per operation and role; cases {dict(TALLY.cases)}; "
        f"statuses {dict(TALLY.statuses)}; failing operations {len(TALLY.failures)}"
    )
    for key, messages in sorted(TALLY.failures.items()):
        print(f"  {key}: {len(messages)} × {messages[0][:300]!r}")
    assert TALLY.cases["admin"] > 0 and TALLY.cases["unit"] > 0
    assert TALLY.failures == {}
