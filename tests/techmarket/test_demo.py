"""The technology-market demo data: counts, spread over industries and years, bundled records only."""

from __future__ import annotations

import datetime as dt

import pytest

from kechuang.core.models import OrgUnit
from kechuang.techmarket.demo import DEMANDS, EXPERTS, INDUSTRY_DEMANDS, load_demo
from kechuang.techmarket.matching import BUNDLED_CSL
from kechuang.techmarket.matching.corpus import read_jsonl
from kechuang.techmarket.models import Achievement, Contract, Demand, Expert

pytestmark = pytest.mark.django_db


def test_demo_counts_and_spread(match_index, django_capture_on_commit_callbacks):
    city = OrgUnit.objects.get(code="zibo", parent=None)
    with django_capture_on_commit_callbacks(execute=False):
        summary = load_demo(city)
    experts = Expert.objects.count()
    assert f"{DEMANDS} demands" in summary and f"{experts} experts" in summary
    assert DEMANDS == 300 and 40 <= experts <= EXPERTS  # experts only from coherent groups of papers
    assert Demand.objects.count() == 300
    assert Demand.objects.values("field").distinct().count() >= 6
    suffixes = {"陶瓷", "化工", "新材料", "新能源科技", "药业", "机械", "微电子", "智能科技", "环境科技"}
    names = set(Demand.objects.values_list("enterprise_name", flat=True))
    assert {s for s in suffixes if any(n.endswith(s + "有限公司") for n in names)} == suffixes
    assert len(INDUSTRY_DEMANDS) == 9
    assert Demand.objects.values("region").distinct().count() >= 5
    years = {d.year for d in Contract.objects.values_list("signed_on", flat=True)}
    assert len(years) >= 2
    assert Contract.objects.filter(status=Contract.Status.REGISTERED).count() > 100
    today = dt.date.today()
    for c in Contract.objects.all():  # no date in the future, and the workflow's dates in order
        dates = [d for d in (c.signed_on, c.submitted_on, c.accepted_on, c.registered_on) if d]
        assert dates == sorted(dates) and dates[-1] <= today, (c.pk, dates)
    bundled = {r["id"] for r in read_jsonl(BUNDLED_CSL)}
    refs = set(Achievement.objects.values_list("source_ref", flat=True))
    assert refs and refs <= bundled  # achievements from the bundled CSL part only: the repo stands alone
    # dated over the last two years, as a market fills (the dashboard's monthly charts), none in the future
    for model in (Achievement, Demand):
        ages = [(today - d.date()).days for d in model.objects.values_list("created_at", flat=True)]
        assert min(ages) >= 0 and max(ages) <= 730 and len({a // 30 for a in ages}) >= 20, model
    assert load_demo(city) == "technology market demo data present"
