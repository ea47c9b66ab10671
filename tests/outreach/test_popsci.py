"""科普: bases, the provincial title (the policy's milestone) and its indicator feed, activities and statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse

from kechuang.core import registry
from kechuang.outreach import feed, selectors, services
from kechuang.outreach.models import Activity, BaseEvaluation, PopsciBase

pytestmark = pytest.mark.django_db


def _rows():
    return {(r[0], r[1]): r[2] for r in feed.indicator_feeds()[0].rows(None)}


def test_recognising_the_provincial_title_moves_the_feed_and_is_the_bureaus(make, persona):
    base = make.base("zhangdian", provincial_candidate=True)
    make.base("zichuan", name="已获省级基地", level="provincial", recognised_year=2024)
    assert _rows()[("zichuan", 2024)] == 1 and ("zhangdian", 2025) not in _rows()
    with pytest.raises(PermissionDenied):
        services.base_recognise(
            actor=persona("zhangdian_officer"), base=base, level="provincial", year=2025, document_number="x"
        )
    with pytest.raises(ValidationError):
        services.base_recognise(actor=persona("bureau_staff"), base=base, level="city", year=2025, document_number="x")
    with TestCase.captureOnCommitCallbacks(execute=True) as sent:
        services.base_recognise(
            actor=persona("bureau_staff"), base=base, level="provincial", year=2025, document_number="鲁科协〔2025〕9号"
        )
    assert sent  # the indicator module hears of it on commit
    rows = _rows()
    assert rows[("zhangdian", 2025)] == 1 and rows[("zibo", 2025)] == 2 and rows[("zibo", 2024)] == 1
    assert "provincial_popsci_base" in {f.code for f in registry.indicator_feeds()}


def test_candidates_readiness_and_page(make, persona, client_as):
    ready = make.base("zhangdian", name="甲基地", provincial_candidate=True)
    close = make.base("zhangdian", name="乙基地", provincial_candidate=True)
    staff = persona("bureau_staff")
    for year, a, b in ((2024, 88, 90), (2025, 90, 82)):
        services.base_evaluate(actor=staff, base=ready, year=year, score=Decimal(a))
        services.base_evaluate(actor=staff, base=close, year=year, score=Decimal(b))
    assert BaseEvaluation.objects.get(base=close, year=2025).grade == "合格"
    found = selectors.candidates(staff, Decimal(85), 2)
    assert [(c["base"].name, c["readiness"].ready, c["readiness"].gap) for c in found] == [
        ("甲基地", True, Decimal(0)),
        ("乙基地", False, Decimal(3)),
    ]
    page = client_as("zichuan_officer").get(reverse("outreach:candidates"))
    assert page.status_code == 200 and "甲基地" not in page.content.decode()  # another district's


def test_activity_statistics_by_region_and_kind(unit, persona, client_as):
    staff = persona("bureau_staff")
    base = {"date": dt.date(2025, 5, 20), "place": "广场", "organiser": "区科协", "department": unit("sci_association")}
    services.activity_create(
        actor=staff,
        data={
            **base,
            "kind": "tech_week",
            "title": "科技活动周",
            "region": unit("zhangdian"),
            "audience": "public",
            "participants": 500,
        },
    )
    services.activity_create(
        actor=staff,
        data={
            **base,
            "kind": "caravan",
            "title": "大篷车",
            "region": unit("zhangdian"),
            "audience": "farmers",
            "participants": 120,
        },
    )
    services.activity_create(
        actor=staff,
        data={
            **base,
            "kind": "caravan",
            "title": "大篷车2",
            "region": unit("zichuan"),
            "audience": "farmers",
            "participants": 80,
        },
    )
    with pytest.raises(ValidationError):  # a district records only its own region's
        services.activity_create(
            actor=persona("zhangdian_officer"),
            data={
                **base,
                "kind": "caravan",
                "title": "越界",
                "region": unit("zichuan"),
                "audience": "farmers",
                "participants": 1,
            },
        )
    data = selectors.popsci_stats(staff, 2025)
    kinds = [k.value for k in Activity.Kind]
    [zd] = [r for r in data["rows"] if r["code"] == "zhangdian"]
    assert zd["kinds"][kinds.index("caravan")] == {"n": 1, "participants": 120}
    assert data["total"]["kinds"][kinds.index("caravan")] == {"n": 2, "participants": 200}
    assert data["total"]["participants"] == 700
    own = selectors.popsci_stats(persona("zhangdian_officer"), 2025)
    assert [r["code"] for r in own["rows"]] == ["zhangdian"]
    client = client_as("bureau_staff")
    assert client.get(reverse("outreach:popsci_stats"), {"year": 2025}).status_code == 200
    assert client.get(reverse("outreach:popsci_stats_export"), {"year": 2025}).status_code == 200
    listed = client.get(reverse("outreach:activities"), {"kind": "caravan", "sort": "-participants"})
    assert [a.title for a in listed.context["page"].object_list] == ["大篷车", "大篷车2"]


def test_base_list_filters_provincial_plus(make, client_as):
    make.base("zhangdian", name="市级基地")
    make.base("zhangdian", name="省级基地", level="provincial")
    make.base("zhangdian", name="国家级基地", level="national")
    page = client_as("bureau_staff").get(reverse("outreach:bases"), {"level": "provincial_plus", "sort": "name"})
    assert {b.name for b in page.context["page"].object_list} == {"省级基地", "国家级基地"}
    assert PopsciBase.objects.count() == 3


def test_demo_loads_small_and_once(city):
    from kechuang.outreach.demo import load_demo
    from kechuang.outreach.models import Commissioner, ServiceLog

    summary = load_demo(city, 15)
    assert "15 commissioners" in summary
    assert Commissioner.objects.values("region").distinct().count() == 11  # every region listed in the city's file
    years = {d.year for d in ServiceLog.objects.dates("date", "year")}
    assert len(years) == 2
    assert PopsciBase.objects.count() == 4 and Activity.objects.count() >= 12
    assert load_demo(city, 15) == "outreach demo already loaded"


def test_region_view_and_statistics_agree_on_the_demo(city, persona):
    from kechuang.outreach.demo import load_demo

    load_demo(city, 15)
    for who in ("bureau_staff", "zhangdian_officer", "lead_officer"):
        user = persona(who)
        for year in selectors.log_years(user):
            stats = selectors.commissioner_stats(user, year)
            groups = selectors.region_view(user, year)
            assert (
                stats["total"]["visits"]
                == sum(g["visits"] for g in groups)
                == selectors.logs(user).filter(date__year=year).count()
            )
            assert stats["total"]["villages"] == sum(g["places"] for g in groups)
            assert {r["code"] for r in stats["rows"] if r["visits"]} == {g["code"] for g in groups}
