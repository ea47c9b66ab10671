"""Writes through the technology-market API: contracts and their registration steps, achievements, experts, demand
review and recommendations; the funnel, statistics and search facets. Same auth, scope and error shape as the reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.techmarket import index
from kechuang.techmarket.models import Achievement, Contract, Demand, Expert, MatchCase
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

API = "/api/techmarket"


@pytest.fixture
def api(client, token_for):
    """api("bureau_staff").post(path, body) → response, with that persona's bearer token and a JSON body."""

    class Caller:
        def __init__(self, name: str) -> None:
            self.headers = token_for(name)

        def get(self, path: str, params=None):
            return client.get(API + path, params or {}, **self.headers)

        def post(self, path: str, body=None):
            return client.post(API + path, body or {}, content_type="application/json", **self.headers)

        def patch(self, path: str, body):
            return client.patch(API + path, body, content_type="application/json", **self.headers)

    return Caller


def _contract_body(**kw) -> dict:
    body = {
        "contract_type": "development",
        "sub_type": "委托开发",
        "project_name": "陶瓷基板烧结工艺开发",
        "subject": "高导热氧化铝陶瓷基板的配方和低温烧结工艺开发",
        "tech_field": "new_materials",
        "region": "zhangdian",
        "signed_on": "2026-10-01",
        "total_amount_wan": "100",
        "quantified_goal": "热导率≥28 W/(m·K)",
        "acceptance_clause": True,
        "parties": [
            {"role": "seller", "name": "山东理工大学", "nature": "022", "region": "zhangdian"},
            {
                "role": "buyer",
                "name": "北京某科技有限公司",
                "nature": "100",
                "credit_code": "91370303MA3C4XY126",
                "region_code": "110108",
            },
        ],
        "non_technical_items": [{"kind": "equipment", "description": "烧结炉", "quantity": 1, "amount_wan": "10"}],
    }
    body.update(kw)
    return body


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# ---------------------------------------------------------------- contracts: draft → submitted → accepted → registered
def test_contract_draft_through_registration(api):
    officer, staff = api("zhangdian_officer"), api("bureau_staff")
    response = officer.post("/contracts", _contract_body())
    assert response.status_code == 201, response.content
    c = response.json()
    assert c["status"] == "draft" and c["region"] == "zhangdian" and c["sub_type"] == "委托开发"
    seller, buyer = c["parties"]
    assert (seller["role"], seller["nature"], seller["region"], seller["region_code"]) == (
        "seller",
        "022",
        "zhangdian",
        "370303",  # derived from the region, as the page's party form does
    )
    assert (buyer["credit_code"], buyer["nature"], buyer["region"], buyer["region_code"]) == (
        "91370303MA3C4XY126",
        "100",
        None,
        "110108",
    )
    assert [(i["kind"], Decimal(i["amount_wan"])) for i in c["non_technical_items"]] == [("equipment", 10)]
    pk = c["id"]

    assert officer.post(f"/contracts/{pk}/steps/submit", {"on": "2026-10-10"}).json()["status"] == "submitted"
    assert _error(officer.post(f"/contracts/{pk}/steps/accept"), 403)["code"] == "forbidden"  # the registry's step
    assert staff.post(f"/contracts/{pk}/steps/accept", {"on": "2026-10-12"}).json()["status"] == "accepted"
    # registering needs the approved technology amount: the error names the field
    assert "technology_amount_wan" in _error(staff.post(f"/contracts/{pk}/steps/register"), 422)["fields"]
    # 100 less 10 of equipment is 90: a different figure needs a note
    body = {"on": "2026-10-15", "technology_amount_wan": "80"}
    assert "amount_note" in _error(staff.post(f"/contracts/{pk}/steps/register", body), 422)["fields"]
    body = {"on": "2026-10-15", "technology_amount_wan": "90", "note": "材料齐全"}
    registered = staff.post(f"/contracts/{pk}/steps/register", body).json()
    assert registered["status"] == "registered" and registered["registered_on"] == "2026-10-15"
    assert len(registered["registration_number"]) == 14 and registered["rule_version"] == "2026"
    seen = officer.get(f"/contracts/{pk}").json()
    assert seen["status"] == "registered" and Decimal(seen["technology_amount_wan"]) == 90
    # a registered contract is no longer editable, and a step outside the table is a conflict
    assert _error(officer.patch(f"/contracts/{pk}", {"project_name": "改名"}), 422)["code"] == "validation_error"
    assert Contract.objects.get(pk=pk).project_name == "陶瓷基板烧结工艺开发"
    assert _error(staff.post(f"/contracts/{pk}/steps/accept"), 409)["code"] == "conflict"
    assert _error(staff.post(f"/contracts/{pk}/steps/approve"), 404)["code"] == "not_found"


