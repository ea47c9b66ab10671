"""A task's status, derived from its milestones and reports — never typed by hand. Plain Python.

- done: the task has milestones and every one is completed;
- delayed: a milestone is past its date and not completed, or a report of the period is overdue
  (not handed on by its due date) or returned past its due date;
- on track: work is visible (a milestone completed or a report handed on) and nothing is late;
- not started: nothing of the above yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NOT_STARTED, ON_TRACK, DELAYED, DONE = "not_started", "on_track", "delayed", "done"
# The platform's one colour system (DEVELOPING.md): green / red / grey.
STATUS_COLOUR = {DONE: "on_track", ON_TRACK: "on_track", DELAYED: "off_track", NOT_STARTED: "none"}


@dataclass(frozen=True)
class MilestoneFact:
    due_date: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True)
class ReportFact:
    state: str
    due_date: dt.date


@dataclass(frozen=True)
class TaskStatus:
    status: str
    reasons: tuple[str, ...]  # machine words the page translates: milestone_overdue, report_overdue, …

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[self.status]


def derive_task_status(milestones: list[MilestoneFact], reports: list[ReportFact], today: dt.date) -> TaskStatus:
    reasons: list[str] = []
    if any(m.completed_on is None and m.due_date < today for m in milestones):
        reasons.append("milestone_overdue")
    if any(r.state in ("draft", "returned") and r.due_date < today for r in reports):
        reasons.append("report_overdue")
    if milestones and all(m.completed_on is not None for m in milestones):
        return TaskStatus(DONE, ("all_milestones_completed",))
    if reasons:
        return TaskStatus(DELAYED, tuple(reasons))
    if any(m.completed_on for m in milestones) or any(r.state not in ("draft",) for r in reports):
        return TaskStatus(ON_TRACK, ("progress_reported",))
    return TaskStatus(NOT_STARTED, ())
