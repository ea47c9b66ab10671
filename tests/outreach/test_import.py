"""Excel imports through the core pipeline: all or nothing, every row error named by row and column, the user's
scope, and the three templates."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import TestCase
from django.urls import reverse

from kechuang.core.models import ImportJob
from kechuang.outreach.models import Activity, Commissioner, ServiceLog
from tests.outreach.conftest import TODAY

pytestmark = pytest.mark.django_db

COMMISSIONER_HEAD = [
    "姓名 *",
    "服务领域 *",
    "专业特长 *",
    "特派员级别 *",
    "派出单位类型 *",
    "派出单位 *",
    "派出单位统一社会信用代码",
    "管理区县 *",
    "主管部门 *",
]


def workbook(title: str, head: list[str], rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    ws.append(head)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


def upload(client, kind: str, buffer) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("outreach:import"), {"kind": kind, "file": buffer})
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.latest("id")


def test_commissioner_file_with_a_bad_row_imports_nothing_and_names_every_error(client_as):
    rows = [
        ["王明", "果品蔬菜", "苹果栽培", "市级", "高等院校", "山东理工大学", "", "张店区", "市科技局"],
        ["李强", "果品蔬菜", "设施蔬菜", "市级", "企业", "某农业科技有限公司", "", "张店区", "市科技局"],
        ["赵六", "无此领域", "x", "市级", "高等院校", "山东理工大学", "", "淄川区", "不存在的部门"],
    ]
    rows[0][1] = rows[1][1] = str(Commissioner.Field.HORTICULTURE.label)
    job = upload(
        client_as("zhangdian_officer"), "outreach_commissioners", workbook("科技特派员", COMMISSIONER_HEAD, rows)
    )
    assert job.status == ImportJob.Status.FAILED, job.errors
    found = {(e["row"], e["column"]) for e in job.errors}
    assert (3, "派出单位统一社会信用代码") in found  # an enterprise employer without its code
    assert {(4, "服务领域"), (4, "管理区县"), (4, "主管部门")} <= found  # a region outside the officer's scope
    assert not Commissioner.objects.exists()


def test_commissioner_file_imports_and_reimport_updates(client_as):
    label = str(Commissioner.Field.HORTICULTURE.label)
    rows = [["王明", label, "苹果栽培", "市级", "高等院校", "山东理工大学", "", "张店区", "市科技局"]]
    client = client_as("bureau_staff")
    job = upload(client, "outreach_commissioners", workbook("科技特派员", COMMISSIONER_HEAD, rows))
    assert job.status == ImportJob.Status.DONE, job.errors
    rows[0][2] = "苹果矮砧密植"
    upload(client, "outreach_commissioners", workbook("科技特派员", COMMISSIONER_HEAD, rows))
    assert list(Commissioner.objects.values_list("expertise", flat=True)) == ["苹果矮砧密植"]


def test_service_logs_need_a_dispatch_covering_the_date(make, client_as):
    dispatch = make.dispatch(make.commissioner())
    head = [
        "特派员姓名 *",
        "派出单位 *",
        "服务对象 *",
        "服务日期 *",
        "服务地点 *",
        "服务内容 *",
        "培训人数",
        "带动增收（万元）",
    ]
    good = ["王明", "山东理工大学", "东庄村", TODAY - dt.timedelta(days=2), "东庄村", "现场指导", 20, 3.5]
    early = ["王明", "山东理工大学", "东庄村", TODAY - dt.timedelta(days=400), "东庄村", "现场指导", 5, 0]
    client = client_as("zhangdian_officer")
    job = upload(client, "outreach_logs", workbook("服务日志", head, [good, early]))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "服务对象")]
    assert not ServiceLog.objects.exists()
    job = upload(client, "outreach_logs", workbook("服务日志", head, [good]))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert ServiceLog.objects.get().dispatch == dispatch
    # another district may not log into this dispatch
    job = upload(client_as("zichuan_officer"), "outreach_logs", workbook("服务日志", head, [good]))
    assert job.status == ImportJob.Status.FAILED and ServiceLog.objects.count() == 1


def test_activities_import(client_as):
    head = [
        "活动类型 *",
        "活动名称 *",
        "活动日期 *",
        "活动地点 *",
        "所属区县 *",
        "主办单位 *",
        "责任部门 *",
        "受众 *",
        "参与人数 *",
    ]
    row = [
        str(Activity.Kind.CARAVAN.label),
        "科普大篷车进中埠镇",
        "2026-05-01",
        "中埠镇文化广场",
        "张店区",
        "张店区科协",
        "市科协",
        str(Activity.Audience.FARMERS.label),
        300,
    ]
    bad = [*row[:8], -5]
    client = client_as("bureau_staff")
    job = upload(client, "outreach_activities", workbook("科普活动", head, [row, bad]))
    assert job.status == ImportJob.Status.FAILED and [(e["row"], e["column"]) for e in job.errors] == [(3, "参与人数")]
    job = upload(client, "outreach_activities", workbook("科普活动", head, [row]))
    assert job.status == ImportJob.Status.DONE and Activity.objects.get().participants == 300


@pytest.mark.parametrize(
    ("kind", "sheet"),
    [("outreach_commissioners", "科技特派员"), ("outreach_logs", "服务日志"), ("outreach_activities", "科普活动")],
)
def test_templates(client_as, kind, sheet):
    response = client_as("zhangdian_officer").get(reverse("outreach:import_template", args=[kind]))
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == [sheet, "说明"]
    if kind != "outreach_logs":
        formulas = " ".join(v.formula1 or "" for v in book[sheet].data_validations.dataValidation)
        assert "张店区" in formulas and "淄川区" not in formulas
