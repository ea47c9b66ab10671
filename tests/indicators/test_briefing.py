"""Defect 21 (issue #10): the monthly and the quarterly briefing differ in what they cover, and each opens with a
summary a leader reads in one minute (3–6 sentences, on page 1 of the PDF)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.indicators import briefing
from kechuang.indicators.models import Indicator, Observation
from kechuang.indicators.services import observation_save
from kechuang.policy.selectors import default_policy

pytestmark = pytest.mark.django_db

HIGH_TECH = "高新技术企业数量"
PLATFORMS = "省级以上创新平台数量"
TALENTS = "年度引育省级以上重点人才工程人选数"


def _page_texts(pdf: bytes, tmp_path, first: int | None = None, last: int | None = None) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required: apt-get install poppler-utils"
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(first), "-l", str(last)] if first else []
    text = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", text)


@pytest.fixture
def supervision_demo(demo, city):
    from kechuang.supervision.demo import load_demo

    load_demo(city)


def test_monthly_and_quarterly_briefings_differ_in_content(supervision_demo, persona, tmp_path):
    leader, policy = persona("leader"), default_policy()
    monthly = briefing.build(leader, policy, "monthly")
    quarterly = briefing.build(leader, policy, "quarterly")
    month_heads = [s.heading for s in monthly.sections]
    quarter_heads = [s.heading for s in quarterly.sections]
    assert month_heads != quarter_heads
    assert any("本月" in h for h in month_heads) and not any("本月" in h for h in quarter_heads)
    assert any("同比" in h for h in quarter_heads) and any("督办" in h for h in quarter_heads)
    assert monthly.headlines != quarterly.headlines
    month_text = _page_texts(briefing.render_pdf(monthly), tmp_path).replace(monthly.title, "")
    quarter_text = _page_texts(briefing.render_pdf(quarterly), tmp_path).replace(quarterly.title, "")
    assert "较上月" in month_text and "较上月" not in quarter_text
    assert "按牵头部门" in quarter_text and "按牵头部门" not in month_text


def test_supervision_sentence_counts_the_overdue_reports(supervision_demo, persona):
    from kechuang.supervision.models import ProgressReport

    overdue = ProgressReport.objects.filter(
        state__in=("draft", "returned"), due_date__lt=timezone.localdate(), period__state="open"
    )
    assert overdue.exists()
    numbers = sorted(set(overdue.values_list("task__number", flat=True)))[:4]
    expected = f"目前逾期未报的督办报告共{overdue.count()}份（任务{'、'.join(map(str, numbers))}"
    for period in briefing.PERIODS:
        data = briefing.build(persona("bureau_staff"), default_policy(), period)
        assert any(s.startswith(expected) for s in data.headlines), data.headlines


@pytest.mark.parametrize("period", briefing.PERIODS)
def test_briefing_summary_is_on_the_first_page(supervision_demo, persona, tmp_path, period):
    data = briefing.build(persona("leader"), default_policy(), period)
    assert 3 <= len(data.headlines) <= 6
    first = _page_texts(briefing.render_pdf(data), tmp_path, 1, 1)
    assert "要点" in first
    for sentence in data.headlines:
        assert re.sub(r"\s+", "", sentence) in first, sentence


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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_first_page_has_standing_changes_and_owned_risks(supervision_demo, persona, tmp_path, language):
    """Issue 14 item 6: page 1 shows every headline target with the rule applied, the changes since the last
    briefing and the three biggest risks, each with the department that owns it; in English, nothing of the
    briefing's own wording stays Chinese (only the data's names: indicators, units, departments, the city)."""
    from django.utils import translation

    with translation.override(language):
        data = briefing.build(persona("leader"), default_policy(), "quarterly")
        pdf = briefing.render_pdf(data)
    (tmp_path.parent / f"briefing-{language}.pdf").write_bytes(pdf)
    front = data.front
    assert front is not None and len(front.standing) == len(data.items)
    risky = [i.card for i in data.items if i.card.status in ("off_track", "at_risk")]
    assert len(front.risks) == min(3, len(risky)) and front.risks
    assert [r.card for r in front.risks] == sorted(risky, key=briefing.risk_order)[:3]
    for risk in front.risks:
        target = risk.card.target
        leads = [d.name for d in target.task.leads()] if target.task_id else []
        owners = leads or [d.name for d in target.owners.all()] or [risk.card.indicator.responsible]
        assert all(name in risk.departments for name in owners), (risk.departments, owners)
    first = _page_texts(pdf, tmp_path, 1, 1)
    for risk in front.risks:
        assert re.sub(r"\s+", "", risk.departments) in first
    for card in front.standing:
        assert re.sub(r"\s+", "", card.assessment.rule)[:20] in first
    if language == "en":
        from kechuang.core.registry import briefing_digests

        # Page 1 in English; the supervision module's digest lines are that module's text, not this one's.
        with translation.override(language):
            digests = briefing_digests(
                persona("leader"),
                default_policy(),
                cadence="quarterly",
                start=data.start,
                end=data.end,
                today=timezone.localdate(),
            )
        text = first
        data_words = {c.indicator.name for c in front.standing} | {c.indicator.unit for c in front.standing}
        data_words |= {r.departments for r in front.risks} | {data.unit_name, default_policy().city.name}
        data_words |= {default_policy().document_number} | {h for d in digests for h in d.headlines}
        # the returns compared on page 1 name indicators of their own (规模以上工业总产值), in their units
        data_words |= {w for pair in Indicator.objects.values_list("name", "unit") for w in pair if w}
        for item in data.items:
            data_words |= {d.name for d in (item.card.target.task.leads() if item.card.target.task_id else [])}
        for word in sorted(data_words, key=len, reverse=True):
            text = text.replace(re.sub(r"\s+", "", word), "")
        assert "Biggestrisks" in text and "Wherethecitystands" in text
        assert not re.search(r"[\u4e00-\u9fff]", text), text[:2000]


def test_monthly_and_quarterly_front_pages_compare_with_their_own_last_briefing(supervision_demo, persona):
    monthly = briefing.build(persona("leader"), default_policy(), "monthly", dt.date(2026, 5, 20))
    quarterly = briefing.build(persona("leader"), default_policy(), "quarterly", dt.date(2026, 5, 20))
    assert monthly.front.since == dt.date(2026, 4, 30)  # the last monthly briefing: end of April
    assert quarterly.front.since == dt.date(2026, 3, 31)  # the last quarterly briefing: end of Q1
