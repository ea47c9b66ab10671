"""The projects demo names real partner institutions, read from the city's demo file (no city in the code)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kechuang.core.models import OrgUnit
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.population import credit_code
from kechuang.projects import demo
from kechuang.projects.models import Application, Argumentation, TeamMember

pytestmark = pytest.mark.django_db

DATA = Path(demo.__file__).resolve().parent / "data" / "demo"


@pytest.fixture
def city(unit):
    for n, (region, admin) in enumerate([("zhangdian", "370302"), ("zichuan", "370303")] * 3):
        Enterprise.objects.create(credit_code=credit_code(admin, 530_001 + n), name=f"演示企业{n}有限公司",
                                  region=unit(region))  # fmt: skip
    return OrgUnit.objects.get(code="zibo", parent=None)


def test_applications_teams_and_argumentations_name_the_citys_partners(city, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_SIZE", 4)
    partners = yaml.safe_load((DATA / f"{city.code}.yaml").read_text(encoding="utf-8"))["partners"]
    assert len(partners) == len(set(partners)) >= 4 and "山东理工大学" in partners
    assert not set(partners) & set(demo.PARTNERS)  # the file's names, not the generic fallback

    demo.load_demo(city)

    teams = list(Application.objects.filter(is_demo=True).exclude(team="").values_list("team", flat=True))
    assert teams and all(any(p in team for p in partners) for team in teams)
    used = {p for team in teams for p in partners if p in team}
    assert len(used) >= 4  # spread over the partners, not one name everywhere
    panels = Argumentation.objects.filter(party="university").values_list("participant", flat=True)
    assert panels and all(p.removesuffix("专家组") in partners for p in panels)
    units = set(TeamMember.objects.filter(role="骨干").values_list("unit", flat=True))
    assert units <= set(partners)


def test_a_city_without_a_demo_file_gets_generic_partners(city, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_SIZE", 2)
    city.code = "elsewhere"  # in memory only: a city with no data/demo/elsewhere.yaml
    demo.load_demo(city)
    teams = list(Application.objects.filter(is_demo=True).exclude(team="").values_list("team", flat=True))
    assert teams and all(any(p in team for p in demo.PARTNERS) for team in teams)