def test_non_registrable_contract_names_the_field(api):
    officer = api("zhangdian_officer")
    c = officer.post("/contracts", _contract_body(acceptance_clause=False, quantified_goal="")).json()
    error = _error(officer.post(f"/contracts/{c['id']}/steps/submit"), 422)
    assert error["code"] == "validation_error"
    assert {"acceptance_clause", "quantified_goal"} <= set(error["fields"])
    assert Contract.objects.get(pk=c["id"]).status == Contract.Status.DRAFT
    # fix it through PATCH (still a draft), then it goes through
    fixed = officer.patch(f"/contracts/{c['id']}", {"acceptance_clause": True, "quantified_goal": "良品率≥95%"})
    assert fixed.status_code == 200 and fixed.json()["acceptance_clause"] is True
    assert officer.post(f"/contracts/{c['id']}/steps/submit").json()["status"] == "submitted"
    # once submitted it cannot be edited
    assert _error(officer.patch(f"/contracts/{c['id']}", {"project_name": "新名称"}), 422)["code"] == (
        "validation_error"
    )
    # register-only fields are refused on other steps
    response = api("bureau_staff").post(f"/contracts/{c['id']}/steps/accept", {"technology_amount_wan": "1"})
    assert "technology_amount_wan" in _error(response, 422)["fields"]


def test_contract_input_errors_name_the_field(api):
    staff = api("bureau_staff")
    body = _contract_body()
    body["parties"][1]["region_code"] = "12"
    assert "parties.1.region_code" in _error(staff.post("/contracts", body), 422)["fields"]
    body = _contract_body()
    body["parties"][1]["region_code"] = ""
    assert "parties.1.region_code" in _error(staff.post("/contracts", body), 422)["fields"]
    body = _contract_body(non_technical_items=[{"kind": "gold", "amount_wan": "1"}])
    assert "non_technical_items.0.kind" in _error(staff.post("/contracts", body), 422)["fields"]
    assert "region" in _error(staff.post("/contracts", _contract_body(region="atlantis")), 422)["fields"]
    body = _contract_body()
    del body["project_name"]
    assert "project_name" in _error(staff.post("/contracts", body), 422)["fields"]
    assert "tech_field" in _error(staff.post("/contracts", _contract_body(tech_field="magic")), 422)["fields"]
    assert not Contract.objects.exists()


def test_district_officer_cannot_write_or_see_another_regions_contract(api):
    officer = api("zichuan_officer")
    error = _error(officer.post("/contracts", _contract_body(region="zhangdian")), 403)
    assert error["code"] == "forbidden"
    assert not Contract.objects.exists()
    theirs = f.contract("zhangdian", buyer="zhangdian", project_name="张店合同")
    mine = f.contract("zichuan", seller="zichuan", buyer=None, project_name="淄川合同")
    assert _error(officer.get(f"/contracts/{theirs.pk}"), 404)["code"] == "not_found"
    assert _error(officer.patch(f"/contracts/{theirs.pk}", {"project_name": "x"}), 404)["code"] == "not_found"
    assert _error(officer.post(f"/contracts/{theirs.pk}/steps/submit"), 404)["code"] == "not_found"
    assert [c["id"] for c in officer.get("/contracts").json()["items"]] == [mine.pk]
    # its own contract: editable, but not moved to another region
    assert officer.patch(f"/contracts/{mine.pk}", {"project_name": "淄川合同（修订）"}).status_code == 200
    assert _error(officer.patch(f"/contracts/{mine.pk}", {"region": "zhangdian"}), 403)["code"] == "forbidden"
    mine.refresh_from_db()
    assert (mine.region.code, mine.project_name) == ("zichuan", "淄川合同（修订）")
    theirs.refresh_from_db()
    assert theirs.project_name == "张店合同"
    # a contract of Zhangdian with a buyer in Zichuan: Zichuan reads it, but writes stay with the registering district
    bought = f.contract("zhangdian", buyer="zichuan", project_name="张店卖给淄川")
    assert officer.get(f"/contracts/{bought.pk}").json()["project_name"] == "张店卖给淄川"
    assert _error(officer.patch(f"/contracts/{bought.pk}", {"project_name": "x"}), 403)["code"] == "forbidden"
    assert _error(officer.post(f"/contracts/{bought.pk}/steps/submit"), 403)["code"] == "forbidden"
    bought.refresh_from_db()
    assert (bought.project_name, bought.status) == ("张店卖给淄川", Contract.Status.DRAFT)


