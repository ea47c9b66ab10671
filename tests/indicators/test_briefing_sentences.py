"""Defect 21 (issue #10): the briefing's one-minute summary says the right sentences for constructed data (no demo:
test_briefing.py loads the demos once for all its tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.indicators import briefing
from kechuang.indicators.models import Observation
from kechuang.indicators.services import observation_save
from kechuang.policy.selectors import default_policy

pytestmark = pytest.mark.django_db

HIGH_TECH = "高新技术企业数量"
PLATFORMS = "省级以上创新平台数量"
TALENTS = "年度引育省级以上重点人才工程人选数"


def _enter(city: OrgUnit, values: dict[str, dict[int, int]], last_month: bool) -> None:
    """Observations of the constructed set; entered last month when asked (so this month sees no change)."""
    from kechuang.indicators.models import Indicator

    for code, series in values.items():
        for year, value in series.items():
            Observation.objects.create(
                indicator=Indicator.objects.get(code=code),
                region=city,
                year=year,
                value=Decimal(value),
                source="constructed test data",
            )
    if last_month:
        before = timezone.localdate().replace(day=1) - dt.timedelta(days=10)
        Observation.objects.update(created_at=timezone.make_aware(dt.datetime.combine(before, dt.time(9))))


# Each case: values entered (city level), revisions this month, then what the summary must say.
CASES = [
    pytest.param(
        {
            "high_tech_enterprises": {2023: 1200, 2025: 2100},
            "innovation_platforms_provincial_plus": {2023: 400, 2025: 460},
            "talents_provincial_plus_new": {2025: 10},
        },
        {},
        [
            f"纳入监测的11项目标中，1项正常推进（{HIGH_TECH}），1项存在风险（{PLATFORMS}），"
            f"1项严重滞后（{TALENTS}），8项暂无数据。",
            "本月目标指标数据没有变化。",
        ],
        [f"与上一期数据相比，变化最大的是{HIGH_TECH}（2025年2,100家，较2023年增长75%）"],
        id="one-of-each",
    ),
    pytest.param(
        {"high_tech_enterprises": {2023: 1200, 2024: 1400, 2025: 1500}, "innovation_platforms_provincial_plus": {}},
        {"high_tech_enterprises": (2025, 1700)},
        [
            f"纳入监测的11项目标中，1项正常推进（{HIGH_TECH}），0项存在风险，0项严重滞后，10项暂无数据。",
            f"本月变化最大的是{HIGH_TECH}：2025年由1,500家修订为1,700家（+13.3%），状态由严重滞后转为正常推进。",
            "本月新录入观测值0条，修订1条。",
        ],
        [f"与上一期数据相比，变化最大的是{HIGH_TECH}（2025年1,700家，较2024年增长21.4%）"],
        id="revised-this-month",
    ),
    pytest.param(
        {"talents_provincial_plus_new": {2024: 35, 2025: 20}},
        {},
        [f"纳入监测的11项目标中，0项正常推进，0项存在风险，1项严重滞后（{TALENTS}），10项暂无数据。"],
        [f"与上一期数据相比，变化最大的是{TALENTS}（2025年20人，较2024年下降42.9%）"],
        id="one-off-track-falling",
    ),
]


@pytest.mark.parametrize(("values", "revisions", "monthly_says", "quarterly_says"), CASES)
def test_summary_sentences_are_right_for_the_data(
    catalogue, city, persona, monkeypatch, values, revisions, monthly_says, quarterly_says
):
    _enter(city, values, last_month=True)
    staff = persona("bureau_staff")
    for code, (year, value) in revisions.items():
        observation_save(
            actor=staff,
            indicator=catalogue[code],
            region=city,
            year=year,
            value=Decimal(value),
            source="constructed test data",
            reason="统计部门修订",
        )
    monthly = briefing.build(persona("leader"), default_policy(), "monthly")
    quarterly = briefing.build(persona("leader"), default_policy(), "quarterly")
    for expected in monthly_says:
        assert expected in monthly.headlines, (expected, monthly.headlines)
    for expected in quarterly_says:
        assert any(s.startswith(expected) for s in quarterly.headlines), (expected, quarterly.headlines)
    assert 3 <= len(monthly.headlines) <= 6 and 3 <= len(quarterly.headlines) <= 6
    # No supervision period is open in this set: the summary says so rather than inventing figures.
    assert "本月没有到期的督办报告。" in monthly.headlines
    assert "本季度没有到期的督办报告。" in quarterly.headlines
    assert "目前没有逾期未报的督办报告，也没有进度滞后的任务。" in quarterly.headlines
