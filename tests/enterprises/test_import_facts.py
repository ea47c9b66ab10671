"""Defect 15: the import template lacked the columns the tier rules read, so imported firms showed 数据不全 with
raw field codes. Defect 14: the template's drop-downs offered English codes (`self_developed`, `tech_sme`)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.test import TestCase
from django.urls import reverse

from kechuang.core.models import ImportJob
from kechuang.enterprises.models import Enterprise, IntellectualProperty, LadderResult
from kechuang.enterprises.population import credit_code
from kechuang.enterprises.services import default_as_of

pytestmark = pytest.mark.django_db

CODE = credit_code("370302", 900_101)
# Per column header of the template: the value of a plausible, complete firm (anything not listed: by kind).
VALUES = {
    "营业收入（万元）": 5000,
    "主营业务收入（万元）": 4800,
    "研发费用（万元）": 400,
    "境内研发费用（万元）": 400,
    "成本费用总额（万元）": 4200,
    "资产总额（万元）": 6000,
    "负债总额（万元）": 2400,
    "净利润（万元）": 500,
    "高新技术产品（服务）收入（万元）": 3500,
    "收入总额（万元）": 5000,
    "职工总数": 120,
    "科技人员数": 30,
    "研发人员数": 20,
    "近三年成果转化数": 6,
    "从事细分市场年限": 8,
    "细分市场占有率（%）": 12,
    "细分市场全国排名": 5,
    "专精特新发展评价得分": 75,
    "数字化水平等级": 3,
    "质量管理认证项数": 2,
    "省级特色化指标得分": 8,
}
NO = {"近一年重大事故或违法", "近三年重大事故或违法", "列入经营异常或严重失信名单", "产品属禁止限制淘汰类"}
NO |= {"属研发费用加计扣除负面清单行业"}


def _template(client) -> openpyxl.Workbook:
    response = client.get(reverse("enterprises:import_template"))
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _options(sheet) -> dict[int, list[str]]:
    """Column index → the drop-down's choices."""
    out = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list":
            continue
        column = openpyxl.utils.column_index_from_string(re.match(r"[A-Z]+", str(validation.sqref)).group(0)) - 1
        out[column] = (validation.formula1 or "").strip('"').split(",")
    return out


def _fill(sheet, rows: list[dict[str, object]]) -> None:
    headers = [str(c.value).rstrip(" *") for c in sheet[1]]
    options = _options(sheet)
    for row in rows:
        cells = []
        for i, header in enumerate(headers):
            if header in row:
                cells.append(row[header])
            elif header in VALUES:
                cells.append(VALUES[header])
            elif i in options:
                cells.append("否" if header in NO else options[i][0])
            elif header.startswith("专家评分"):
                cells.append(int(re.search(r"0–(\d+)", header).group(1)) // 2)
            else:
                cells.append(None)
        sheet.append(cells)


def _upload(client, book) -> ImportJob:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the ladder re-evaluation queued after commit
        response = client.post(reverse("enterprises:import"), {"file": buffer})
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.latest("id")


def test_firm_imported_from_a_filled_template_has_no_missing_data(client_as):
    client = client_as("bureau_staff")
    book = _template(client)
    latest = default_as_of().year - 1
    _fill(
        book["企业"],
        [
            {
                "统一社会信用代码": CODE,
                "企业名称": "张店完整数据科技有限公司",
                "国民经济行业": "C3511",
                "高新技术领域": "八、先进制造与自动化",
                "成立日期": "2015-03-01",
            }
        ],
    )
    _fill(book["年度数据"], [{"统一社会信用代码": CODE, "年度": year} for year in (latest - 2, latest - 1, latest)])
    job = _upload(client, book)
    assert job.status == "done", job.errors
    results = {r.tier: r for r in LadderResult.objects.filter(enterprise__credit_code=CODE)}
    assert len(results) == 5
    incomplete = {tier: r.missing for tier, r in results.items() if r.status == "not_evaluable"}
    assert not incomplete, incomplete


def test_template_dropdowns_show_chinese_labels_and_import_accepts_label_or_code(client_as):
    client = client_as("bureau_staff")
    book = _template(client)
    codes = set(IntellectualProperty.Kind.values) | set(IntellectualProperty.Acquisition.values)
    for sheet in book.worksheets:
        for choices in _options(sheet).values():
            assert not set(choices) & codes, (sheet.title, choices)
            assert not any(re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", c) for c in choices), (sheet.title, choices)
    ip_choices = [c for choices in _options(book["知识产权"]).values() for c in choices]
    assert "自主研发" in ip_choices and "Ⅰ类" in ip_choices
    _fill(book["企业"], [{"统一社会信用代码": CODE, "企业名称": "张店标签测试有限公司"}])
    _fill(
        book["知识产权"],
        [
            {"统一社会信用代码": CODE, "编号": "ZL202310000001", "授权日期": "2024-05-01"},  # labels from the drop-down
            {
                "统一社会信用代码": CODE,
                "编号": "ZL202310000002",
                "授权日期": "2024-05-02",
                "类别": "I",
                "类型": IntellectualProperty.Kind.values[0],
                "获得方式": "self_developed",
            },  # codes, as files made before the labels had them
        ],
    )
    job = _upload(client, book)
    assert job.status == "done", job.errors
    items = IntellectualProperty.objects.filter(enterprise__credit_code=CODE).order_by("number")
    assert [i.acquisition for i in items][1] == "self_developed" and items[0].ip_class in IntellectualProperty.IPClass
    assert Enterprise.objects.filter(credit_code=CODE).exists()
