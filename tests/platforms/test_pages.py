"""The platform pages as users use them: the acceptance path through the pages (the bureau recognises a centre from
the reserve pool, the board and the list behind it show it with its document number), scope per role, bounded
queries on every list, the import round trip and hostile input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from kechuang.core import imports
from kechuang.core.models import OrgUnit
from kechuang.platforms import demo
from kechuang.platforms.models import Carrier, Incubatee, Platform, PlatformEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def small_demo(register):
    """The real demo loader at a small size over the small register of conftest (hosts in their own region)."""
    city = OrgUnit.objects.get(code="zibo", parent=None)
    demo.load_demo(city, 60)
    return city


def post_step(client, platform, target, document=""):
    return client.post(
        reverse("platforms:transition", args=[platform.pk]),
        {"target": target, "document": document, "on": TODAY.isoformat(), "note": ""},
    )


def test_acceptance_a_reserve_centre_is_recognised_through_the_pages(make_platform, client_as):
    platform = make_platform("验收工程研究中心")
    officer = client_as("zhangdian_officer")
    for target in ("applied", "district_recommended"):
        assert post_step(officer, platform, target).status_code == 302
    post_step(officer, platform, "formal_check")  # refused: the bureau's step
    platform.refresh_from_db()
    assert platform.state == "district_recommended"
    bureau = client_as("bureau_staff")
    for target, document in (
        ("formal_check", ""),
        ("expert_review", ""),
        ("publicity", ""),
        ("under_construction", "筹建〔1〕号"),
        ("acceptance_review", ""),
        ("recognised", "鲁发改高技〔验收〕9号"),
    ):
        post_step(bureau, platform, target, document)
    platform.refresh_from_db()
    assert platform.state == "recognised"
    board = bureau.get(reverse("platforms:board"))
    assert board.status_code == 200 and board.context["board"].tally.total == 1
    listed = bureau.get(reverse("platforms:list"), {"counted": TODAY.year})
    assert "鲁发改高技〔验收〕9号" in listed.content.decode() and "验收工程研究中心" in listed.content.decode()
    detail = bureau.get(reverse("platforms:detail", args=[platform.pk])).content.decode()
    assert "鲁发改高技〔验收〕9号" in detail and "筹建〔1〕号" in detail


def test_a_district_officer_recognising_through_the_page_is_refused(make_platform, client_as):
    platform = make_platform(state="recognised", document="x", on=TODAY - dt.timedelta(days=9))
    response = client_as("zhangdian_officer").post(
        reverse("platforms:transition", args=[platform.pk]), {"target": "revoked", "document": "撤", "on": TODAY}
    )
    assert response.status_code == 403
    platform.refresh_from_db()
    assert platform.state == "recognised"
    assert client_as("zichuan_officer").get(reverse("platforms:detail", args=[platform.pk])).status_code == 404
    assert client_as("leader").get(reverse("platforms:detail", args=[platform.pk])).status_code == 200
    assert (
        client_as("leader")
        .post(reverse("platforms:evaluate", args=[platform.pk]), {"year": 2020, "score": 9, "on": TODAY})
        .status_code
        == 403
    )


def test_pages_render_for_each_role_with_bounded_queries(small_demo, client_as, django_assert_max_num_queries):
    carrier = Carrier.objects.filter(region__code="zhangdian").first() or Carrier.objects.first()
    platform = Platform.objects.filter(region__code="zhangdian").first()
    pages = [
        reverse("platforms:list"),
        reverse("platforms:board"),
        reverse("platforms:labs"),
        reverse("platforms:reserve"),
        reverse("platforms:carriers"),
        reverse("platforms:funnel"),
        reverse("platforms:rule"),
        f"{reverse('platforms:list')}?counted={TODAY.year - 1}",
        reverse("platforms:detail", args=[platform.pk]),
        reverse("platforms:carrier", args=[carrier.pk]),
        reverse("api:platform_list"),
        reverse("api:platform_board"),
        reverse("api:carrier_list"),
    ]
    for name in ("bureau_staff", "zhangdian_officer", "lead_officer", "leader"):
        client = client_as(name)
        for url in pages:
            with django_assert_max_num_queries(40):
                response = client.get(url)
            assert response.status_code in (200, 404), (name, url, response.status_code)


def test_lists_keep_their_query_count_as_the_register_grows(small_demo, register, client_as, django_assert_num_queries):
    """The list, the board and the carriers page read the same number of queries for 60 or 120 platforms."""
    client = client_as("bureau_staff")
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for round_ in (1, 2):
        if round_ == 2:
            demo.Platform.objects.filter(is_demo=True).update(is_demo=False)  # let the loader run again
            Carrier.objects.update(is_demo=False)
            demo.load_demo(OrgUnit.objects.get(code="zibo", parent=None), 60)
        for url in (
            reverse("platforms:list"),
            reverse("platforms:board"),
            reverse("platforms:carriers"),
            reverse("platforms:funnel"),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(ctx.captured_queries))
    for url, (small, large) in counts.items():
        assert large <= small + 1, (url, small, large)


def test_district_sees_only_its_own(small_demo, client_as):
    response = client_as("zichuan_officer").get(reverse("api:platform_list"), {"page_size": 500})
    regions = {row["region"] for row in response.json()["items"]}
    assert regions <= {"zichuan"}
    response = client_as("lead_officer").get(reverse("api:platform_list"), {"page_size": 500})
    assert all(row["host_credit_code"] == "" for row in response.json()["items"])  # a department reads no register


def test_the_rule_page_sets_the_rule_for_the_bureau_only(client_as, types):
    data = {
        "count_under_construction": "on",
        "reward_each_wan": "10",
        "reward_cap_wan": "100",
        "hte_window_years": "3",
        "reward_source": "x",
        "counted_types": ["engineering_research_centre"],
    }
    assert client_as("zhangdian_officer").post(reverse("platforms:rule"), data).status_code == 403
    assert client_as("bureau_admin").post(reverse("platforms:rule"), data).status_code == 302
    page = client_as("zhangdian_officer").get(reverse("platforms:rule")).content.decode()
    assert "工程研究中心" in page
    board = client_as("bureau_admin").get(reverse("platforms:board")).content.decode()
    assert "筹建/试点培育阶段的平台也计入" in board


def workbook(sheets: dict[str, list[list]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for title, rows in sheets.items():
        ws = book.add_worksheet(title)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def test_import_round_trip_and_every_error_in_one_pass(register, types, persona, client_as):
    template = client_as("bureau_staff").get(reverse("platforms:import_template"))
    assert template.status_code == 200
    good = workbook(
        {
            "创新平台": [
                [
                    "平台名称",
                    "平台类型",
                    "级别",
                    "所在区县",
                    "依托单位类型",
                    "依托单位统一社会信用代码",
                    "状态（新增时）",
                    "认定/批准文号",
                    "认定/批准日期",
                ],
                [
                    "导入工程研究中心",
                    "工程研究中心",
                    "省级",
                    "张店区",
                    "企业",
                    register["a"].credit_code,
                    "已认定",
                    "鲁发改高技〔导入〕1号",
                    "2024-05-06",
                ],
            ],
            "平台年度数据": [
                ["平台名称", "平台类型", "级别", "年度", "研发人员"],
                ["导入工程研究中心", "工程研究中心", "省级", 2024, 66],
            ],
            "孵化载体": [
                ["载体名称", "阶段", "综合/专业", "所在区县", "运营主体"],
                ["导入孵化器", "孵化器", "综合", "张店区", "运营公司"],
            ],
            "在孵企业": [
                ["载体名称", "统一社会信用代码", "入孵日期", "状态"],
                ["导入孵化器", register["b"].credit_code, "2023-01-01", "在孵"],
            ],
        }
    )
    job = imports.import_now("platforms", actor=persona("bureau_staff"), filename="p.xlsx", data=good)
    assert job.status == "done", job.errors
    platform = Platform.objects.get(name="导入工程研究中心")
    assert platform.state == "recognised" and platform.recognition_document == "鲁发改高技〔导入〕1号"
    assert PlatformEvent.objects.get(platform=platform).on == dt.date(2024, 5, 6)
    assert platform.years.get(year=2024).rd_staff == 66
    assert Incubatee.objects.get(carrier__name="导入孵化器").state == "in_incubation"
    # again: an update, no duplicate
    imports.import_now("platforms", actor=persona("bureau_staff"), filename="p.xlsx", data=good)
    assert Platform.objects.filter(name="导入工程研究中心").count() == 1
    bad = workbook(
        {
            "创新平台": [
                [
                    "平台名称",
                    "平台类型",
                    "级别",
                    "所在区县",
                    "依托单位类型",
                    "依托单位统一社会信用代码",
                    "状态（新增时）",
                    "认定/批准文号",
                    "认定/批准日期",
                ],
                ["甲", "不存在的类型", "省级", "张店区", "企业", register["a"].credit_code, "", "", ""],
                ["乙", "工程研究中心", "省级", "张店区", "企业", "91370303MA3C00000X", "", "", ""],
                [
                    "丙",
                    "工程研究中心",
                    "省级",
                    "淄川区",
                    "企业",
                    register["c"].credit_code,
                    "已认定",
                    "文号",
                    "2024-01-01",
                ],
            ],
        }
    )
    job = imports.import_now("platforms", actor=persona("zhangdian_officer"), filename="bad.xlsx", data=bad)
    assert job.status == "failed"
    rows = sorted({e["row"] for e in job.errors})
    assert rows == [2, 3, 4], job.errors  # every bad row reported: unknown type; bad code; 淄川区 not the officer's
    assert not Platform.objects.filter(name__in=["甲", "乙", "丙"]).exists()
