"""The supervision part of the leaders' briefing reads in the reader's language: the English briefing had a whole
section in Chinese (its sentences, captions, headers and notes were written in Chinese only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from kechuang.supervision.briefing import digest

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("cadence", ["monthly", "quarterly"])
def test_the_supervision_digest_is_english_in_english_and_chinese_in_chinese(period, persona, policy, cadence):
    today = period.due_date + dt.timedelta(days=3)  # the period's reports overdue: every sentence and table has rows
    start, end = dt.date(today.year, today.month, 1), today
    if cadence == "quarterly":
        start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    with translation.override("en"):
        english = digest(persona("leader"), policy, cadence=cadence, start=start, end=end, today=today)
    chinese = digest(persona("leader"), policy, cadence=cadence, start=start, end=end, today=today)
    words = [english.heading, *english.headlines]
    for table in english.tables:
        words += [table.caption, table.note, *table.headers]
    assert english.tables[0].rows and not [w for w in words if CJK.search(w)], words
    assert "overdue" in " ".join(english.headlines)
    assert chinese.heading.endswith("督查督办") and chinese.tables[0].headers[-1] == "逾期天数"
    assert chinese.headlines[-1].startswith("目前逾期未报的督办报告共")
