"""Editing the register from its pages: create, edit, yearly facts, related records, status; rights on each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kechuang.enterprises.models import Award, Enterprise, LadderResult
from kechuang.enterprises.population import credit_code
from tests.conftest import first

pytestmark = pytest.mark.django_db
CODE = credit_code("370302", 800_001)


def test_create_names_the_bad_field_and_scopes_the_picker(client_as, unit):
    client = client_as("zhangdian_officer")
    html = client.get(reverse("enterprises:create")).content.decode()
    assert "张店区" in html and "淄川区" not in html
    response = client.post(
        reverse("enterprises:create"),
        {"credit_code": "91350100M000100Y44", "name": "甲", "region": unit("zhangdian").pk},
    )
    assert "校验位" in response.content.decode() and not Enterprise.objects.filter(name="甲").exists()
    response = client.post(
        reverse("enterprises:create"), {"credit_code": CODE, "name": "甲", "region": unit("zichuan").pk}
    )
    assert response.status_code == 200 and not Enterprise.objects.filter(name="甲").exists()
    response = client.post(
        reverse("enterprises:create"), {"credit_code": CODE, "name": "甲", "region": unit("zhangdian").pk}
    )
    assert response.status_code == 302
    assert LadderResult.objects.filter(enterprise__credit_code=CODE).count() == 5


def test_year_facts_and_records_recompute(population, client_as):
    enterprise = first(Enterprise.objects.filter(region__code="zhangdian"))
    client = client_as("zhangdian_officer")
    year = dt.date.today().year - 1
    url = reverse("enterprises:year_edit", args=[enterprise.credit_code, year])
    assert client.get(url).status_code == 200
    response = client.post(url, {"employees_total": "-4"})
    assert response.status_code == 200 and "employees_total" in response.context["form"].errors
    response = client.post(url, {"employees_total": "800", "st_staff": "50"})
    assert response.status_code == 302
    assert "employees_max_500" in LadderResult.objects.get(enterprise=enterprise, tier="tech_sme").failed_criteria
    add = reverse("enterprises:record_add", args=[enterprise.credit_code, "award"])
    response = client.post(
        add, {"kind": "national_st", "name": "国家科技进步奖二等奖", "rank": 1, "awarded_on": f"{year}-12-01"}
    )
    assert response.status_code == 302 and Award.objects.filter(enterprise=enterprise).exists()
    assert client.get(reverse("enterprises:record_add", args=[enterprise.credit_code, "nonsense"])).status_code == 404


def test_other_region_and_leader_cannot_edit(population, client_as, unchanged_db):
    other = first(Enterprise.objects.exclude(region__code="zhangdian"))
    client = client_as("zhangdian_officer")
    refused = client.get(reverse("enterprises:edit", args=[other.credit_code]))
    assert refused.status_code == 404 and other.name not in refused.content.decode()
    with unchanged_db():
        response = client.post(
            reverse("enterprises:status", args=[other.credit_code]), {"status": "closed", "reason": "x"}
        )
        assert response.status_code == 404
        leader_post = client_as("leader").post(reverse("enterprises:edit", args=[other.credit_code]), {"name": "改名"})
        assert leader_post.status_code == 403
    leader = client_as("leader")
    assert leader.get(reverse("enterprises:create")).status_code == 403
    assert leader.get(reverse("enterprises:edit", args=[other.credit_code])).status_code == 403


def test_status_change_needs_a_reason(population, client_as):
    enterprise = first(Enterprise.objects)
    client = client_as("bureau_staff")
    client.post(reverse("enterprises:status", args=[enterprise.credit_code]), {"status": "closed", "reason": ""})
    assert Enterprise.objects.get(pk=enterprise.pk).status == "active"
    client.post(reverse("enterprises:status", args=[enterprise.credit_code]), {"status": "closed", "reason": "注销"})
    assert Enterprise.objects.get(pk=enterprise.pk).status == "closed"
