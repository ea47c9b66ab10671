"""Issue 10, defect 5: the indicator import template's example row imported as data (it revised 张店区's 2024
high-tech enterprises from 402 to 1,520 without a word). Every import template of every module, uploaded as
downloaded, must import nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.urls import reverse

from kechuang.core.models import OrgUnit
from kechuang.techmarket.importer import SPECS

pytestmark = pytest.mark.django_db

# (template URL name, its args, import URL name, extra POST data)
TEMPLATES = {
    "indicators": ("indicators:import_template", [], "indicators:import", {}),
    "enterprises": ("enterprises:import_template", [], "enterprises:import", {}),
    "projects": ("projects:import_template", [], "projects:import", {}),
    **{f"techmarket-{k}": ("techmarket:import_template", [k], "techmarket:import", {"kind": k}) for k in SPECS},
}
WATCHED = [
    "indicators.Observation",
    "enterprises.Enterprise",
    "enterprises.EnterpriseYear",
    "techmarket.Achievement",
    "techmarket.Demand",
    "techmarket.Expert",
    "techmarket.Contract",
    "projects.Project",
    "projects.Milestone",
    "projects.PerformanceGoal",
]


def _state() -> dict[str, list]:
    return {name: sorted(map(repr, apps.get_model(name).objects.values_list())) for name in WATCHED}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_example_is_never_imported(name, client_as):
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator, Observation

    city = OrgUnit.objects.get(code="zibo", parent=None)
    catalogue_load(actor=None, city=city)
    zhangdian = OrgUnit.objects.get(parent=city, code="zhangdian")
    Observation.objects.create(
        indicator=Indicator.objects.get(code="high_tech_enterprises"),
        region=zhangdian,
        year=2024,
        value=402,
        source="区科技局",
    )
    template_url, args, import_url, extra = TEMPLATES[name]
    client = client_as("bureau_staff")
    template = client.get(reverse(template_url, args=args))
    assert template.status_code == 200
    before = _state()
    upload = io.BytesIO(template.content)
    upload.name = "template.xlsx"
    response = client.post(reverse(import_url), {**extra, "file": upload}, follow=True)
    assert response.status_code == 200
    assert _state() == before
    if name in ("indicators", "projects"):
        assert "没有数据行" in response.content.decode()  # said, not silently "0 imported"
