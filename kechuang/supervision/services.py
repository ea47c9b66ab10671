"""Services that change supervision data; each runs in one transaction and writes the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, messages
from kechuang.core.models import Message, OrgUnit, User
from kechuang.core.periods import quarter_label
from kechuang.core.permissions import is_bureau, require_bureau
from kechuang.core.roles import READ_ONLY, Role
from kechuang.core.storage import StorageFailed
from kechuang.policy.models import Policy, Target, Task, TaskDepartment
from kechuang.supervision import uploads, workflow
from kechuang.supervision.feed import reports_accepted
from kechuang.supervision.models import (
    Milestone,
    ProgressReport,
    ReportAttachment,
    ReportEvent,
    ReportFigure,
    ReportingPeriod,
)

log = logging.getLogger(__name__)
State = ProgressReport.State
# What a milestone's edit may change; its task is fixed once planned.
MILESTONE_FIELDS = ("title", "due_date", "department", "note")
# The texts a reporting department writes (figures and milestones reached have their own checks).
REPORT_TEXT_FIELDS = ("work_done", "figures_text", "problems", "next_steps")


def relation_of(user: Any, report: ProgressReport) -> str:
    """How `user` stands to `report` in the workflow table (workflow.py)."""
    if is_bureau(user):
        return workflow.BUREAU
    if getattr(user, "role", None) != Role.DEPARTMENT_OFFICER or not user.org_unit_id or not user.is_active:
        return workflow.OTHER
    if report.department_id == user.org_unit_id:
        return workflow.LEAD if report.role == ProgressReport.Role.LEAD else workflow.SUPPORTER
    if report.role == ProgressReport.Role.SUPPORT and report.lead_department_id == user.org_unit_id:
        return workflow.CONSOLIDATOR
    return workflow.OTHER


# ---------------------------------------------------------------------------------------------- milestones


def _check_milestone(task: Task, department: OrgUnit, targets: Iterable[Target]) -> None:
    if not TaskDepartment.objects.filter(task=task, department=department).exists():
        raise ValidationError({"department": _("The department must lead or support this task.")})
    for target in targets:
        if target.task_id != task.pk:
            raise ValidationError({"targets": _("Only the task's own targets can be linked.")})


@transaction.atomic
def milestone_create(
    *,
    actor: User,
    task: Task,
    title: str,
    due_date: dt.date,
    department: OrgUnit,
    targets: Iterable[Target] = (),
    note: str = "",
) -> Milestone:
    require_bureau(actor)
    targets = list(targets)
    _check_milestone(task, department, targets)
    milestone = Milestone(task=task, title=title, due_date=due_date, department=department, note=note)
    audit.save(milestone, actor=actor)
    milestone.targets.set(targets)
    return milestone


@transaction.atomic
def milestone_update(*, actor: User, milestone: Milestone, targets: Iterable[Target] | None = None, **fields: Any):
    require_bureau(actor)
    audit.assign(milestone, fields, allowed=MILESTONE_FIELDS)
    chosen = list(targets) if targets is not None else list(milestone.targets.all())
    _check_milestone(milestone.task, milestone.department, chosen)
    audit.save(milestone, actor=actor)
    if targets is not None:
        milestone.targets.set(chosen)
    return milestone


# ---------------------------------------------------------------------------------------------- periods


@transaction.atomic
def period_open(
    *,
    actor: User | None,
    policy: Policy,
    year: int,
    quarter: int,
    due_date: dt.date,
    supporters_due_date: dt.date | None = None,
) -> ReportingPeriod:
    """Open a period: every department gets one report per task it leads or supports."""
    if actor is not None:
        require_bureau(actor)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("The quarter must be 1 to 4.")})
    supporters_due_date = supporters_due_date or due_date
    if supporters_due_date > due_date:
        raise ValidationError(
            {"supporters_due_date": _("Supporting departments must report no later than the lead departments.")}
        )
    code = f"{year}-Q{quarter}"
    if ReportingPeriod.objects.filter(policy=policy, code=code).exists():
        raise ValidationError(
            {"quarter": _("The period %(code)s is already open.") % {"code": quarter_label(year, quarter)}}
        )
    period = ReportingPeriod(
        policy=policy,
        code=code,
        year=year,
        quarter=quarter,
        due_date=due_date,
        supporters_due_date=supporters_due_date,
        opened_by=actor,
    )
    audit.save(period, actor=actor)
    links = list(TaskDepartment.objects.filter(task__policy=policy).order_by("task__number", "role", "order", "id"))
    first_lead: dict[int, int] = {}
    for link in links:
        if link.role == TaskDepartment.Role.LEAD:
            first_lead.setdefault(link.task_id, link.department_id)
    reports = []
    for link in links:
        lead = link.role == TaskDepartment.Role.LEAD
        reports.append(
            ProgressReport(
                period=period,
                task_id=link.task_id,
                department_id=link.department_id,
                role=ProgressReport.Role.LEAD if lead else ProgressReport.Role.SUPPORT,
                lead_department_id=None if lead else first_lead.get(link.task_id),
                due_date=due_date if lead else supporters_due_date,
            )
        )
    ProgressReport.objects.bulk_create(reports)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=period,
        detail={"reports_created": len(reports), "due_date": due_date, "supporters_due_date": supporters_due_date},
    )
    return period


@transaction.atomic
def period_close(*, actor: User, period: ReportingPeriod) -> ReportingPeriod:
    require_bureau(actor)
    period.state = ReportingPeriod.State.CLOSED
    audit.save(period, actor=actor)
    return period


# ---------------------------------------------------------------------------------------------- reports


def _check_editable(actor: Any, report: ProgressReport) -> None:
    relation = relation_of(actor, report)
    if relation not in workflow.AUTHOR_RELATIONS:
        raise PermissionDenied(_("Only the reporting department may edit its report."))
    if report.state == State.ACCEPTED:
        raise ValidationError(_("An accepted report can no longer be changed."), code="accepted")
    if not workflow.can_edit(report.state, relation):
        raise ValidationError(_("This report has been handed on and can no longer be changed."))


@transaction.atomic
def report_update(
    *,
    actor: User,
    report: ProgressReport,
    work_done: str | None = None,
    figures_text: str | None = None,
    problems: str | None = None,
    next_steps: str | None = None,
    milestones_reached: Iterable[Milestone] | None = None,
    figures: dict[int, Decimal | None] | None = None,
) -> ProgressReport:
    """Edit the text, the milestones reached and the figures (target id → value; None removes one)."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _check_editable(actor, report)
    texts = dict(zip(REPORT_TEXT_FIELDS, (work_done, figures_text, problems, next_steps), strict=True))
    audit.update(
        report,
        {name: value.strip() for name, value in texts.items() if value is not None},
        allowed=REPORT_TEXT_FIELDS,
        actor=actor,
    )
    if milestones_reached is not None:
        chosen = list(milestones_reached)
        if any(m.task_id != report.task_id for m in chosen):
            raise ValidationError({"milestones_reached": _("Only the task's own milestones can be reported.")})
        before = sorted(report.milestones_reached.values_list("pk", flat=True))
        report.milestones_reached.set(chosen)
        after = sorted(m.pk for m in chosen)
        if before != after:
            audit.record(actor=actor, action=audit.Action.UPDATE, obj=report, changes={"milestones": [before, after]})
    if figures is not None:
        targets = {t.pk: t for t in Target.objects.filter(task=report.task)}
        for target_id, value in figures.items():
            if target_id not in targets:
                raise ValidationError({"figures": _("Figures can only be given for the task's own targets.")})
            existing = ReportFigure.objects.filter(report=report, target_id=target_id).first()
            if value is None:
                if existing:
                    audit.record(
                        actor=actor, action=audit.Action.DELETE, obj=existing, changes={"value": [existing.value, None]}
                    )
                    existing.delete()
                continue
            figure = existing or ReportFigure(report=report, target=targets[target_id])
            figure.value = value
            audit.save(figure, actor=actor)
    return report


