"""The projects module's daily reminders, through the message centre (core.messages.notify: in-app and e-mail, once
per key), run by `manage.py project_reminders`:

- monitoring report: a running project whose next report (the last report's day, else the start, plus the rule
  `monitoring_months`) falls within `MONITORING_DAYS_BEFORE` days, or has passed;
- correction order: an open order (not yet answered) due within `CORRECTION_DAYS_BEFORE` days, or past its date.

Each goes to the firm's enterprise accounts (credit code = the project's) and the district officers of the project's
region. The key names the record, the kind (due soon / overdue) and the due day: one message of each kind per due
day, and a new one when the due day moves (a new report filed, an order reopened with a new date)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.core.messages import notify
from kechuang.core.models import Message, User
from kechuang.core.roles import Role
from kechuang.projects.engine import workflow as wf
from kechuang.projects.models import Correction, Project
from kechuang.projects.services import rule_params

MONITORING_DAYS_BEFORE = 14
CORRECTION_DAYS_BEFORE = 7


@dataclass
class Sent:
    monitoring: int = 0
    corrections: int = 0


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (31 Aug + 6 months → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_monitoring_due(project: Project, last_reported: dt.date | None, months: int) -> dt.date:
    return add_months(last_reported or project.start_on, months)


class _Recipients:
    """The firm's enterprise accounts and the region's district officers, fetched once for all the projects."""

    def __init__(self, projects: list[Project]) -> None:
        self.firms: dict[str, list[User]] = defaultdict(list)
        self.districts: dict[int, list[User]] = defaultdict(list)
        codes = {p.credit_code for p in projects}
        regions = {p.region_id for p in projects}
        for user in User.objects.filter(role=Role.ENTERPRISE, credit_code__in=codes, is_active=True):
            self.firms[user.credit_code].append(user)
        for user in User.objects.filter(role=Role.DISTRICT_OFFICER, org_unit_id__in=regions, is_active=True):
            self.districts[user.org_unit_id].append(user)

    def firm(self, project: Project) -> list[User]:
        return self.firms.get(project.credit_code, [])

    def district(self, project: Project) -> list[User]:
        return self.districts.get(project.region_id, [])


def _send(recipients: _Recipients, project: Project, *, kind: str, subject: str, body: str, key: str, about) -> int:
    # Officers open the project page; an enterprise account reaches no staff page, so it gets its portal, which
    # lists its projects' correction orders.
    officers = notify(
        recipients.district(project),
        kind=kind,
        subject=subject,
        body=body,
        url=reverse("projects:project", args=[project.pk]),
        key=key,
        about=about,
    )
    firm = notify(
        recipients.firm(project),
        kind=kind,
        subject=subject,
        body=body,
        url=reverse("projects:portal"),
        key=key,
        about=about,
    )
    return len(officers) + len(firm)


@transaction.atomic
def send_project_reminders(today: dt.date) -> Sent:
    """Send the day's reminders; returns how many messages were created (a second run the same day creates none)."""
    sent = Sent()
    months = int(rule_params()["monitoring_months"])
    with translation.override(settings.LANGUAGE_CODE):
        due_soon: list[tuple[Project, dt.date]] = []
        if months > 0:
            running = Project.objects.filter(state__in=wf.RUNNING).annotate(
                last_reported=Max("monitoring__reported_on")
            )
            for project in running:
                due = next_monitoring_due(project, project.last_reported, months)
                if due <= today + dt.timedelta(days=MONITORING_DAYS_BEFORE):
                    due_soon.append((project, due))
        orders = list(
            Correction.objects.filter(
                state=wf.C_OPEN, due_on__lte=today + dt.timedelta(days=CORRECTION_DAYS_BEFORE)
            ).select_related("project", "report")
        )
        recipients = _Recipients([p for p, _due in due_soon] + [o.project for o in orders])
        for project, due in due_soon:
            kind = Message.Kind.OVERDUE if due < today else Message.Kind.DEADLINE
            facts = {"code": project.code, "title": project.title, "day": f"{due:%Y-%m-%d}"}
            subject = (
                _("Monitoring report of project %(code)s %(title)s overdue since %(day)s")
                if kind == Message.Kind.OVERDUE
                else _("Monitoring report of project %(code)s %(title)s due on %(day)s")
            ) % facts
            sent.monitoring += _send(
                recipients,
                project,
                kind=kind,
                subject=subject,
                body=_("A monitoring report is due every %(months)s months: progress against the goals and budget.")
                % {"months": months},
                key=f"projects.monitoring:{project.pk}:{kind}:{due:%Y-%m-%d}",
                about=project,
            )
        for order in orders:
            project = order.project
            kind = Message.Kind.OVERDUE if order.due_on < today else Message.Kind.DEADLINE
            facts = {"code": project.code, "period": order.report.period, "day": f"{order.due_on:%Y-%m-%d}"}
            subject = (
                _("Correction order on project %(code)s (%(period)s) overdue since %(day)s")
                if kind == Message.Kind.OVERDUE
                else _("Correction order on project %(code)s (%(period)s) due on %(day)s")
            ) % facts
            sent.corrections += _send(
                recipients,
                project,
                kind=kind,
                subject=subject,
                body=order.requirement,
                key=f"projects.correction:{order.pk}:{kind}:{order.due_on:%Y-%m-%d}",
                about=order,
            )
    return sent
