"""Every list export goes through core/exports.py: one row limit (stated when refused), formulas neutralised,
dates in Asia/Shanghai, numbers as numbers, one audit shape, and the list page's own filters (one FilterSet)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from kechuang.core import services as core_services
from kechuang.core.models import AuditEntry, OrgUnit
from kechuang.techmarket.models import MatchCase, MatchCheck
from tests.techmarket import factories as f

# (export URL name, its list page's URL name, persona, the filters both are given, audit object type)
EXPORTS = [
    ("core:liaison_export", "core:liaison_list", "bureau_staff", {"unit": "boshan"}, "core.liaison"),
    ("core:audit_log", "core:audit_log", "auditor", {"object_type": "core.liaison"}, "core.auditentry"),
    ("enterprises:export", "enterprises:list", "bureau_staff", {"region": "zhangdian"}, "enterprises.enterprise"),
    (
        "enterprises:register_export",
        "enterprises:list",
        "bureau_staff",
        {"region": "zichuan", "status": ""},
        "enterprises.enterprise",
    ),
    (
        "techmarket:achievement_export",
        "techmarket:achievements",
        "bureau_staff",
        {"field": "new_materials", "trl": "5"},
        "techmarket.achievements",
    ),
    ("techmarket:demand_export", "techmarket:demands", "bureau_staff", {"region": "zhangdian"}, "techmarket.demands"),
    (
        "techmarket:expert_export",
        "techmarket:experts",
        "bureau_staff",
        {"active": "all", "q": "导出"},
        "techmarket.experts",
    ),
    ("techmarket:match_export", "techmarket:matches", "bureau_staff", {"region": "zhangdian"}, "techmarket.matches"),
    (
        "techmarket:contract_export",
        "techmarket:contracts",
        "bureau_staff",
        {"region": "zichuan"},
        "techmarket.contract",
    ),
    (
        "techmarket:check_export",
        "techmarket:checks",
        "bureau_staff",
        {"q": "导出检验", "active": "1"},
        "techmarket.check_queries",
    ),
    (
        "indicators:observations_xlsx",
        "indicators:observations",
        "bureau_staff",
        {"year": "2024"},
        "indicators.observation",
    ),
    (
        "indicators:observations_csv",
        "indicators:observations",
        "bureau_staff",
        {"year": "2024"},
        "indicators.observation",
    ),
]
IDS = [e[0] for e in EXPORTS]


@pytest.fixture
def lists(db, persona, unit):
    """A few rows in every exported list, some inside and some outside each test's filters."""
    from kechuang.enterprises.demo import load_population
    from kechuang.indicators.models import Indicator, Observation

    staff = persona("bureau_staff")
    for name, where in (("周敏", "boshan"), ("吴刚", "boshan"), ("郑洁", "zhangdian")):
        core_services.liaison_create(actor=staff, org_unit=unit(where), name=name)
    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 40, seed=7)
    f.achievement(title="=1+1 导出公式", trl=6)
    f.achievement(title="@SUM(A1) 导出", trl=3)
    f.achievement(title="电子成果", field="electronic_info")
    demands = [f.demand("zhangdian"), f.demand("zhangdian", title="张店第二需求"), f.demand("zichuan")]
    f.expert(name="导出专家甲")
    f.expert(name="导出专家乙", is_active=False)
    f.expert(name="别的专家")
    f.expert(name="第三位专家")
    for d in demands:
        MatchCase.objects.create(demand=d, achievement=f.achievement(), recommended_on=dt.date(2025, 1, 1))
    f.contract("zichuan", project_name="淄川合同")
    f.contract("zhangdian", project_name="张店合同")
    f.contract("zichuan", buyer=None, project_name="淄川第二合同", total_amount_wan=Decimal("12.5"))
    MatchCheck.objects.create(query="导出检验问题一", any_terms=["陶瓷"])
    MatchCheck.objects.create(query="导出检验问题二", any_terms=["陶瓷"])
    MatchCheck.objects.create(query="导出检验问题三", any_terms=["陶瓷"], is_active=False)
    indicator = Indicator.objects.create(code="export_test", name="导出测试指标", unit="项")
    for year in (2023, 2024):
        for code in ("zhangdian", "zichuan"):
            Observation.objects.create(indicator=indicator, region=unit(code), year=year, value=Decimal("7.25"))