def _notify(users: Iterable[User], kind: str, message: str, url: str, report: ProgressReport) -> None:
    """A message of the message centre about the report (its "needs action" is selectors.message_needs_action)."""
    subject, body = (message, "") if len(message) <= 200 else (message[:199] + "…", message)
    messages.notify(users, kind=kind, subject=subject, body=body, url=url, about=report)


def department_officers(department_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(role=Role.DEPARTMENT_OFFICER, org_unit_id__in=list(department_ids), is_active=True))


def _bureau_users() -> list[User]:
    return list(User.objects.filter(role=Role.BUREAU_STAFF, is_active=True))


def _feed_figures(report: ProgressReport) -> int:
    """Accepted figures feed the indicators (supervision.feed, through core.registry) once the acceptance commits."""
    figures = report.figures.filter(observation_recorded=False)
    count = figures.update(observation_recorded=True)
    if count:
        reports_accepted({report.period.year})
    return count


def _step(
    report: ProgressReport, *, actor: Any, action: str, to_state: str, at: dt.datetime, comment: str = ""
) -> None:
    from_state = report.state
    report.state = to_state
    report.save()
    ReportEvent.objects.create(
        report=report,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=str(actor) if actor is not None else "",
        department_label=str(actor.org_unit) if getattr(actor, "org_unit", None) else "",
        at=at,
        comment=comment,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=report,
        changes={"state": [from_state, to_state]},
        detail={"transition": action, "comment": comment, "at": at},
    )


