"""The acceptance flow in headless Chromium, on the platform as real processes.

A planner imports a plan through the wizard, resolving its units inline, and confirms; issues a
unit token; the unit opens the phone page at 390×844 from the link, updates its task (with the
ETag) and reports with a PDF, submitting for review; the planner returns it with a reason; the
unit sees the reason and resubmits; the leader's dashboard follows every step.
"""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import PASSWORD, client, create_unit, ok, staff, tiny_pdf
from playwright.sync_api import FilePayload, Page, expect

from .conftest import Browsing, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

COUNTY = "360121"  # 南昌县


def plan_text(number: int) -> str:
    # The first task fell due in June: it is overdue (red) until the unit submits it.
    return f"""南昌县卫生健康委员会关于印发南昌县2026年基层卫生重点工作任务清单的通知
南县卫字〔2026〕{number}号
各乡镇卫生院、县直各医疗卫生单位：
现将《南昌县2026年基层卫生重点工作任务清单》印发给你们，请认真贯彻落实。
南昌县卫生健康委员会
2026年1月10日
一、提升基层服务能力
1．推进乡镇卫生院标准化建设，2026年6月底前全部达到服务能力基本标准。（责任单位：县卫健委基层股、县示范医共体办公室）
2．开展家庭医生签约服务提质行动，2026年底前重点人群签约率达到80%以上。（牵头单位：县卫健委基层股；配合单位：县疾控中心）
二、加强公共卫生
3．2026年12月底前完成全县适龄儿童免疫规划疫苗接种，接种率保持在95%以上。（责任单位：县疾控中心）
"""


def upload(name: str, mime: str, data: bytes) -> list[FilePayload]:
    return [{"name": name, "mimeType": mime, "buffer": data}]


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def dashboard_counts(page: Page) -> dict[str, int]:
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    expect(page.locator("section[data-ready=true]")).to_have_count(1)
    return {
        k: int(page.get_by_test_id(f"count-{k}").inner_text())
        for k in ("red", "yellow", "green", "overdue")
    }


def api_lights(http: httpx.Client) -> dict[str, int]:
    """What the API says the leader may see, summed over plans: the dashboard must agree."""
    total = {"red": 0, "yellow": 0, "green": 0}
    plans = ok(http.get("/api/v1/plans", params={"limit": 500}))["items"]
    for p in plans:
        counts = ok(http.get(f"/api/v1/plans/{p['id']}/lights"))["counts"]
        for k in total:
            total[k] += counts.get(k, 0)
    return total


