"""Data scope: a district officer cannot reach another region's records by any path."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core import services
from kechuang.core.models import AuditEntry, Liaison
from kechuang.core.scope import can_write, scope_filter

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaisons(unit, persona):
    admin = persona("bureau_admin")
    make = lambda code, name: services.liaison_create(actor=admin, org_unit=unit(code), name=name, phone="13900000001")  # noqa: E731
    return {
        "zhangdian": make("zhangdian", "张店联络员"),
        "zichuan": make("zichuan", "淄川联络员"),
        "science_tech": make("science_tech", "科技局联络员"),
        "education": make("education", "教育局联络员"),
    }


def visible_names(user) -> set[str]:
    return set(Liaison.objects.visible_to(user).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bureau_admin", {"张店联络员", "淄川联络员", "科技局联络员", "教育局联络员"}),
        ("bureau_staff", {"张店联络员", "淄川联络员", "科技局联络员", "教育局联络员"}),
        ("leader", {"张店联络员", "淄川联络员", "科技局联络员", "教育局联络员"}),
        ("zhangdian_officer", {"张店联络员"}),
        ("zichuan_officer", {"淄川联络员"}),
        ("lead_officer", {"科技局联络员"}),
        ("supporting_officer", {"教育局联络员"}),
    ],
)
def test_selector_scope_per_role(liaisons, persona, name, expected):
    assert visible_names(persona(name)) == expected


def test_unscoped_model_shows_nothing_to_confined_roles(liaisons, persona):
    # AuditEntry declares no data_scope: confined roles must get nothing rather than everything.
    assert AuditEntry.objects.exists()
    assert not scope_filter(AuditEntry.objects.all(), persona("zhangdian_officer")).exists()
    assert scope_filter(AuditEntry.objects.all(), persona("bureau_staff")).exists()


def test_anonymous_and_inactive_users_see_nothing(liaisons, persona):
    from django.contrib.auth.models import AnonymousUser

    assert not Liaison.objects.visible_to(AnonymousUser()).exists()
    officer = persona("zhangdian_officer")
    officer.is_active = False
    assert not Liaison.objects.visible_to(officer).exists()


def test_list_page(liaisons, client_as):
    html = client_as("zhangdian_officer").get(reverse("core:liaison_list")).content.decode()
    assert "张店联络员" in html and "淄川联络员" not in html


def test_list_page_filter_cannot_widen_scope(liaisons, client_as):
    html = client_as("zhangdian_officer").get(reverse("core:liaison_list"), {"unit": "zichuan"}).content.decode()
    assert "淄川联络员" not in html


def test_detail_page(liaisons, client_as):
    client = client_as("zhangdian_officer")
    assert client.get(reverse("core:liaison_detail", args=[liaisons["zhangdian"].pk])).status_code == 200
    assert client.get(reverse("core:liaison_detail", args=[liaisons["zichuan"].pk])).status_code == 404
    assert client.get(reverse("core:liaison_edit", args=[liaisons["zichuan"].pk])).status_code == 404
    response = client.post(reverse("core:liaison_archive", args=[liaisons["zichuan"].pk]), {"reason": "x"})
    assert response.status_code == 404
    assert Liaison.objects.get(pk=liaisons["zichuan"].pk).is_active


def test_export(liaisons, client_as):
    response = client_as("zhangdian_officer").get(reverse("core:liaison_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"张店联络员"}


def test_form_picker_lists_only_own_unit(liaisons, client_as):
    html = client_as("zhangdian_officer").get(reverse("core:liaison_create")).content.decode()
    assert "张店区" in html and "淄川区" not in html


def test_form_cannot_create_in_other_region(liaisons, client_as, unit):
    response = client_as("zhangdian_officer").post(
        reverse("core:liaison_create"), {"org_unit": unit("zichuan").pk, "name": "越权"}
    )
    assert response.status_code == 200  # the form answers with the picker error
    assert not Liaison.objects.filter(name="越权").exists()


API_CASES = [
    ("get", "/api/liaisons/{id}", None),
    ("patch", "/api/liaisons/{id}", {"name": "改名"}),
    ("post", "/api/liaisons/{id}/archive", {"reason": "越权归档"}),
]


@pytest.mark.parametrize(("method", "path", "body"), API_CASES)
def test_api_other_region_is_not_found(liaisons, client, token_for, method, path, body):
    headers = token_for("zhangdian_officer")
    target = liaisons["zichuan"]
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
    response = getattr(client, method)(path.format(id=target.pk), **kwargs, **headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    target.refresh_from_db()
    assert target.name == "淄川联络员" and target.is_active


@pytest.mark.parametrize(("method", "path", "body"), API_CASES)
def test_api_own_region_works(liaisons, client, token_for, method, path, body):
    headers = token_for("zhangdian_officer")
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
    response = getattr(client, method)(path.format(id=liaisons["zhangdian"].pk), **kwargs, **headers)
    assert response.status_code == 200


def test_api_list_and_create(liaisons, client, token_for, unit):
    headers = token_for("zhangdian_officer")
    data = client.get("/api/liaisons", **headers).json()
    assert {x["name"] for x in data["items"]} == {"张店联络员"} and data["count"] == 1
    denied = client.post(
        "/api/liaisons",
        data=json.dumps({"org_unit_id": unit("zichuan").pk, "name": "越权"}),
        content_type="application/json",
        **headers,
    )
    assert denied.status_code == 404
    moved = client.patch(
        f"/api/liaisons/{liaisons['zhangdian'].pk}",
        data=json.dumps({"org_unit_id": unit("zichuan").pk}),
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 404
    assert Liaison.objects.get(pk=liaisons["zhangdian"].pk).org_unit.code == "zhangdian"


def test_leader_is_read_only(liaisons, client, client_as, token_for, persona):
    leader = persona("leader")
    assert not can_write(leader, liaisons["zhangdian"])
    assert client_as("leader").get(reverse("core:liaison_create")).status_code == 403
    response = client.patch(
        f"/api/liaisons/{liaisons['zhangdian'].pk}",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        **token_for("leader"),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_leader_sees_masked_phones(liaisons, client, token_for):
    data = client.get(f"/api/liaisons/{liaisons['zhangdian'].pk}", **token_for("leader")).json()
    assert data["phone"] == "139****0001"
    # masked by default for every role (security item 14); the full value only through the unmask view
    data = client.get(f"/api/liaisons/{liaisons['zhangdian'].pk}", **token_for("bureau_staff")).json()
    assert data["phone"] == "139****0001"


def test_visibility_follows_the_record_not_its_creator(liaisons, persona, unit):
    # Created by an admin in 张店: the 张店 officer sees it; moving it to 淄川 moves its visibility.
    record = liaisons["zhangdian"]
    services.liaison_update(actor=persona("bureau_staff"), liaison=record, org_unit=unit("zichuan"))
    assert "张店联络员" not in visible_names(persona("zhangdian_officer"))
    assert "张店联络员" in visible_names(persona("zichuan_officer"))


def test_scope_adds_distinct_only_through_to_many_relations(persona):
    """A chain of foreign keys cannot repeat rows, so the scope adds no DISTINCT (a sort of every matching row, the
    service desk's cost at a million requests); a path through a to-many relation keeps it."""
    from kechuang.indicators.models import Observation
    from kechuang.talent.models import ServiceRequest

    department = persona("lead_officer")
    assert not scope_filter(ServiceRequest.objects.all(), department).query.distinct
    assert not scope_filter(ServiceRequest.objects.all(), persona("zhangdian_officer")).query.distinct
    assert scope_filter(Observation.objects.all(), department).query.distinct


def test_scope_through_a_subquery_names_the_same_records(persona, unit):
    """`DataScope(subquery=True)` (the service requests): the unit's filter is a subquery on the first hop, not a
    join, and selects the same rows as the join."""
    from kechuang.talent.models import ServiceItem, ServiceRequest
    from tests.talent import factories as f

    staff = persona("bureau_staff")
    talents = [f.talent(staff, unit("zhangdian"), n=1), f.talent(staff, unit("zichuan"), n=2)]
    for code, provider in (("school", "education"), ("loan", "finance")):
        item = ServiceItem.objects.create(code=code, name=code, category="other", provider=unit(provider), sla_days=5)
        for t in talents:
            ServiceRequest.objects.create(talent=t, item=item, submitted_on="2025-03-03")
    for name, joined in (
        ("supporting_officer", {"item__provider__in": [unit("education").pk]}),
        ("zhangdian_officer", {"talent__region__in": [unit("zhangdian").pk]}),
    ):
        scoped = scope_filter(ServiceRequest.objects.all(), persona(name))
        assert "JOIN" not in str(scoped.query) and "IN (SELECT" in str(scoped.query)
        assert set(scoped.values_list("pk", flat=True)) == set(
            ServiceRequest.objects.filter(**joined).values_list("pk", flat=True)
        )
        assert scoped.count() == 2