@transaction.atomic
def report_transition(
    *, actor: User, report: ProgressReport, action: str, comment: str = "", at: dt.datetime | None = None
) -> ProgressReport:
    """Apply one row of the workflow table. `at` backdates the step (demo data and imports only)."""
    report = ProgressReport.objects.select_for_update().select_related("period__policy", "task").get(pk=report.pk)
    to_state = _next_state(actor, report, action)
    comment = comment.strip()
    _check_texts(report, action, comment)
    _TRANSITION_STEPS[action](_Transition(actor, report, action, to_state, at or timezone.now(), comment))
    return report


def _next_state(actor: User, report: ProgressReport, action: str) -> str:
    """The state `action` leads to; PermissionDenied when the actor's relation never allows it, ValidationError
    when the report's state does not."""
    relation = relation_of(actor, report)
    if getattr(actor, "role", None) in READ_ONLY or not any(
        r == relation and a == action for (_s, a, r) in workflow.TRANSITIONS
    ):
        raise PermissionDenied(_("You may not do this with this report."))
    try:
        return workflow.next_state(report.state, action, relation)
    except workflow.TransitionRefused:
        if report.state == State.ACCEPTED:
            raise ValidationError(_("An accepted report can no longer be changed."), code="accepted") from None
        raise ValidationError(
            _("This cannot be done while the report is “%(state)s”.") % {"state": report.get_state_display()}
        ) from None


def _check_texts(report: ProgressReport, action: str, comment: str) -> None:
    if action in workflow.COMMENT_REQUIRED and not comment:
        raise ValidationError({"comment": _("Say why the report is returned.")})
    if action in (workflow.SUBMIT, workflow.CONSOLIDATE) and not report.work_done.strip():
        raise ValidationError({"work_done": ValidationError(_("Write what was done before submitting."), code="empty")})


@dataclass(frozen=True)
class _Transition:
    """One allowed step on a locked report, and what its notifications link to and call the report."""

    actor: User
    report: ProgressReport
    action: str
    to_state: str
    at: dt.datetime
    comment: str

    @property
    def url(self) -> str:
        return reverse("supervision:report", args=[self.report.pk])

    @property
    def label(self) -> str:
        task = self.report.task
        return _("%(period)s, task %(number)s “%(title)s”") % {
            "period": self.report.period.label,
            "number": task.number,
            "title": task.title,
        }

    def step(self, report: ProgressReport, to_state: str, comment: str = "") -> None:
        _step(report, actor=self.actor, action=self.action, to_state=to_state, at=self.at, comment=comment)


def _mark_submitted(t: _Transition) -> None:
    t.report.submitted_at = t.at
    t.report.first_submitted_at = t.report.first_submitted_at or t.at
    t.report.return_comment = ""


def _submit(t: _Transition) -> None:
    """A supporting department hands its report to the lead department, whose officers are told."""
    report = t.report
    _mark_submitted(t)
    t.step(report, t.to_state)
    _notify(
        department_officers([report.lead_department_id]),
        Message.Kind.REVIEW,
        _("%(dept)s submitted its report on %(label)s for consolidation.")
        % {"dept": report.department, "label": t.label},
        t.url,
        report,
    )


def _consolidate(t: _Transition) -> None:
    """The lead department reports to the bureau, taking in its supporters' reports waiting with it."""
    report = t.report
    _mark_submitted(t)
    t.step(report, t.to_state)
    supporters = ProgressReport.objects.filter(
        period=report.period, task=report.task, lead_department=report.department, state=State.WITH_LEAD
    )
    for supporter in supporters:
        supporter.consolidated_into = report
        supporter.save(update_fields=["consolidated_into", "updated_at"])
        audit.record(
            actor=t.actor,
            action=audit.Action.UPDATE,
            obj=supporter,
            changes={"consolidated_into": [None, report.pk]},
            detail={"transition": "consolidated"},
        )
    _notify(
        _bureau_users(),
        Message.Kind.REVIEW,
        _("%(dept)s submitted the consolidated report on %(label)s.") % {"dept": report.department, "label": t.label},
        t.url,
        report,
    )


def _return(t: _Transition) -> None:
    """The consolidating lead or the bureau sends the report back to its department, with the reason."""
    report = t.report
    report.returned_at = t.at
    report.return_comment = t.comment
    report.consolidated_into = None
    t.step(report, t.to_state, t.comment)
    _notify(
        department_officers([report.department_id]),
        Message.Kind.RETURNED,
        _("Your report on %(label)s was returned: %(comment)s") % {"label": t.label, "comment": t.comment},
        t.url,
        report,
    )


