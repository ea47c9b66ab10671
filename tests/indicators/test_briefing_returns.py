"""Issue 14 item 6: the monthly briefing compares the monthly returns' approved values with the previous month and the
same month last year, the quarterly briefing the quarterly returns' with the previous quarter and the same quarter
last year; drafts are shown as drafts, never added in. A constructed set with known sums, read as the leader reads
it (the PDF from the briefing page) and as a district officer (their own region only)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from kechuang.core.models import OrgUnit
from kechuang.indicators import briefing
from kechuang.indicators.models import DataSet, Observation, Submission
from kechuang.policy.selectors import default_policy
from tests.conftest import Client

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 6, 5, 10, tzinfo=dt.UTC)  # May has ended, its returns due on 10 June
NAME = "技术合同成交额（输出/卖方登记）"

# cumulative values (亿元) by region code, (year, month) and state
MONTHLY = {
    "zhangdian": {
        (2025, 3): 30,
        (2025, 4): 45,
        (2026, 2): 25,
        (2026, 3): 38,
        (2026, 4): 55,
        (2026, 5): (70, "submitted"),
    },
    "zichuan": {
        (2025, 3): 25,
        (2025, 4): 25,
        (2026, 2): 15,
        (2026, 3): 22,
        (2026, 4): 35,
        (2026, 5): (999, "draft"),
    },
}


def _returns(catalogue, code: str, period_type: str, values: dict) -> DataSet:
    data_set = DataSet.objects.create(
        code=code, name="区县技术合同登记（测试）", period_type=period_type, deadline_days=10
    )
    regions = list(OrgUnit.objects.filter(code__in=values))
    data_set.org_units.set(regions)
    data_set.indicators.set([catalogue["tech_contract_turnover_output"]])
    for region in regions:
        for (year, period), value in values[region.code].items():
            value, state = value if isinstance(value, tuple) else (value, "approved")
            form = Submission.objects.create(
                data_set=data_set,
                org_unit=region,
                year=year,
                period=period,
                state=state,
                submitted_at=timezone.now() if state != "draft" else None,
            )
            Observation.objects.create(
                indicator=catalogue["tech_contract_turnover_output"],
                region=region,
                year=year,
                **data_set.observation_period(period),
                value=Decimal(value),
                source="constructed test data",
                submission=form,
            )
    return data_set


def _pdf_text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required"
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    return re.sub(
        r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    )


@pytest.fixture
def monthly_returns(catalogue):
    return _returns(catalogue, "t-monthly", DataSet.PeriodType.MONTHLY, MONTHLY)


def test_the_monthly_briefing_compares_the_latest_complete_month(monthly_returns, persona, tmp_path):
    """April is the latest month whose returns are all approved: 55 + 35 = 90 to date, against 70 a year before;
    April alone 30 against March's 20 (60 − 40) and last April's 15. May's returns, one submitted and one draft, are
    listed apart, their 1,069 never added in."""
    leader = Client()
    leader.force_login(persona("leader"))
    with time_machine.travel(TODAY, tick=False):
        data = briefing.build(persona("leader"), default_policy(), "monthly")
        response = leader.get(reverse("indicators:briefing_pdf") + "?period=monthly")
    expected = (
        f"{NAME}2026年1–4月累计90亿元，同比增长28.6%；其中2026年4月当月30亿元，较上月增长50%"
        "；2026年5月报表尚未全部审核，未计入（已报送1份、草稿1份）"
    )
    # on page 1, first of the changes since the last briefing
    assert data.front.changes[0] == expected, data.front.changes
    section = next(s for s in data.sections if "环比与同比" in s.heading)
    compared, waiting = section.tables
    assert compared.rows == [[NAME, "2026年1–4月", "90亿元", "增长28.6%", "30亿元", "增长50%", "增长100%", "2/2"]]
    assert waiting.caption.startswith("区县技术合同登记（测试）：") and waiting.rows == [["2026年5月", 0, 1, 0, 1, 0]]
    assert f"2026年5月{NAME}1,069亿元（2个区县，未审核）" in waiting.note
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert re.sub(r"\s+", "", expected) in text and "未审核" in text
    assert "较上年同月" in text and "较上季度" not in text


def test_a_month_not_all_approved_is_not_the_reference_and_a_missing_region_stops_the_comparison(
    monthly_returns, persona
):
    # April returned for 淄川区: March becomes the latest complete month; last March's sum stands for both regions
    Submission.objects.filter(org_unit__code="zichuan", year=2026, period=4).update(state="returned")
    # and 张店区 never reported February: March alone cannot be told (no like-for-like February)
    Observation.objects.filter(region__code="zhangdian", year=2026, month=2).delete()
    with time_machine.travel(TODAY, tick=False):
        data = briefing.build(persona("leader"), default_policy(), "monthly")
    compared, waiting = next(s for s in data.sections if "环比与同比" in s.heading).tables
    assert compared.rows == [[NAME, "2026年1–3月", "60亿元", "增长9.1%", "—", "—", "—", "2/2"]]
    assert [row[0] for row in waiting.rows] == ["2026年5月", "2026年4月"]
    assert waiting.rows[1][1:] == [1, 0, 1, 0, 0]


def test_a_district_officer_sees_their_own_region_only(monthly_returns, persona):
    """张店区's officer downloads the Excel briefing: 张店区's April only (55 against 45), 淄川区's draft nowhere."""
    import io

    from openpyxl import load_workbook

    officer = Client()
    officer.force_login(persona("zhangdian_officer"))
    with time_machine.travel(TODAY, tick=False):
        data = briefing.build(persona("zhangdian_officer"), default_policy(), "monthly")
        response = officer.get(reverse("indicators:briefing_xlsx") + "?period=monthly")
    compared, waiting = next(s for s in data.sections if "环比与同比" in s.heading).tables
    assert compared.rows[0][2:4] == ["55亿元", "增长22.2%"] and compared.rows[0][-1] == "1/1"
    assert "999" not in waiting.note and waiting.rows[0][2] == 1
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert next(cells[i : i + 4] for i, c in enumerate(cells) if c == NAME and cells[i + 1] == "2026年1–4月") == [
        NAME,
        "2026年1–4月",
        "55亿元",
        "增长22.2%",
    ]
    assert not [c for c in cells if "999" in c or "1,069" in c]


