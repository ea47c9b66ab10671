"""Reminders: N days before a due date and once a report becomes overdue; messages of the message centre.

Each (period, department, kind, due date) is sent once: the ReminderSent row is written first, under a
unique constraint, in the same transaction as the messages, so a second run — or two running at
once — sends nothing twice. A run that misses a day still sends the reminder on the next run.
The department's officers get a message (core.messages.notify, which e-mails them after the commit); its
liaisons, who have no account, get the same text by e-mail (core.messages.mail_contacts).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.core import messages
from kechuang.core.models import Liaison, Message, OrgUnit
from kechuang.supervision.models import ProgressReport, ReminderSent, ReportingPeriod
from kechuang.supervision.services import department_officers

log = logging.getLogger(__name__)
DEFAULT_DAYS_BEFORE = 3


def days_before_default() -> int:
    return int(getattr(settings, "SUPERVISION_REMINDER_DAYS", DEFAULT_DAYS_BEFORE))


@dataclass
class ReminderResult:
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (period, department code, kind)
    emails: int = 0
    skipped: int = 0


def _due_kind(due: dt.date, today: dt.date, days_before: int) -> str | None:
    if today > due:
        return ReminderSent.Kind.OVERDUE
    if due - dt.timedelta(days=days_before) <= today <= due:
        return ReminderSent.Kind.DUE_SOON
    return None


def reminders_send(*, today: dt.date, days_before: int | None = None, dry_run: bool = False) -> ReminderResult:
    days_before = days_before if days_before is not None else days_before_default()
    result = ReminderResult()
    outstanding = ProgressReport.objects.filter(
        period__state=ReportingPeriod.State.OPEN,
        state__in=(ProgressReport.State.DRAFT, ProgressReport.State.RETURNED),
    ).select_related("period", "task", "department")
    groups: dict[tuple[int, int, str, dt.date], list[ProgressReport]] = defaultdict(list)
    for report in outstanding:
        kind = _due_kind(report.due_date, today, days_before)
        if kind:
            groups[(report.period_id, report.department_id, kind, report.due_date)].append(report)
    with translation.override(settings.LANGUAGE_CODE):
        for (period_id, dept_id, kind, due), reports in sorted(groups.items(), key=lambda kv: kv[0]):
            period, department = reports[0].period, reports[0].department
            sent = ReminderSent.objects.filter(period_id=period_id, department_id=dept_id, kind=kind, due_date=due)
            if sent.exists():
                result.skipped += 1
                continue
            if dry_run:
                result.sent.append((period.code, department.code, kind))
                continue
            try:
                with transaction.atomic():
                    emails = _send_one(period, department, kind, due, reports, today)
            except IntegrityError:
                result.skipped += 1  # another run got there first
                continue
            result.sent.append((period.code, department.code, kind))
            result.emails += emails
    return result


def _send_one(
    period: ReportingPeriod, department: OrgUnit, kind: str, due: dt.date, reports: list[ProgressReport], today: dt.date
) -> int:
    officers = department_officers([department.pk])
    mailed = {u.email for u in officers if u.email}
    liaisons = set(
        Liaison.objects.filter(org_unit=department, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    addresses = sorted(mailed | liaisons)
    ReminderSent.objects.create(period=period, department=department, kind=kind, due_date=due, recipients=addresses)
    tasks = "、".join(f"{_('Task')} {r.task.number}" for r in sorted(reports, key=lambda r: r.task.number))
    if kind == ReminderSent.Kind.OVERDUE:
        subject = _("[Supervision] %(period)s reports overdue") % {"period": period.label}
        message = _(
            "%(dept)s: the %(period)s progress reports on %(tasks)s were due on %(due)s and have not been submitted."
        ) % {"dept": department, "period": period.label, "tasks": tasks, "due": due.isoformat()}
    else:
        subject = _("[Supervision] %(period)s reports due on %(due)s") % {
            "period": period.label,
            "due": due.isoformat(),
        }
        message = _(
            "%(dept)s: the %(period)s progress reports on %(tasks)s are due on %(due)s (%(days)s days left)."
        ) % {
            "dept": department,
            "period": period.label,
            "tasks": tasks,
            "due": due.isoformat(),
            "days": (due - today).days,
        }
    url = reverse("supervision:department", args=[department.code])
    messages.notify(
        officers,
        kind=Message.Kind.OVERDUE if kind == ReminderSent.Kind.OVERDUE else Message.Kind.DEADLINE,
        subject=subject,
        body=message,
        url=url,
        key=f"supervision:reminder:{period.pk}:{department.pk}:{kind}:{due.isoformat()}",
        about=period,
    )
    # An officer who is also the liaison is mailed once, with the message.
    messages.mail_contacts(liaisons - mailed, subject=subject, body=message, url=url)
    return len(addresses)
