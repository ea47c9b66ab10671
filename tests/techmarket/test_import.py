"""Excel import of achievements, demands, experts and contracts: template, all-or-nothing, every row error."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core.models import OrgUnit
from kechuang.core.validators import credit_code_check_char
from kechuang.indicators.catalogue import catalogue_load
from kechuang.indicators.models import Observation
from kechuang.techmarket import importer
from kechuang.techmarket.feed import FEED_CODES
from kechuang.techmarket.models import Achievement, Contract, ContractParty, Demand, Expert, NonTechnicalItem
from tests.techmarket import factories as f

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
    # The import runs as a job (the immediate task backend in tests); its page lists the outcome and the errors.
    return client.post(reverse("techmarket:import"), {"kind": kind, "file": buffer}, follow=True)


def _done(r) -> bool:
    return r.context["job"].status == "done"


def _failed(r) -> bool:
    return r.context["job"].status == "failed"


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


def test_templates_carry_the_new_columns(client_as):
    client = client_as("bureau_staff")
    expected = {
        "achievement": {"专利号（、或逗号分隔）", "所属产业链", "成熟度评价依据"},
        "demand": {"所属产业链"},
        "expert": {"其他领域（、分隔）"},
        "contract": {
            "合同子类",
            "卖方统一社会信用代码",
            "买方统一社会信用代码",
            "生效日期",
            "终止日期",
            "许可方式（独占/排他/普通）",
            "交付成果（咨询报告等）",
            "书面合同（是/否，默认是）",
            "印章与当事人名称一致（是/否，默认是）",
            "非技术性费用（万元）",
            "申请登记日期",
            "登记日期（已登记合同）",
            "登记编号",
            "核定技术交易额（万元）",
            "核定说明",
        },
    }
    for kind, labels in expected.items():
        book = _template(client, kind)
        headers = [str(c.value).rstrip(" *") for c in book[importer.SPECS[kind].title][1]]
        assert labels <= set(headers), kind
        assert headers == [c.label for c in importer.SPECS[kind].columns]
    book = _template(client, "contract")
    assert any("委托开发" in (dv.formula1 or "") for dv in book["技术合同"].data_validations.dataValidation)
    notes = [c.value for c in book["说明"]["A"]]
    assert any("已登记的历史合同" in n for n in notes) and any("委托开发" in n for n in notes)


def test_demands_imported(client_as):
    client = client_as("bureau_staff")
    rows = [
        _demand(client, 所属产业链="先进功能陶瓷"),
        _demand(client, 需求名称="废水回用", 所在区县="淄川区", 所属产业链="hydrogen"),
    ]
    r = _upload(client, "demand", rows)
    assert _done(r)
    assert set(Demand.objects.values_list("title", flat=True)) == {"窑炉余热回收", "废水回用"}
    assert Demand.objects.get(title="窑炉余热回收").budget_max_wan == Decimal("80")
    assert dict(Demand.objects.values_list("title", "industry_chain")) == {
        "窑炉余热回收": "ceramics",
        "废水回用": "hydrogen",
    }


def test_errors_reported_for_every_row_and_nothing_written(client_as):
    client = client_as("bureau_staff")
    rows = [
        _demand(client),
        _demand(client, 联系电话="12345", 所在区县="火星区"),
        _demand(client, 需求名称=None, 合作方式="随便"),
    ]
    r = _upload(client, "demand", rows)
    assert _failed(r)
    assert Demand.objects.count() == 0
    errors = {(e.row, e.column): e for e in r.context["errors"]}
    assert errors[(3, "所在区县")].value == "火星区"
    assert (4, "需求名称") in errors and errors[(4, "合作方式")].value == "随便"
    assert all(e.reason for e in errors.values())
    # a file whose only error is the model's phone check
    r = _upload(client, "demand", [_demand(client), _demand(client, 联系电话="12345")])
    assert Demand.objects.count() == 0
    [error] = r.context["errors"]
    assert (error.row, error.column, error.value) == (3, "联系电话", "12345")
    annotated = client.get(reverse("core:import_job_errors", args=[r.context["job"].pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))
    ws = book.active
    assert ws.cell(1, ws.max_column).value == "错误说明"  # the one error workbook of every import
    assert "联系电话" in ws.cell(3, ws.max_column).value and ws.cell(2, ws.max_column).value is None


def test_every_error_reported_in_one_pass(client_as):
    """Issue 10, defect 16: cell errors and the model's checks (a phone number, budget bounds) of every row come in
    one report, also when both kinds are in the same row."""
    client = client_as("bureau_staff")
    rows = [
        _demand(client, 联系电话="12345"),
        _demand(client, 所在区县="火星区"),
        _demand(client, **{"预算下限（万元）": 90}),
        _demand(client, 所在区县="火星区", 联系电话="12345"),
        _demand(client),
    ]
    r = _upload(client, "demand", rows)
    assert Demand.objects.count() == 0
    found = {(e.row, e.column) for e in r.context["errors"]}
    assert found == {(2, "联系电话"), (3, "所在区县"), (4, "预算上限（万元）"), (5, "所在区县"), (5, "联系电话")}


def test_error_workbook_is_private_to_the_session(client_as):
    client = client_as("bureau_staff")
    r = _upload(client, "demand", [_demand(client, 所在区县="火星区")])
    url = reverse("core:import_job_errors", args=[r.context["job"].pk])
    assert client.get(url).status_code == 200
    assert client_as("zhangdian_officer").get(url).status_code == 404


def test_district_officer_imports_only_in_own_region(client_as, unchanged_db):
    client = client_as("zhangdian_officer")
    r = _upload(client, "demand", [_demand(client, 所在区县="淄川区")])
    assert Demand.objects.count() == 0 and r.context["errors"][0].column == "所在区县"
    assert client.get(reverse("techmarket:import_template", args=["achievement"])).status_code == 404
    with unchanged_db():
        r = client.post(reverse("techmarket:import"), {"kind": "achievement"})
        assert r.status_code == 403
    assert client_as("leader").get(reverse("techmarket:import")).status_code == 403


def test_achievements_and_experts_imported(client_as):
    client = client_as("bureau_staff")
    field = _first_option(client, "achievement", "技术领域")
    owner = _first_option(client, "achievement", "单位性质")
    modes = importer._zh(next(c for c in importer.SPECS["achievement"].columns if c.key == "transfer_modes").choices)
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
    assert _done(r), r.context and r.context.get("errors")
    a = Achievement.objects.get()
    assert a.keywords == ["陶瓷膜", "过滤"] and len(a.transfer_modes) == 2 and len(a.abstract) > 300
    assert a.status == Achievement.Status.PUBLISHED
    r = _upload(
        client,
        "expert",
        [{"姓名": "李四", "工作单位": "山东理工大学", "主要领域": field, "专长": "陶瓷烧结", "手机": "13800000002"}],
    )
    assert _done(r) and Expert.objects.get().name == "李四"


ACHIEVEMENT = {
    "成果名称": "氮化硅陶瓷轴承球",
    "成果简介": "气压烧结氮化硅陶瓷轴承球的制备工艺",
    "技术领域": "new_materials",
    "技术成熟度（1–9）": 7,
    "成熟度评价依据": "第三方评价报告（2025）",
    "权属单位": "山东理工大学",
    "单位性质": "022",
    "联系人": "张三",
    "联系电话": "13800000001",
}


def test_achievement_patents_and_industry_chain_imported(client_as):
    client = client_as("bureau_staff")
    row = {
        **ACHIEVEMENT,
        "专利号（、或逗号分隔）": "zl202110123456.7、CN112345678A, 98765432.1",
        "所属产业链": "先进功能陶瓷",
    }
    r = _upload(client, "achievement", [row, {**row, "成果名称": "碳化硅膜", "所属产业链": "hydrogen"}])
    assert _done(r), r.context and r.context.get("errors")
    a = Achievement.objects.get(title="氮化硅陶瓷轴承球")
    assert a.patent_numbers == ["ZL202110123456.7", "CN112345678A", "98765432.1"]
    assert a.industry_chain == "ceramics" and a.trl_basis == "第三方评价报告（2025）"
    assert Achievement.objects.get(title="碳化硅膜").industry_chain == "hydrogen"


def test_bad_patent_number_and_unknown_chain_or_field_are_row_errors(client_as):
    client = client_as("bureau_staff")
    rows = [
        {**ACHIEVEMENT, "专利号（、或逗号分隔）": "ZL202110123456.7、12345"},
        {**ACHIEVEMENT, "所属产业链": "造船"},
    ]
    r = _upload(client, "achievement", rows)
    assert Achievement.objects.count() == 0
    errors = {(e.row, e.column): e for e in r.context["errors"]}
    assert set(errors) == {(2, "专利号（、或逗号分隔）"), (3, "所属产业链")}
    assert "12345" in errors[(2, "专利号（、或逗号分隔）")].reason
    expert = {"姓名": "李四", "工作单位": "山东理工大学", "主要领域": "new_materials", "专长": "陶瓷烧结"}
    r = _upload(client, "expert", [{**expert, "其他领域（、分隔）": "new_energy、火箭学"}])
    assert Expert.objects.count() == 0
    [error] = r.context["errors"]
    assert (error.row, error.column) == (2, "其他领域（、分隔）")
    r = _upload(client, "expert", [{**expert, "其他领域（、分隔）": "new_energy、资源与环境、新材料"}])
    assert _done(r), r.context and r.context.get("errors")
    assert Expert.objects.get().fields == ["new_energy", "environment"]  # the main field not repeated


def _credit_code(body: str) -> str:
    return body + credit_code_check_char(body)


SELLER_CODE = _credit_code("12370000495571040")  # 17 characters + check character
BUYER_CODE = _credit_code("91370303MA3C12345")

CONTRACT = {
    "合同类型": "development",
    "合同子类": "委托开发",
    "项目名称": "陶瓷膜技术开发",
    "技术内容": "开发陶瓷膜过滤组件",
    "技术领域": "new_materials",
    "登记区县": "张店区",
    "签订日期": "2025-05-06",
    "生效日期": "2025-05-06",
    "终止日期": "2026-12-31",
    "合同金额（万元）": 120,
    "非技术性费用（万元）": 20,
    "量化目标": "通量≥500 L/(m²·h)",
    "有验收条款（是/否）": "是",
    "卖方名称": "山东理工大学",
    "卖方统一社会信用代码": SELLER_CODE,
    "卖方性质": "022",
    "卖方所在区县（市内）": "张店区",
    "买方名称": "淄博某陶瓷公司",
    "买方统一社会信用代码": BUYER_CODE,
    "买方性质": "100",
    "买方所在区县（市内）": "淄川区",
}
REGISTERED = {
    "申请登记日期": "2025-06-01",
    "登记日期（已登记合同）": "2025-06-10",
    "登记编号": "25370301000123",
    "核定技术交易额（万元）": 100,
}


def test_draft_contract_with_the_new_fields(client_as):
    client = client_as("bureau_staff")
    row = {
        **CONTRACT,
        "合同类型": "licence",
        "合同子类": "专利实施许可",
        "签订日期": "2026-03-02",
        "有验收条款（是/否）": None,
        "许可方式（独占/排他/普通）": "排他",
        "交付成果（咨询报告等）": "专利实施许可备案",
        "书面合同（是/否，默认是）": None,
        "印章与当事人名称一致（是/否，默认是）": "否",
    }
    r = _upload(client, "contract", [row])
    assert _done(r), r.context and r.context.get("errors")
    c = Contract.objects.get()
    assert c.status == Contract.Status.DRAFT and c.registration_number == "" and c.registered_on is None
    assert (c.contract_type, c.sub_type, c.licence_scope) == ("licence", "专利实施许可", "sole")
    assert c.valid_from == dt.date(2025, 5, 6) and c.valid_until == dt.date(2026, 12, 31)
    assert c.in_writing and not c.seals_consistent and c.deliverable == "专利实施许可备案"
    parties = {p.role: p.credit_code for p in c.parties.all()}
    assert parties == {"seller": SELLER_CODE, "buyer": BUYER_CODE}
    [item] = c.non_technical_items.all()
    assert item.kind == NonTechnicalItem.Kind.EQUIPMENT and item.amount_wan == Decimal("20")


def test_registered_contract_imported_and_indicator_updated(client_as, django_capture_on_commit_callbacks):
    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    client = client_as("bureau_staff")
    with django_capture_on_commit_callbacks(execute=True):
        r = _upload(client, "contract", [{**CONTRACT, **REGISTERED}, CONTRACT])
    assert _done(r), r.context and r.context.get("errors")
    registered = Contract.objects.get(status=Contract.Status.REGISTERED)
    assert registered.registration_number == "25370301000123" and registered.registered_on == dt.date(2025, 6, 10)
    assert registered.rule_version == "2001" and registered.technology_amount_wan == Decimal("100")
    assert registered.submitted_on == dt.date(2025, 6, 1)
    assert Contract.objects.filter(status=Contract.Status.DRAFT).count() == 1
    output = FEED_CODES["output"]
    assert output == "tech_contract_turnover_registered_output"
    obs = Observation.objects.get(indicator__code=output, region__code="zibo", year=2025, quarter=0)
    assert obs.value == Decimal("120")
    assert Observation.objects.get(indicator__code=output, region__code="zhangdian", year=2025).value == Decimal("120")


def test_a_draft_only_import_does_not_touch_the_indicators(client_as, django_capture_on_commit_callbacks):
    client = client_as("bureau_staff")
    with django_capture_on_commit_callbacks() as callbacks:
        r = _upload(client, "contract", [CONTRACT])
    assert _done(r) and not callbacks


def test_bad_contract_rows_name_row_and_column_and_nothing_is_imported(client_as):
    f.contract(
        registration_number="25370301000999", status=Contract.Status.REGISTERED, registered_on=dt.date(2025, 1, 9)
    )
    client = client_as("bureau_staff")
    rows = [
        {**CONTRACT, **REGISTERED},
        {**CONTRACT, "卖方统一社会信用代码": SELLER_CODE[:-1] + ("0" if SELLER_CODE[-1] != "0" else "1")},
        {**CONTRACT, "合同子类": "专利权转让"},
        {**CONTRACT, **REGISTERED},  # the number of row 2 again
        {**CONTRACT, **REGISTERED, "登记编号": "25370301000999"},  # already in the database
        {**CONTRACT, "登记编号": "25370301000777"},  # a number without a registration date
        {**CONTRACT, **REGISTERED, "登记编号": None, "申请登记日期": None, "登记日期（已登记合同）": "2025-05-01"},
    ]
    r = _upload(client, "contract", rows)
    assert _failed(r)
    assert Contract.objects.count() == 1
    found = [(e.row, e.column) for e in r.context["errors"]]
    assert found == [
        (3, "卖方统一社会信用代码"),
        (4, "合同子类"),
        (5, "登记编号"),
        (6, "登记编号"),
        (7, "登记编号"),
        (8, "登记编号"),
        (8, "登记日期（已登记合同）"),
    ]
    errors = {(e.row, e.column): e for e in r.context["errors"]}
    assert "2" in errors[(5, "登记编号")].reason and errors[(6, "登记编号")].value == "25370301000999"
    assert "委托开发" in errors[(4, "合同子类")].reason
    assert all(e.reason for e in r.context["errors"])


def test_registered_row_failing_the_registry_checks(client_as, django_capture_on_commit_callbacks):
    client = client_as("bureau_staff")
    good = {**CONTRACT, **REGISTERED}
    rows = [
        good,
        {**good, "登记编号": "25370301000124", "有验收条款（是/否）": "否"},
        {**good, "登记编号": "25370301000125", "书面合同（是/否，默认是）": "否"},
        {**good, "登记编号": "25370301000126", "核定技术交易额（万元）": 90},
        {**good, "登记编号": "25370301000127", "合同类型": "licence", "合同子类": None, "签订日期": "2025-05-01"},
        {**good, "登记编号": "123"},
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        r = _upload(client, "contract", rows)
    assert _failed(r) and Contract.objects.count() == 0 and not callbacks
    errors = {(e.row, e.column) for e in r.context["errors"]}
    assert {
        (3, "有验收条款（是/否）"),
        (4, "书面合同（是/否，默认是）"),
        (5, "核定说明"),
        (6, "合同类型"),
        (7, "登记编号"),
    } <= errors
    assert not any(e.row == 2 for e in r.context["errors"])
    # with a note the approved amount may differ from the contract amount less the non-technical costs
    r = _upload(client, "contract", [{**rows[3], "核定说明": "部分设备为技术载体，不予扣除"}])
    assert _done(r), r.context and r.context.get("errors")


def test_only_the_registry_imports_registered_contracts(client_as):
    client = client_as("zhangdian_officer")
    row = {**CONTRACT, "买方所在区县（市内）": "张店区"}  # an officer names parties in their own region
    r = _upload(client, "contract", [{**row, **REGISTERED}])
    assert Contract.objects.count() == 0
    assert [(e.row, e.column) for e in r.context["errors"]] == [(2, "登记日期（已登记合同）")], r.context["errors"]
    r = _upload(client, "contract", [row])
    assert _done(r) and Contract.objects.get().status == Contract.Status.DRAFT


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
    assert _done(r), r.context and r.context.get("errors")
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
