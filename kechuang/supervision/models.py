"""督查督办: milestones under the policy's tasks, reporting periods, progress reports and their trail.

Each of the policy's tasks has lead and supporting departments (淄科发〔2023〕22号, the bracket after each
task). Every reporting period each department writes one report per task it leads or supports;
supporters report to the task's first lead department, which consolidates and reports to the bureau.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.core.periods import quarter_label
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.policy.models import Policy, Target, Task


class Milestone(models.Model):
    """A dated step under a task, added by bureau staff; completed when an accepted report says so."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due date"))
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("department"), on_delete=models.PROTECT, related_name="milestones"
    )
    targets = models.ManyToManyField(Target, verbose_name=_("targets"), blank=True, related_name="milestones")
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by_report = models.ForeignKey(
        "ProgressReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Planning data under a public task: every signed-in user may read it; only bureau staff write it.
    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["task", "due_date"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date) -> bool:
        return self.completed_on is None and self.due_date < today


class ReportingPeriod(models.Model):
    """A quarter the bureau opens for reporting, e.g. 2026-Q3, with its due dates."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="reporting_periods")
    code = models.CharField(_("period"), max_length=16, help_text=_("e.g. 2026-Q3"))
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    due_date = models.DateField(_("due date (lead departments to the bureau)"))
    supporters_due_date = models.DateField(_("due date (supporting departments to the lead)"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="period_code_unique"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="period_quarter_1_4"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The quarter as the UI writes it: 2026年第3季度 / Q3 2026 (the code 2026-Q3 is for forms and files)."""
        return quarter_label(self.year, self.quarter)


class ProgressReport(models.Model):
    """One department's report on one task for one period (a lead's report is the consolidated one)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        WITH_LEAD = "with_lead", _("Submitted to the lead department")
        WITH_BUREAU = "with_bureau", _("Submitted to the bureau")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead department")
        SUPPORT = "support", _("Supporting department")

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reports")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress_reports")
    department = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="progress_reports")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    # The department a supporter reports to (the task's first lead); empty for lead reports.
    lead_department = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="supporter_reports"
    )
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    work_done = models.TextField(_("work done"), blank=True)
    figures_text = models.TextField(_("key figures"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    milestones_reached = models.ManyToManyField(
        Milestone, verbose_name=_("milestones reached"), blank=True, related_name="reported_in"
    )
    consolidated_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="consolidated_reports"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_comment = models.TextField(_("reason for return"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # A report belongs to its department; the lead's extra right to read its supporters' submitted
    # reports is added in selectors.reports_visible_to.
    data_scope = DataScope(department="department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["period", "task__number", "role", "department__sort_order"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(fields=["period", "task", "department"], name="report_one_per_department"),
        ]
        indexes = [
            models.Index(fields=["period", "state"]),
            models.Index(fields=["department", "period"]),
            models.Index(fields=["lead_department", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.period.code} · {self.task.number} · {self.department}"

    def is_overdue(self, today: dt.date) -> bool:
        """Not yet handed on (to the lead or the bureau) and past its due date."""
        return self.state in (self.State.DRAFT, self.State.RETURNED) and self.due_date < today

    @property
    def was_late(self) -> bool:
        first = self.first_submitted_at
        return first is not None and first.date() > self.due_date


class ReportEvent(models.Model):
    """One workflow step of a report, dated, with who did it and the comment (the timeline)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    department_label = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(_("time"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d}"


class ReportFigure(models.Model):
    """A figure tied to one of the task's targets; it becomes an indicator observation on acceptance."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="figures")
    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    note = models.CharField(_("note"), max_length=200, blank=True)
    observation_recorded = models.BooleanField(default=False)

    class Meta:
        ordering = ["target__order", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "target"], name="figure_one_per_target")]

    def __str__(self) -> str:
        return f"{self.target.code} = {self.value}"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    # Stored under MEDIA_ROOT (var/media, never served statically); the name on disk is random.
    return f"supervision/{instance.report.period.code}/{instance.stored_name}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    stored_name = models.CharField(max_length=80)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=8)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReminderSent(models.Model):
    """One reminder of one kind to one department for one period: the unique key forbids sending twice. The
    reminder itself is a message of the message centre (core.messages), about the period."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    department = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "department", "kind", "due_date"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.department} {self.kind}"
