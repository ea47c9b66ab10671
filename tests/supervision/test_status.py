"""A task's status is derived from milestones and reports (status.py, plain Python)."""

from __future__ import annotations

import datetime as dt

from kechuang.supervision.status import MilestoneFact, ReportFact, derive_task_status

TODAY = dt.date(2026, 11, 27)
PAST, FUTURE = dt.date(2026, 10, 1), dt.date(2026, 12, 31)


def test_not_started():
    assert (
        derive_task_status([MilestoneFact(FUTURE, None)], [ReportFact("draft", FUTURE)], TODAY).status == "not_started"
    )
    assert derive_task_status([], [], TODAY).status == "not_started"


def test_on_track():
    status = derive_task_status([MilestoneFact(FUTURE, None)], [ReportFact("with_bureau", FUTURE)], TODAY)
    assert status.status == "on_track" and status.colour == "on_track"


def test_delayed_by_milestone_or_report():
    late_milestone = derive_task_status([MilestoneFact(PAST, None)], [ReportFact("accepted", PAST)], TODAY)
    assert late_milestone.status == "delayed" and late_milestone.reasons == ("milestone_overdue",)
    late_report = derive_task_status([], [ReportFact("returned", PAST)], TODAY)
    assert late_report.status == "delayed" and late_report.colour == "off_track"


def test_done_when_every_milestone_is_completed():
    status = derive_task_status([MilestoneFact(PAST, PAST), MilestoneFact(FUTURE, TODAY)], [], TODAY)
    assert status.status == "done"
