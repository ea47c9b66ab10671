"""Defect 21 (issue #10): the monthly and the quarterly briefing differ in what they cover, and each opens with a
summary a leader reads in one minute (3–6 sentences, on page 1 of the PDF). The summary's sentences for constructed
data, without the demos, are in test_briefing_sentences.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from kechuang.indicators import briefing
from kechuang.indicators.demo import load_demo as indicators_demo
from kechuang.indicators.models import Indicator
from kechuang.policy.selectors import default_policy
from kechuang.supervision.demo import load_demo as supervision_demo_load
from tests.conftest import loaded_once

pytestmark = pytest.mark.django_db


def _page_texts(pdf: bytes, tmp_path, first: int | None = None, last: int | None = None) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required: apt-get install poppler-utils"
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(first), "-l", str(last)] if first else []
    text = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", text)


# The indicator and supervision demos once for the module (each test runs in its own savepoint inside them).
demos_once = loaded_once(indicators_demo, supervision_demo_load)


@pytest.fixture
def supervision_demo(demos_once, db):
    return demos_once


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
