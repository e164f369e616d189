"""Small helpers for the end-to-end flows: accounts, units and unit tokens through the gateway."""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "e2e-Passw0rd-長"


def uniq(prefix: str = "e2e") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def client(base_url: str, token: str | None = None, **kw: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=kw.pop("timeout", 15), **kw)


def ok(r: httpx.Response, status: int | tuple[int, ...] = (200, 201)) -> Any:
    """The JSON of a response whose status is expected; the body in the assertion otherwise."""
    expected = (status,) if isinstance(status, int) else status
    where = f"{r.request.method} {r.request.url.path}"
    assert r.status_code in expected, f"{where} → {r.status_code}: {r.text}"
    return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else None


@dataclass
class Actor:
    """Someone signed in at the gateway: a staff account or a unit acting with its token."""

    name: str
    role: str
    token: str
    http: httpx.Client
    unit_id: str | None = None
    user_id: str | None = None
    unit_token_id: str | None = None
    unit_token: str | None = None  # the raw unit token (shown once at issue)

    def close(self) -> None:
        self.http.close()


def staff(
    platform: Any, admin: httpx.Client, role: str, *, region_code: str | None = None
) -> Actor:
    """Create a staff account as admin (``POST /api/v1/users``) and sign in as it."""
    username = uniq(role)
    body: dict[str, Any] = {
        "username": username,
        "display_name": username,
        "password": PASSWORD,
        "role": role,
    }
    if region_code:
        body["region_code"] = region_code
    user = ok(admin.post("/api/v1/users", json=body), 201)
    token = platform.login(username, PASSWORD)
    return Actor(username, role, token, client(platform.gateway, token), user_id=user["id"])


def create_unit(http: httpx.Client, name: str, region_code: str = "360900") -> dict[str, Any]:
    level = "city" if region_code.endswith("00") else "county"
    return ok(
        http.post("/api/v1/units", json={"name": name, "level": level, "region_code": region_code}),
        201,
    )


def issue_unit_token(http: httpx.Client, unit_id: str) -> dict[str, Any]:
    body = ok(http.post("/api/v1/unit_tokens", json={"unit_id": unit_id, "label": "e2e"}), 201)
    assert body["token"] and body["unit_id"] == unit_id
    return body


def unit_actor(platform: Any, issuer: httpx.Client, unit: dict[str, Any]) -> Actor:
    """Issue a unit token (as ``issuer``) and exchange it at the gateway for an access token."""
    issued = issue_unit_token(issuer, unit["id"])
    pair = ok(
        httpx.post(platform.gateway + "/api/v1/auth/unit_token", json={"token": issued["token"]}),
        200,
    )
    assert pair["role"] == "unit" and pair["unit_id"] == unit["id"]
    assert pair["refresh_token"] is None
    token = pair["access_token"]
    return Actor(
        unit["name"],
        "unit",
        token,
        client(platform.gateway, token),
        unit_id=unit["id"],
        unit_token_id=issued["id"],
        unit_token=issued["token"],
    )


def etag(http: httpx.Client, path: str) -> str:
    r = http.get(path)
    ok(r, 200)
    return r.headers["etag"]


def tiny_pdf(text: str = "evidence") -> bytes:
    """A small but well-formed one-page PDF (with a correct xref table)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def tiny_png() -> bytes:
    """A valid 1×1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = b"\x00\xcc\x33\x33"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
