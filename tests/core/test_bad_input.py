"""Issue 10, defect 4: hostile or mistaken input got a 500. Each now gets a 4xx that names the field, in the API's
one error shape ({"error": {"code", "message", "fields"}}), and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kechuang.api import api
from kechuang.core.models import Liaison
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

HUGE = 10**20  # beyond a 64-bit integer: SQLite raised OverflowError


def paginated_paths() -> list[str]:
    """Every GET operation of the API with limit/offset paging and no path parameter."""
    schema = api.get_openapi_schema(path_prefix="/api/")
    out = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        names = {p["name"] for p in get.get("parameters", [])}
        if {"limit", "offset"} <= names:
            out.append(path)
    assert len(out) >= 8, out  # the lists of every module
    return sorted(out)


def _field_error(response, field: str) -> dict:
    assert response.status_code == 422, (response.status_code, response.content[:300])
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"], body
    return body


@pytest.mark.parametrize("path", paginated_paths())
def test_huge_limit_or_offset_is_refused(client, token_for, persona, path):
    headers = token_for("bureau_staff")
    _field_error(client.get(path, {"limit": HUGE}, **headers), "limit")
    _field_error(client.get(path, {"offset": HUGE}, **headers), "offset")
    _field_error(client.get(path, {"limit": 100_000}, **headers), "limit")
    answer = client.get(path, {"limit": 5, "offset": 0}, **headers)
    if answer.status_code == 403 and path.startswith("/api/my-enterprise/"):
        # A firm's own list (the portal's): only its accounts read it, by their session, once its firm is registered.
        from kechuang.core.models import OrgUnit
        from kechuang.enterprises.models import Enterprise
        from kechuang.enterprises.population import credit_code

        firm = persona("enterprise_admin")
        firm.credit_code = credit_code("370302", 990_001)
        firm.save(update_fields=["credit_code"])
        Enterprise.objects.create(
            credit_code=firm.credit_code, name="分页测试企业", region=OrgUnit.objects.get(code="zhangdian")
        )
        client.force_login(firm)
        answer = client.get(path, {"limit": 5, "offset": 0})
    assert answer.status_code == 200


def test_expert_filter_by_field_on_any_database(client, token_for):
    f.expert(name="甲", field="new_materials", fields=[])
    f.expert(name="乙", field="electronic_information", fields=["new_materials"])
    f.expert(name="丙", field="electronic_information", fields=[])
    headers = token_for("bureau_staff")
    r = client.get("/api/techmarket/experts", {"field": "new_materials"}, **headers)
    assert r.status_code == 200, r.content[:300]
    assert sorted(e["name"] for e in r.json()["items"]) == ["乙", "甲"]
    _field_error(client.get("/api/techmarket/experts", {"field": "no_such_field"}, **headers), "field")
    page = client.get(reverse("techmarket:experts"), {"field": "new_materials"})
    assert page.status_code in (200, 302)  # the page shares the filter (302: the test client is not signed in)


def test_expert_page_filter_by_field(client_as):
    f.expert(name="乙", field="electronic_information", fields=["new_materials"])
    r = client_as("bureau_staff").get(reverse("techmarket:experts"), {"field": "new_materials"})
    assert r.status_code == 200
    assert "乙" in r.content.decode()


@pytest.mark.parametrize("year", [0, -1, 10_000, HUGE])
def test_turnover_year_out_of_range(client, token_for, year):
    _field_error(client.get("/api/techmarket/turnover", {"year": year}, **token_for("bureau_staff")), "year")


@pytest.mark.parametrize("field", ["position", "email", "name", "phone", "note", "org_unit_id"])
def test_liaison_patch_with_null(client, token_for, unit, field):
    liaison = Liaison.objects.create(
        org_unit=unit("science_tech"), name="王建国", position="科长", email="w@example.cn"
    )
    before = Liaison.objects.filter(pk=liaison.pk).values().get()
    r = client.patch(
        f"/api/liaisons/{liaison.pk}",
        json.dumps({field: None}),
        content_type="application/json",
        **token_for("bureau_staff"),
    )
    _field_error(r, field)
    assert Liaison.objects.filter(pk=liaison.pk).values().get() == before


def test_self_assessment_body_not_text(client, token_for):
    r = client.post(
        "/api/ladder/self-assessment", b"\x1b\x92", content_type="application/json", **token_for("bureau_staff")
    )
    _field_error(r, "(body)")


@pytest.mark.parametrize("param", ["date_from", "date_to"])
def test_audit_log_with_a_bad_date(client_as, param):
    r = client_as("auditor").get(reverse("core:audit_log"), {param: "not-a-date"})
    assert r.status_code == 400
    body = r.content.decode()
    assert f'name="{param}" value="not-a-date" aria-invalid="true"' in body
    r = client_as("auditor").get(reverse("core:audit_log"), {param: "2026-02-30"})
    assert r.status_code == 400
    ok = client_as("auditor").get(reverse("core:audit_log"), {param: "2026-02-28"})
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/api/techmarket/achievements", "/api/supervision/reports"])
def test_nul_character_in_a_parameter(client, token_for, path):
    """Found by the API fuzz on PostgreSQL, whose text cannot hold NUL: a 500 before."""
    r = client.get(path, {"q": "陶瓷\x00", "state": "a\x00"}, **token_for("bureau_staff"))
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) & {"q", "state"}


def test_nul_character_in_a_json_body(client, token_for, unit):
    payload = json.dumps({"org_unit_id": unit("science_tech").pk, "name": "王\x00建国"})
    r = client.post("/api/liaisons", payload, content_type="application/json", **token_for("bureau_staff"))
    assert r.status_code == 400 and "(body)" in r.json()["error"]["fields"]
    assert not Liaison.objects.filter(name__startswith="王").exists()


def _list_filtersets() -> list:
    import importlib
    from importlib.util import find_spec

    from django.apps import apps

    from kechuang.core.filters import ListFilterSet

    for config in apps.get_app_configs():
        if config.name.startswith("kechuang.") and find_spec(f"{config.name}.filters"):
            importlib.import_module(f"{config.name}.filters")
    found, todo = [], list(ListFilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def test_every_year_of_a_date_is_a_year_filter():
    """?year=99999 on a date's year raised ValueError in Django's year lookup (it builds the year's first day): a 500
    on the page, its export and the API. A year filter on a date is a YearFilter, which refuses such a year."""
    from django_filters import NumberFilter

    from kechuang.core.filters import YearFilter

    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _list_filtersets()
        for name, f in cls.base_filters.items()
        if isinstance(f, NumberFilter)
        and not isinstance(f, YearFilter)
        and (str(f.field_name).endswith("__year") or f.lookup_expr == "year")
    ]
    assert len(_list_filtersets()) > 20
    assert not plain, plain


@pytest.mark.parametrize(
    "url_name",
    [
        "finance:policies",
        "finance:policy_export",
        "finance:investments",
        "projects:pipeline",
        "projects:funds",
        "talent:visits",
        "techmarket:contracts",
    ],
)
def test_a_year_out_of_range_on_a_list_page(client_as, url_name):
    client = client_as("bureau_staff")
    for year in ("99999", "-5", "0"):
        assert client.get(reverse(url_name), {"year": year}).status_code == 200, (url_name, year)


def test_every_number_filter_takes_a_number_beyond_64_bits():
    """?commissioner=99999999999999999999999 on the outreach logs (an id filter) reached SQLite, which raised
    OverflowError: a 500 on the page, its export and the API. A number filter of every list refuses such a number
    (the list is then unfiltered, or the API's 422 names it)."""
    from django.core.exceptions import ValidationError
    from django_filters import NumberFilter

    checked = []
    for cls in _list_filtersets():
        for name, flt in cls.base_filters.items():
            if isinstance(flt, NumberFilter):
                for value in (str(HUGE), str(-HUGE)):
                    with pytest.raises(ValidationError):
                        flt.field.clean(value)
                checked.append(f"{cls.__name__}.{name}")
    assert "LogFilter.commissioner" in checked and len(checked) > 20, checked


def test_outreach_logs_with_a_huge_commissioner_id(client_as):
    client = client_as("zhangdian_officer")
    for url in (reverse("outreach:logs"), reverse("outreach:logs_export")):
        response = client.get(url, {"commissioner": str(HUGE)})
        assert response.status_code in (200, 302), (url, response.status_code)