def _url(name: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    if name == "core:audit_log":
        return reverse(name), {**params, "format": "xlsx"}
    return reverse(name), params


def _rows(response) -> list[list]:
    body = response.getvalue()
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [list(r) for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(("export", "list_page", "who", "params", "object_type"), EXPORTS, ids=IDS)
def test_export_honours_its_list_filters_and_writes_one_audit_shape(
    lists, client_as, persona, export, list_page, who, params, object_type
):
    client = client_as(who)
    listing = client.get(reverse(list_page), {**params, "size": 100})
    listed = listing.context["page"].paginator.count
    everything = client.get(reverse(list_page), {"size": 100}).context["page"].paginator.count
    assert 0 < listed < everything, "the filters must narrow the list for this test to mean anything"
    url, query = _url(export, params)
    response = client.get(url, query)
    assert response.status_code == 200
    assert len(_rows(response)) == listed
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.object_type == object_type and entry.actor == persona(who)
    assert set(entry.detail) == {"rows", "filters"}
    assert entry.detail["rows"] == listed
    assert entry.detail["filters"].items() >= params.items() - {("status", "")}


@pytest.mark.parametrize(("export", "list_page", "who", "params", "object_type"), EXPORTS, ids=IDS)
def test_row_limit_is_respected_and_stated(lists, client_as, settings, export, list_page, who, params, object_type):
    settings.KECHUANG_EXPORT_MAX_ROWS = 1  # every filtered list of the fixture has at least two rows
    client = client_as(who)
    before = AuditEntry.objects.filter(action="export").count()
    url, query = _url(export, params)
    response = client.get(url, query)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(list_page))
    assert "format" not in response["Location"]
    for key, value in params.items():
        assert f"{key}=" in response["Location"] or not value
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1" in message and "导出" in message, message
    assert AuditEntry.objects.filter(action="export").count() == before  # nothing exported, nothing recorded


def test_formulas_are_neutralised(lists, client_as):
    response = client_as("bureau_staff").get(reverse("techmarket:achievement_export"), {"q": "导出"})
    titles = sorted(r[0] for r in _rows(response))
    assert titles == ["'=1+1 导出公式", "'@SUM(A1) 导出"]


def test_formulas_are_neutralised_in_csv(lists, client_as):
    from kechuang.indicators.models import Indicator

    Indicator.objects.filter(code="export_test").update(name="+1 导出")
    rows = _rows(client_as("bureau_staff").get(reverse("indicators:observations_csv"), {"indicator": "export_test"}))
    assert rows and {r[1] for r in rows} == {"'+1 导出"}
    assert {r[7] for r in rows} == {"7.25"}  # the value, after the month column


def test_dates_are_shanghai_time_and_numbers_are_numbers(lists, client_as, persona, unit):
    with time_machine.travel(dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC), tick=False):
        core_services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="夜班联络员")
    response = client_as("auditor").get(reverse("core:audit_log"), {"q": "夜班联络员", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert sheet["A2"].value == dt.datetime(2026, 3, 2, 1, 30)  # 17:30 UTC is 01:30 the next day in Shanghai
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm:ss"

    response = client_as("bureau_staff").get(reverse("techmarket:contract_export"), {"q": "淄川第二合同"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert sheet["H2"].value == dt.datetime(2025, 3, 1) and sheet["H2"].number_format == "yyyy-mm-dd"
    assert sheet["J2"].value == 12.5 and sheet["J2"].data_type == "n"


@pytest.mark.parametrize(
    ("title", "name"), [("榜单/指南", "榜单、指南"), ("a[1]:b*?\\c", "a、1、、b、、、c"), ("长" * 40, "长" * 31)]
)
def test_a_sheet_title_excel_refuses_is_made_valid(title, name):
    from kechuang.core.exports import Sheet, xlsx_response

    response = xlsx_response("x.xlsx", [Sheet(title, ["甲"], [[1]])])
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [name] and book[name]["A2"].value == 1


def test_list_export_applies_the_filterset_records_it_and_sends_a_refusal_back_to_the_list(
    lists, persona, settings, rf
):
    """core.exports.list_export, the one list export: the FilterSet's rows and filters, the named list on refusal."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from kechuang.core.exports import Export, list_export
    from kechuang.core.filters import LiaisonFilter
    from kechuang.core.models import Liaison

    def request():
        req = rf.get(reverse("core:liaison_export"), {"unit": "boshan", "format": "xlsx"})
        req.user, req.session = persona("bureau_staff"), {}
        req._messages = FallbackStorage(req)
        return req

    spec = Export("core.liaison", "联络员", "liaisons", ["姓名"], lambda x: [x.name])
    req = request()
    response = list_export(req, LiaisonFilter(req.GET, Liaison.objects.all()), spec, "core:liaison_list")
    assert sorted(r[0] for r in _rows(response)) == ["吴刚", "周敏"]
    assert response["Content-Disposition"].endswith('.xlsx"') and "liaisons-" in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.detail == {"rows": 2, "filters": {"unit": "boshan", "active": "1"}}  # the filter set's own default
    assert entry.object_type == "core.liaison" and entry.actor == req.user

    settings.KECHUANG_EXPORT_MAX_ROWS = 1
    req = request()
    refused = list_export(req, LiaisonFilter(req.GET, Liaison.objects.all()), spec, "core:liaison_list")
    assert refused.status_code == 302 and refused["Location"] == reverse("core:liaison_list") + "?unit=boshan"
