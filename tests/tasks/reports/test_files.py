"""Evidence files: type from the content, size limits."""

from __future__ import annotations

from tasks.world import PDF, build_world


async def test_evidence_type_and_size_limits(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    url = f"/api/v1/reports/{w.ids['r1']}/files"
    async with w.client("unit_a") as c:
        r = await c.post(
            url, files={"file": ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "application/pdf")}
        )
        assert r.status_code == 415 and r.json()["code"] == "file_type_not_allowed"
        r = await c.post(url, files={"file": ("看起来是图片.jpg", PDF, "image/jpeg")})
        assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
        r = await c.post(
            url, files={"file": ("说明.txt", "情况说明".encode("gb18030"), "text/plain")}
        )
        assert r.status_code == 201 and r.json()["content_type"].startswith("text/plain")
        settings = tasks.state.settings
        old = settings.max_upload_mb
        settings.max_upload_mb = 1
        try:
            r = await c.post(
                url, files={"file": ("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")}
            )
            assert r.status_code == 413 and r.json()["code"] == "file_too_large"
        finally:
            settings.max_upload_mb = old
        fid = w.ids["f1"]
        r = await c.get(f"/api/v1/files/{fid}/content")
        assert r.status_code == 200 and r.content == PDF
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