def test_import_token_phone_report_return_resubmit(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    planner = staff(running_platform, admin, "planner", region_code="360100")
    leader = staff(running_platform, admin, "leader", region_code="360100")
    # A unit that already exists under its full name: the document's short name is resolved to it.
    cdc = create_unit(planner.http, f"南昌县疾病预防控制中心{secrets.token_hex(2)}", COUNTY)

    desk = browsing.page()
    sign_in(desk, planner.name, PASSWORD)
    boss = browsing.page()
    sign_in(boss, leader.name, PASSWORD)
    before = dashboard_counts(boss)
    assert {k: before[k] for k in ("red", "yellow", "green")} == api_lights(leader.http)

    # --- The import wizard ---------------------------------------------------------------
    desk.get_by_role("menuitem", name="导入规划").click()
    desk.set_input_files(
        "#plan-file",
        files=upload(
            "基层卫生重点工作任务清单.txt",
            "text/plain",
            plan_text(secrets.randbelow(10**6)).encode(),
        ),
    )
    desk.get_by_role("button", name="预览").click()
    unresolved = desk.get_by_test_id("unresolved")
    expect(unresolved).to_contain_text("县卫健委基层股")
    expect(unresolved).to_contain_text("县疾控中心")
    # Each value beside the words it came from.
    expect(desk.get_by_test_id("preview-items")).to_contain_text(
        "（责任单位：县卫健委基层股、县示范医共体办公室）"
    )
    shot(desk, "import-preview")

    row = desk.get_by_test_id("resolve-县疾控中心")
    row.get_by_text("选择已有单位").click()
    row.get_by_role("combobox").click()
    desk.get_by_role("option", name=re.compile(cdc["name"])).click()
    desk.get_by_test_id("resolve-县示范医共体办公室").get_by_text("忽略").click()
    # 县卫健委基层股 keeps the default: a new unit of the county.
    desk.get_by_label("一.1 标题").fill("推进乡镇卫生院标准化建设（全部达标）")
    shot(desk, "import-resolved")
    desk.get_by_role("button", name="确认导入").click()

    expect(desk).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}$"))
    plan_id = desk.url.rsplit("/", 1)[1]
    tree = desk.get_by_test_id("task-tree")
    expect(tree).to_contain_text("推进乡镇卫生院标准化建设（全部达标）")
    expect(tree).to_contain_text("县卫健委基层股")
    expect(tree).to_contain_text(cdc["name"])
    expect(tree).not_to_contain_text("县示范医共体办公室")
    shot(desk, "plan-tree")
    # The alias learnt in the wizard is on the existing unit.
    assert "县疾控中心" in ok(planner.http.get(f"/api/v1/units/{cdc['id']}"))["aliases"]

    # --- A unit token, with its QR code and link ------------------------------------------
    desk.get_by_role("menuitem", name="责任单位").click()
    desk.get_by_label("名称或别名").fill("县卫健委基层股")
    desk.get_by_role("button", name="查询").click()
    desk.get_by_role("row", name=re.compile("县卫健委基层股")).get_by_role(
        "button", name="令牌"
    ).click()
    desk.get_by_role("button", name="发放令牌").click()
    issued = desk.get_by_test_id("issued-token")
    expect(issued.get_by_role("img", name=re.compile("二维码"))).to_be_visible()
    link = desk.get_by_label("填报页面链接").input_value()
    assert link.startswith(running_platform.gateway + "/h5/#t=")
    shot(desk, "unit-token")

    # Leader: the imported plan counts; its overdue task is red.
    imported = dashboard_counts(boss)
    assert imported["red"] == before["red"] + 1
    assert {k: imported[k] for k in ("red", "yellow", "green")} == api_lights(leader.http)
    shot(boss, "dashboard-after-import")

    # --- The unit on its phone -------------------------------------------------------------
    phone = browsing.page(phone=True)
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/h5/$"))  # the token left the address bar
    task = phone.get_by_test_id("h5-task").filter(has_text="推进乡镇卫生院标准化建设")
    expect(task).to_contain_text("红灯")
    expect(task).to_contain_text("已逾期")
    shot(phone, "h5-my-tasks")
    task.click()
    phone.get_by_role("button", name="推进中").click()
    expect(phone.get_by_test_id("h5-status")).to_contain_text("推进中")

    # The form validates before sending.
    phone.get_by_role("button", name="提交进展").click()
    expect(phone.get_by_text("请填写进展情况")).to_be_visible()
    phone.get_by_label("进展情况").fill(
        "全县19所乡镇卫生院均已达到服务能力基本标准，验收材料见附件。"
    )
    phone.get_by_label("完成进度").fill("100")
    phone.locator("input[type=file]").set_input_files(
        files=upload("验收报告.pdf", "application/pdf", tiny_pdf("acceptance")),
    )
    expect(phone.locator(".van-uploader__preview")).to_have_count(1)
    phone.get_by_role("switch", name="同时提交审核").click()
    phone.get_by_role("button", name="提交进展").click()
    expect(phone.get_by_test_id("h5-status")).to_contain_text("已完成待审核")
    expect(phone.get_by_text("验收报告.pdf")).to_be_visible()
    shot(phone, "h5-submitted")

    submitted = dashboard_counts(boss)
    assert submitted["red"] == imported["red"] - 1  # awaiting review is green by default
    assert submitted["green"] == imported["green"] + 1

    # --- The planner returns it with a reason ----------------------------------------------
    desk.goto(f"/plans/{plan_id}")
    desk.get_by_role("link", name="推进乡镇卫生院标准化建设（全部达标）").click()
    expect(desk.get_by_test_id("report")).to_contain_text("全县19所乡镇卫生院")
    with desk.expect_download() as download:
        desk.get_by_role("button", name="下载 验收报告.pdf").click()
    assert download.value.suggested_filename == "验收报告.pdf"
    assert (download.value.path().read_bytes()).startswith(b"%PDF")
    desk.get_by_role("button", name="退回").click()
    dialog = desk.get_by_role("dialog", name="退回")
    dialog.get_by_role("button", name="确定退回").click()
    expect(dialog.get_by_text("退回须填写原因")).to_be_visible()  # nothing sent without a reason
    dialog.get_by_label("退回原因").fill("缺少3所卫生院的验收签字页，请补充后重新提交。")
    dialog.get_by_role("button", name="确定退回").click()
    expect(desk.get_by_test_id("status-县卫健委基层股")).to_contain_text("已退回")
    shot(desk, "task-returned")

    returned = dashboard_counts(boss)
    assert returned["red"] == imported["red"]  # overdue and back with the unit

    # --- The unit sees why, and resubmits --------------------------------------------------
    phone.reload()
    expect(phone.get_by_test_id("h5-returned")).to_contain_text("缺少3所卫生院的验收签字页")
    shot(phone, "h5-returned")
    phone.get_by_label("进展情况").fill("已补充3所卫生院的验收签字页。")
    phone.locator("input[type=file]").set_input_files(
        files=upload("签字页.pdf", "application/pdf", tiny_pdf("signatures")),
    )
    phone.get_by_role("switch", name="同时提交审核").click()
    phone.get_by_role("button", name="提交进展").click()
    expect(phone.get_by_test_id("h5-status")).to_contain_text("已完成待审核")
    expect(phone.get_by_test_id("h5-returned")).to_have_count(0)
    shot(phone, "h5-resubmitted")

    final = dashboard_counts(boss)
    assert final["red"] == imported["red"] - 1 and final["green"] == imported["green"] + 1
    assert {k: final[k] for k in ("red", "yellow", "green")} == api_lights(leader.http)
    shot(boss, "dashboard-final")

    # The whole story is in the task's history, as the planner sees it.
    desk.reload()
    expect(desk.get_by_test_id("report")).to_have_count(2)
    expect(desk.get_by_test_id("status-县卫健委基层股")).to_contain_text("已完成待审核")
    shot(desk, "task-history")
    for actor in (planner, leader):
        actor.close()
    admin.close()
