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
    assert status.status == "done" and status.reasons == ("all_milestones_completed",)


def test_task_is_not_done_while_one_milestone_is_open():
    status = derive_task_status([MilestoneFact(PAST, PAST), MilestoneFact(FUTURE, None)], [], TODAY)
    assert status.status == "on_track" and status.reasons == ("progress_reported",)


def test_milestone_due_today_is_not_overdue():
    status = derive_task_status([MilestoneFact(TODAY, None)], [ReportFact("draft", TODAY)], TODAY)
    assert status.status == "not_started" and "milestone_overdue" not in status.reasons


def test_milestone_due_yesterday_is_overdue():
    yesterday = TODAY - dt.timedelta(days=1)
    status = derive_task_status([MilestoneFact(yesterday, None)], [ReportFact("draft", yesterday)], TODAY)
    assert status.status == "delayed" and status.reasons == ("milestone_overdue", "report_overdue")


def test_milestone_model_due_today_is_not_overdue():
    from kechuang.supervision.models import Milestone

    assert not Milestone(due_date=TODAY, completed_on=None).is_overdue(TODAY)
    assert Milestone(due_date=TODAY, completed_on=None).is_overdue(TODAY + dt.timedelta(days=1))
    assert not Milestone(due_date=PAST, completed_on=PAST).is_overdue(TODAY)
