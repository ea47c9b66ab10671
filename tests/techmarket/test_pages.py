"""Search facets, the market dashboard and creating a contract through its form."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.techmarket import index, selectors
from kechuang.techmarket.models import Contract, ContractParty
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db


def _facets(response) -> dict[str, dict[str, int]]:
    return {name: {v: n for v, _label, n, _on in entries} for name, _l, entries in response.context["facets"]}


def test_search_facets_count_and_filter(client_as, match_index, django_assert_max_num_queries):
    f.achievement(
        trl=3, transfer_modes=["transfer", "licence"], region=f.region("zhangdian"), industry_chain="ceramics"
    )
    f.achievement(title="氧化铝陶瓷基板的低温共烧", trl=8, transfer_modes=["licence"], region=f.region("zichuan"))
    f.achievement(title="氧化铝陶瓷 粉体 制备", trl=5, field="advanced_manufacturing", transfer_modes=[])
    index.rebuild()
    for i in range(12):
        f.achievement(title=f"氧化铝陶瓷 第{i}号", region=f.region("zhangdian"), transfer_modes=["equity"])
    index.rebuild()
    client = client_as("bureau_staff")
    client.get(reverse("techmarket:search"), {"q": "氧化铝陶瓷"})
    with django_assert_max_num_queries(12):  # bounded: no query per hit for its region
        r = client.get(reverse("techmarket:search"), {"q": "氧化铝陶瓷", "kind": "achievement"})
    assert r.status_code == 200 and len(r.context["results"]) == 15
    from kechuang.techmarket.models import Achievement

    Achievement.objects.filter(title__contains="第").delete()
    index.rebuild()
    r = client.get(reverse("techmarket:search"), {"q": "氧化铝陶瓷", "kind": "achievement"})
    assert r.status_code == 200 and len(r.context["results"]) == 3
    facets = _facets(r)
    assert facets["field"] == {"new_materials": 2, "advanced_manufacturing": 1}
    assert facets["maturity"] == {"research": 1, "development": 1, "ready": 1}
    assert facets["transfer_mode"] == {"licence": 2, "transfer": 1}
    assert facets["region"] == {"zhangdian": 1, "zichuan": 1}
    assert facets["status"] == {"published": 3}
    assert facets["chain"] == {"ceramics": 1}
    assert b'data-testid="facets"' in r.content

    r = client.get(reverse("techmarket:search"), {"q": "氧化铝陶瓷", "kind": "achievement", "transfer_mode": "licence"})
    assert len(r.context["results"]) == 2
    facets = _facets(r)
    assert facets["transfer_mode"] == {"licence": 2, "transfer": 1}  # its own facet keeps the alternatives
    assert facets["maturity"] == {"research": 1, "ready": 1}  # the other facets narrow
    assert b'data-testid="facet-on"' in r.content

    r = client.get(
        reverse("techmarket:search"),
        {"q": "氧化铝陶瓷", "kind": "achievement", "transfer_mode": "licence", "maturity": "ready"},
    )
    assert [x["object"].trl for x in r.context["results"]] == [8]


def test_search_facets_for_demands_and_unknown_values(client_as, match_index):
    f.demand(title="瓷砖烧窑节能", description="瓷砖烧窑能耗高")
    index.rebuild()
    r = client_as("bureau_staff").get(
        reverse("techmarket:search"), {"q": "瓷砖", "kind": "demand", "maturity": "ready", "region": "nowhere"}
    )
    names = [name for name, _l, _e in r.context["facets"]]
    assert names == ["field", "chain", "region", "status"]  # maturity does not apply to demands and is ignored
    assert r.context["results"] == []  # an unknown region value matches nothing


def test_facet_values_of_one_record():
    class Obj:
        field, trl, transfer_modes, status, region = "new_materials", 4, ["equity"], "published", None
        industry_chain = "ceramics"

    assert selectors.facet_values(Obj(), "achievement") == {
        "field": ["new_materials"],
        "chain": ["ceramics"],
        "region": [],
        "maturity": ["development"],
        "transfer_mode": ["equity"],
        "status": ["published"],
    }


def test_dashboard_series_and_chart_data(client_as, django_assert_max_num_queries):
    today = selectors.today()
    f.achievement()
    f.demand()
    f.contract(status=Contract.Status.REGISTERED, signed_on=today, registered_on=today, total_amount_wan=Decimal("80"))
    f.contract(signed_on=today.replace(day=1))
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(30):
        r = client.get(reverse("techmarket:dashboard"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "vendor/echarts.min.js" in body and "techmarket/dashboard.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)  # no inline script
    data = json.loads(re.search(r'id="tm-dashboard-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert len(data["months"]) == 24 and data["months"][-1] == today.strftime("%Y-%m")
    s = data["series"]
    assert s["contracts"][-1] == 2 and s["turnover_wan"][-1] == 80.0
    assert s["achievements"][-1] == 1 and s["demands"][-1] == 1
    assert r.context["kpis"]["contracts_registered"] == 1


def test_dashboard_respects_scope(client_as):
    today = selectors.today()
    f.contract("zichuan", seller="zichuan", status=Contract.Status.REGISTERED, signed_on=today, registered_on=today)
    r = client_as("zhangdian_officer").get(reverse("techmarket:dashboard"))
    assert r.status_code == 200
    assert r.context["kpis"]["contracts_registered"] == 0


def _contract_post(**over) -> dict[str, str]:
    data = {
        "contract_type": "development",
        "sub_type": "",
        "project_name": "陶瓷膜过滤技术开发",
        "subject": "开发用于化工废水处理的陶瓷膜过滤组件",
        "tech_field": "new_materials",
        "region": str(f.region("zhangdian").pk),
        "signed_on": "2025-05-06",
        "valid_from": "",
        "valid_until": "",
        "total_amount_wan": "120",
        "in_writing": "on",
        "seals_consistent": "on",
        "quantified_goal": "通量≥500 L/(m²·h)",
        "acceptance_clause": "on",
        "ip_text": "",
        "licence_scope": "",
        "deliverable": "",
        "party-TOTAL_FORMS": "2",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "2",
        "party-MAX_NUM_FORMS": "1000",
        "party-0-role": "seller",
        "party-0-name": "山东理工大学",
        "party-0-credit_code": "",
        "party-0-nature": "022",
        "party-0-region": str(f.region("zhangdian").pk),
        "party-0-region_code": "370303",
        "party-1-role": "buyer",
        "party-1-name": "淄博测试陶瓷有限公司",
        "party-1-credit_code": "",
        "party-1-nature": "100",
        "party-1-region": str(f.region("zichuan").pk),
        "party-1-region_code": "370302",
        "item-TOTAL_FORMS": "0",
        "item-INITIAL_FORMS": "0",
        "item-MIN_NUM_FORMS": "0",
        "item-MAX_NUM_FORMS": "1000",
    }
    data.update(over)
    return data


def test_contract_created_through_the_form(client_as):
    client = client_as("bureau_staff")
    r = client.post(reverse("techmarket:contract_create"), _contract_post())
    assert r.status_code == 302, r.context and [r.context[k].errors for k in ("form",)]
    contract = Contract.objects.get(project_name="陶瓷膜过滤技术开发")
    assert r["Location"] == reverse("techmarket:contract", args=[contract.pk])
    assert contract.status == Contract.Status.DRAFT and contract.total_amount_wan == Decimal("120")
    assert contract.signed_on == dt.date(2025, 5, 6)
    parties = {p.role: p for p in ContractParty.objects.filter(contract=contract)}
    assert parties["seller"].name == "山东理工大学" and parties["buyer"].region.code == "zichuan"
    listed = client.get(reverse("techmarket:contracts"))
    assert "陶瓷膜过滤技术开发" in listed.content.decode()


def test_contract_form_shows_errors_and_saves_nothing(client_as):
    before = Contract.objects.count()
    r = client_as("bureau_staff").post(
        reverse("techmarket:contract_create"), _contract_post(total_amount_wan="", **{"party-1-name": ""})
    )
    assert r.status_code == 200
    assert r.context["form"].errors.get("total_amount_wan")
    assert Contract.objects.count() == before


def test_contract_form_refused_to_leader(client_as, unchanged_db):
    with unchanged_db():
        assert client_as("leader").post(reverse("techmarket:contract_create"), _contract_post()).status_code == 403