def _accept(t: _Transition) -> None:
    """The bureau accepts the report with the supporters' reports consolidated into it; the milestones they
    report are completed and their figures feed the indicators."""
    report = t.report
    report.accepted_at = t.at
    t.step(report, t.to_state, t.comment)
    accepted = [report]
    for supporter in ProgressReport.objects.filter(consolidated_into=report, state=State.WITH_LEAD):
        supporter.accepted_at = t.at
        t.step(supporter, State.ACCEPTED, t.comment)
        accepted.append(supporter)
    _complete_milestones(t, accepted)
    _feed_figures(report)
    _notify(
        department_officers([r.department_id for r in accepted]),
        Message.Kind.DECISION,
        _("The bureau accepted the report on %(label)s.") % {"label": t.label},
        t.url,
        report,
    )


def _complete_milestones(t: _Transition, accepted: list[ProgressReport]) -> None:
    at = t.at
    for milestone in Milestone.objects.filter(reported_in__in=accepted, completed_on__isnull=True).distinct():
        milestone.completed_on = timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
        milestone.completed_by_report = t.report
        audit.save(milestone, actor=t.actor)


_TRANSITION_STEPS = {
    workflow.SUBMIT: _submit,
    workflow.CONSOLIDATE: _consolidate,
    workflow.RETURN: _return,
    workflow.ACCEPT: _accept,
}


def report_submit(*, actor: User, report: ProgressReport, at: dt.datetime | None = None) -> ProgressReport:
    return report_transition(actor=actor, report=report, action=workflow.SUBMIT, at=at)


def report_consolidate(*, actor: User, report: ProgressReport, at: dt.datetime | None = None) -> ProgressReport:
    return report_transition(actor=actor, report=report, action=workflow.CONSOLIDATE, at=at)


def report_return(
    *, actor: User, report: ProgressReport, comment: str, at: dt.datetime | None = None
) -> ProgressReport:
    return report_transition(actor=actor, report=report, action=workflow.RETURN, comment=comment, at=at)


def report_accept(
    *, actor: User, report: ProgressReport, comment: str = "", at: dt.datetime | None = None
) -> ProgressReport:
    return report_transition(actor=actor, report=report, action=workflow.ACCEPT, comment=comment, at=at)


# ---------------------------------------------------------------------------------------------- attachments

UPLOAD_MESSAGES = {
    "too_large": _("is larger than 20 MB"),
    "empty": _("is empty"),
    "bad_type": _("is not an allowed type (PDF, Word, Excel, PowerPoint, PNG, JPG)"),
    "content_mismatch": _("does not contain what its extension says"),
}


@transaction.atomic
def attachment_add(*, actor: User, report: ProgressReport, upload: Any) -> ReportAttachment:
    """Check size, type and content first; nothing is stored when any check fails.

    `upload` is a Django File (an UploadedFile from a form); an oversized one is refused unread."""
    report = ProgressReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    _check_editable(actor, report)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    size = upload.size or 0
    data = b""
    try:
        uploads.check_name_and_size(name, size)
        data = b"".join(upload.chunks())
        kind = uploads.check_upload(name, len(data), data)
    except uploads.UploadRefused as refused:
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            object_type="supervision.reportattachment",
            object_label=name,
            detail={"refused": refused.code, "report": report.pk, "size": size},
            success=False,
        )
        message = f"{name} {UPLOAD_MESSAGES[refused.code]}"
        raise ValidationError({"file": ValidationError(message, code=refused.code)}) from None
    if report.attachments.filter(removed_at__isnull=True).count() >= uploads.MAX_FILES_PER_REPORT:
        limit = uploads.MAX_FILES_PER_REPORT
        raise ValidationError({"file": _("A report can carry at most %(n)s files.") % {"n": limit}})
    attachment = ReportAttachment(
        report=report,
        stored_name=f"{secrets.token_hex(16)}.{kind}",
        original_name=name,
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    try:
        attachment.file.save(attachment.stored_name, ContentFile(data), save=False)
    except StorageFailed as exc:  # a full disk: the partial file is already removed (core/storage.py)
        raise ValidationError({"file": f"{name}: {exc}"}) from None
    try:
        attachment.save()
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            obj=attachment,
            detail={"report": report.pk, "kind": kind, "size": len(data), "sha256": attachment.sha256},
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: ReportAttachment) -> None:
    """Removed from the report while it is editable; the file stays on disk for the record."""
    _check_editable(actor, ProgressReport.objects.select_for_update().get(pk=attachment.report_id))
    attachment.removed_at = timezone.now()
    attachment.save(update_fields=["removed_at"])
    audit.record(actor=actor, action=audit.Action.ARCHIVE, obj=attachment, detail={"report": attachment.report_id})
