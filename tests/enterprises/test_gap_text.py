"""Defect 14: the score-line gap text contradicted itself ("只有 75 分，达不到 ≥ 60 分") and showed raw ids."""

from __future__ import annotations

import re

import pytest

from tests.enterprises.helpers import record, tier
from tests.visible_text import text_problems

T = "tech_sme"
LOW_STAFF = {"st_staff": 1, "rd_staff": 0}  # S&T staff ratio scores 0 points: the line requires it ≠ 0


@pytest.mark.parametrize(
    ("changes", "drop", "must_say", "must_not_say"),
    [
        # missing R&D, ceiling 0 + 50 + 30 = 80 ≥ 60: the sub-requirement fails, not the total
        (LOW_STAFF, ["rd_expense_wan"], "科技人员指标", "达不到"),
        # missing R&D, low IP and staff: even full R&D points cannot reach the line
        ({**LOW_STAFF, "ip": {"class_I": 0, "class_II": 0}}, ["rd_expense_wan"], "达不到", None),
        # everything known, total ≥ 60 but the staff item scores 0
        (LOW_STAFF, [], "分项要求未满足", None),
    ],
)
def test_score_line_gap_text_agrees_with_the_numbers(changes, drop, must_say, must_not_say):
    result = tier(record(changes, drop=drop), T)
    line = result.criterion("score_line")
    assert line.passed is not True
    text = line.gap["text"]
    assert must_say in text, text
    if must_not_say:
        assert must_not_say not in text, text
    # "只有 X 分，达不到 ≥ Y 分" must never claim X short of Y when X ≥ Y
    for have, op, need in re.findall(r"只有 (\d+(?:\.\d+)?) 分，达不到 ([≥>]) (\d+)", text):
        assert float(have) < float(need) or (op == ">" and float(have) == float(need)), text
    assert not text_problems(text), text
    assert not text_problems(line.threshold), line.threshold