def test_contract_list_and_detail_show_the_new_fields(api, django_assert_max_num_queries):
    for i in range(5):
        f.contract(project_name=f"合同{i}", sub_type="委托开发", status_reason="")
    with django_assert_max_num_queries(8):
        rows = api("bureau_staff").get("/contracts").json()["items"]
    assert len(rows) == 5
    assert {"sub_type", "status_reason", "non_technical_items", "subject"} <= set(rows[0])
    assert {"credit_code", "nature"} <= set(rows[0]["parties"][0])


# ---------------------------------------------------------------- achievements and experts (bureau staff keep them)
ACHIEVEMENT = {
    "title": "聚四氟乙烯微孔膜双向拉伸成型工艺",
    "abstract": "通过糊状挤出、压延和双向拉伸制备聚四氟乙烯微孔膜，可用于防水透气和过滤。",
    "keywords": ["聚四氟乙烯", " 微孔膜 ", ""],
    "field": "new_materials",
    "industry_chain": "fluorosilicone",
    "trl": 6,
    "owner_name": "山东理工大学",
    "owner_type": "022",
    "region": "zhangdian",
    "patent_numbers": ["zl202110123456.7"],
    "transfer_modes": ["transfer", "licence"],
    "price_wan": "50",
    "contact_name": "王建华",
    "contact_phone": "13805331234",
}


def test_achievement_create_and_patch(api, match_index):
    staff = api("bureau_staff")
    response = staff.post("/achievements", ACHIEVEMENT)
    assert response.status_code == 201, response.content
    a = response.json()
    assert a["status"] == "draft" and a["region"] == "zhangdian"
    assert a["keywords"] == ["聚四氟乙烯", "微孔膜"] and a["patent_numbers"] == ["ZL202110123456.7"]
    # masked by default for every client, the bureau's too (item 14); stored in full
    assert a["contact"] == {"name": "王**", "phone": "138****1234", "email": "", "masked": True}
    assert Achievement.objects.get(pk=a["id"]).contact_phone == "13805331234"
    patched = staff.patch(f"/achievements/{a['id']}", {"trl": 7, "region": None, "price_wan": None})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["trl"], patched.json()["region"], patched.json()["price_wan"]) == (7, None, None)
    published = staff.post(f"/achievements/{a['id']}/status", {"status": "published"})
    assert published.json()["status"] == "published"
    assert "reason" in _error(staff.post(f"/achievements/{a['id']}/status", {"status": "withdrawn"}), 422)["fields"]
    # others see it masked, may not change it
    officer = api("zhangdian_officer")
    assert officer.get(f"/achievements/{a['id']}").json()["contact"]["masked"] is True
    assert _error(officer.patch(f"/achievements/{a['id']}", {"trl": 8}), 403)["code"] == "forbidden"
    assert _error(officer.post("/achievements", ACHIEVEMENT), 403)["code"] == "forbidden"
    assert Achievement.objects.get(pk=a["id"]).trl == 7


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trl": 12}, "trl"),
        ({"patent_numbers": ["12345"]}, "patent_numbers"),
        ({"transfer_modes": ["gift"]}, "transfer_modes"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"field": "astrology"}, "field"),
        ({"region": "atlantis"}, "region"),
        ({"title": None}, "title"),
    ],
)
def test_achievement_bad_input_names_the_field(api, match_index, changes, field):
    staff = api("bureau_staff")
    assert field in _error(staff.post("/achievements", ACHIEVEMENT | changes), 422)["fields"]
    a = f.achievement()
    assert field in _error(staff.patch(f"/achievements/{a.pk}", changes), 422)["fields"]


