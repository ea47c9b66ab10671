"""Excel import of achievements, demands, experts and contracts: template, all-or-nothing, every row error."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from kechuang.techmarket import importer
from kechuang.techmarket.models import Achievement, Contract, ContractParty, Demand, Expert

pytestmark = pytest.mark.django_db


def _template(client, kind: str) -> openpyxl.Workbook:
    r = client.get(reverse("techmarket:import_template", args=[kind]))
    assert r.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(r.content))


def _upload(client, kind: str, rows: list[dict[str, object]]):
    """Fill the downloaded template (so the test follows the real headers) and upload it."""
    book = _template(client, kind)
    ws = book[importer.SPECS[kind].title]
    headers = [str(c.value).rstrip(" *") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "upload.xlsx"
    return client.post(reverse("techmarket:import"), {"kind": kind, "file": buffer})


DEMAND = {
    "企业名称": "淄博华光陶瓷有限公司",
    "所在区县": "张店区",
    "需求名称": "窑炉余热回收",
    "需求描述": "辊道窑烟气余热回收用于干燥",
    "技术领域": None,  # filled per test from the template's own drop-down
    "合作方式": None,
    "预算上限（万元）": 80,
    "联系人": "王海燕",
    "联系电话": "13953312345",
}


def _first_option(client, kind: str, label: str) -> str:
    col = next(c for c in importer.SPECS[kind].columns if c.label == label)
    return importer._zh(col.choices)[0]


def _demand(client, **over):
    row = dict(DEMAND)
    row["技术领域"] = _first_option(client, "demand", "技术领域")
    row["合作方式"] = _first_option(client, "demand", "合作方式")
    row.update(over)
    return row


def test_template_has_required_marks_and_instructions(client_as):
    book = _template(client_as("bureau_staff"), "contract")
    headers = [c.value for c in book["技术合同"][1]]
    assert "合同类型 *" in headers and "卖方名称 *" in headers and "买方行政区划代码（市外必填）" in headers
    assert "说明" in book.sheetnames
    assert book["技术合同"].data_validations.dataValidation  # drop-downs


def test_demands_imported(client_as):
    client = client_as("bureau_staff")
    r = _upload(client, "demand", [_demand(client), _demand(client, 需求名称="废水回用", 所在区县="淄川区")])
    assert r.status_code == 302
    assert set(Demand.objects.values_list("title", flat=True)) == {"窑炉余热回收", "废水回用"}
    assert Demand.objects.get(title="窑炉余热回收").budget_max_wan == Decimal("80")


def test_errors_reported_for_every_row_and_nothing_written(client_as):
    client = client_as("bureau_staff")
    rows = [
        _demand(client),
        _demand(client, 联系电话="12345", 所在区县="火星区"),
        _demand(client, 需求名称=None, 合作方式="随便"),
    ]
    r = _upload(client, "demand", rows)
    assert r.status_code == 200
    assert Demand.objects.count() == 0
    errors = {(e.row, e.column): e for e in r.context["errors"]}
    assert errors[(3, "所在区县")].value == "火星区"
    assert (4, "需求名称") in errors and errors[(4, "合作方式")].value == "随便"
    assert all(e.reason for e in errors.values())
    # the phone is checked by the model once every cell parses: fix the cell errors and upload again
    r = _upload(client, "demand", [_demand(client), _demand(client, 联系电话="12345")])
    assert Demand.objects.count() == 0
    [error] = r.context["errors"]
    assert (error.row, error.column, error.value) == (3, "联系电话", "12345")
    annotated = client.get(reverse("techmarket:import_errors", args=[r.context["error_token"]]))
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    ws = book.active
    assert ws.cell(1, ws.max_column).value == "错误 Errors"
    assert "联系电话" in ws.cell(3, ws.max_column).value and ws.cell(2, ws.max_column).value is None


def test_error_workbook_is_private_to_the_session(client_as):
    client = client_as("bureau_staff")
    r = _upload(client, "demand", [_demand(client, 所在区县="火星区")])
    token = r.context["error_token"]
    assert client_as("zhangdian_officer").get(reverse("techmarket:import_errors", args=[token])).status_code == 404


def test_district_officer_imports_only_in_own_region(client_as):
    client = client_as("zhangdian_officer")
    r = _upload(client, "demand", [_demand(client, 所在区县="淄川区")])
    assert Demand.objects.count() == 0 and r.context["errors"][0].column == "所在区县"
    assert client.get(reverse("techmarket:import_template", args=["achievement"])).status_code == 404
    r = client.post(reverse("techmarket:import"), {"kind": "achievement"})
    assert r.status_code == 403
    assert client_as("leader").get(reverse("techmarket:import")).status_code == 403


def test_achievements_and_experts_imported(client_as):
    client = client_as("bureau_staff")
    field = _first_option(client, "achievement", "技术领域")
    owner = _first_option(client, "achievement", "单位性质")
    modes = importer._zh(importer.SPECS["achievement"].columns[8].choices)
    r = _upload(
        client,
        "achievement",
        [
            {
                "成果名称": "陶瓷膜过滤组件",
                "成果简介": "用于化工废水处理的陶瓷膜过滤组件，" * 30,  # longer than 300 characters: kept whole
                "关键词（、分隔）": "陶瓷膜、过滤",
                "技术领域": field,
                "技术成熟度（1–9）": 6,
                "权属单位": "山东理工大学",
                "单位性质": owner,
                "转化方式（、分隔）": f"{modes[0]}、{modes[1]}",
                "联系人": "张三",
                "联系电话": "13800000001",
                "立即发布（是/否）": "是",
            }
        ],
    )
    assert r.status_code == 302, r.context and r.context.get("errors")
    a = Achievement.objects.get()
    assert a.keywords == ["陶瓷膜", "过滤"] and len(a.transfer_modes) == 2 and len(a.abstract) > 300
    assert a.status == Achievement.Status.PUBLISHED
    r = _upload(
        client,
        "expert",
        [{"姓名": "李四", "工作单位": "山东理工大学", "主要领域": field, "专长": "陶瓷烧结", "手机": "13800000002"}],
    )
    assert r.status_code == 302 and Expert.objects.get().name == "李四"


def test_contracts_imported_with_parties(client_as):
    client = client_as("bureau_staff")
    ctype = _first_option(client, "contract", "合同类型")
    cfield = _first_option(client, "contract", "技术领域")
    nature = _first_option(client, "contract", "卖方性质")
    row = {
        "合同类型": ctype,
        "项目名称": "陶瓷膜技术开发",
        "技术内容": "开发陶瓷膜过滤组件",
        "技术领域": cfield,
        "登记区县": "张店区",
        "签订日期": "2025-05-06",
        "合同金额（万元）": 120,
        "卖方名称": "山东理工大学",
        "卖方性质": nature,
        "卖方所在区县（市内）": "张店区",
        "买方名称": "北京某公司",
        "买方性质": nature,
        "买方行政区划代码（市外必填）": "110108",
    }
    r = _upload(client, "contract", [row])
    assert r.status_code == 302, r.context and r.context.get("errors")
    contract = Contract.objects.get()
    assert contract.total_amount_wan == Decimal("120") and contract.status == Contract.Status.DRAFT
    parties = {p.role: p for p in ContractParty.objects.filter(contract=contract)}
    assert parties["seller"].region_code == "370303" and parties["buyer"].region_code == "110108"
    # a party outside the city without a region code: the model's error, on the row and its column
    r = _upload(
        client, "contract", [row, {**row, "买方行政区划代码（市外必填）": None}, {**row, "卖方所在区县（市内）": "x"}]
    )
    assert Contract.objects.count() == 1
    assert [(e.row, e.column) for e in r.context["errors"]] == [
        (3, "买方行政区划代码（市外必填）"),
        (4, "卖方所在区县（市内）"),
        (4, "卖方行政区划代码（市外必填）"),
    ]


def test_not_a_workbook_is_refused(client_as):
    client = client_as("bureau_staff")
    upload = io.BytesIO(b"not excel")
    upload.name = "x.xlsx"
    r = client.post(reverse("techmarket:import"), {"kind": "demand", "file": upload}, follow=True)
    assert any("Excel" in str(m) or "工作簿" in str(m) for m in r.context["messages"])
    assert Demand.objects.count() == 0
