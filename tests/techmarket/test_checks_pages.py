"""Check queries kept in the app (检验查询): pages, form, delete, export, run against the index, API, seed rows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core.models import AuditEntry
from kechuang.techmarket import services
from kechuang.techmarket.matching.checks import BUNDLED_CHECKS, load_checks
from kechuang.techmarket.models import MatchCheck
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db


def _check(**kw) -> MatchCheck:
    data = {"query": "想找做陶瓷基板散热的技术", "any_terms": ["陶瓷基板"], "note": "测试：陶瓷基板"}
    return MatchCheck.objects.create(**(data | kw))


def _library(index) -> tuple:
    """Two searchable achievements; the seeded checks are switched off so only the tests' checks run."""
    MatchCheck.objects.update(is_active=False)
    alumina = f.achievement()  # 高导热氧化铝陶瓷基板的流延成型与低温烧结, keywords 氧化铝陶瓷、陶瓷基板
    sludge = f.achievement(
        title="污水处理厂剩余污泥的厌氧消化与资源化利用",
        abstract="将剩余污泥与餐厨垃圾协同厌氧消化产生生物燃气。",
        keywords=["污泥", "厌氧消化"],
        field="environment",
    )
    index.rebuild()
    return alumina, sludge


# ---------------------------------------------------------------- seed and roles
def test_seed_migration_rows_exist():
    bundled = load_checks(BUNDLED_CHECKS)
    rows = {c.query: c for c in MatchCheck.objects.all()}
    assert len(bundled) == 24 and set(rows) >= {c.query for c in bundled}
    first = rows[bundled[0].query]
    assert first.any_terms == list(bundled[0].any_terms) and first.note == bundled[0].note and first.is_active


@pytest.mark.parametrize("who", ["leader", "lead_officer", "zhangdian_officer"])
def test_non_bureau_users_get_403_on_pages_and_api(client_as, token_for, who, unchanged_db):
    c = _check()
    client = client_as(who)
    for url in (
        reverse("techmarket:checks"),
        reverse("techmarket:checks") + "?run=1",
        reverse("techmarket:check_create"),
        reverse("techmarket:check_edit", args=[c.pk]),
        reverse("techmarket:check_delete", args=[c.pk]),
        reverse("techmarket:check_export"),
    ):
        assert client.get(url).status_code == 403, url
    headers = token_for(who)
    with unchanged_db():
        assert client.post(reverse("techmarket:check_delete", args=[c.pk])).status_code == 403
        assert client.get("/api/techmarket/checks", **headers).status_code == 403
        assert client.get("/api/techmarket/checks/run", **headers).status_code == 403
        body = {"query": "问题", "any_terms": ["词"]}
        created = client.post("/api/techmarket/checks", body, content_type="application/json", **headers)
        assert created.status_code == 403
        patch = client.patch(
            f"/api/techmarket/checks/{c.pk}", {"note": "x"}, content_type="application/json", **headers
        )
        assert patch.status_code == 403
        assert client.delete(f"/api/techmarket/checks/{c.pk}", **headers).status_code == 403
    assert MatchCheck.objects.filter(pk=c.pk, note="测试：陶瓷基板").exists()


def test_pages_need_login(client):
    assert client.get(reverse("techmarket:checks")).status_code == 302