EXPERT = {
    "name": "赵敏",
    "institution": "山东理工大学",
    "title": "教授",
    "field": "new_materials",
    "fields": ["new_energy"],
    "expertise": "长期从事氧化铝陶瓷和烧结工艺研究。",
    "past_projects": "国家重点研发计划：高导热陶瓷基板（2021—2024）",
    "phone": "13605331111",
    "email": "zhao@example.edu.cn",
}


def test_expert_create_and_patch_with_contacts_for_bureau_only(api, match_index):
    staff = api("bureau_staff")
    response = staff.post("/experts", EXPERT)
    assert response.status_code == 201, response.content
    e = response.json()
    assert e["past_projects"].startswith("国家重点研发计划") and e["phone"] == "136****1111"  # masked (item 14)
    assert Expert.objects.get(pk=e["id"]).phone == "13605331111"
    patched = staff.patch(f"/experts/{e['id']}", {"past_projects": "山东省重点研发计划", "region": "zichuan"})
    assert patched.status_code == 200 and patched.json()["region"] == "zichuan"
    for who in ("leader", "zichuan_officer"):
        seen = api(who).get(f"/experts/{e['id']}").json()
        assert seen["phone"] is None and seen["email"] is None and seen["past_projects"] == "山东省重点研发计划"
    assert _error(api("zichuan_officer").patch(f"/experts/{e['id']}", {"title": "研究员"}), 403)["code"] == "forbidden"
    assert _error(staff.post("/experts", EXPERT | {"phone": "123"}), 422)["fields"].keys() == {"phone"}
    assert "fields" in _error(staff.post("/experts", EXPERT | {"fields": ["astrology"]}), 422)["fields"]
    assert "name" in _error(staff.patch(f"/experts/{e['id']}", {"name": ""}), 422)["fields"]
    assert "reason" in _error(staff.post(f"/experts/{e['id']}/deactivate", {"reason": " "}), 422)["fields"]
    assert staff.post(f"/experts/{e['id']}/deactivate", {"reason": "退休"}).json()["is_active"] is False
    assert Expert.objects.count() == 1


# ---------------------------------------------------------------- demands: review, close, recommend
def test_demand_review_and_close(api, match_index):
    pending = f.demand(status=Demand.Status.PENDING)
    assert _error(api("zhangdian_officer").post(f"/demands/{pending.pk}/review", {"decision": "approve"}), 403)
    staff = api("bureau_staff")
    assert "reason" in _error(staff.post(f"/demands/{pending.pk}/review", {"decision": "reject"}), 422)["fields"]
    assert "decision" in _error(staff.post(f"/demands/{pending.pk}/review", {"decision": "maybe"}), 422)["fields"]
    assert staff.post(f"/demands/{pending.pk}/review", {"decision": "approve"}).json()["status"] == "published"
    assert "status" in _error(staff.post(f"/demands/{pending.pk}/review", {"decision": "approve"}), 422)["fields"]
    other = f.demand(status=Demand.Status.PENDING)
    rejected = staff.post(f"/demands/{other.pk}/review", {"decision": "reject", "reason": "重复提交"}).json()
    assert rejected["status"] == "rejected"
    officer = api("zhangdian_officer")
    assert "reason" in _error(officer.post(f"/demands/{pending.pk}/close", {"reason": ""}), 422)["fields"]
    assert officer.post(f"/demands/{pending.pk}/close", {"reason": "企业已自行解决"}).json()["status"] == "closed"
    assert _error(api("zichuan_officer").post(f"/demands/{other.pk}/close", {"reason": "x"}), 404)