def test_the_quarterly_briefing_compares_quarters_and_the_english_reads_whole(catalogue, persona):
    quarters = {
        "zhangdian": {(2025, 1): 10, (2025, 2): 24, (2026, 1): 12, (2026, 2): (30, "submitted")},
        "zichuan": {(2025, 1): 8, (2025, 2): 16, (2026, 1): 9},
    }
    _returns(catalogue, "t-quarterly", DataSet.PeriodType.QUARTERLY, quarters)
    with time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False):
        data = briefing.build(persona("leader"), default_policy(), "quarterly")
        with translation.override("en"):
            english = briefing.build(persona("leader"), default_policy(), "quarterly")
    tables = next(s for s in data.sections if "同比" in s.heading).tables
    compared = next(t for t in tables if t.caption.startswith("季报数据"))
    # Q2 2026 is not all approved: Q1 is the reference (21 against 18 a year before); Q1 alone has no quarter before
    assert compared.rows == [[NAME, "2026年1–3月", "21亿元", "增长16.7%", "21亿元", "—", "增长16.7%", "2/2"]]
    assert "较上季度" in compared.headers and "较上月" not in compared.headers
    line = english.front.changes[0]
    assert line.startswith(f"{NAME}, January–March 2026 cumulative: 21亿元, up 16.7% year on year")
    assert line.endswith("; Q2 2026 not all approved, not included (1 submitted, 1 not started)")


def test_a_return_no_one_has_begun_reads_not_filled_in_everywhere(catalogue, persona):
    """A region's return with nothing entered yet is 未填报 (not filled in) — 未启动 would say the bureau had not
    launched the collection. The same word in the briefing's waiting table, its sentence and the board's filter."""
    quarters = {"zhangdian": {(2026, 1): 12, (2026, 2): (30, "submitted")}, "zichuan": {(2026, 1): 9}}
    _returns(catalogue, "t-quarterly", DataSet.PeriodType.QUARTERLY, quarters)
    with time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False):
        data = briefing.build(persona("leader"), default_policy(), "quarterly")
        leader = Client()
        leader.force_login(persona("leader"))
        board = leader.get(reverse("indicators:collection_board")).content.decode()
    waiting = next(t for s in data.sections for t in s.tables if "尚未审核" in t.caption)
    assert waiting.headers[-1] == "未填报" and waiting.rows[0][-1] == 1
    assert data.front.changes[0].endswith("（已报送1份、未填报1份）"), data.front.changes[0]
    assert '<option value="missing">未填报</option>' in board and "未启动" not in board