def test_bureau_admin_and_staff_see_the_list_and_the_nav_item(client_as):
    for who in ("bureau_admin", "bureau_staff"):
        response = client_as(who).get(reverse("techmarket:checks"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "陶瓷烧结能耗太高" in html  # a seeded check
        assert reverse("techmarket:checks") in html  # the navigation links the page
    leader_page = client_as("leader").get(reverse("techmarket:achievements")).content.decode()
    assert reverse("techmarket:checks") not in leader_page


# ---------------------------------------------------------------- list, form, delete, export
def test_list_filters_by_text_and_active_flag_and_shows_empty_states(client_as):
    staff = client_as("bureau_staff")
    _check(query="一个停用的检验问题", is_active=False)
    html = staff.get(reverse("techmarket:checks"), {"q": "停用的检验"}).content.decode()
    assert "一个停用的检验问题" in html and "陶瓷烧结能耗太高" not in html
    assert "一个停用的检验问题" not in staff.get(reverse("techmarket:checks"), {"active": "1"}).content.decode()
    filtered_out = staff.get(reverse("techmarket:checks"), {"q": "没有这样的问题"})
    assert list(filtered_out.context["page"].object_list) == [] and 'class="empty"' in filtered_out.content.decode()
    assert 'data-testid="checks-empty"' not in filtered_out.content.decode()
    MatchCheck.objects.all().delete()
    assert 'data-testid="checks-empty"' in staff.get(reverse("techmarket:checks")).content.decode()


def test_list_filters_by_rule_term_and_sorts(client_as):
    staff = client_as("bureau_staff")
    _check(query="甲问题", any_terms=["独有术语甲"], note="b")
    _check(query="乙问题", any_terms=["独有术语甲"], note="a")
    rows = staff.get(reverse("techmarket:checks"), {"q": "独有术语甲", "sort": "note"}).context["page"].object_list
    assert [r.query for r in rows] == ["乙问题", "甲问题"]
    rows = staff.get(reverse("techmarket:checks"), {"q": "独有术语甲", "sort": "-note"}).context["page"].object_list
    assert [r.query for r in rows] == ["甲问题", "乙问题"]


def test_create_parses_terms_and_is_audited(client_as):
    response = client_as("bureau_staff").post(
        reverse("techmarket:check_create"),
        {
            "query": "  车间噪声太大，想找降噪的办法 ",
            "any_text": "降噪，噪声控制\n消声器, 噪声控制",
            "all_text": "",
            "note": "环保：噪声",
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("techmarket:checks")
    c = MatchCheck.objects.get(note="环保：噪声")
    assert c.query == "车间噪声太大，想找降噪的办法"
    assert c.any_terms == ["降噪", "噪声控制", "消声器"] and c.all_terms == [] and c.is_active
    assert AuditEntry.objects.filter(action="create", object_type="techmarket.matchcheck", object_id=str(c.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"query": "   ", "any_text": "降噪"}, "query"),
        ({"query": "车间噪声太大", "any_text": " ， \n", "all_text": ""}, "any_text"),
    ],
)
def test_create_with_a_bad_form_names_the_field(client_as, data, field):
    before = MatchCheck.objects.count()
    response = client_as("bureau_staff").post(reverse("techmarket:check_create"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert MatchCheck.objects.count() == before


def test_edit_shows_terms_and_saves(client_as):
    c = _check(all_terms=["散热"])
    staff = client_as("bureau_staff")
    form = staff.get(reverse("techmarket:check_edit", args=[c.pk])).context["form"]
    assert form["any_text"].value() == "陶瓷基板" and form["all_text"].value() == "散热"
    response = staff.post(
        reverse("techmarket:check_edit", args=[c.pk]),
        {"query": c.query, "any_text": "陶瓷基板、氮化铝", "all_text": "", "note": "新备注"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.any_terms == ["陶瓷基板", "氮化铝"] and c.all_terms == [] and c.note == "新备注" and not c.is_active
    entry = AuditEntry.objects.filter(action="update", object_id=str(c.pk)).latest("id")
    assert entry.changes["note"] == ["测试：陶瓷基板", "新备注"]


def test_delete_needs_a_post_after_the_confirmation_page(client_as):
    c = _check()
    staff = client_as("bureau_staff")
    url = reverse("techmarket:check_delete", args=[c.pk])
    confirm = staff.get(url)
    assert confirm.status_code == 200 and 'method="post"' in confirm.content.decode()
    assert c.query in confirm.content.decode()
    assert MatchCheck.objects.filter(pk=c.pk).exists()  # GET never deletes
    response = staff.post(url)
    assert response.status_code == 302 and not MatchCheck.objects.filter(pk=c.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_type="techmarket.matchcheck", object_id=str(c.pk))
    assert entry.changes["query"] == [c.query, None]
    assert staff.post(url).status_code == 404


def test_export_returns_xlsx_of_the_filtered_list(client_as):
    _check(query="导出用的检验问题", all_terms=["散热"])
    response = client_as("bureau_staff").get(reverse("techmarket:check_export"), {"q": "导出用的"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1][:4] == ["导出用的检验问题", "陶瓷基板", "散热", "测试：陶瓷基板"]
    assert AuditEntry.objects.filter(action="export", object_type="techmarket.check_queries").count() == 1


# ---------------------------------------------------------------- run against the index
def test_run_shows_pass_and_fail_against_the_test_index(client_as, match_index):
    alumina, _sludge = _library(match_index)
    passing = _check()
    failing = _check(query="氧化铝陶瓷基板", any_terms=["污泥"], note="测试：必然不通过")
    unanswered = _check(query="锂电池发热", any_terms=["锂离子电池"], note="测试：无应答记录")
    staff = client_as("bureau_staff")
    assert "summary" not in staff.get(reverse("techmarket:checks")).context  # nothing runs until asked
    response = staff.get(reverse("techmarket:checks"), {"run": "1", "active": "1"})
    assert response.status_code == 200
    rows = {c.pk: c.result for c in response.context["page"].object_list}
    assert rows[passing.pk]["passed"] is True and rows[passing.pk]["first_rank"] == 1
    assert rows[passing.pk]["top3"][0] == {
        "rank": 1,
        "id": f"achievement:{alumina.pk}",
        "pk": alumina.pk,
        "title": alumina.title,
        "relevant": True,
    }
    assert rows[failing.pk]["passed"] is False and rows[failing.pk]["first_rank"] is None
    assert rows[failing.pk]["relevant_in_corpus"] == 1
    assert rows[unanswered.pk]["passed"] is None
    summary = response.context["summary"]
    assert summary["checks"] == 3 and summary["scored"] == 2 and summary["passed"] == 1
    assert summary["hit_rate"] == 0.5 and summary["mrr"] == 0.5
    html = response.content.decode()
    assert html.count("未通过") == 1 and html.count("> 通过<") == 1 and "无应答记录" in html and "50.0%" in html
    assert reverse("techmarket:achievement", args=[alumina.pk]) in html


def test_run_saved_checks_links_results_to_rows(match_index):
    _library(match_index)
    c = _check()
    report = services.run_saved_checks(k=5)
    assert report["k"] == 5 and report["checks"] == 1
    assert [r["check_id"] for r in report["results"]] == [c.pk]


# ---------------------------------------------------------------- API
def test_api_create_list_update_run_delete(client_as, token_for, match_index):
    _library(match_index)
    client, headers = client_as("bureau_staff"), token_for("bureau_admin")
    bad = client.post("/api/techmarket/checks", {"query": "问题"}, content_type="application/json", **headers)
    assert bad.status_code in (400, 422) and "any_terms" in bad.json()["error"]["fields"]
    created = client.post(
        "/api/techmarket/checks",
        {"query": "陶瓷基板散热", "any_terms": ["陶瓷基板", " "], "note": "API"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["any_terms"] == ["陶瓷基板"] and body["all_terms"] == [] and body["is_active"]
    listed = client.get("/api/techmarket/checks", {"q": "陶瓷基板散热"}, **headers).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    patched = client.patch(
        f"/api/techmarket/checks/{body['id']}", {"note": "API 改"}, content_type="application/json", **headers
    )
    assert patched.status_code == 200 and patched.json()["note"] == "API 改"
    report = client.get("/api/techmarket/checks/run", **headers).json()
    assert report["checks"] == 1 and report["hit_rate@10"] == 1.0
    assert report["results"][0]["check_id"] == body["id"] and report["results"][0]["passed"] is True
    assert client.delete(f"/api/techmarket/checks/{body['id']}", **headers).status_code == 204
    assert not MatchCheck.objects.filter(pk=body["id"]).exists()
    assert client.delete(f"/api/techmarket/checks/{body['id']}", **headers).status_code == 404