def test_demand_recommend(api):
    d, a, e = f.demand("zhangdian"), f.achievement(), f.expert()
    officer = api("zhangdian_officer")
    response = officer.post(f"/demands/{d.pk}/recommend", {"achievement_id": a.pk, "score": 0.8, "note": "推荐"})
    assert response.status_code == 201, response.content
    m = response.json()
    assert (m["demand_id"], m["achievement_id"], m["expert_id"], m["stage"]) == (d.pk, a.pk, None, "recommended")
    error = _error(officer.post(f"/demands/{d.pk}/recommend", {"achievement_id": a.pk}), 422)
    assert error["code"] == "validation_error"  # already recommended
    assert "achievement_id" in _error(officer.post(f"/demands/{d.pk}/recommend", {}), 422)["fields"]
    both = {"achievement_id": a.pk, "expert_id": e.pk}
    assert "achievement_id" in _error(officer.post(f"/demands/{d.pk}/recommend", both), 422)["fields"]
    assert officer.post(f"/demands/{d.pk}/recommend", {"expert_id": e.pk}).status_code == 201
    assert _error(api("zichuan_officer").post(f"/demands/{d.pk}/recommend", {"expert_id": e.pk}), 404)
    assert MatchCase.objects.filter(demand=d).count() == 2
    # the new match goes on through the existing step route
    assert officer.post(f"/matches/{m['id']}/contact", {}).json()["stage"] == "contacted"


# ---------------------------------------------------------------- funnel, statistics, search facets
def test_funnel_and_statistics_return_json(api):
    d = f.demand("zhangdian")
    MatchCase.objects.create(demand=d, achievement=f.achievement(), recommended_on=dt.date(2025, 1, 2))
    MatchCase.objects.create(demand=d, expert=f.expert(), recommended_on=dt.date(2025, 1, 2), stage="contacted")
    f.contract(
        status=Contract.Status.REGISTERED,
        registered_on=dt.date(2025, 4, 1),
        technology_amount_wan=Decimal("90"),
        registration_number="25370301000001",
    )
    f.contract(
        buyer="zhangdian",
        status=Contract.Status.REGISTERED,
        registered_on=dt.date(2025, 5, 1),
        total_amount_wan=Decimal("50"),
        technology_amount_wan=Decimal("50"),
        registration_number="25370301000002",
    )
    funnel = api("bureau_staff").get("/funnel").json()
    assert {s["stage"]: s["count"] for s in funnel["stages"]} == {
        "recommended": 1,
        "contacted": 1,
        "negotiating": 0,
        "signed": 0,
        "closed": 0,
    }
    assert [(r["code"], r["counts"]["contacted"]) for r in funnel["by_region"]] == [("zhangdian", 1)]
    assert [(r["stage"], r["count"]) for r in funnel["reached"]][:1] == [("recommended", 2)]
    assert funnel["by_field"][0]["code"] == "new_materials" and funnel["by_field"][0]["label"]
    assert api("zichuan_officer").get("/funnel").json()["by_region"] == []

    stats = api("bureau_staff").get("/statistics").json()
    assert stats["years"] == [2025]
    by_region = {r["region"]: r["cells"][0] for r in stats["regions"]}
    assert Decimal(by_region["zhangdian"]["output_wan"]) == 150
    assert Decimal(by_region["zhangdian"]["absorbed_wan"]) == 50
    assert Decimal(by_region["zichuan"]["absorbed_wan"]) == 100 and by_region["zichuan"]["output_wan"] is None
    assert [(c["year"], Decimal(c["amount_wan"])) for c in stats["city_output"]] == [(2025, 150)]
    (row,) = stats["by_type"]
    assert (row["contract_type"], row["year"], row["contracts"], Decimal(row["technology_amount_wan"])) == (
        "development",
        2025,
        2,
        140,
    )
    assert [(r["tech_field"], r["contracts"]) for r in stats["by_field"]] == [("new_materials", 2)]
    assert {(r["role"], r["nature"], r["contracts"]) for r in stats["by_party"]} == {
        ("seller", "022", 2),
        ("buyer", "100", 2),
    }
    # amounts are decimal strings, as in /turnover
    assert isinstance(stats["city_output"][0]["amount_wan"], str)
    assert isinstance(api("bureau_staff").get("/turnover").json()[0]["amount_wan"], str)
    # scoped: Zichuan's officer does not see the contract between two Zhangdian parties
    zichuan = api("zichuan_officer").get("/statistics").json()
    assert [(c["year"], Decimal(c["amount_wan"])) for c in zichuan["city_output"]] == [(2025, 100)]
    assert api("leader").get("/statistics").status_code == 200


