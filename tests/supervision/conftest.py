"""Fixtures for supervision tests: one open period of the Zibo policy and helpers to reach its reports.

Task 3 is led by 市科技局 (lead_officer) and supported by 市教育局 (supporting_officer); task 8 is also
supported by 市工业和信息化局 and 市财政局 (another supporter), task 12 is led by 市教育局."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.policy.selectors import default_policy
from kechuang.supervision import services
from kechuang.supervision.models import ProgressReport


@pytest.fixture
def policy(db):
    return default_policy()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def period(policy, persona, today):
    return services.period_open(
        actor=persona("bureau_staff"),
        policy=policy,
        year=2026,
        quarter=3,
        due_date=today + dt.timedelta(days=10),
        supporters_due_date=today + dt.timedelta(days=5),
    )


@pytest.fixture
def report_of(period, unit):
    def get(task_number: int, unit_code: str) -> ProgressReport:
        return ProgressReport.objects.get(period=period, task__number=task_number, department=unit(unit_code))

    return get


@pytest.fixture
def written(persona):
    """written(report, persona_name) → the report with its text filled in by that persona."""

    def write(report: ProgressReport, name: str) -> ProgressReport:
        return services.report_update(
            actor=persona(name),
            report=report,
            work_done="本季度召开专题会议2次，完成年度方案。",
            problems="项目储备不足。",
            next_steps="加强调度。",
        )

    return write