def test_search_facets(api, match_index):
    f.achievement(title="氧化铝陶瓷基板低温烧结", trl=3, transfer_modes=["licence"], region=f.region("zhangdian"))
    f.achievement(title="氧化锆陶瓷粉体烧结工艺", trl=8, transfer_modes=["transfer"], field="advanced_manufacturing")
    index.rebuild()
    staff = api("bureau_staff")
    assert len(staff.get("/search", {"q": "陶瓷 烧结"}).json()) == 2
    ready = staff.get("/search", {"q": "陶瓷 烧结", "maturity": "ready"}).json()
    assert [h["title"] for h in ready] == ["氧化锆陶瓷粉体烧结工艺"]
    assert [h["title"] for h in staff.get("/search", {"q": "陶瓷 烧结", "transfer_mode": "licence"}).json()] == [
        "氧化铝陶瓷基板低温烧结"
    ]
    assert [h["title"] for h in staff.get("/search", {"q": "陶瓷 烧结", "region": "zhangdian"}).json()] == [
        "氧化铝陶瓷基板低温烧结"
    ]
    assert staff.get("/search", {"q": "陶瓷 烧结", "field": "aerospace"}).json() == []
    facets = {x["name"]: x for x in staff.get("/search/facets", {"q": "陶瓷 烧结", "maturity": "ready"}).json()}
    assert set(facets) >= {"field", "maturity", "transfer_mode", "region", "status"}
    maturity = {v["value"]: (v["count"], v["selected"]) for v in facets["maturity"]["values"]}
    assert maturity == {"ready": (1, True), "research": (1, False)}  # a facet is counted over the other facets
    assert {v["value"] for v in facets["field"]["values"]} == {"advanced_manufacturing"}
    assert _error(staff.get("/search/facets", {"q": "陶瓷", "kind": "patent"}), 400)["code"] == "bad_request"


# ---------------------------------------------------------------- read-only role
def test_leader_may_not_write(api, match_index, unchanged_db):
    leader = api("leader")
    d, a, e = f.demand(), f.achievement(), f.expert()
    c = f.contract()
    pending = f.demand(status=Demand.Status.PENDING)
    with unchanged_db():
        writes = [
            leader.post("/contracts", _contract_body()),
            leader.patch(f"/contracts/{c.pk}", {"project_name": "领导改名"}),
            leader.post(f"/contracts/{c.pk}/steps/submit"),
            leader.post("/achievements", ACHIEVEMENT),
            leader.patch(f"/achievements/{a.pk}", {"trl": 9}),
            leader.post("/experts", EXPERT),
            leader.patch(f"/experts/{e.pk}", {"title": "院士"}),
            leader.post(f"/demands/{d.pk}/recommend", {"achievement_id": a.pk}),
            leader.post(f"/demands/{pending.pk}/review", {"decision": "approve"}),
            leader.post(f"/demands/{d.pk}/close", {"reason": "领导关闭"}),
        ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert all(r.json()["error"]["code"] == "forbidden" for r in writes)
    assert Contract.objects.count() == 1 and MatchCase.objects.count() == 0
    c.refresh_from_db()
    assert c.status == Contract.Status.DRAFT and c.project_name != "领导改名"
    assert leader.get(f"/contracts/{c.pk}").status_code == 200  # reads stay open


def test_writes_need_authentication(client):
    response = client.post(f"{API}/contracts", _contract_body(), content_type="application/json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    response = client.get(f"{API}/statistics")
    assert response.status_code == 401
